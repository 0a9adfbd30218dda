/**
 * The SQLite change log and its poll (issue 10 item 1), with two Keyward instances on one file (each
 * its own connection, as two processes have): what is logged, what is not, and how a process that
 * fell behind the pruning recovers. Ticks are driven by hand (`poll()`), not by waiting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { operatorCtx } from "../../src/cli/runtime.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import type { Invalidation } from "../../src/service/cache.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import { SqliteBus } from "../../src/store/sqlite-bus.js";
import { UsageStore } from "../../src/store/usage-store.js";
import { seedWorld, type World } from "../helpers/harness.js";

const dir = mkdtempSync(join(tmpdir(), "keyward-sqlite-bus-"));
let a: Keyward;
let b: Keyward;
const databases: OpenedDatabase[] = [];
let w: World;
const heard: Invalidation[] = [];

/** A Keyward with its own connection to the file, whose bus polls only when told to. */
async function open(): Promise<Keyward> {
  const logger = createLogger("silent");
  const database = openDatabase({ dataDir: dir });
  databases.push(database);
  await migrateSchema(database.db, database.dialect);
  const bus = await SqliteBus.open({ db: database.db, logger, pollMs: 3_600_000 });
  return createKeyward({
    config: loadConfig({ KEYWARD_DATA_DIR: dir, KEYWARD_LOG_LEVEL: "silent" }),
    logger,
    database,
    bus,
  });
}

beforeAll(async () => {
  a = await open();
  b = await open();
  w = await seedWorld(a);
  await busOf(a).poll();
  a.bus.subscribe((m) => heard.push(m));
});
afterAll(async () => {
  await a.close();
  await b.close();
  for (const d of databases) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

function busOf(kw: Keyward): SqliteBus {
  return kw.bus as SqliteBus;
}

/** What `a` applies on its next tick (each message once). */
async function heardAfterPoll(): Promise<Invalidation[]> {
  heard.length = 0;
  await busOf(a).poll();
  return [...new Set(heard.map((m) => JSON.stringify(m)))].map((m) => JSON.parse(m));
}

describe("the SQLite change log", () => {
  it("carries another process's key and agency changes, and nothing when nothing changed", async () => {
    expect(a.bus).toBeInstanceOf(SqliteBus);
    const ctx = operatorCtx(w.agencyId);
    const { key } = await b.keys.create(ctx, w.loc1, { name: "watched" });
    expect(await heardAfterPoll()).toEqual([]); // a new key is in nobody's cache
    const reads = busOf(a).reads;
    expect(await heardAfterPoll()).toEqual([]);
    expect(busOf(a).reads).toBe(reads); // data_version unchanged: the log was not even read

    await b.keys.revoke(ctx, key.id);
    expect(await heardAfterPoll()).toEqual([{ type: "key", id: key.id }]);

    const agency = (await b.store.getAgency(w.agencyId))!;
    await b.store.transaction((s) => s.updateAgency({ ...agency, plan: "starter" }));
    expect(await heardAfterPoll()).toEqual([{ type: "agency", id: w.agencyId }]);
    await b.store.transaction((s) => s.updateAgency({ ...agency, plan: "agency_pro" }));
    expect(await heardAfterPoll()).toEqual([{ type: "agency", id: w.agencyId }]);
  });

  it("records no change for use recording or the scheduler's claim of an agency", async () => {
    const ctx = operatorCtx(w.agencyId);
    const { key } = await b.keys.create(ctx, w.loc1, { name: "busy" });
    await heardAfterPoll();
    const before = await sql<{ n: number }>`select count(*) as n from change_log`.execute(b.store.db);
    const now = Date.now();
    await new UsageStore(b.store).recordUses([
      {
        keyId: key.id,
        tokenHash: null,
        lastUsedAt: now,
        ip: "192.0.2.1",
        userAgent: "test",
        days: new Map([[new Date(now).toISOString().slice(0, 10), 3]]),
        details: null,
      },
    ]);
    await b.store.db
      .updateTable("agencies")
      .set({ updated_at: sql`updated_at` })
      .where("id", "=", w.agencyId)
      .execute();
    const after = await sql<{ n: number }>`select count(*) as n from change_log`.execute(b.store.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect(await heardAfterPoll()).toEqual([]);
  });

  it("a process that missed pruned rows drops its whole cache", async () => {
    const ctx = operatorCtx(w.agencyId);
    const one = await b.keys.create(ctx, w.loc1, { name: "one" });
    const two = await b.keys.create(ctx, w.loc1, { name: "two" });
    await heardAfterPoll();
    await b.keys.revoke(ctx, one.key.id);
    await b.keys.revoke(ctx, two.key.id);
    // Pruned before `a` read them (as if `a` had been away longer than the retention).
    const newest = await sql<{ id: number }>`select max(id) as id from change_log`.execute(b.store.db);
    await sql`delete from change_log where id < ${newest.rows[0]!.id}`.execute(b.store.db);
    expect(await heardAfterPoll()).toEqual([{ type: "all" }]);
  });
});
