/**
 * Issue 16 item 3: inviting people by e-mail. The invitation e-mail goes through the real outbox to a
 * real SMTP server; its link's token (stored only as a hash) sets the password once, within 7 days
 * (moved on the injected clock). Resend replaces the link, cancel kills it; every route refuses bad
 * input without changing anything and answers another agency 404. Re-enabling a removed user.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { readable, startSmtp } from "../helpers/smtp.js";

const PUBLIC_URL = "https://keyward.example.test";
const NEW_PASSWORD = "a brand new passphrase for me";
let h: Harness;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let owner: Client;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHarness({
    env: {
      KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      KEYWARD_MAIL_FROM: "Keyward <keyward@acme.test>",
      KEYWARD_PUBLIC_URL: PUBLIC_URL,
    },
  });
  w = await seedWorld(h.kw);
  owner = await client().login(w.owner);
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

/** The console's origin is KEYWARD_PUBLIC_URL's: requests name it, as the browser would. */
const client = () => new Client(h, { origin: PUBLIC_URL });
const invitationsPath = () => `/api/agencies/${w.agencyId}/invitations`;

/** Delivers the outbox and answers the token of the last invitation e-mail to `email`. */
async function tokenMailedTo(email: string): Promise<string> {
  await h.kw.outbox.deliverDue();
  const mail = [...smtp.received].reverse().find((m) => m.to.includes(email));
  expect(mail, `an e-mail to ${email}`).toBeDefined();
  const body = readable(mail!.raw);
  const m = new RegExp(`${PUBLIC_URL.replace(/\./g, "\\.")}/invitation#token=([A-Za-z0-9_-]+)`).exec(body);
  expect(m, "an absolute link to the invitation page").not.toBeNull();
  return m![1]!;
}

async function invitationRows() {
  return h.kw.store.db.selectFrom("invitations").selectAll().execute();
}

async function accept(token: string, password = NEW_PASSWORD, name?: string) {
  return client().post("/api/invitations/accept", { token, password, ...(name ? { name } : {}) });
}

