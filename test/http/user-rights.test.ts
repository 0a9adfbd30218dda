/**
 * Who may change whose rights (issue 10, items 2 and 7), over real HTTP.
 *
 * Item 2: a location key may create, change or remove only users whose every assignment is its own
 * location, never raise a user's rights, and so never set the password of a user who reaches more
 * than the key. The whole matrix: v1 and v2, Enhanced Account Security on and off, location and
 * agency keys, users of L1, L1+L2, L2, agency users and admins, the owner; each denial is a 403 (or
 * the 404 of a user the key cannot see) problem+json with its stable code, and nothing is written.
 *
 * Item 7: nobody changes their own rights (role, type, "manage API keys", locations, removal).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../src/core/model.js";
import { systemCtx } from "../../src/service/context.js";
import type { NewUserInput } from "../../src/service/users.js";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { call, seedKey } from "../legacy/helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let ownerId: string;
/** [api][level] → token */
const KEYS: Record<"v1" | "v2", Record<"location" | "agency", string>> = {
  v1: { location: "", agency: "" },
  v2: { location: "", agency: "" },
};

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  ownerId = (await owner.get("/api/me")).body.user.id;
  const pit = async (account: string) => {
    const r = await owner.post(`/api/accounts/${account}/keys`, {
      name: "People sync",
      scopes: ["users.readonly", "users.write"],
    });
    expect(r.status).toBe(201);
    return r.body.token as string;
  };
  KEYS.v2.location = await pit(w.loc1);
  KEYS.v2.agency = await pit(w.agencyId);
  KEYS.v1.location = (await seedKey(h, w.agencyId, w.loc1, "Location v1")).token;
  KEYS.v1.agency = (await seedKey(h, w.agencyId, null, "Agency v1")).token;
});
afterAll(() => h.close());

async function setEas(on: boolean) {
  const r = await owner.patch(
    `/api/agencies/${w.agencyId}/settings`,
    on ? { enhancedSecurity: true } : { enhancedSecurity: false, confirm: true },
  );
  expect(r.status).toBe(200);
}

// ── the people a key acts on ──

type Target = "L1" | "L1admin" | "L1L2" | "L2" | "agencyUser" | "agencyAdmin" | "owner";
let seq = 0;

/** A fresh user for each case (the owner is the world's): what one case does cannot affect another. */
async function target(t: Target): Promise<User> {
  if (t === "owner") return (await h.kw.store.getUser(ownerId))!;
  const specs: Record<Exclude<Target, "owner">, Omit<NewUserInput, "email" | "name">> = {
    L1: { type: "account", role: "user", locationIds: [w.loc1] },
    L1admin: { type: "account", role: "admin", locationIds: [w.loc1], canManageKeys: false },
    L1L2: { type: "account", role: "user", locationIds: [w.loc1, w.loc2] },
    L2: { type: "account", role: "user", locationIds: [w.loc2] },
    agencyUser: { type: "agency", role: "user" },
    agencyAdmin: { type: "agency", role: "admin", canManageKeys: false },
  };
  seq += 1;
  return h.kw.users.createUser(systemCtx, w.agencyId, {
    email: `target${seq}@acme.test`,
    name: `Target ${seq}`,
    ...specs[t],
  });
}

type Op = "name" | "password" | "roleUp" | "roleDown" | "keysUp" | "addL2" | "toAgency" | "disable";

const PATCHES: Record<Exclude<Op, "disable">, () => Record<string, unknown>> = {
  name: () => ({ name: "Renamed" }),
  password: () => ({ password: "a brand new password 7" }),
  roleUp: () => ({ role: "admin" }),
  roleDown: () => ({ role: "user" }),
  keysUp: () => ({ canManageKeys: true }),
  addL2: () => ({ locationIds: [w.loc1, w.loc2] }),
  toAgency: () => ({ type: "agency" }),
};

