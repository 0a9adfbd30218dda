/**
 * docs/spec.md §4 rule 7: two schedulers on one database, and a crash between deciding and sending, never
 * send anything twice nor lose anything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logger.js";
import { operatorCtx } from "../../src/service/access.js";
import { systemCtx } from "../../src/service/context.js";
import { type OpenedDatabase, openDatabase, openSqlite } from "../../src/store/dialect.js";
import type { OutboxRow } from "../../src/store/lifecycle-store.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const MAR17 = Date.parse("2026-03-17T00:00:00Z");
const MAR25 = Date.parse("2026-03-25T00:00:00Z");
const APR1 = Date.parse("2026-04-01T00:00:00Z");

interface Node {
  kw: Keyward;
  sent: OutboxRow[];
}

async function node(
  database: OpenedDatabase,
  clock: ManualClock,
  dir: string,
  beforeCommit?: (agencyId: string) => void,
): Promise<Node> {
  const config = loadConfig({
    KEYWARD_DATA_DIR: dir,
    KEYWARD_LOG_LEVEL: "silent",
    KEYWARD_SCHEDULER: "false",
  });
  const sent: OutboxRow[] = [];
  const kw = await createKeyward({
    config,
    clock,
    logger: createLogger("silent"),
    database,
    lifecycle: {
      background: false,
      transport: { send: async (m) => void sent.push(m), close() {} },
      ...(beforeCommit ? { beforeCommit } : {}),
    },
  });
  return { kw, sent };
}

/** Five agencies, each with an admin, two locations with an admin, and keys in every account. */
async function seed(kw: Keyward): Promise<string[]> {
  const keys: string[] = [];
  for (let a = 0; a < 5; a++) {
    const { agency } = await kw.accounts.createAgency(systemCtx, {
      name: `Agency ${a}`,
      plan: "agency_pro",
      owner: { email: `owner${a}@x.test`, name: "Owner" },
    });
    const ctx = operatorCtx(agency.id);
    for (let l = 0; l < 2; l++) {
      const { location } = await kw.accounts.createLocation(systemCtx, agency.id, { name: `Loc ${a}.${l}` });
      await kw.users.createUser(systemCtx, agency.id, {
        email: `boss${a}.${l}@x.test`,
        name: "Boss",
        type: "account",
        role: "admin",
        locationIds: [location.id],
      });
      for (let k = 0; k < 3; k++)
        keys.push((await kw.keys.create(ctx, location.id, { name: `key ${k}` })).key.id);
    }
    keys.push((await kw.keys.create(ctx, agency.id, { name: "agency key" })).key.id);
  }
  return keys;
}

async function counts(kw: Keyward) {
  const db = kw.store.db;
  const n = async (q: Promise<{ n: unknown }[]>) => Number((await q)[0]!.n);
  return {
    notifications: await n(db.selectFrom("notifications").select(sql<number>`count(*)`.as("n")).execute()),
    recipients: await n(
      db.selectFrom("notification_recipients").select(sql<number>`count(*)`.as("n")).execute(),
    ),
    events: await n(db.selectFrom("lifecycle_events").select(sql<number>`count(*)`.as("n")).execute()),
    emails: await n(db.selectFrom("outbox").select(sql<number>`count(*)`.as("n")).execute()),
    deleted: await n(
      db
        .selectFrom("api_keys")
        .select(sql<number>`count(*)`.as("n"))
        .where("status", "=", "deleted")
        .execute(),
    ),
    deletionAudits: await n(
      db
        .selectFrom("audit_log")
        .select(sql<number>`count(*)`.as("n"))
        .where("action", "=", "key.deleted")
        .execute(),
    ),
  };
}

// 5 agencies × (2 locations × 3 keys + 1 agency key) = 35 keys; per agency 3 accounts → 15 notifications
// per lead; 10 location admins + 5 owners; one digest per agency.
const AFTER_FIRST = {
  notifications: 15,
  recipients: 15,
  events: 70,
  emails: 5,
  deleted: 0,
  deletionAudits: 0,
};
const AFTER_SWEEP = {
  notifications: 45,
  recipients: 45,
  events: 35 * 5,
  emails: 5,
  deleted: 35,
  deletionAudits: 35,
};

