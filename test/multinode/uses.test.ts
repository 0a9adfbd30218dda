/**
 * Uses from several nodes on one PostgreSQL (two Keyward instances in this process sharing the
 * database, each with its own cache, recorder, bus and clock): batches flushed out of order never
 * move `last_used_at` back, concurrent flushes over the same keys neither deadlock nor lose counts,
 * and a warned key's use is written through on whichever node serves it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import { hashToken } from "../../src/core/token.js";
import { createLogger } from "../../src/logger.js";
import { systemCtx } from "../../src/service/context.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { UsageStore } from "../../src/store/usage-store.js";
import { startPostgres } from "../helpers/postgres.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

let pg: Awaited<ReturnType<typeof startPostgres>>;
let database: OpenedDatabase;
let a: Keyward;
let b: Keyward;
let clockA: ManualClock;
let clockB: ManualClock;
let agencyId: string;

async function node(clock: ManualClock): Promise<Keyward> {
  const config = loadConfig({ KEYWARD_DATABASE_URL: pg.url, KEYWARD_LOG_LEVEL: "silent" });
  return createKeyward({ config, clock, logger: createLogger("silent"), database });
}

async function newKeys(n: number): Promise<{ id: string; token: string }[]> {
  const out: { id: string; token: string }[] = [];
  const ctx = { ...systemCtx, actor: owner };
  for (let i = 0; i < n; i++) {
    const r = await a.keys.create(ctx, agencyId, { name: `key ${i}` });
    out.push({ id: r.key.id, token: r.token });
  }
  return out;
}

let owner: NonNullable<(typeof systemCtx)["actor"]>;

beforeAll(async () => {
  pg = await startPostgres();
  database = openDatabase({ databaseUrl: pg.url, dataDir: "unused", poolSize: 20 });
  clockA = new ManualClock(T0);
  clockB = new ManualClock(T0);
  a = await node(clockA);
  b = await node(clockB);
  const made = await a.accounts.createAgency(systemCtx, {
    name: "Uses Agency",
    plan: "agency_pro",
    owner: { email: "owner@uses.test", name: "Owner", password: "a long enough password" },
  });
  agencyId = made.agency.id;
  owner = {
    userId: made.owner!.id,
    agencyId,
    type: "agency",
    role: "admin",
    isOwner: true,
    canManageKeys: true,
    locationIds: [],
  };
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.close();
  await pg?.stop();
});

const row = (id: string) =>
  database.db
    .selectFrom("api_keys")
    .select(["last_used_at", "last_used_ip", "activity_at", "warned_at"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

it("a node flushing late never moves last_used_at back", async () => {
  const [k] = await newKeys(1);
  clockA.set(T0 + 60_000);
  clockB.set(T0 + 30_000); // b's uses are older (its batch was gathered earlier)
  const use = (ip: string) => ({ use: { ip, userAgent: "ua", endpoint: null } });
  expect((await a.verifier.verify(k!.token, use("10.0.0.1"))).valid).toBe(true);
  expect((await b.verifier.verify(k!.token, use("10.0.0.2"))).valid).toBe(true);
  await a.usage.flush();
  await b.usage.flush();
  const r = await row(k!.id);
  expect(r.last_used_at).toBe(T0 + 60_000);
  expect(r.last_used_ip).toBe("10.0.0.1");
  expect(r.activity_at).toBe(T0 + 60_000);
  const days = await new UsageStore(a.store).usageByDay(k!.id, "2026-01-01");
  expect(days).toEqual([{ day: "2026-01-01", count: 2 }]);
});

it("concurrent flushes over the same keys, gathered in opposite orders, neither deadlock nor lose a use", async () => {
  const keys = await newKeys(60);
  clockA.set(T0 + 120_000);
  clockB.set(T0 + 120_000);
  const rounds = 8;
  for (let round = 0; round < rounds; round++) {
    // a sees the keys in one order, b in the reverse: their batches list the same rows differently.
    for (const k of keys) expect((await a.verifier.verify(k.token)).valid).toBe(true);
    for (const k of [...keys].reverse()) expect((await b.verifier.verify(k.token)).valid).toBe(true);
    await Promise.all([a.usage.flush(), b.usage.flush()]);
  }
  const counts = await database.db
    .selectFrom("usage_daily")
    .select(["key_id", "count"])
    .where(
      "key_id",
      "in",
      keys.map((k) => k.id),
    )
    .execute();
  expect(counts).toHaveLength(keys.length);
  for (const c of counts) expect(c.count).toBe(2 * rounds);
  expect(a.usage.pendingKeys + b.usage.pendingKeys).toBe(0);
});

it("a warned key's use is written through on another node, before the answer", async () => {
  const [k] = await newKeys(1);
  clockB.set(T0 + 110_000);
  expect((await b.verifier.verify(k!.token)).valid).toBe(true); // b caches it, not yet warned
  await b.usage.flush();
  // The scheduler warns the key (on some node) and tells every node to drop its cached entry.
  await database.db
    .updateTable("api_keys")
    .set({ warned_at: T0 + 150_000 })
    .where("id", "=", k!.id)
    .execute();
  await a.keys.invalidate(k!.id);
  const hash = hashToken(k!.token);
  for (let i = 0; b.cache.get(hash) && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
  expect(b.cache.get(hash)).toBeUndefined();
  clockB.set(T0 + 200_000);
  expect((await b.verifier.verify(k!.token)).valid).toBe(true);
  const r = await row(k!.id); // no flush: written before verify returned
  expect(r.last_used_at).toBe(T0 + 200_000);
  expect(r.activity_at).toBe(T0 + 200_000);
});