/** What an allowed operation must have done to the user. */
const DONE: Record<Op, (before: User, after: User) => boolean> = {
  name: (_, a) => a.name === "Renamed",
  password: (b, a) => a.passwordHash !== null && a.passwordHash !== b.passwordHash,
  roleUp: (_, a) => a.role === "admin",
  roleDown: (_, a) => a.role === "user",
  keysUp: (_, a) => a.canManageKeys,
  addL2: (_, a) => a.locationIds.includes(w.loc2),
  toAgency: (_, a) => a.type === "agency",
  disable: (_, a) => a.disabledAt !== null,
};

const OK = "ok";
const NF = "resource_not_found";
const LF = "location_forbidden";
const PD = "permission_denied";
const DBS = "disabled_by_security";

/** [Enhanced Account Security off, on]: the outcome of each operation on each user (v2; v1 when off). */
type Row = Partial<Record<Op, [string, string]>>;

const LOCATION_KEY: Record<Target, Row> = {
  L1: {
    name: [OK, OK],
    password: [OK, OK],
    roleUp: [PD, DBS],
    addL2: [LF, DBS],
    toAgency: [LF, DBS],
    disable: [OK, OK],
  },
  // An admin can do more than the key (make keys of any scope): its sign-in is not the key's to set.
  L1admin: { password: [PD, DBS], roleDown: [OK, DBS], keysUp: [PD, DBS], disable: [OK, OK] },
  // Also assigned to L2: it reaches what the key cannot, so the key may not touch it.
  L1L2: {
    name: [LF, LF],
    password: [LF, LF],
    roleUp: [LF, DBS],
    addL2: [LF, DBS],
    toAgency: [LF, DBS],
    disable: [LF, LF],
  },
  // Not the key's to see: the same 404 as an id that does not exist.
  L2: { name: [NF, NF], password: [NF, NF], roleUp: [NF, NF], disable: [NF, NF] },
  agencyUser: { name: [NF, NF], password: [NF, NF], roleUp: [NF, NF], disable: [NF, NF] },
  agencyAdmin: { password: [NF, NF], roleDown: [NF, NF], keysUp: [NF, NF], disable: [NF, NF] },
  owner: { password: [NF, NF], roleDown: [NF, NF], disable: [NF, NF] },
};

const AGENCY_KEY: Record<Target, Row> = {
  L1: {
    name: [OK, OK],
    password: [OK, OK],
    roleUp: [OK, DBS],
    addL2: [OK, DBS],
    toAgency: [OK, DBS],
    disable: [OK, OK],
  },
  L1admin: { password: [OK, DBS], roleDown: [OK, DBS], keysUp: [OK, DBS], disable: [OK, OK] },
  L1L2: { name: [OK, OK], password: [OK, OK], roleUp: [OK, DBS], disable: [OK, OK] },
  L2: { name: [OK, OK], password: [OK, OK], roleUp: [OK, DBS], disable: [OK, OK] },
  agencyUser: { name: [OK, OK], password: [OK, OK], roleUp: [OK, DBS], disable: [OK, OK] },
  agencyAdmin: { password: [OK, DBS], roleDown: [OK, DBS], keysUp: [OK, DBS], disable: [OK, OK] },
  owner: { password: [PD, DBS], roleDown: [PD, DBS], disable: [PD, PD] },
};

type NewUser = "plain" | "admin" | "L1L2" | "L2" | "agency";
const NEW_USERS: Record<NewUser, () => Record<string, unknown>> = {
  plain: () => ({ locationIds: [w.loc1] }),
  admin: () => ({ role: "admin", locationIds: [w.loc1] }),
  L1L2: () => ({ locationIds: [w.loc1, w.loc2] }),
  L2: () => ({ locationIds: [w.loc2] }),
  agency: () => ({ type: "agency" }),
};
const CREATE: Record<"location" | "agency", Record<NewUser, [string, string]>> = {
  location: { plain: [OK, OK], admin: [PD, DBS], L1L2: [LF, LF], L2: [LF, LF], agency: [LF, LF] },
  agency: { plain: [OK, OK], admin: [OK, DBS], L1L2: [OK, OK], L2: [OK, OK], agency: [OK, OK] },
};