describe("an invitation accepted through the e-mail's link", () => {
  it("creates the user with the role, locations and switch chosen, signs them in, once", async () => {
    const r = await owner.post(invitationsPath(), {
      email: "New.Person@Acme.test",
      name: "New Person",
      type: "account",
      role: "admin",
      locationIds: [w.loc1],
      canManageKeys: false,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: "new.person@acme.test", role: "admin", expired: false });
    expect(Date.parse(r.body.expiresAt) - h.clock.now()).toBe(7 * 86_400_000);
    const listed = await owner.get(invitationsPath());
    expect(listed.body.invitations.map((i: { id: string }) => i.id)).toContain(r.body.id);

    const token = await tokenMailedTo("new.person@acme.test");
    const mail = readable(smtp.received.at(-1)!.raw);
    expect(mail).toContain("Olive Owner invited you to join Acme Agency on Keyward as location admin");
    // Only the hash is stored: the token is in no column of any invitation row.
    expect(JSON.stringify(await invitationRows())).not.toContain(token);

    // A password the rules refuse changes nothing.
    const weak = await accept(token, "short");
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe("validation_failed");
    expect(weak.headers.get("content-type")).toContain("application/problem+json");
    expect((await owner.get(invitationsPath())).body.invitations).toHaveLength(1);

    const person = await accept(token, NEW_PASSWORD, "Nina New");
    expect(person.status).toBe(201);
    expect(person.body.user).toMatchObject({
      email: "new.person@acme.test",
      name: "Nina New",
      type: "account",
      role: "admin",
      locationIds: [w.loc1],
      canManageKeys: false,
    });
    const me = await person.body; // the cookie of that answer signs them in:
    expect(me).toBeDefined();
    const signedIn = client();
    await signedIn.login("new.person@acme.test", NEW_PASSWORD);
    expect((await signedIn.get("/api/me")).body.user.name).toBe("Nina New");
    expect((await owner.get(invitationsPath())).body.invitations).toHaveLength(0);

    // Single use.
    const again = await accept(token, "yet another passphrase here");
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invitation_used");
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=invitation.`);
    expect(audit.body.entries.map((e: { action: string }) => e.action).sort()).toEqual([
      "invitation.accepted",
      "invitation.created",
    ]);
  });

  it("the accepting request sets the session cookie", async () => {
    await owner.post(invitationsPath(), { email: "cookie@acme.test", type: "agency", role: "user" });
    const token = await tokenMailedTo("cookie@acme.test");
    const c = client();
    const r = await c.post("/api/invitations/accept", { token, password: NEW_PASSWORD });
    expect(r.status).toBe(201);
    expect(r.body.user.name).toBe("cookie"); // no name given anywhere: the address's local part
    expect((await c.get("/api/me")).status).toBe(200);
  });

  it("an expired link is refused; a resend makes a new link and the old one stops working", async () => {
    const r = await owner.post(invitationsPath(), { email: "late@acme.test", type: "agency", role: "user" });
    const first = await tokenMailedTo("late@acme.test");
    h.clock.advance(7 * 86_400_000);
    owner = await client().login(w.owner); // sessions last 12 hours of the clock
    const expired = await accept(first);
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe("invitation_expired");
    expect(expired.body.detail).toMatch(/ask an admin to resend it/);
    const listed = (await owner.get(invitationsPath())).body.invitations.find(
      (i: { id: string }) => i.id === r.body.id,
    );
    expect(listed.expired).toBe(true);

    const resent = await owner.post(`${invitationsPath()}/${r.body.id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.expired).toBe(false);
    const second = await tokenMailedTo("late@acme.test");
    expect(second).not.toBe(first);
    const old = await accept(first);
    expect(old.status).toBe(404);
    expect(old.body.code).toBe("invitation_not_found");
    expect((await accept(second)).status).toBe(201);
  });

  it("a cancelled link is refused", async () => {
    const r = await owner.post(invitationsPath(), { email: "nope@acme.test", type: "agency", role: "user" });
    const token = await tokenMailedTo("nope@acme.test");
    const del = await owner.delete(`${invitationsPath()}/${r.body.id}`);
    expect(del.status).toBe(204);
    const refused = await accept(token);
    expect(refused.status).toBe(410);
    expect(refused.body.code).toBe("invitation_cancelled");
    // Cancelling or resending a closed invitation: 409, nothing changes.
    expect((await owner.delete(`${invitationsPath()}/${r.body.id}`)).status).toBe(409);
    expect((await owner.post(`${invitationsPath()}/${r.body.id}/resend`)).status).toBe(409);
    expect(
      await client().post("/api/auth/login", { email: "nope@acme.test", password: NEW_PASSWORD }),
    ).toMatchObject({
      status: 401,
    });
  });
});

