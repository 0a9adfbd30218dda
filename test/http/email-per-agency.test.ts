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

  it("takes as long for an unknown address as for a known one (a password hash either way)", async () => {
    const kinds = {
      known: { email: w.agencyUser, password: "wrong wrong wrong" },
      unknown: { email: "nobody-at-all@nowhere.test", password: "wrong wrong wrong" },
      unknownInAgency: { email: w.agencyUser, password: "x", agencyId: w.otherAgencyId },
    };
    const times: Record<string, number[]> = { known: [], unknown: [], unknownInAgency: [] };
    // Interleaved, so that whatever else the machine does weighs on every kind alike.
    for (let i = 0; i < 9; i++)
      for (const [kind, body] of Object.entries(kinds)) {
        const t = performance.now();
        const r = await login(body);
        times[kind]!.push(performance.now() - t);
        expect(r.status).toBe(401);
      }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[4]!;
    const known = median(times.known!);
    const unknown = median(times.unknown!);
    const unknownInAgency = median(times.unknownInAgency!);
    // A hash costs tens of milliseconds; without one an answer takes about one.
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknownInAgency / known).toBeGreaterThan(0.5);
  }, 60_000);
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
