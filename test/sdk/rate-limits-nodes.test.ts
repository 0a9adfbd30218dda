/**
 * The SDK's in-process limits across Keyward nodes (docs/traffic-policy.md, "The SDK"): two nodes on
 * one database (SQLite file, PostgreSQL), one SDK on each. What an SDK reports to its node is shared
 * by that node's sync, and the other SDK hears it from its own node. Syncs and reconciles are run by
 * hand on the shared injected clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import { ManualTimers, until } from "./helpers.js";

async function codes(kw: Keyward, token: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await kw.verify(token)).code);
  return out;
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`SDK limits across two nodes, on ${driver}`, () => {
    let pg: RunningPostgres | undefined;
    let dir: string;
    let db: OpenedDatabase;
    let db2: OpenedDatabase;
    let a: Harness;
    let b: Harness;
    let w: World;
    const sdks: Keyward[] = [];
    const clock = new ManualClock(T0 + 1_000);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "keyward-sdk-limits-"));
      let env: Record<string, string> = {};
      if (driver === "postgres") pg = await startPostgres();
      if (pg) env = { KEYWARD_DATABASE_URL: pg.url };
      db = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      a = await startHarness({ database: db, env, clock });
      db2 = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      b = await startHarness({ database: db2, env, clock });
      w = await seedWorld(a.kw, "agency_pro", `-${driver}`);
    }, 120_000);

    afterAll(async () => {
      for (const kw of sdks) await kw.close();
      await a?.close();
      await b?.close();
      await db?.close();
      await db2?.close();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const sdkOn = async (h: Harness) => {
      const kw = new Keyward({
        baseUrl: h.url,
        credential: SERVICE_TOKEN,
        clock,
        timers: new ManualTimers(),
      });
      sdks.push(kw);
      expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
      return kw;
    };

    it("an SDK on node b hears what an SDK on node a counted, once both nodes have synced", async () => {
      const owner = await new Client(a).login(w.owner);
      const r = await owner.post(`/api/accounts/${w.loc1}/keys`, {
        name: "shared",
        scopes: [],
        rateLimits: [{ name: "burst", limit: 10, windowSeconds: 10 }],
      });
      expect(r.status).toBe(201);
      const token = r.body.token as string;
      const sa = await sdkOn(a);
      const sb = await sdkOn(b);
      expect(await codes(sa, token, 6)).toEqual(Array(6).fill("valid")); // 1 at node a, 5 in sa
      await sa.syncLimits(); // node a: 6
      await a.kw.limits.sync(); // shared: 6
      expect(await codes(sb, token, 1)).toEqual(["valid"]); // node b: 1
      await b.kw.limits.sync(); // shared: 7, node b hears 7
      await sb.syncLimits(); // sb hears 7
      expect(await codes(sb, token, 4)).toEqual(["valid", "valid", "valid", "rate_limited"]);
      // And back: node a, then sa, hear sb's three.
      await sb.syncLimits();
      await b.kw.limits.sync();
      await a.kw.limits.sync();
      await sa.syncLimits();
      expect(await codes(sa, token, 1)).toEqual(["rate_limited"]);
    });
  });
}
