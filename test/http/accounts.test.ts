/**
 * docs/spec.md §1 over HTTP: every row of the permission table for every role (owner, agency admin,
 * agency user, account admin on its own and on another location, account user), the per-user
 * "manage API keys" switch, and the plan table. A refusal is 403 where the person may see the
 * thing and 404 where they may not; either way nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/core/permissions.js";
import { systemCtx } from "../../src/service/context.js";
import {
  Client,
  type Harness,
  PASSWORD,
  seedWorld,
  setPlan,
  startHarness,
  type World,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  for (const [email, type, role, locs] of [
    ["nokeys-admin@acme.test", "agency", "admin", []],
    ["nokeys-boss@acme.test", "account", "admin", [w.loc1]],
  ] as const) {
    const r = await owner.post(`/api/agencies/${w.agencyId}/users`, {
      email,
      name: "No keys",
      password: PASSWORD,
      type,
      role,
      locationIds: [...locs],
      canManageKeys: false,
    });
    expect(r.status).toBe(201);
    expect(r.body.canManageKeys).toBe(false);
  }
  const emails: Record<string, string> = {
    owner: w.owner,
    agencyAdmin: w.agencyAdmin,
    agencyUser: w.agencyUser,
    accountAdmin: w.loc1Admin,
    accountUser: w.loc1User,
    agencyAdminNoKeys: "nokeys-admin@acme.test",
    accountAdminNoKeys: "nokeys-boss@acme.test",
  };
  for (const [role, email] of Object.entries(emails)) clients[role] = await new Client(h).login(email);
});
afterAll(() => h.close());

async function freshKey(account: string) {
  const r = await owner.post(`/api/accounts/${account}/keys`, { name: "target" });
  expect(r.status).toBe(201);
  return r.body.key.id as string;
}

async function expiredKey(account: string) {
  const id = await freshKey(account);
  const k = (await h.kw.store.getKey(id))!;
  await h.kw.store.updateKey({ ...k, status: "expired", expiredAt: h.clock.now(), inactiveDays: 90 });
  return id;
}

type Outcome = "ok" | "forbidden" | "hidden";
const outcome = (status: number): Outcome =>
  status < 300 ? "ok" : status === 403 ? "forbidden" : status === 404 ? "hidden" : (`${status}` as Outcome);

/** Each action of the table, against an account (agency or location). Returns the outcome. */
const ACTIONS: Record<string, (c: Client, account: string) => Promise<Outcome>> = {
  see: async (c, account) => {
    const r = await c.get(`/api/accounts/${account}/keys`);
    if (r.status === 200) {
      const one = await c.get(`/api/keys/${await freshKey(account)}`);
      expect(one.status).toBe(200);
      expect(one.body.token).toMatch(/…/);
    }
    return outcome(r.status);
  },
  create: async (c, account) => {
    const before = (await h.kw.store.listKeys({ agencyId: w.agencyId })).length;
    const r = await c.post(`/api/accounts/${account}/keys`, { name: "made" });
    if (r.status !== 201) expect((await h.kw.store.listKeys({ agencyId: w.agencyId })).length).toBe(before);
    return outcome(r.status);
  },
  rename: async (c, account) => {
    const id = await freshKey(account);
    const r = await c.patch(`/api/keys/${id}`, { name: "renamed" });
    if (r.status !== 200) expect((await h.kw.store.getKey(id))!.name).toBe("target");
    return outcome(r.status);
  },
  rotate: async (c, account) => {
    const id = await freshKey(account);
    const r = await c.post(`/api/keys/${id}/rotate`, { expireOldAfterSeconds: 0 });
    if (r.status !== 200) expect(await h.kw.store.tokensOfKey(id)).toHaveLength(1);
    return outcome(r.status);
  },
  revoke: async (c, account) => {
    const id = await freshKey(account);
    const r = await c.post(`/api/keys/${id}/revoke`);
    if (r.status !== 200) expect((await h.kw.store.getKey(id))!.status).toBe("active");
    return outcome(r.status);
  },
  refresh: async (c, account) => {
    const id = await expiredKey(account);
    const r = await c.post(`/api/keys/${id}/refresh`);
    if (r.status !== 200) expect((await h.kw.store.getKey(id))!.status).toBe("expired");
    return outcome(r.status);
  },
};

