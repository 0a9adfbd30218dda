/**
 * Two Keyward nodes on one PostgreSQL (in one process, each with its own cache and its own
 * LISTEN/NOTIFY bus, as the webhooks' multi-node test runs them): an uninstall or a revocation
 * made on node b is refused by node a, whose cache holds the token, within the product's second.
 * Racing refreshes on the two nodes answer the same pair (sealed under the shared deployment secret).
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
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import { basic, consent, exchange, formPost, type RegisteredApp, refresh, registerApp } from "./helpers.js";

const PROMISE_MS = 1_000;
const SECRET = "oauth-multinode-deployment-secret-0123456789";

let pg: RunningPostgres;
let a: Harness;
let b: Harness;
let w: World;
let app: RegisteredApp;
const dirs: string[] = [];
const databases: ReturnType<typeof openDatabase>[] = [];

async function node(clock: ManualClock): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "keyward-oauth-pg-"));
  dirs.push(dir);
  const database = openDatabase({ databaseUrl: pg.url, dataDir: dir });
  databases.push(database);
  return startHarness({ clock, env: { KEYWARD_SECRET: SECRET, KEYWARD_SCHEDULER: "false" }, database });
}

beforeAll(async () => {
  pg = await startPostgres();
  const clock = new ManualClock(T0);
  a = await node(clock);
  b = await node(clock);
  w = await seedWorld(a.kw);
  app = await registerApp(await new Client(a).login(w.owner), w.agencyId);
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  // The harness leaves a database it was given open.
  for (const d of databases) await d.close();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function installOnA() {
  const owner = await new Client(a).login(w.owner);
  const { code } = await consent(a, owner, app, { allow: true, locationIds: "all" });
  const t = await exchange(a, app, code!);
  expect(t.status).toBe(200);
  // Both nodes verify it once: each holds it in its cache.
  for (const n of [a, b])
    expect((await withKey(n, t.body.access_token, "GET", "/v2/locations")).status).toBe(200);
  return t.body as { access_token: string; refresh_token: string; install_id: string };
}

/** Polls node `n` until the token is refused; the time it took, or null past the window. */
async function refusedWithin(
  n: Harness,
  token: string,
  since: number,
): Promise<{ ms: number | null; code: string }> {
  for (;;) {
    const r = await withKey(n, token, "GET", "/v2/locations");
    const elapsed = performance.now() - since;
    if (r.status !== 200) return { ms: elapsed, code: r.body.code };
    if (elapsed > PROMISE_MS) return { ms: null, code: "valid" };
    await new Promise((res) => setTimeout(res, 5));
  }
}

it("uninstall on node b: node a refuses the access token within a second", async () => {
  const t = await installOnA();
  const lt = await formPost(
    a,
    "/oauth/locationToken",
    { locationId: w.loc1 },
    { authorization: `Bearer ${t.access_token}` },
  );
  expect(lt.status).toBe(200);
  expect((await withKey(a, lt.body.access_token, "GET", `/v2/locations/${w.loc1}`)).status).toBe(200);
  const ownerB = await new Client(b).login(w.owner);
  expect((await ownerB.delete(`/api/installs/${t.install_id}`)).status).toBe(204);
  const since = performance.now();
  expect((await withKey(b, t.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
  const onA = await refusedWithin(a, t.access_token, since);
  expect(onA).toMatchObject({ code: "revoked" });
  expect(onA.ms).not.toBeNull();
  console.info(`uninstall on b → refused on a after ${onA.ms!.toFixed(0)} ms`);
  expect((await refusedWithin(a, lt.body.access_token, since)).code).toBe("revoked");
});

it("RFC 7009 revocation by the app on node b: node a refuses within a second", async () => {
  const t = await installOnA();
  const r = await formPost(
    b,
    "/oauth/revoke",
    { token: t.refresh_token },
    { authorization: basic(app.clientId, app.clientSecret!) },
  );
  expect(r.status).toBe(200);
  const onA = await refusedWithin(a, t.access_token, performance.now());
  expect(onA.code).toBe("revoked");
  expect(onA.ms).not.toBeNull();
});

it("a refresh reuse detected on node b revokes the family on node a within a second", async () => {
  const t = await installOnA();
  const first = await refresh(a, app, t.refresh_token);
  expect(first.status).toBe(200);
  expect((await withKey(a, first.body.access_token, "GET", "/v2/locations")).status).toBe(200);
  a.clock.advance(31_000);
  const attack = await refresh(b, app, t.refresh_token);
  expect(attack.body.error).toBe("invalid_grant");
  const onA = await refusedWithin(a, first.body.access_token, performance.now());
  expect(onA.code).toBe("revoked");
  expect(onA.ms).not.toBeNull();
});

it("racing refreshes on both nodes answer the same pair", async () => {
  const t = await installOnA();
  const [x, y] = await Promise.all([refresh(a, app, t.refresh_token), refresh(b, app, t.refresh_token)]);
  expect(x.status, JSON.stringify(x.body)).toBe(200);
  expect(y.status, JSON.stringify(y.body)).toBe(200);
  expect(y.body.access_token).toBe(x.body.access_token);
  expect(y.body.refresh_token).toBe(x.body.refresh_token);
});
