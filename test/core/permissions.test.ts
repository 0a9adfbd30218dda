/** docs/spec.md §1: every row of the permission table and the plan table, as pure rules. */
import { describe, expect, it } from "vitest";
import {
  type Actor,
  canChangeAgencySettings,
  canManageKeys,
  canSeeKeys,
  canSeeLocation,
  keyChangeUserRefusal,
  keyCreateUserRefusal,
  keyLocationRefusal,
  keyLocations,
  keyMissingScopes,
  keyReachesAllOf,
  keySeesLocation,
  keySeesUser,
  keyUserApiRefusal,
  PLANS,
  planAllowsAgencyKeys,
  selfChangeRefusal,
  type UserFacts,
  userChangeRefusal,
  userDisableRefusal,
} from "../../src/core/permissions.js";
import { BUILTIN_SCOPES, ScopeCatalogue } from "../../src/core/scopes.js";

const AG = "agy_1";
const L1 = "loc_1";
const L2 = "loc_2";

const base = { agencyId: AG, isOwner: false, canManageKeys: true, locationIds: [] as string[] };
const ROLES: Record<string, Actor> = {
  owner: { ...base, userId: "u_owner", type: "agency", role: "admin", isOwner: true },
  agencyAdmin: { ...base, userId: "u_aa", type: "agency", role: "admin" },
  agencyUser: { ...base, userId: "u_au", type: "agency", role: "user" },
  accountAdmin: { ...base, userId: "u_xa", type: "account", role: "admin", locationIds: [L1] },
  accountUser: { ...base, userId: "u_xu", type: "account", role: "user", locationIds: [L1] },
};

const agencyOwner = { agencyId: AG, locationId: null };
const ownLoc = { agencyId: AG, locationId: L1 };
const otherLoc = { agencyId: AG, locationId: L2 };

// role → [see agency keys, manage agency keys, see own-location keys, manage own-location keys,
//         see other-location keys, manage other-location keys, change agency settings]
const TABLE: Record<string, boolean[]> = {
  owner: [true, true, true, true, true, true, true],
  agencyAdmin: [true, true, true, true, true, true, true],
  agencyUser: [true, false, true, false, true, false, false],
  accountAdmin: [false, false, true, true, false, false, false],
  accountUser: [false, false, true, false, false, false, false],
};

function row(a: Actor): boolean[] {
  return [
    canSeeKeys(a, agencyOwner),
    canManageKeys(a, agencyOwner),
    canSeeKeys(a, ownLoc),
    canManageKeys(a, ownLoc),
    canSeeKeys(a, otherLoc),
    canManageKeys(a, otherLoc),
    canChangeAgencySettings(a, AG),
  ];
}

describe("the permission table", () => {
  it.each(Object.keys(TABLE))("%s", (role) => {
    expect(row(ROLES[role]!)).toEqual(TABLE[role]);
  });

  it.each(Object.keys(TABLE))("%s with “manage API keys” off may see but never manage keys", (role) => {
    const a = { ...ROLES[role]!, canManageKeys: false };
    const r = row(a);
    const expected = TABLE[role]!.map((v, i) => (i === 1 || i === 3 || i === 5 ? false : v));
    expect(r).toEqual(expected);
  });

  it("nobody sees or manages anything of another agency", () => {
    for (const a of Object.values(ROLES)) {
      const foreign = { agencyId: "agy_other", locationId: null };
      const foreignLoc = { agencyId: "agy_other", locationId: L1 };
      expect(canSeeKeys(a, foreign)).toBe(false);
      expect(canSeeKeys(a, foreignLoc)).toBe(false);
      expect(canManageKeys(a, foreign)).toBe(false);
      expect(canManageKeys(a, foreignLoc)).toBe(false);
      expect(canChangeAgencySettings(a, "agy_other")).toBe(false);
      expect(canSeeLocation(a, "agy_other", L1)).toBe(false);
    }
  });

  it("account users see only their assigned locations", () => {
    expect(canSeeLocation(ROLES.accountUser!, AG, L1)).toBe(true);
    expect(canSeeLocation(ROLES.accountUser!, AG, L2)).toBe(false);
    expect(canSeeLocation(ROLES.agencyUser!, AG, L2)).toBe(true);
  });
});

describe("the plan table", () => {
  it("location keys on every plan, agency keys only on agency_pro", () => {
    expect(PLANS).toEqual(["starter", "unlimited", "agency_pro"]);
    expect(PLANS.map(planAllowsAgencyKeys)).toEqual([false, false, true]);
  });
});