// role → account → action → outcome. "loc1" is the account admin's own location, "loc2" another.
const Y: Outcome = "ok";
const F: Outcome = "forbidden";
const H: Outcome = "hidden";
const all = (o: Outcome) => ({ see: o, create: o, rename: o, rotate: o, revoke: o, refresh: o });
const seeOnly = (o: Outcome, other: Outcome) => ({
  see: o,
  create: other,
  rename: other,
  rotate: other,
  revoke: other,
  refresh: other,
});
const TABLE: Record<string, Record<"agency" | "loc1" | "loc2", Record<string, Outcome>>> = {
  owner: { agency: all(Y), loc1: all(Y), loc2: all(Y) },
  agencyAdmin: { agency: all(Y), loc1: all(Y), loc2: all(Y) },
  agencyUser: { agency: seeOnly(Y, F), loc1: seeOnly(Y, F), loc2: seeOnly(Y, F) },
  accountAdmin: { agency: all(H), loc1: all(Y), loc2: all(H) },
  accountUser: { agency: all(H), loc1: seeOnly(Y, F), loc2: all(H) },
  agencyAdminNoKeys: { agency: seeOnly(Y, F), loc1: seeOnly(Y, F), loc2: seeOnly(Y, F) },
  accountAdminNoKeys: { agency: all(H), loc1: seeOnly(Y, F), loc2: all(H) },
};

