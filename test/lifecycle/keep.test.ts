/**
 * Keep over HTTP (issue 14 §3), on SQLite and on a real PostgreSQL: an admin spares a warned key with a
 * reason; its inactivity clock restarts from that instant without a use; its warnings and banner go;
 * the sweep leaves it alone; every refusal is a clear 4xx that changes nothing.
 */
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/dialect.js";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const JAN5 = Date.parse("2026-01-05T00:00:00Z");
const MAR10 = Date.parse("2026-03-10T00:00:00Z");
const MAR17 = Date.parse("2026-03-17T00:00:00Z");
const MAR20 = Date.parse("2026-03-20T12:00:00Z");
const MAR31 = Date.parse("2026-03-31T00:00:00Z");
const MAR31_NOON = Date.parse("2026-03-31T12:00:00Z");
const APR1 = Date.parse("2026-04-01T00:00:00Z");

const backends: [string, () => Promise<{ h: Harness; pg?: RunningPostgres }>][] = [
  ["SQLite", async () => ({ h: await startHarness() })],
  [
    "PostgreSQL",
    async () => {
      const pg = await startPostgres();
      const db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
      return { h: await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: pg.url } }), pg };
    },
  ],
];

describe.each(backends)("Keep a warned key (%s)", (_name, start) => {
  let h: Harness;
  let pg: RunningPostgres | undefined;
  let w: World;
  let owner: Client;
  let boss: Client;
  let clerk: Client;
  let stranger: Client;
  const keys: Record<string, { id: string; token: string }> = {};
  const relogin = async () => {
    owner = await new Client(h).login(w.owner);
    boss = await new Client(h).login(w.loc1Admin);
    clerk = await new Client(h).login(w.loc1User);
    stranger = await new Client(h).login(w.otherOwner);
  };
  const at = async (t: number) => {
    h.clock.set(t);
    await relogin();
  };
  const keep = (c: Client, name: string, body: unknown = { reason: "the nightly export still needs it" }) =>
    c.post(`/api/keys/${keys[name]!.id}/keep`, body);
  const warnings = async (c: Client) =>
    (await c.get("/api/me/notifications")).body.notifications.filter(
      (n: { type: string }) => n.type === "inactivity_warning",
    );

  beforeAll(async () => {
    ({ h, pg } = await start());
    w = await seedWorld(h.kw);
    await relogin();
    // 80 days: keys created on 1 January and one used on 5 January all go at the 1 April sweep.
    expect(
      (await owner.patch(`/api/agencies/${w.agencyId}/settings`, { policy: { inactivityDays: 80 } })).status,
    ).toBe(200);
    for (const name of ["Zapier", "Reports script", "Used once"]) {
      const r = await boss.post(`/api/accounts/${w.loc1}/keys`, { name });
      keys[name] = { id: r.body.key.id, token: r.body.token };
    }
    h.clock.set(JAN5);
    expect((await withKey(h, keys["Used once"]!.token, "GET", "/v2/token")).status).toBe(200);
    await h.kw.usage.flush();
  });

  afterAll(async () => {
    await h?.close();
    await pg?.stop();
  });

  it("before any warning there is nothing to keep: 409 nothing_pending", async () => {
    await at(MAR10);
    const r = await keep(boss, "Zapier");
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("nothing_pending");
    expect(r.body.detail).toMatch(/not been warned/);
  });

  it("after the first warning: refusals change nothing", async () => {
    await at(MAR17);
    const tick = await h.kw.scheduler.tick();
    expect(tick.warnings.map((x) => x.keyIds.length)).toEqual([3]);
    const before = (await boss.get(`/api/keys/${keys.Zapier!.id}`)).body;

    const noReason = await keep(boss, "Zapier", {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe("validation_failed");
    expect(noReason.body.issues[0].field).toBe("reason");
    expect((await keep(boss, "Zapier", { reason: "  " })).status).toBe(400);
    expect((await keep(boss, "Zapier", { reason: "x".repeat(501) })).status).toBe(400);
    const notAdmin = await keep(clerk, "Zapier");
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.code).toBe("permission_denied");
    expect((await keep(stranger, "Zapier")).status).toBe(404);

    // The agency forbids Keep: 403 keep_forbidden.
    expect((await owner.patch(`/api/agencies/${w.agencyId}/settings`, { allowKeep: false })).status).toBe(
      200,
    );
    const forbidden = await keep(boss, "Zapier");
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe("keep_forbidden");
    expect(
      (await owner.patch(`/api/agencies/${w.agencyId}/settings`, { allowKeep: true })).body.allowKeep,
    ).toBe(true);

    expect((await boss.get(`/api/keys/${keys.Zapier!.id}`)).body).toEqual(before);
    const audit = (await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.kept`)).body.entries;
    expect(audit).toEqual([]);
  });

  it("keeps: spared, the clock restarts from now, not a use; audited with who and why", async () => {
    await at(MAR20);
    const r = await keep(boss, "Used once");
    expect(r.status).toBe(200);
    expect(r.body.keptAt).toBe("2026-03-20T12:00:00Z");
    expect(r.body.spared).toEqual({ action: "delete", at: "2026-04-01T00:00:00Z" });
    // lastActivity 20 March 12:00 → due 8 June 12:00 → the 1 July sweep.
    expect(Date.parse(r.body.key.nextActionAt)).toBe(Date.parse("2026-07-01T00:00:00Z"));
    expect(r.body.key.daysInactive).toBe(0);
    // Not a use: last used is still 5 January.
    expect(Date.parse(r.body.key.lastUsed.at)).toBe(JAN5);
    expect(await h.kw.store.getKey(keys["Used once"]!.id)).toMatchObject({
      lastUsedAt: JAN5,
      activityAt: MAR20,
    });

    const [entry] = (await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.kept`)).body.entries;
    expect(entry).toMatchObject({ actorType: "user", targetId: keys["Used once"]!.id });
    expect(entry.before).toEqual({
      lastActivityAt: "2026-01-05T00:00:00Z",
      actionAt: "2026-04-01T00:00:00Z",
    });
    expect(entry.after).toMatchObject({
      keyId: keys["Used once"]!.id,
      name: "Used once",
      owner: w.loc1,
      reason: "the nightly export still needs it",
      keptAt: "2026-03-20T12:00:00Z",
      lastUsedAt: "2026-01-05T00:00:00Z",
      sparedAction: "delete",
      sparedActionAt: "2026-04-01T00:00:00Z",
    });

    // Kept once: nothing pending any more in the new cycle.
    const again = await keep(boss, "Used once");
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("nothing_pending");
    // The token still works, and a use after a Keep is an ordinary use.
    expect((await withKey(h, keys["Used once"]!.token, "GET", "/v2/token")).status).toBe(200);
  });

  it("the warning stays while another of its keys is pending; the banner counts only those", async () => {
    await at(MAR31);
    await h.kw.scheduler.tick();
    const banner = await boss.get(`/api/accounts/${w.loc1}/banner`);
    expect(banner.body.keyIds).toEqual([keys.Zapier!.id, keys["Reports script"]!.id].sort());
    expect((await warnings(boss)).length).toBeGreaterThan(0);
    expect((await keep(owner, "Zapier", { reason: "Zapier is seasonal" })).status).toBe(200);
    const after = await boss.get(`/api/accounts/${w.loc1}/banner`);
    expect(after.body.keyIds).toEqual([keys["Reports script"]!.id]);
    // The 15-day warning named all three: one is still pending, so it stays.
    expect((await warnings(boss)).some((n: { keyIds: string[] }) => n.keyIds.length === 3)).toBe(true);
  });

  it("the last pending key kept: its warnings and the banner go", async () => {
    await at(MAR31_NOON);
    const unreadBefore = (await boss.get("/api/me/notifications")).body.unread;
    expect((await keep(boss, "Reports script", { reason: "month-end reports" })).status).toBe(200);
    expect((await boss.get(`/api/accounts/${w.loc1}/banner`)).body).toBeFalsy();
    expect(await warnings(boss)).toEqual([]);
    expect((await boss.get("/api/me/notifications")).body.unread).toBeLessThan(unreadBefore);
  });

  it("the sweep leaves kept keys alone", async () => {
    await at(APR1);
    const r = await h.kw.scheduler.tick();
    expect(r.actions).toEqual([]);
    for (const k of Object.values(keys))
      expect((await boss.get(`/api/keys/${k.id}`)).body.status).toBe("active");
  });
});