describe("the scope catalogue", () => {
  const cat = new ScopeCatalogue(BUILTIN_SCOPES);
  it("has the built-in scopes at their levels", () => {
    expect(cat.forLevel("agency").map((s) => s.name)).toEqual([
      "locations.readonly",
      "locations.write",
      "users.readonly",
      "users.write",
    ]);
    expect(cat.forLevel("location").map((s) => s.name)).toEqual([
      "locations.readonly",
      "users.readonly",
      "users.write",
    ]);
  });
  it("names unknown scopes and scopes of the wrong level", () => {
    expect(cat.problems(["locations.readonly"], "location")).toEqual([]);
    expect(cat.problems(["contacts.readonly"], "agency")).toEqual([
      'Unknown scope "contacts.readonly": see GET /api/scopes for the catalogue.',
    ]);
    expect(cat.problems(["locations.write"], "location")).toEqual([
      'Scope "locations.write" is agency-level only and cannot be given to a location key.',
    ]);
  });
  it("takes a platform's own scopes", () => {
    const custom = new ScopeCatalogue([
      ...BUILTIN_SCOPES,
      { name: "contacts.readonly", levels: ["location"], description: "" },
    ]);
    expect(custom.problems(["contacts.readonly"], "location")).toEqual([]);
    expect(custom.problems(["contacts.readonly"], "agency")).toHaveLength(1);
  });
});

describe("keys acting on people (issue 10 item 2)", () => {
  const locKey = { agencyId: AG, locationId: L1, enhancedSecurity: false };
  const agencyKey = { agencyId: AG, locationId: null, enhancedSecurity: false };
  const user = (locationIds: string[], more: Partial<UserFacts> = {}): UserFacts => ({
    agencyId: AG,
    type: "account",
    role: "user",
    isOwner: false,
    canManageKeys: true,
    locationIds,
    ...more,
  });

  it("a location key reaches only users whose every assignment is its location", () => {
    expect(keyReachesAllOf(locKey, user([L1]))).toBe(true);
    expect(keyReachesAllOf(locKey, user([L1, L2]))).toBe(false);
    expect(keyReachesAllOf(locKey, user([L2]))).toBe(false);
    expect(keyReachesAllOf(locKey, user([], { type: "agency" }))).toBe(false);
    expect(keyReachesAllOf(locKey, user([L1], { agencyId: "agy_other" }))).toBe(false);
    expect(keyReachesAllOf(agencyKey, user([L1, L2]))).toBe(true);
    expect(keyReachesAllOf(agencyKey, user([], { type: "agency", role: "admin" }))).toBe(true);
  });

  it("a location key never raises rights nor sets the password of a user who reaches more", () => {
    expect(keyChangeUserRefusal(locKey, user([L1, L2]), { password: "x" })?.code).toBe("location_forbidden");
    expect(keyChangeUserRefusal(locKey, user([L1]), { password: "x" })).toBeNull();
    expect(keyChangeUserRefusal(locKey, user([L1]), { role: "admin" })?.code).toBe("permission_denied");
    expect(keyChangeUserRefusal(locKey, user([L1], { role: "admin" }), { role: "user" })).toBeNull();
    expect(
      keyChangeUserRefusal(locKey, user([L1], { role: "admin", canManageKeys: false }), {
        canManageKeys: true,
      })?.code,
    ).toBe("permission_denied");
    expect(keyChangeUserRefusal(locKey, user([L1]), { locationIds: [L1, L2] })?.code).toBe(
      "location_forbidden",
    );
    expect(keyCreateUserRefusal(locKey, user([L1], { role: "admin" }))?.code).toBe("permission_denied");
    expect(keyCreateUserRefusal(locKey, user([L1]))).toBeNull();
    // An agency key, EAS off: roles included, but never the owner's.
    expect(keyChangeUserRefusal(agencyKey, user([L1, L2]), { role: "admin" })).toBeNull();
    const owner = user([], { type: "agency", role: "admin", isOwner: true });
    expect(keyChangeUserRefusal(agencyKey, owner, { password: "x" })?.code).toBe("permission_denied");
  });

  it("Enhanced Account Security is checked first", () => {
    const eas = { ...locKey, enhancedSecurity: true };
    expect(keyChangeUserRefusal(eas, user([L1, L2]), { role: "admin" })?.code).toBe("disabled_by_security");
    expect(keyChangeUserRefusal(eas, user([L1], { role: "admin" }), { password: "x" })?.code).toBe(
      "disabled_by_security",
    );
  });
});

describe("nobody changes their own rights (issue 10 item 7)", () => {
  const me: UserFacts = {
    agencyId: AG,
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: false,
    locationIds: [],
  };
  it("refuses a change of role, type, switch or locations, and names it", () => {
    expect(selfChangeRefusal(me, { canManageKeys: true })).toMatch(/manage API keys/);
    expect(selfChangeRefusal(me, { role: "user" })).toMatch(/own role/);
    expect(selfChangeRefusal(me, { type: "account" })).toMatch(/user type/);
    expect(
      selfChangeRefusal({ ...me, type: "account", locationIds: [L1] }, { locationIds: [L1, L2] }),
    ).toMatch(/location assignments/);
  });
  it("accepts what is theirs, and a right repeated as it is", () => {
    expect(selfChangeRefusal(me, { email: "new@x.test", password: "p" })).toBeNull();
    expect(selfChangeRefusal(me, { role: "admin", canManageKeys: false, locationIds: [] })).toBeNull();
  });
});