describe("the permission table, over HTTP", () => {
  for (const [role, byAccount] of Object.entries(TABLE)) {
    it(`${role}: keys`, async () => {
      const got: Record<string, Record<string, Outcome>> = {};
      for (const account of ["agency", "loc1", "loc2"] as const) {
        const id = account === "agency" ? w.agencyId : account === "loc1" ? w.loc1 : w.loc2;
        got[account] = {};
        for (const [name, act] of Object.entries(ACTIONS)) got[account][name] = await act(clients[role]!, id);
      }
      expect(got).toEqual(byAccount);
    });
  }

  const SETTINGS: Record<string, Outcome> = {
    owner: Y,
    agencyAdmin: Y,
    agencyUser: F,
    accountAdmin: F,
    accountUser: F,
    agencyAdminNoKeys: Y,
    accountAdminNoKeys: F,
  };
  for (const [role, expected] of Object.entries(SETTINGS)) {
    it(`${role}: agency settings (security, legacy rule, plan)`, async () => {
      const c = clients[role]!;
      const s = await c.patch(`/api/agencies/${w.agencyId}/settings`, { legacyCreation: "disabled" });
      const p = await c.patch(`/api/agencies/${w.agencyId}`, { plan: "agency_pro", name: "Acme Agency" });
      const audit = await c.get(`/api/agencies/${w.agencyId}/audit`);
      expect([outcome(s.status), outcome(p.status), outcome(audit.status)]).toEqual([
        expected,
        expected,
        expected,
      ]);
      if (expected !== "ok") expect(s.body.code).toBe("permission_denied");
      // Reading them is an agency admin's too, as docs/security-and-legacy.md says.
      const read = await c.get(`/api/agencies/${w.agencyId}/settings`);
      expect(outcome(read.status)).toBe(expected);
      if (expected !== "ok") {
        expect(read.body.code).toBe("permission_denied");
        expect(read.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(read.body.detail).toMatch(/Only agency admins can read the agency settings/);
      }
      await owner.patch(`/api/agencies/${w.agencyId}/settings`, { legacyCreation: "existing_users" });
    });
  }

  it("GET /api/me tells each person what they may do", async () => {
    const me = async (role: string) => {
      const p = (await clients[role]!.get("/api/me")).body.permissions;
      return { ...p, manageLocationKeys: [...p.manageLocationKeys].sort() };
    };
    expect(await me("owner")).toEqual({
      seeAgencyKeys: true,
      manageAgencyKeys: true,
      manageLocationKeys: [w.loc1, w.loc2].sort(),
      changeAgencySettings: true,
    });
    expect(await me("agencyUser")).toEqual({
      seeAgencyKeys: true,
      manageAgencyKeys: false,
      manageLocationKeys: [],
      changeAgencySettings: false,
    });
    expect(await me("accountAdmin")).toEqual({
      seeAgencyKeys: false,
      manageAgencyKeys: false,
      manageLocationKeys: [w.loc1],
      changeAgencySettings: false,
    });
    expect(await me("accountUser")).toMatchObject({ manageLocationKeys: [] });
    expect(await me("accountAdminNoKeys")).toMatchObject({ manageLocationKeys: [] });
    const meLocs = (await clients.accountUser!.get("/api/me")).body.locations.map((l: any) => l.id);
    expect(meLocs).toEqual([w.loc1]);
  });

  it("the switch takes effect at once when an admin turns it off", async () => {
    const u = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users.find(
      (x: any) => x.email === w.loc1Admin,
    );
    expect((await owner.patch(`/api/users/${u.id}`, { canManageKeys: false })).status).toBe(200);
    expect(await ACTIONS.create!(clients.accountAdmin!, w.loc1)).toBe("forbidden");
    expect((await owner.patch(`/api/users/${u.id}`, { canManageKeys: true })).status).toBe(200);
    expect(await ACTIONS.create!(clients.accountAdmin!, w.loc1)).toBe("ok");
  });

  it("people and locations: agency admins manage them, others may not; nobody reduces the owner", async () => {
    for (const role of ["agencyUser", "accountAdmin", "accountUser"]) {
      const c = clients[role]!;
      const loc = await c.post(`/api/agencies/${w.agencyId}/locations`, { name: "Nope" });
      expect(loc.status, role).toBe(403);
      const user = await c.post(`/api/agencies/${w.agencyId}/users`, {
        email: `x-${role}@acme.test`,
        name: "x",
        type: "agency",
        role: "admin",
      });
      expect(user.status, role).toBe(403);
    }
    const me = (await clients.accountUser!.get("/api/me")).body.user;
    const promote = await clients.accountUser!.patch(`/api/users/${me.id}`, { role: "admin" });
    expect(promote.status).toBe(403);
    const rename = await clients.accountUser!.patch(`/api/users/${me.id}`, { name: "Clerk One" });
    expect(rename.status).toBe(200);
    const ownerUser = (await clients.owner!.get("/api/me")).body.user;
    const demote = await clients.agencyAdmin!.patch(`/api/users/${ownerUser.id}`, { role: "user" });
    expect(demote.status).toBe(403);
    expect((await clients.agencyAdmin!.delete(`/api/users/${ownerUser.id}`)).status).toBe(403);
  });
});

describe("the plan table", () => {
  const plans: [Plan, boolean][] = [
    ["starter", false],
    ["unlimited", false],
    ["agency_pro", true],
  ];
  it.each(plans)("%s: location keys yes, agency keys %s", async (plan, agencyKeys) => {
    const a = await h.kw.accounts.createAgency(systemCtx, {
      name: `On ${plan}`,
      plan,
      owner: { email: `owner-${plan}@plans.test`, name: "O", password: PASSWORD },
    });
    const loc = (await h.kw.accounts.createLocation(systemCtx, a.agency.id, { name: "L" })).location;
    const c = await new Client(h).login(`owner-${plan}@plans.test`);
    expect((await c.post(`/api/accounts/${loc.id}/keys`, { name: "loc" })).status).toBe(201);
    const ag = await c.post(`/api/accounts/${a.agency.id}/keys`, { name: "agency" });
    if (agencyKeys) expect(ag.status).toBe(201);
    else {
      expect(ag.status).toBe(403);
      expect(ag.body.code).toBe("plan_required");
      expect(ag.body.detail).toBe(
        `Agency keys need the agency_pro plan; this agency is on ${plan}. Create a location key, or upgrade.`,
      );
      // Importing one is refused the same way.
      const imp = await c.post(`/api/accounts/${a.agency.id}/keys/import`, {
        name: "imported",
        kind: "private_integration",
        token: `foreign-${plan}-0123456789`,
      });
      expect(imp.status).toBe(403);
      expect(imp.body.code).toBe("plan_required");
      expect(await h.kw.store.listKeys({ agencyId: a.agency.id, locationIds: null })).toEqual([]);
    }
  });

  it("a downgrade is audit-logged and keeps the suspended keys; an upgrade restores them", async () => {
    const a = await h.kw.accounts.createAgency(systemCtx, {
      name: "Downgrader",
      plan: "agency_pro",
      owner: { email: "owner-down@plans.test", name: "O", password: PASSWORD },
    });
    const c = await new Client(h).login("owner-down@plans.test");
    const k = await c.post(`/api/accounts/${a.agency.id}/keys`, { name: "agency" });
    expect((await setPlan(h, a.agency.id, "starter")).body.plan).toBe("starter");
    // Listed and still active (suspended, not revoked).
    const listed = await c.get(`/api/accounts/${a.agency.id}/keys`);
    expect(listed.body.keys.map((x: any) => [x.id, x.status])).toEqual([[k.body.key.id, "active"]]);
    const audit = await c.get(`/api/agencies/${a.agency.id}/audit?action=agency.plan_changed`);
    expect(audit.body.entries[0]).toMatchObject({
      before: { plan: "agency_pro" },
      after: { plan: "starter" },
    });
    await setPlan(h, a.agency.id, "agency_pro");
    const res = await fetch(`${h.url}/v2/token`, { headers: { authorization: `Bearer ${k.body.token}` } });
    expect(res.status).toBe(200);
  });
});

describe("locations, users and no-op changes", () => {
  it("a deleted location is taken off its users, who can still be changed afterwards", async () => {
    const loc = await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Short-lived" });
    const u = await owner.post(`/api/agencies/${w.agencyId}/users`, {
      email: "temp-staff@acme.test",
      name: "Temp",
      password: PASSWORD,
      type: "account",
      role: "admin",
      locationIds: [loc.body.id, w.loc2],
    });
    expect(u.status).toBe(201);
    expect((await owner.delete(`/api/locations/${loc.body.id}`)).status).toBe(204);
    const after = await owner.get(`/api/users/${u.body.id}`);
    expect(after.body.locationIds).toEqual([w.loc2]);
    const renamed = await owner.patch(`/api/users/${u.body.id}`, { name: "Temp 2" });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const self = await new Client(h).login("temp-staff@acme.test");
    expect((await self.patch(`/api/users/${u.body.id}`, { digestOptOut: true })).status).toBe(200);
    expect((await self.get("/api/me")).body.locations.map((l: any) => l.id)).toEqual([w.loc2]);
  });

  it("an empty change writes nothing: no audit entry, no new updatedAt", async () => {
    const k = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "stable" });
    const count = async () => (await h.kw.store.listAudit({ agencyId: w.agencyId, limit: 10_000 })).length;
    const before = await count();
    const keyBefore = await h.kw.store.getKey(k.body.key.id);
    h.clock.advance(1000);
    expect((await owner.patch(`/api/keys/${k.body.key.id}`, {})).status).toBe(200);
    expect((await owner.patch(`/api/keys/${k.body.key.id}`, { name: "stable" })).status).toBe(200);
    expect((await owner.patch(`/api/locations/${w.loc1}`, {})).status).toBe(200);
    expect((await owner.patch(`/api/agencies/${w.agencyId}`, {})).status).toBe(200);
    expect(await count()).toBe(before);
    expect(await h.kw.store.getKey(k.body.key.id)).toEqual(keyBefore);
  });
});
