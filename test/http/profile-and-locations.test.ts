/**
 * Issue 16 items 2 and 4: your own sessions (listed with the current one marked, last seen moved by
 * the injected clock, "sign out of other sessions"), the digest's link to the profile, and the
 * locations listing with each location's key count, admins and people.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestEmail } from "../../src/notify/messages.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h?.close());

describe("your sessions", () => {
  it("lists them with this one marked and when each was last seen; signs out of the others", async () => {
    const tablet = await new Client(h, { "user-agent": "Tablet/3.0" }).login(w.agencyAdmin);
    h.clock.advance(60_000);
    const laptop = await new Client(h, { "user-agent": "Laptop/1.0" }).login(w.agencyAdmin);
    h.clock.advance(4 * 60_000);
    const phone = await new Client(h, { "user-agent": "Phone/2.0" }).login(w.agencyAdmin);
    const bystander = await new Client(h).login(w.owner);
    h.clock.advance(5 * 60_000);
    expect((await laptop.get("/api/me")).status).toBe(200); // the laptop is used again: last seen moves

    const list = await phone.get("/api/me/sessions");
    expect(list.status).toBe(200);
    const sessions = list.body.sessions as {
      id: string;
      current: boolean;
      userAgent: string;
      lastSeenAt: string;
      createdAt: string;
    }[];
    // Most recently used first (this request uses the phone's, now): the tablet, unused since, last.
    expect(sessions.map((s) => s.userAgent)).toEqual(["Phone/2.0", "Laptop/1.0", "Tablet/3.0"]);
    expect(sessions.map((s) => s.current)).toEqual([true, false, false]);
    expect(sessions[1]!.lastSeenAt).toBe(new Date(h.clock.now()).toISOString());
    expect(Date.parse(sessions[1]!.createdAt)).toBe(h.clock.now() - 9 * 60_000);
    expect(sessions[2]!.lastSeenAt).toBe(sessions[2]!.createdAt);
    // What is shown is not the stored lookup key of the cookie.
    const stored = await h.kw.store.db.selectFrom("sessions").select("id").execute();
    for (const s of sessions) expect(stored.map((r) => r.id)).not.toContain(s.id);

    const out = await phone.post("/api/me/sessions/sign-out-others");
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: 2 });
    expect((await laptop.get("/api/me")).status).toBe(401);
    expect((await tablet.get("/api/me")).status).toBe(401);
    expect((await phone.get("/api/me")).status).toBe(200);
    expect((await bystander.get("/api/me")).status).toBe(200); // someone else's sessions are theirs
    expect((await phone.get("/api/me/sessions")).body.sessions).toHaveLength(1);
    const audit = await bystander.get(`/api/agencies/${w.agencyId}/audit?action=session.signed_out_others`);
    expect(audit.body.entries).toHaveLength(1);
  });

  it("asks for a session, and refuses another site's page", async () => {
    expect((await new Client(h).get("/api/me/sessions")).status).toBe(401);
    expect((await new Client(h).post("/api/me/sessions/sign-out-others")).status).toBe(401);
    const me = await new Client(h).login(w.agencyUser);
    const evil = new Client(h, { origin: "https://evil.example" });
    evil.cookie = me.cookie;
    const r = await evil.post("/api/me/sessions/sign-out-others");
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("origin_mismatch");
    expect((await me.get("/api/me")).status).toBe(200);
  });

  it("the digest switch is one's own: on in the profile, off for the digest", async () => {
    const me = await new Client(h).login(w.agencyAdmin);
    const id = (await me.get("/api/me")).body.user.id;
    const r = await me.patch(`/api/users/${id}`, { digestOptOut: true });
    expect(r.body.digestOptOut).toBe(true);
    const bad = await me.patch(`/api/users/${id}`, { digestOptOut: "yes" });
    expect(bad.status).toBe(400);
    expect((await me.get("/api/me")).body.user.digestOptOut).toBe(true);
  });
});

describe("the digest's way to the profile", () => {
  it('"turn it off in your profile" links to the profile page', () => {
    const mail = digestEmail({
      agencyName: "Acme",
      accounts: [],
      actionAt: Date.parse("2026-04-01T00:00:00Z"),
      action: "delete",
      inactivityDays: 90,
      consoleUrl: "https://keys.acme.test/",
    });
    expect(mail.text).toContain("you can turn it off in your profile: https://keys.acme.test/profile");
    expect(mail.html).toContain('turn it off in <a href="https://keys.acme.test/profile">your profile</a>');
  });
});

describe("the locations listing", () => {
  it("gives each location's live keys, admins and people; revoked keys and removed people do not count", async () => {
    const owner = await new Client(h).login(w.owner);
    const ids: string[] = [];
    for (const name of ["A", "B", "C"]) {
      const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name });
      expect(r.status).toBe(201);
      ids.push(r.body.key.id);
    }
    expect((await owner.post(`/api/keys/${ids[2]}/revoke`)).status).toBeLessThan(300);
    const list = await owner.get(`/api/agencies/${w.agencyId}/locations`);
    expect(list.status).toBe(200);
    const down = list.body.locations.find((l: { id: string }) => l.id === w.loc1);
    expect(down).toMatchObject({ name: "Downtown", keyCount: 2, userCount: 2 });
    expect(down.admins.map((a: { email: string }) => a.email)).toEqual([w.loc1Admin]);
    const up = list.body.locations.find((l: { id: string }) => l.id === w.loc2);
    expect(up).toMatchObject({ keyCount: 0, userCount: 1 });
    const boss2 = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users.find(
      (u: { email: string }) => u.email === w.loc2Admin,
    );
    await owner.delete(`/api/users/${boss2.id}`);
    const after = (await owner.get(`/api/agencies/${w.agencyId}/locations`)).body.locations;
    expect(after.find((l: { id: string }) => l.id === w.loc2)).toMatchObject({ userCount: 0, admins: [] });

    // An account user sees their own location only; another agency sees none of ours.
    const clerk = await new Client(h).login(w.loc1User);
    const mine = await clerk.get(`/api/agencies/${w.agencyId}/locations`);
    expect(mine.body.locations.map((l: { id: string }) => l.id)).toEqual([w.loc1]);
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/agencies/${w.agencyId}/locations`)).status).toBe(404);
    const theirs = await other.get(`/api/agencies/${w.otherAgencyId}/locations`);
    expect(theirs.body.locations).toEqual([
      expect.objectContaining({ id: w.otherLoc, keyCount: 0, admins: [] }),
    ]);
  });
});