const SUCCESS = {
  v1: { create: 201, update: 200, disable: 200 },
  v2: { create: 201, update: 200, disable: 204 },
} as const;

/** Runs one operation; answers "ok" (checking what it did) or the refusal's code (checking nothing changed). */
async function attempt(api: "v1" | "v2", token: string, t: Target, op: Op): Promise<string> {
  const before = await target(t);
  const auditBefore = await h.kw.store.listAudit({ agencyId: w.agencyId, targetId: before.id, limit: 500 });
  const path = `/${api}/users/${before.id}`;
  const r =
    op === "disable"
      ? await call(h, token, "DELETE", path)
      : await call(h, token, "PUT", path, PATCHES[op]());
  const after = (await h.kw.store.getUser(before.id))!;
  const expectedOk = op === "disable" ? SUCCESS[api].disable : SUCCESS[api].update;
  if (r.status === expectedOk) return DONE[op](before, after) ? OK : `ok, but not done: ${r.text}`;
  expect(r.headers.get("content-type"), r.text).toMatch(/^application\/problem\+json/);
  expect(r.status, r.text).toBe(r.body.code === NF ? 404 : 403);
  expect(r.body.detail, r.text).toBeTruthy();
  // Nothing written: the row and its audit trail are as they were.
  expect(after, `${api} ${t} ${op}`).toEqual(before);
  expect(await h.kw.store.listAudit({ agencyId: w.agencyId, targetId: before.id, limit: 500 })).toEqual(
    auditBefore,
  );
  return r.body.code;
}

async function attemptCreate(api: "v1" | "v2", token: string, kind: NewUser): Promise<string> {
  seq += 1;
  const email = `created${seq}@acme.test`;
  const r = await call(h, token, "POST", `/${api}/users`, {
    email,
    name: `Created ${seq}`,
    ...NEW_USERS[kind](),
  });
  const stored = (await h.kw.store.listUsers(w.agencyId)).find((u) => u.email === email);
  if (r.status === SUCCESS[api].create) return stored ? OK : "ok, but not stored";
  expect(r.headers.get("content-type"), r.text).toMatch(/^application\/problem\+json/);
  expect(r.status, r.text).toBe(403);
  expect(stored).toBeUndefined();
  return r.body.code;
}

describe("a key changing users (item 2)", () => {
  for (const eas of [false, true])
    for (const api of ["v1", "v2"] as const)
      for (const level of ["location", "agency"] as const)
        it(`${api}, ${level} key, Enhanced Account Security ${eas ? "on" : "off"}`, async () => {
          await setEas(eas);
          const token = KEYS[api][level];
          const table = level === "location" ? LOCATION_KEY : AGENCY_KEY;
          // v1's user APIs are off entirely while EAS is on, before any user is looked at.
          const pick = (cell: [string, string]) => (api === "v1" && eas ? DBS : cell[eas ? 1 : 0]);
          const want: Record<string, Record<string, string>> = {};
          const got: Record<string, Record<string, string>> = {};
          for (const [t, row] of Object.entries(table) as [Target, Row][]) {
            want[t] = {};
            got[t] = {};
            for (const [op, cell] of Object.entries(row) as [Op, [string, string]][]) {
              want[t][op] = pick(cell);
              got[t][op] = await attempt(api, token, t, op);
            }
          }
          want.create = {};
          got.create = {};
          for (const [kind, cell] of Object.entries(CREATE[level]) as [NewUser, [string, string]][]) {
            want.create[kind] = pick(cell);
            got.create[kind] = await attemptCreate(api, token, kind);
          }
          expect(got).toEqual(want);
        });

  it("an L1 key cannot take over a user of L1 and L2: the password is refused and the old one still signs in", async () => {
    for (const eas of [true, false]) {
      await setEas(eas);
      seq += 1;
      const email = `both${seq}@acme.test`;
      const u = await h.kw.users.createUser(systemCtx, w.agencyId, {
        email,
        name: "Both Places",
        password: PASSWORD,
        type: "account",
        role: "user",
        locationIds: [w.loc1, w.loc2],
      });
      const calls: [string, string][] = [[KEYS.v2.location, "v2"]];
      if (!eas) calls.push([KEYS.v1.location, "v1"]);
      for (const [token, api] of calls) {
        for (const body of [
          { password: "taken over at last" },
          { role: "admin" },
          { email: "attacker@evil.test" },
        ]) {
          const r = await call(h, token, "PUT", `/${api}/users/${u.id}`, body);
          expect(r.status, `${api} ${JSON.stringify(body)}`).toBe(403);
          expect(r.body.code).toBe(eas && "role" in body ? DBS : LF);
        }
      }
      const attacker = await new Client(h).post("/api/auth/login", { email, password: "taken over at last" });
      expect(attacker.status).toBe(401);
      const me = await new Client(h).login(email);
      expect((await me.get("/api/me")).body.locations.map((l: any) => l.id).sort()).toEqual(
        [w.loc1, w.loc2].sort(),
      );
    }
    await setEas(true);
  });
});

