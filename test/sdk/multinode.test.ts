/**
 * The SDK with two Keyward nodes on one PostgreSQL: a change made on the node the SDK is NOT
 * connected to reaches its cache within a second, carried node to node by LISTEN/NOTIFY and then
 * by the event stream. First with two `keyward serve` processes (revocations over HTTP), then with
 * two instances in this process whose scheduler runs under an injected clock (the scheduler's own
 * invalidations, which it sends with its commit, reach the streams of both nodes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  SERVICE_TOKEN as HARNESS_TOKEN,
  type Harness,
  seedWorld,
  startHarness,
} from "../helpers/harness.js";
import { startPostgres } from "../helpers/postgres.js";
import { type NodeProcess, SERVICE_TOKEN, Session, startNodes } from "../multinode/cluster.js";
import { ManualTimers, until } from "./helpers.js";

let pg: Awaited<ReturnType<typeof startPostgres>>;

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

describe("two keyward processes", () => {
  let nodes: NodeProcess[] = [];
  let kw: Keyward;

  beforeAll(async () => {
    nodes = await startNodes(await pg.createDatabase("sdk_processes"), ["a", "b"], () => ({
      env: { KEYWARD_SCHEDULER: "false" },
    }));
    kw = new Keyward({ baseUrl: nodes[0]!.url, credential: SERVICE_TOKEN, timers: new ManualTimers() });
  }, 120_000);

  afterAll(async () => {
    await kw?.close().catch(() => {});
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it("a revocation made on node b stops the key in an SDK connected to node a within 1 s", async () => {
    expect(await until(() => kw.health().stream === "connected", 10_000)).not.toBeNull();
    const onB = await Session.login(nodes[1]!.url);
    const agencyId = (await onB.request("GET", "/api/me")).body.agency.id as string;
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const k = await onB.request("POST", `/api/accounts/${agencyId}/keys`, { name: `cross-node ${i}` });
      expect(k.status).toBe(201);
      expect((await kw.verify(k.body.token)).code).toBe("valid");
      expect(kw.verifyCached(k.body.token)?.code).toBe("valid");
      const t0 = performance.now();
      expect((await onB.request("POST", `/api/keys/${k.body.key.id}/revoke`)).status).toBe(200);
      const ms = await until(() => kw.verifyCached(k.body.token) === undefined, 1_000);
      expect(ms, `revocation ${i} not heard through node a within 1 s`).not.toBeNull();
      latencies.push(performance.now() - t0);
      expect((await kw.verify(k.body.token)).code).toBe("revoked");
    }
    console.log(`cross-node revocation → SDK (ms): ${latencies.map((l) => l.toFixed(1)).join(", ")}`);
  });
});

describe("two instances, the scheduler on one", () => {
  let database: OpenedDatabase;
  let a: Harness;
  let b: Harness;
  const sdks: Keyward[] = [];

  beforeAll(async () => {
    const url = await pg.createDatabase("sdk_scheduler");
    database = openDatabase({ databaseUrl: url, dataDir: "unused" });
    const t = Date.parse("2026-04-02T00:00:00Z");
    a = await startHarness({ database, clock: new ManualClock(t), env: { KEYWARD_DATABASE_URL: url } });
    b = await startHarness({ database, clock: new ManualClock(t), env: { KEYWARD_DATABASE_URL: url } });
  }, 60_000);

  afterAll(async () => {
    for (const s of sdks) await s.close().catch(() => {});
    await a?.close();
    await b?.close();
    await database?.close();
  });

  it("a warning the scheduler of node a issues reaches SDKs on node a and node b", async () => {
    const w = await seedWorld(a.kw, "agency_pro", "-sched");
    const owner = await new Client(a).login(w.owner);
    const k = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "dormant" }); // due 1 July
    expect(k.status).toBe(201);
    const warnAt = Date.parse("2026-06-17T00:00:00Z");
    a.clock.set(warnAt);
    b.clock.set(warnAt);
    for (const h of [a, b]) {
      const s = new Keyward({
        baseUrl: h.url,
        credential: HARNESS_TOKEN,
        clock: h.clock,
        timers: new ManualTimers(),
        cacheTtlMs: 3_600_000,
      });
      sdks.push(s);
      expect(await until(() => s.health().stream === "connected", 5_000)).not.toBeNull();
      // Used just now, but neither node has flushed it: the scheduler still sees the key dormant.
      expect((await s.verify(k.body.token)).code).toBe("valid");
      expect(s.verifyCached(k.body.token)?.code).toBe("valid");
    }
    const tick = await a.kw.scheduler.tick();
    expect(tick.warnings.flatMap((x) => x.keyIds)).toContain(k.body.key.id);
    for (const s of sdks)
      expect(await until(() => s.verifyCached(k.body.token) === undefined, 1_000)).not.toBeNull();
  });
});