async function twoSchedulers(open: () => OpenedDatabase, tune?: (d: OpenedDatabase) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "keyward-2s-"));
  const clock = new ManualClock(T0);
  const d1 = open();
  const d2 = open();
  if (tune) {
    await tune(d1);
    await tune(d2);
  }
  const a = await node(d1, clock, dir);
  const b = await node(d2, clock, dir);
  try {
    await seed(a.kw);
    for (const at of [MAR17, MAR25, Date.parse("2026-03-31T00:00:00Z"), APR1]) {
      clock.set(at);
      const [ra, rb] = await Promise.all([a.kw.scheduler.tick(at), b.kw.scheduler.tick(at)]);
      // Whatever the split, the two together did each thing once.
      if (at === MAR17) {
        expect(ra.warnings.length + rb.warnings.length).toBe(15);
        expect(await counts(a.kw)).toEqual(AFTER_FIRST);
      }
    }
    expect(await counts(a.kw)).toEqual(AFTER_SWEEP);
    // Running again at the same instants changes nothing.
    for (const at of [MAR17, MAR25, APR1])
      await Promise.all([a.kw.scheduler.tick(at), b.kw.scheduler.tick(at)]);
    expect(await counts(b.kw)).toEqual(AFTER_SWEEP);
    // Both deliver the outbox at once: each digest goes out once.
    await Promise.all([a.kw.outbox.deliverDue(APR1), b.kw.outbox.deliverDue(APR1)]);
    expect(a.sent.length + b.sent.length).toBe(5);
    expect(new Set([...a.sent, ...b.sent].map((m) => m.id)).size).toBe(5);
  } finally {
    await a.kw.close();
    await b.kw.close();
    await d1.close();
    await d2.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("two scheduler instances on one database", () => {
  it("SQLite: two connections to one file, ticking at the same instants", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-2s-db-"));
    try {
      await twoSchedulers(
        () => openSqlite(join(dir, "keyward.sqlite")),
        async (d) => void (await sql`pragma busy_timeout = 50`.execute(d.db)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("PostgreSQL", () => {
    let pg: RunningPostgres;
    beforeAll(async () => {
      pg = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await pg?.stop();
    });

    it("two pools on one database: SKIP LOCKED splits the agencies, nothing twice", async () => {
      const url = await pg.createDatabase("two_schedulers");
      await twoSchedulers(() => openDatabase({ databaseUrl: url, dataDir: tmpdir(), poolSize: 4 }));
    }, 60_000);
  });
});

describe("a crash between deciding and sending", () => {
  it("a crash before commit records nothing; the next run issues everything, once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-crash-"));
    const file = join(dir, "keyward.sqlite");
    const clock = new ManualClock(T0);
    let crash = true;
    const db1 = openSqlite(file);
    const a = await node(db1, clock, dir, () => {
      if (crash) throw new Error("power cut");
    });
    try {
      const keys = await seed(a.kw);
      clock.set(MAR17);
      await expect(a.kw.scheduler.tick(MAR17)).rejects.toThrow("power cut");
      expect(await counts(a.kw)).toEqual({
        ...AFTER_FIRST,
        notifications: 0,
        recipients: 0,
        events: 0,
        emails: 0,
      });
      const k = await a.kw.store.getKey(keys[0]!);
      expect(k?.warnedAt).toBeNull();
      crash = false;
      await a.kw.scheduler.tick(MAR17);
      expect(await counts(a.kw)).toEqual(AFTER_FIRST);
    } finally {
      await a.kw.close();
      await db1.close();
    }

    // Decided and committed, then the process died before sending: a new process sends each once.
    const db2 = openSqlite(file);
    const b = await node(db2, clock, dir);
    try {
      clock.set(MAR17 + 60_000);
      expect((await b.kw.scheduler.tick()).warnings).toEqual([]);
      const r = await b.kw.outbox.deliverDue();
      expect(r.sent.length).toBe(5);
      expect((await b.kw.outbox.deliverDue()).sent).toEqual([]);
      expect(b.sent.map((m) => m.to[0]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `owner${i}@x.test`));
      expect(await counts(b.kw)).toEqual(AFTER_FIRST);
    } finally {
      await b.kw.close();
      await db2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a sender that dies mid-send leaves a claim that lapses; the message is retried, not lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-lease-"));
    const clock = new ManualClock(T0);
    const db = openSqlite(join(dir, "keyward.sqlite"));
    const a = await node(db, clock, dir);
    try {
      await seed(a.kw);
      clock.set(MAR17);
      await a.kw.scheduler.tick();
      const { LifecycleStore } = await import("../../src/store/lifecycle-store.js");
      const ls = new LifecycleStore(a.kw.store);
      const [m] = await ls.dueEmails(MAR17, 1);
      // Claimed by a worker that then vanished.
      expect(await ls.claimEmail(m!, MAR17 + 5 * 60_000)).toBe(true);
      expect((await a.kw.outbox.deliverDue(MAR17)).sent.length).toBe(4);
      expect((await a.kw.outbox.deliverDue(MAR17 + 5 * 60_000)).sent).toEqual([m!.id]);
      expect(a.sent.length).toBe(5);
    } finally {
      await a.kw.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