describe("nobody changes their own rights (item 7)", () => {
  async function person(spec: {
    type: "agency" | "account";
    role: "admin" | "user";
    canManageKeys?: boolean;
    locationIds?: string[];
  }) {
    seq += 1;
    const email = `self${seq}@acme.test`;
    const u = await h.kw.users.createUser(systemCtx, w.agencyId, {
      email,
      name: `Self ${seq}`,
      password: PASSWORD,
      ...spec,
    });
    return { u, c: await new Client(h).login(email) };
  }

  async function refused(c: Client, method: string, path: string, body: unknown, u: User, words: RegExp) {
    const r = await c.request(method, path, body);
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe(PD);
    expect(r.body.detail).toMatch(words);
    expect(await h.kw.store.getUser(u.id)).toEqual(u);
  }

  it("an agency admin whose “manage API keys” switch is off cannot switch it back on", async () => {
    const { u, c } = await person({ type: "agency", role: "admin", canManageKeys: false });
    await refused(c, "PATCH", `/api/users/${u.id}`, { canManageKeys: true }, u, /your own .*manage API keys/);
    // Nor by sending it along with a harmless change.
    await refused(c, "PATCH", `/api/users/${u.id}`, { name: "Still Me", canManageKeys: true }, u, /own/);
    // Another agency admin can.
    const other = await new Client(h).login(w.agencyAdmin);
    expect((await other.patch(`/api/users/${u.id}`, { canManageKeys: true })).status).toBe(200);
  });

  it("an agency admin cannot change their own role, type or locations, nor remove themselves", async () => {
    const { u, c } = await person({ type: "agency", role: "admin" });
    await refused(c, "PATCH", `/api/users/${u.id}`, { role: "user" }, u, /your own role/);
    await refused(
      c,
      "PATCH",
      `/api/users/${u.id}`,
      { type: "account", locationIds: [w.loc1] },
      u,
      /user type/,
    );
    await refused(c, "DELETE", `/api/users/${u.id}`, undefined, u, /cannot remove yourself/);
    // What is theirs stays theirs; repeating a right as it is changes nothing and is fine.
    const ok = await c.patch(`/api/users/${u.id}`, { name: "New Name", digestOptOut: true, role: "admin" });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "New Name", digestOptOut: true, role: "admin" });
  });

  it("an account admin cannot give themselves another location", async () => {
    const { u, c } = await person({ type: "account", role: "admin", locationIds: [w.loc1] });
    await refused(
      c,
      "PATCH",
      `/api/users/${u.id}`,
      { locationIds: [w.loc1, w.loc2] },
      u,
      /location assignments/,
    );
  });

  it("the owner cannot change their own rights either", async () => {
    const me = (await h.kw.store.getUser(ownerId))!;
    await refused(owner, "PATCH", `/api/users/${ownerId}`, { canManageKeys: false }, me, /own/);
    await refused(owner, "PATCH", `/api/users/${ownerId}`, { role: "user" }, me, /own role/);
  });
});
