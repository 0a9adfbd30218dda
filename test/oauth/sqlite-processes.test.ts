/**
 * Two Keyward instances on one SQLite file, each with its own cache and change-log poller (as two
 * processes, or a server and the CLI): an uninstall made through one is refused by the other, whose
 * cache holds the token, within a second — the `api_keys.status` trigger of migration 006 carries it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  seedWorld,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";
import { consent, exchange, registerApp } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "keyward-oauth-sqlite-"));
const databases: ReturnType<typeof openDatabase>[] = [];
let a: Harness;
let b: Harness;
let w: World;

async function node(clock: ManualClock): Promise<Harness> {
  const database = openDatabase({ dataDir: dir });
  databases.push(database);
  return startHarness({
    clock,
    env: { KEYWARD_SECRET: "oauth-sqlite-deployment-secret-0123456789ab" },
    database,
  });
}

beforeAll(async () => {
  const clock = new ManualClock(T0);
  a = await node(clock);
  b = await node(clock);
  w = await seedWorld(a.kw);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const d of databases) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

it("uninstall through b is refused by a within a second", async () => {
  const owner = await new Client(a).login(w.owner);
  const app = await registerApp(owner, w.agencyId);
  const { code } = await consent(a, owner, app, { allow: true, locationIds: "all" });
  const t = await exchange(a, app, code!);
  expect(t.status).toBe(200);
  for (const n of [a, b])
    expect((await withKey(n, t.body.access_token, "GET", "/v2/locations")).status).toBe(200);
  const ownerB = await new Client(b).login(w.owner);
  expect((await ownerB.delete(`/api/installs/${t.body.install_id}`)).status).toBe(204);
  const since = performance.now();
  let code2 = "valid";
  while (performance.now() - since < 1_000) {
    const r = await withKey(a, t.body.access_token, "GET", "/v2/locations");
    if (r.status !== 200) {
      code2 = r.body.code;
      break;
    }
    await new Promise((res) => setTimeout(res, 10));
  }
  expect(code2).toBe("revoked");
});