describe("one place for the rules of every caller (issue 11 item 2)", () => {
  it("a legacy key has full access; a token has its scopes", () => {
    expect(keyMissingScopes({ kind: "legacy_v1", scopes: [] }, ["users.write"])).toEqual([]);
    expect(
      keyMissingScopes({ kind: "private_integration", scopes: ["users.readonly"] }, [
        "users.readonly",
        "users.write",
      ]),
    ).toEqual(["users.write"]);
  });

  it("only agency keys create and delete locations, naming the key to use instead", () => {
    expect(keyLocationRefusal({ kind: "legacy_v1", locationId: "loc_1" }, "create")?.message).toMatch(
      /agency's legacy key/,
    );
    expect(
      keyLocationRefusal({ kind: "private_integration", locationId: "loc_1" }, "delete")?.message,
    ).toMatch(/an agency key/);
    expect(keyLocationRefusal({ kind: "legacy_v1", locationId: "loc_1" }, "update")).toBeNull();
    expect(keyLocationRefusal({ kind: "legacy_v1", locationId: null }, "delete")).toBeNull();
  });

  it("Enhanced Account Security closes the legacy user APIs only", () => {
    expect(keyUserApiRefusal({ kind: "legacy_v1", enhancedSecurity: true })?.code).toBe(
      "disabled_by_security",
    );
    expect(keyUserApiRefusal({ kind: "legacy_v1", enhancedSecurity: false })).toBeNull();
    expect(keyUserApiRefusal({ kind: "private_integration", enhancedSecurity: true })).toBeNull();
  });

  it("people: their own name is theirs, the rest an admin's, never the owner's rights", () => {
    const facts = {
      agencyId: AG,
      type: "agency",
      role: "user",
      isOwner: false,
      canManageKeys: false,
      locationIds: [],
    } as const;
    const me = { userId: "usr_me", ...facts };
    const admin = { ...me, userId: "usr_admin", role: "admin" as const };
    const owner = { ...facts, id: "usr_owner", role: "admin" as const, isOwner: true, canManageKeys: true };
    expect(userChangeRefusal(me, { ...facts, id: "usr_me" }, { name: "Me" })).toBeNull();
    expect(userChangeRefusal(me, { ...facts, id: "usr_other" }, { name: "X" })).toMatch(/Only agency admins/);
    expect(userChangeRefusal(admin, owner, { role: "user" })).toMatch(/cannot be reduced/);
    expect(userChangeRefusal(admin, owner, { password: "x" })).toMatch(/Only the owner/);
    expect(userDisableRefusal(admin, owner)).toMatch(/owner cannot be removed/);
    expect(userDisableRefusal(admin, { ...facts, id: "usr_admin" })).toMatch(/cannot remove yourself/);
    expect(userDisableRefusal(me, { ...facts, id: "usr_other" })).toMatch(/Only agency admins/);
  });
});

describe("an agency key limited to chosen locations (issue 13 §4)", () => {
  const limited = { agencyId: AG, locationId: null, locationIds: [L1], enhancedSecurity: false };
  const all = { agencyId: AG, locationId: null, locationIds: null, enhancedSecurity: false };
  const u = (locationIds: string[], more: Partial<UserFacts> = {}): UserFacts => ({
    agencyId: AG,
    type: "account",
    role: "user",
    isOwner: false,
    canManageKeys: true,
    locationIds,
    ...more,
  });

  it("reaches its locations only; without a list, every location", () => {
    expect(keyLocations(limited)).toEqual([L1]);
    expect(keyLocations(all)).toBeNull();
    expect(keyLocations({ locationId: L2 })).toEqual([L2]);
    expect(keySeesLocation(limited, AG, L1)).toBe(true);
    expect(keySeesLocation(limited, AG, L2)).toBe(false);
    expect(keySeesLocation(all, AG, L2)).toBe(true);
    expect(keySeesLocation(limited, "agy_other", L1)).toBe(false);
  });

  it("sees users of at least one of its locations; changes only those wholly within them", () => {
    expect(keySeesUser(limited, u([L1, L2]))).toBe(true);
    expect(keySeesUser(limited, u([L2]))).toBe(false);
    expect(keySeesUser(limited, u([], { type: "agency" }))).toBe(false);
    expect(keyReachesAllOf(limited, u([L1]))).toBe(true);
    expect(keyReachesAllOf(limited, u([L1, L2]))).toBe(false);
    expect(keyChangeUserRefusal(limited, u([L1]), { locationIds: [L2] })?.code).toBe("location_forbidden");
    expect(keyChangeUserRefusal(limited, u([L1]), { role: "admin" })?.code).toBe("permission_denied");
    expect(keyCreateUserRefusal(limited, u([], { type: "agency" }))?.code).toBe("location_forbidden");
    expect(keyCreateUserRefusal(limited, u([L1]))).toBeNull();
  });

  it("cannot create locations (it could not reach them); may update and delete its own", () => {
    expect(keyLocationRefusal({ kind: "private_integration", ...limited }, "create")?.code).toBe(
      "location_forbidden",
    );
    expect(keyLocationRefusal({ kind: "private_integration", ...limited }, "delete")).toBeNull();
    expect(keyLocationRefusal({ kind: "private_integration", ...all }, "create")).toBeNull();
  });
});
