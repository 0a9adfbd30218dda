/**
 * The stores of schema migration 008 on SQLite and a real PostgreSQL: invitations (open, renewed,
 * closed once whatever the race) and a person's sessions (listed live, last seen, the others ended).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { type Invitation, InvitationStore } from "../../src/store/invitation-store.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import { SessionStore } from "../../src/store/session-store.js";
import { Store } from "../../src/store/store.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const T = Date.parse("2026-01-01T00:00:00Z");
let pg: RunningPostgres | null = null;
const dir = mkdtempSync(join(tmpdir(), "keyward-people-"));

const backends = [
  { name: "sqlite", open: async () => openDatabase({ dataDir: dir }) },
  {
    name: "postgres",
    open: async () => {
      pg = await startPostgres();
      return openDatabase({ databaseUrl: pg.url, dataDir: dir });
    },
  },
];

afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)("people stores on $name", (backend) => {
  let db: OpenedDatabase;
  let store: Store;
  const agencyId = newId("agency");
  let userId: string;

  beforeAll(async () => {
    db = await backend.open();
    await migrateSchema(db.db, db.dialect);
    store = new Store(db.db, db.dialect);
    await store.insertAgency({
      id: agencyId,
      name: "Acme",
      plan: "agency_pro",
      enhancedSecurity: true,
      legacyCreation: null,
      policyOverride: null,
      createdAt: T,
      updatedAt: T,
    });
    userId = newId("user");
    await store.insertUser({
      id: userId,
      agencyId,
      email: "ann@acme.test",
      name: "Ann",
      passwordHash: null,
      type: "agency",
      role: "admin",
      isOwner: false,
      canManageKeys: true,
      digestOptOut: false,
      locationIds: [],
      createdAt: T,
      updatedAt: T,
      disabledAt: null,
    });
  });
  afterAll(() => db?.close());

  const invitation = (over: Partial<Invitation> = {}): Invitation => ({
    id: newId("invitation"),
    agencyId,
    email: `${newId("user")}@acme.test`,
    name: null,
    type: "account",
    role: "admin",
    locationIds: ["loc_a", "loc_b"],
    canManageKeys: false,
    tokenHash: newId("audit"),
    invitedBy: userId,
    createdAt: T,
    sentAt: T,
    expiresAt: T + 7 * 86_400_000,
    acceptedAt: null,
    acceptedUserId: null,
    cancelledAt: null,
    ...over,
  });

  it("stores an invitation and reads it back by id, token hash and address", async () => {
    const s = new InvitationStore(store);
    const i = invitation({ name: "Nina" });
    await s.insert(i);
    expect(await s.get(i.id)).toEqual(i);
    expect(await store.transaction((tx) => new InvitationStore(tx).byTokenHash(i.tokenHash))).toEqual(i);
    expect(await s.openFor(agencyId, i.email)).toEqual(i);
    expect((await s.listOpen(agencyId)).map((x) => x.id)).toContain(i.id);
    expect(await s.get("inv_nope")).toBeNull();
  });

  it("renews an open invitation; closes it once; a closed one neither renews nor closes again", async () => {
    const s = new InvitationStore(store);
    const i = invitation();
    await s.insert(i);
    expect(await s.renew(i.id, "new-hash", T + 10, T + 20)).toBe(true);
    expect(await s.get(i.id)).toMatchObject({ tokenHash: "new-hash", sentAt: T + 10, expiresAt: T + 20 });
    expect(await s.byTokenHash(i.tokenHash)).toBeNull();
    expect(await s.close(i.id, { acceptedAt: T + 30, acceptedUserId: userId })).toBe(true);
    expect(await s.close(i.id, { cancelledAt: T + 40 })).toBe(false);
    expect(await s.renew(i.id, "newer", T + 50, T + 60)).toBe(false);
    expect(await s.get(i.id)).toMatchObject({
      acceptedAt: T + 30,
      acceptedUserId: userId,
      cancelledAt: null,
    });
    expect((await s.listOpen(agencyId)).map((x) => x.id)).not.toContain(i.id);
    expect(await s.openFor(agencyId, i.email)).toBeNull();
  });

  it("a token hash is unique", async () => {
    const s = new InvitationStore(store);
    await s.insert(invitation({ tokenHash: "same" }));
    await expect(s.insert(invitation({ tokenHash: "same" }))).rejects.toThrow();
  });

  it("lists live sessions by last use, notes use at most once a period, ends the others", async () => {
    const ss = new SessionStore(store);
    const mk = (id: string, createdAt: number, expiresAt = T + 86_400_000) =>
      store.insertSession({
        id,
        userId,
        createdAt,
        expiresAt,
        revokedAt: null,
        ip: "10.0.0.1",
        userAgent: "UA",
      });
    await mk("s-old", T);
    await mk("s-new", T + 1000);
    await mk("s-gone", T, T + 5); // expired
    expect((await ss.listLive(userId, T + 2000)).map((s) => s.id)).toEqual(["s-new", "s-old"]);
    await ss.touch("s-old", T + 60_000, 60_000);
    await ss.touch("s-old", T + 90_000, 60_000); // within the minute: not written
    const live = await ss.listLive(userId, T + 100_000);
    expect(live.map((s) => [s.id, s.lastSeenAt])).toEqual([
      ["s-old", T + 60_000],
      ["s-new", null],
    ]);
    expect((await store.getSession("s-old"))?.lastSeenAt).toBe(T + 60_000);
    expect(await ss.revokeOthers(userId, "s-new", T + 200_000)).toBe(1);
    expect((await ss.listLive(userId, T + 200_000)).map((s) => s.id)).toEqual(["s-new"]);
  });
});
