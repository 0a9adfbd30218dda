/**
 * Issue 10 §18: nothing tells one tenant about another's people or tokens.
 * - E-mail addresses are unique per agency: an address used in another agency can be added; a
 *   duplicate within the agency is still 409.
 * - Sign-in with an address that has accounts in several agencies asks which one, listing only
 *   the agencies where the password matched; `agencyId` picks one. Every path costs a password hash.
 * - Importing a token that is already stored: one refusal, byte for byte the same whichever agency
 *   holds it, and an audit entry in the holder's agency.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCtx } from "../../src/service/context.js";
import {
  Client,
  type Harness,
  PASSWORD,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

function login(body: Record<string, unknown>) {
  return new Client(h).post("/api/auth/login", body);
}

describe("e-mail addresses are unique per agency", () => {
  it("adds a user whose address exists in another agency; refuses one that exists in this agency", async () => {
    // w.otherOwner belongs to the other agency.
    const r = await owner.post(`/api/agencies/${w.agencyId}/users`, {
      email: w.otherOwner,
      name: "Same address, other agency",
      type: "agency",
      role: "user",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ agencyId: w.agencyId, email: w.otherOwner });
    const dup = await owner.post(`/api/agencies/${w.agencyId}/users`, {
      email: w.agencyUser.toUpperCase(),
      name: "Twice",
      type: "agency",
      role: "user",
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("conflict");
    expect(dup.body.detail).toBe(`A user with e-mail ${w.agencyUser} already exists in this agency.`);
  });

  it("changes an address to one used in another agency, not to one used in this agency", async () => {
    const users = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users;
    const clerk = users.find((u: any) => u.email === w.loc1User);
    const moved = await owner.patch(`/api/users/${clerk.id}`, { email: "clerk@other.test" });
    expect(moved.status).toBe(200);
    await h.kw.users.createUser(systemCtx, w.otherAgencyId, {
      email: "taken-elsewhere@other.test",
      name: "Elsewhere",
      type: "agency",
      role: "user",
    });
    expect(
      (await owner.patch(`/api/users/${clerk.id}`, { email: "taken-elsewhere@other.test" })).status,
    ).toBe(200);
    const clash = await owner.patch(`/api/users/${clerk.id}`, { email: w.agencyAdmin });
    expect(clash.status).toBe(409);
    await owner.patch(`/api/users/${clerk.id}`, { email: w.loc1User });
  });

  it("through the platform API and the service API as well", async () => {
    const { token } = (
      await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "users", scopes: ["users.write"] })
    ).body;
    const v2 = await withKey(h, token, "POST", "/v2/users", {
      email: w.otherOwner,
      name: "x",
      type: "agency",
    });
    // Already added above in this agency: a duplicate here, whatever the other agency has.
    expect(v2.status).toBe(409);
    const fresh = await withKey(h, token, "POST", "/v2/users", {
      email: "only-other@other.test",
      name: "x",
      type: "agency",
    });
    expect(fresh.status).toBe(201);
    const res = await fetch(`${h.url}/api/agencies`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "Third",
        owner: { email: w.owner, name: "Same owner", password: PASSWORD },
      }),
    });
    expect(res.status).toBe(201);
  });
});

describe("signing in with an address that has accounts in several agencies", () => {
  const email = "multi@tenants.test";
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    for (const [name, password] of [
      ["Alpha", PASSWORD],
      ["Beta", PASSWORD],
      ["Gamma", "a different password entirely"],
    ] as const) {
      const { agency } = await h.kw.accounts.createAgency(systemCtx, {
        name,
        plan: "starter",
        owner: { email, name: `${name} owner`, password },
      });
      ids[name] = agency.id;
    }
  });

  it("asks which agency, naming only those where the password matched", async () => {
    const r = await login({ email, password: PASSWORD });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("agency_choice_required");
    expect(r.body.agencies).toEqual([
      { id: ids.Alpha, name: "Alpha" },
      { id: ids.Beta, name: "Beta" },
    ]);
    expect(r.headers.get("set-cookie")).toBeNull();
  });

  it("signs in to the chosen agency", async () => {
    const c = new Client(h);
    const r = await c.post("/api/auth/login", { email, password: PASSWORD, agencyId: ids.Beta });
    expect(r.status).toBe(200);
    expect(r.body.user.agencyId).toBe(ids.Beta);
    expect((await c.get("/api/me")).body.agency.name).toBe("Beta");
  });

  it("signs in directly when the password matches one account only", async () => {
    const r = await login({ email, password: "a different password entirely" });
    expect(r.status).toBe(200);
    expect(r.body.user.agencyId).toBe(ids.Gamma);
  });

  it("answers login_failed for a wrong password, and for an agency where it does not match or there is no account", async () => {
    for (const body of [
      { email, password: "wrong wrong wrong" },
      { email, password: PASSWORD, agencyId: ids.Gamma },
      { email, password: PASSWORD, agencyId: w.agencyId },
      { email, password: PASSWORD, agencyId: "agy_nope" },
    ]) {
      const r = await login(body);
      expect(r.status, JSON.stringify(body)).toBe(401);
      expect(r.body.code).toBe("login_failed");
      expect(r.body.detail).toBe("The e-mail or password is wrong.");
    }
  });

  it("leaves a disabled account out of the choice", async () => {
    const users = await h.kw.store.listUsersByEmail(email);
    const alpha = users.find((u) => u.agencyId === ids.Alpha)!;
    await h.kw.store.updateUser({ ...alpha, disabledAt: h.clock.now() });
    try {
      const r = await login({ email, password: PASSWORD });
      expect(r.status).toBe(200);
      expect(r.body.user.agencyId).toBe(ids.Beta);
    } finally {
      await h.kw.store.updateUser(alpha);
    }
  });

  it("computes as many password hashes for an unknown address as for one with one or several accounts", async () => {
    // Counted, not timed: the time of a failed sign-in follows the hashes computed, and a count
    // does not flake on a busy machine.
    const { SIGNIN_HASHES } = await import("../../src/service/sessions.js");
    const shared = "shared-address@twice.test";
    const otherOwner = await new Client(h).login(w.otherOwner);
    for (const [client, agencyId] of [
      [owner, w.agencyId],
      [otherOwner, w.otherAgencyId],
    ] as const) {
      const made = await client.post(`/api/agencies/${agencyId}/users`, {
        email: shared,
        name: "Twice",
        type: "agency",
        role: "user",
        password: "a perfectly fine passphrase",
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
    }
    const work = async (body: Record<string, unknown>) => {
      const before = h.kw.sessions.passwordHashesComputed;
      const r = await login(body);
      expect(r.status).toBe(401);
      return h.kw.sessions.passwordHashesComputed - before;
    };
    const wrong = "wrong wrong wrong";
    expect(await work({ email: "nobody-at-all@nowhere.test", password: wrong })).toBe(SIGNIN_HASHES);
    expect(await work({ email: w.agencyUser, password: wrong })).toBe(SIGNIN_HASHES);
    expect(await work({ email: shared, password: wrong })).toBe(SIGNIN_HASHES);
    expect(await work({ email: w.agencyUser, password: wrong, agencyId: w.otherAgencyId })).toBe(
      SIGNIN_HASHES,
    );
  });

  it("records a failed sign-in in an agency only when it can only have meant that agency's account", async () => {
    // Any agency may add an account with any address: a failed sign-in for an address held in
    // several agencies must not show the person's address and browser to another tenant.
    const victim = "victim@elsewhere.test";
    const otherOwner = await new Client(h).login(w.otherOwner);
    expect(
      (
        await otherOwner.post(`/api/agencies/${w.otherAgencyId}/users`, {
          email: victim,
          name: "Victim",
          type: "agency",
          role: "user",
          password: "the victim's own passphrase",
        })
      ).status,
    ).toBe(201);
    const failed = async () =>
      (
        await h.kw.database.db
          .selectFrom("audit_log")
          .select("id")
          .where("action", "=", "session.login_failed")
          .where("agency_id", "is", null)
          .execute()
      ).length;
    const inAgency = async (agencyId: string) =>
      (await h.kw.store.listAudit({ agencyId, action: "session.login_failed", limit: 500 })).filter(
        (e) => e.targetId !== null,
      ).length;

    // One account: the attempt is recorded in its agency.
    let before = await inAgency(w.otherAgencyId);
    expect((await login({ email: victim, password: "a wrong guess here" })).status).toBe(401);
    expect(await inAgency(w.otherAgencyId)).toBe(before + 1);

    // Acme adds the same address: the victim's next mistake is recorded in neither agency.
    expect(
      (
        await owner.post(`/api/agencies/${w.agencyId}/users`, {
          email: victim,
          name: "Copycat",
          type: "agency",
          role: "user",
        })
      ).status,
    ).toBe(201);
    before = await inAgency(w.otherAgencyId);
    const acmeBefore = await inAgency(w.agencyId);
    const withoutAgency = await failed();
    expect((await login({ email: victim, password: "another wrong guess" })).status).toBe(401);
    expect(await failed()).toBe(withoutAgency + 1);
    expect(await inAgency(w.agencyId)).toBe(acmeBefore);
    expect(await inAgency(w.otherAgencyId)).toBe(before);
    // Naming the agency makes it that agency's.
    expect(
      (await login({ email: victim, password: "a third wrong guess", agencyId: w.otherAgencyId })).status,
    ).toBe(401);
    expect(await inAgency(w.otherAgencyId)).toBe(before + 1);
    expect(await inAgency(w.agencyId)).toBe(acmeBefore);
  });
});

describe("importing a token that is already stored", () => {
  it("gets one refusal, byte for byte the same whoever holds it, and tells the holder", async () => {
    const ours = (await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "ours" })).body;
    const otherOwner = await new Client(h).login(w.otherOwner);
    const theirs = (await otherOwner.post(`/api/accounts/${w.otherLoc}/keys`, { name: "theirs" })).body;

    const attempt = async (token: string) => {
      const res = await fetch(`${h.url}/api/accounts/${w.loc1}/keys/import`, {
        method: "POST",
        headers: { cookie: owner.cookie, origin: h.origin, "content-type": "application/json" },
        body: JSON.stringify({ name: "imported", kind: "private_integration", token }),
      });
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };
    const sameAgency = await attempt(ours.token);
    const otherAgency = await attempt(theirs.token);
    expect(sameAgency.status).toBe(409);
    expect(otherAgency).toEqual(sameAgency);
    expect(JSON.parse(otherAgency.text)).toMatchObject({
      code: "conflict",
      detail: "This token is already known to Keyward: it cannot be imported twice.",
    });
    // By hash: the same answer again.
    const byHash = await fetch(`${h.url}/api/accounts/${w.loc1}/keys/import`, {
      method: "POST",
      headers: { cookie: owner.cookie, origin: h.origin, "content-type": "application/json" },
      body: JSON.stringify({
        name: "imported",
        kind: "private_integration",
        sha256: createHash("sha256").update(theirs.token).digest("hex"),
      }),
    });
    expect(await byHash.text()).toBe(sameAgency.text);

    // Nothing was imported anywhere.
    expect((await owner.get(`/api/accounts/${w.loc1}/keys`)).body.keys.some((k: any) => k.imported)).toBe(
      false,
    );

    // The holder's audit log says someone presented its token; the other agency's attempts say
    // nothing about who made them.
    const mine = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.import_refused`);
    expect(mine.body.entries).toHaveLength(1);
    expect(mine.body.entries[0]).toMatchObject({
      targetId: ours.key.id,
      actorType: "user",
      after: { attemptedBy: "this agency" },
    });
    const theirsLog = await otherOwner.get(
      `/api/agencies/${w.otherAgencyId}/audit?action=key.import_refused`,
    );
    expect(theirsLog.body.entries).toHaveLength(2);
    for (const e of theirsLog.body.entries) {
      expect(e).toMatchObject({
        targetId: theirs.key.id,
        actorType: "system",
        actorId: null,
        ip: null,
        after: { attemptedBy: "another agency" },
      });
    }
    // Both keys still work.
    expect((await withKey(h, ours.token, "GET", "/v2/token")).status).toBe(200);
    expect((await withKey(h, theirs.token, "GET", "/v2/token")).status).toBe(200);
  });
});