describe("bad input changes nothing", () => {
  it("refuses each with a 4xx problem+json and writes no invitation", async () => {
    const before = (await invitationRows()).length;
    const cases: [unknown, number, string][] = [
      [{ email: "not an address", type: "agency", role: "user" }, 400, "validation_failed"],
      [{ email: "x@acme.test", type: "account", role: "user" }, 400, "validation_failed"],
      [
        { email: "x@acme.test", type: "account", role: "user", locationIds: ["loc_nope"] },
        400,
        "validation_failed",
      ],
      [{ email: "x@acme.test", type: "agency", role: "owner" }, 400, "validation_failed"],
      [{ email: "x@acme.test", type: "agency", role: "user", isOwner: true }, 400, "validation_failed"],
      [{ email: w.agencyUser, type: "agency", role: "user" }, 409, "conflict"],
      [
        { email: "x@acme.test", type: "account", role: "user", locationIds: [w.otherLoc] },
        400,
        "validation_failed",
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await owner.post(invitationsPath(), body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.code).toBe(code);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await invitationRows()).length).toBe(before);
    // The same address twice: the second is refused, saying to resend.
    expect(
      (await owner.post(invitationsPath(), { email: "twice@acme.test", type: "agency", role: "user" }))
        .status,
    ).toBe(201);
    const twice = await owner.post(invitationsPath(), {
      email: "twice@acme.test",
      type: "agency",
      role: "user",
    });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/resend or cancel/);
    expect((await invitationRows()).length).toBe(before + 1);

    const accepts: [unknown, number, string][] = [
      [{ token: "", password: NEW_PASSWORD }, 400, "validation_failed"],
      [{ password: NEW_PASSWORD }, 400, "validation_failed"],
      [{ token: "x".repeat(201), password: NEW_PASSWORD }, 400, "validation_failed"],
      [{ token: "made-up", password: NEW_PASSWORD }, 404, "invitation_not_found"],
      [{ token: "made-up", password: NEW_PASSWORD, role: "admin" }, 400, "validation_failed"],
    ];
    for (const [body, status, code] of accepts) {
      const r = await client().post("/api/invitations/accept", body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.code).toBe(code);
    }
    expect((await owner.post(`${invitationsPath()}/inv_nope/resend`)).status).toBe(404);
    expect((await owner.delete(`${invitationsPath()}/inv_nope`)).status).toBe(404);
  });

  it("accepting needs our Origin (it signs in)", async () => {
    const r = await new Client(h, { origin: "https://evil.example" }).post("/api/invitations/accept", {
      token: "whatever",
      password: NEW_PASSWORD,
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("origin_mismatch");
  });
});

describe("who may invite", () => {
  it("agency admins only; other members 403, another agency 404 on every route", async () => {
    const inv = await owner.post(invitationsPath(), {
      email: "guarded@acme.test",
      type: "agency",
      role: "user",
    });
    expect(inv.status).toBe(201);
    for (const email of [w.agencyUser, w.loc1Admin]) {
      const c = await client().login(email);
      expect((await c.get(invitationsPath())).status).toBe(403);
      expect(
        (await c.post(invitationsPath(), { email: "z@acme.test", type: "agency", role: "user" })).status,
      ).toBe(403);
      expect((await c.post(`${invitationsPath()}/${inv.body.id}/resend`)).status).toBe(403);
      expect((await c.delete(`${invitationsPath()}/${inv.body.id}`)).status).toBe(403);
    }
    const other = await client().login(w.otherOwner);
    const theirs = `/api/agencies/${w.otherAgencyId}/invitations`;
    for (const r of [
      await other.get(invitationsPath()),
      await other.post(invitationsPath(), { email: "z@acme.test", type: "agency", role: "user" }),
      await other.post(`${invitationsPath()}/${inv.body.id}/resend`),
      await other.delete(`${invitationsPath()}/${inv.body.id}`),
      // Their own agency's path with our invitation's id: not theirs either.
      await other.post(`${theirs}/${inv.body.id}/resend`),
      await other.delete(`${theirs}/${inv.body.id}`),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.code).toBe("resource_not_found");
    }
    expect((await other.get(theirs)).body.invitations).toEqual([]);
    expect((await owner.get(invitationsPath())).body.invitations.map((i: { id: string }) => i.id)).toContain(
      inv.body.id,
    );
  });
});

describe("disable and re-enable", () => {
  it("a removed user signs in again once re-enabled; only agency admins of their agency may", async () => {
    const clerk = await client().login(w.loc1User);
    const id = (await clerk.get("/api/me")).body.user.id;
    const canSignIn = async () =>
      (await client().post("/api/auth/login", { email: w.loc1User, password: PASSWORD })).status === 200;
    expect((await owner.delete(`/api/users/${id}`)).body.disabled).toBe(true);
    expect(await canSignIn()).toBe(false);
    const other = await client().login(w.otherOwner);
    expect((await other.post(`/api/users/${id}/enable`)).status).toBe(404);
    for (const email of [w.agencyUser, w.loc1Admin]) {
      const c = await client().login(email);
      const r = await c.post(`/api/users/${id}/enable`);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("permission_denied");
    }
    expect((await owner.post("/api/users/usr_nope/enable")).status).toBe(404);
    expect(await canSignIn()).toBe(false);
    const r = await owner.post(`/api/users/${id}/enable`);
    expect(r.status).toBe(200);
    expect(r.body.disabled).toBe(false);
    expect(await canSignIn()).toBe(true);
    expect((await clerk.get("/api/me")).status).toBe(401); // the old session stays ended
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=user.enabled`);
    expect(audit.body.entries).toHaveLength(1);
    // Nobody re-enables themselves.
    const self = await owner.post(`/api/users/${(await owner.get("/api/me")).body.user.id}/enable`);
    expect(self.status).toBe(403);
  });
});

describe("guessing links", () => {
  it("unknown links count as failed attempts of the address: 429 too_many_failures", async () => {
    let last = 0;
    for (let i = 0; i < 40 && last !== 429; i++) last = (await accept(`guess-${i}`)).status;
    expect(last).toBe(429);
    const r = await accept("guess-final");
    expect(r.body.code).toBe("too_many_failures");
    h.clock.advance(3_600_000);
  });
});
