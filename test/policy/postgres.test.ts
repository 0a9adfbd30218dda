/**
 * Rate limits on several nodes sharing one PostgreSQL (two Keyward instances in this process, each
 * with its own limiter, bus and clock; docs/traffic-policy.md): `strict` limits are exact under
 * concurrent requests spread over both nodes; `local` limits count on each node and reconcile
 * through the shared counts, so a node learns what the other took at its next sync.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import type { RateLimit } from "../../src/core/rate-limits.js";
import { createLogger } from "../../src/logger.js";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { startPostgres } from "../helpers/postgres.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

let pg: Awaited<ReturnType<typeof startPostgres>>;
let database: OpenedDatabase;
let a: Keyward;
let b: Keyward;
const clockA = new ManualClock(T0);
const clockB = new ManualClock(T0);
let ownerCtx: Ctx;
let locationId: string;

async function node(clock: ManualClock): Promise<Keyward> {
  const config = loadConfig({ KEYWARD_DATABASE_URL: pg.url, KEYWARD_LOG_LEVEL: "silent" });
  return createKeyward({ config, clock, logger: createLogger("silent"), database });
}

async function keyWith(rateLimits: RateLimit[]): Promise<string> {
  return (await a.keys.create(ownerCtx, locationId, { name: "limited", rateLimits })).token;
}

function call(kw: Keyward, token: string): Promise<number> {
  return Promise.resolve(kw.app.request("/v2/token", { headers: { authorization: `Bearer ${token}` } })).then(
    (r) => r.status,
  );
}

beforeAll(async () => {
  pg = await startPostgres();
  database = openDatabase({ databaseUrl: pg.url, dataDir: "unused", poolSize: 20 });
  a = await node(clockA);
  b = await node(clockB);
  const made = await a.accounts.createAgency(systemCtx, {
    name: "Limits Agency",
    plan: "agency_pro",
    owner: { email: "owner@limits.test", name: "Owner", password: "a long enough password" },
  });
  locationId = (await a.accounts.createLocation(systemCtx, made.agency.id, { name: "Shop" })).location.id;
  ownerCtx = {
    ...systemCtx,
    actorType: "user",
    actorId: made.owner!.id,
    actor: {
      userId: made.owner!.id,
      agencyId: made.agency.id,
      type: "agency",
      role: "admin",
      isOwner: true,
      canManageKeys: true,
      locationIds: [],
    },
  };
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.close();
  await pg?.stop();
});

it("strict: exactly the limit passes, however the concurrent requests are spread over two nodes", async () => {
  clockA.set(T0 + 5_000);
  clockB.set(T0 + 5_000);
  const token = await keyWith([{ name: "strict", limit: 50, windowSeconds: 60, mode: "strict" }]);
  const statuses = await Promise.all(Array.from({ length: 160 }, (_, i) => call(i % 2 ? a : b, token)));
  expect(statuses.filter((s) => s === 200)).toHaveLength(50);
  expect(statuses.filter((s) => s === 429)).toHaveLength(110);
  // Both nodes refuse from now on, and say so in their headers.
  const r = await a.app.request("/v2/token", { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(429);
  // 55 s to the next window, then 1.2 s for ⌈50 × (60 − e) / 60⌉ to leave room for one.
  expect(r.headers.get("ratelimit")).toBe('"strict";r=0;t=57');
  expect(await call(b, token)).toBe(429);
  // The next window: the previous 50 weigh by the share still within 60 s.
  clockA.set(T0 + 60_000 + 30_000); // half: ⌈50 × 0.5⌉ = 25 used, 25 left
  clockB.set(T0 + 60_000 + 30_000);
  const next = await Promise.all(Array.from({ length: 60 }, (_, i) => call(i % 2 ? a : b, token)));
  expect(next.filter((s) => s === 200)).toHaveLength(25);
});

it("local: each node counts in memory and learns the other's counts at its next sync", async () => {
  clockA.set(T0 + 200_000);
  clockB.set(T0 + 200_000);
  const token = await keyWith([{ name: "local", limit: 10, windowSeconds: 60 }]);
  expect(await Promise.all(Array.from({ length: 6 }, () => call(a, token)))).toEqual(Array(6).fill(200));
  await a.limits.sync();
  expect(await call(b, token)).toBe(200); // b's 1st: b knew nothing yet
  await b.limits.sync(); // b now sees a's 6 + its 1
  expect([await call(b, token), await call(b, token), await call(b, token)]).toEqual([200, 200, 200]);
  expect(await call(b, token)).toBe(429);
  // Until a syncs it sees only its own 6: the overshoot the interval allows (docs/traffic-policy.md).
  await b.limits.sync();
  await a.limits.sync();
  const r = await a.app.request("/v2/token", { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(429);
  expect(r.headers.get("x-ratelimit-remaining")).toBe("0");
  // The shared count holds what both took.
  const row = await database.db
    .selectFrom("rate_limit_counts")
    .select(["count"])
    .where("bucket", "like", "k:%:local")
    .where("window_start", "=", T0 + 180_000)
    .executeTakeFirstOrThrow();
  expect(Number(row.count)).toBe(10);
});

it("a change of limits made on one node reaches the other's resolved policies within a second", async () => {
  clockA.set(T0 + 400_000);
  clockB.set(T0 + 400_000);
  const token = await keyWith([{ name: "own", limit: 1000, windowSeconds: 60 }]);
  const policyOnB = async () =>
    (await b.app.request("/v2/token", { headers: { authorization: `Bearer ${token}` } })).headers.get(
      "ratelimit-policy",
    );
  expect(await policyOnB()).toBe('"own";q=1000;w=60');
  await a.limits.setLocationLimits(ownerCtx, locationId, [{ name: "tiny", limit: 50, windowSeconds: 60 }]);
  // Over PostgreSQL's LISTEN/NOTIFY: a genuinely cross-node wait, polled.
  await expect
    .poll(policyOnB, { timeout: 1_000, interval: 50 })
    .toBe('"own";q=1000;w=60, "location.tiny";q=50;w=60');
});
