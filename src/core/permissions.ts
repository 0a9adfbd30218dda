/**
 * Who may do what (docs/spec.md §1). Pure: the caller loads the actor and passes it in. Every rule of the
 * permission and plan tables lives here and nowhere else — for people (`Actor`) and for API keys
 * (`KeyActor`) alike. The services apply them: a use-case takes the context, asks the rule that
 * fits its caller, and refuses with the rule's code; handlers only parse and shape.
 */
import type { KeyKind } from "./token.js";

export type Plan = "starter" | "unlimited" | "agency_pro";
export const PLANS: readonly Plan[] = ["starter", "unlimited", "agency_pro"];
/**
 * The plan of an agency created without one — by the API, the CLI or the first start alike. The least:
 * a platform that forgets to pass its tenant's plan grants nothing it did not pay for (agency keys need
 * `agency_pro`); the operator raises it with `keyward agencies set-plan` or KEYWARD_BOOTSTRAP_PLAN.
 */
export const DEFAULT_PLAN: Plan = "starter";
export type UserType = "agency" | "account";
export type Role = "admin" | "user";

/** A signed-in person acting (a session, or the operator's CLI acting as a user). */
export interface Actor {
  userId: string;
  agencyId: string;
  type: UserType;
  role: Role;
  isOwner: boolean;
  canManageKeys: boolean;
  /** Locations an account-type user is assigned to (ignored for agency users). */
  locationIds: readonly string[];
}

/** Where a key lives: the agency itself (locationId null) or one of its locations. */
export interface Owner {
  agencyId: string;
  locationId: string | null;
}

const isAgencyAdmin = (a: Actor) => a.type === "agency" && a.role === "admin";

export function canSeeLocation(a: Actor, agencyId: string, locationId: string): boolean {
  if (a.agencyId !== agencyId) return false;
  return a.type === "agency" || a.locationIds.includes(locationId);
}

/** Agency users see the agency's people; account users themselves and the people of their locations. */
export function canSeeUser(
  a: Actor,
  u: { id: string; agencyId: string; locationIds: readonly string[] },
): boolean {
  if (a.agencyId !== u.agencyId) return false;
  return a.type === "agency" || u.id === a.userId || u.locationIds.some((l) => a.locationIds.includes(l));
}

export function canSeeKeys(a: Actor, o: Owner): boolean {
  if (a.agencyId !== o.agencyId) return false;
  if (o.locationId === null) return a.type === "agency";
  return canSeeLocation(a, o.agencyId, o.locationId);
}

export function canManageKeys(a: Actor, o: Owner): boolean {
  if (!a.canManageKeys || a.role !== "admin" || !canSeeKeys(a, o)) return false;
  if (o.locationId === null) return isAgencyAdmin(a);
  return true; // an agency admin, or an account admin of this location
}

export function canChangeAgencySettings(a: Actor, agencyId: string): boolean {
  return a.agencyId === agencyId && isAgencyAdmin(a);
}

/** Creating, editing and removing users and locations is an agency admin's business. */
export const canManageUsers = canChangeAgencySettings;
export const canManageLocations = canChangeAgencySettings;
/** An agency's webhook endpoints are its admins' to see and manage. */
export const canManageWebhooks = canChangeAgencySettings;
/** The audit log is read by the agency's admins. */
export const canReadAudit = canChangeAgencySettings;

/**
 * What the console may offer a person (`GET /api/me`): the same rules, asked of the agency and of
 * each location they see.
 */
export function consolePermissions(a: Actor, locations: readonly Owner[]) {
  const agency: Owner = { agencyId: a.agencyId, locationId: null };
  return {
    seeAgencyKeys: canSeeKeys(a, agency),
    manageAgencyKeys: canManageKeys(a, agency),
    manageLocationKeys: locations.filter((l) => canManageKeys(a, l)).map((l) => l.locationId!),
    changeAgencySettings: canChangeAgencySettings(a, a.agencyId),
  };
}

export function planAllowsAgencyKeys(plan: Plan): boolean {
  return plan === "agency_pro";
}

// ── rights over people ──────────────────────────────────────────────────────

/** What decides a user's reach and rights (a `User` row, or a user about to be created). */
export interface UserFacts {
  agencyId: string;
  type: UserType;
  role: Role;
  isOwner: boolean;
  canManageKeys: boolean;
  locationIds: readonly string[];
}

/** A requested change to a user's rights or sign-in; absent fields stay as they are. */
export interface UserChange {
  email?: string | undefined;
  password?: string | undefined;
  type?: UserType | undefined;
  role?: Role | undefined;
  locationIds?: readonly string[] | undefined;
  canManageKeys?: boolean | undefined;
}

const RIGHT_NAMES = {
  type: "user type",
  role: "role",
  canManageKeys: "“manage API keys” permission",
  locationIds: "location assignments",
} as const;

/** The rights a change would alter (the fields it sets to something else than they are). */
export function rightsChanged(
  before: UserFacts,
  change: UserChange,
): ("type" | "role" | "canManageKeys" | "locationIds")[] {
  const out: ("type" | "role" | "canManageKeys" | "locationIds")[] = [];
  if (change.type !== undefined && change.type !== before.type) out.push("type");
  if (change.role !== undefined && change.role !== before.role) out.push("role");
  if (change.canManageKeys !== undefined && change.canManageKeys !== before.canManageKeys)
    out.push("canManageKeys");
  if (change.locationIds !== undefined && !sameSet(change.locationIds, before.locationIds))
    out.push("locationIds");
  return out;
}

/**
 * Nobody changes their own rights (role, type, the "manage API keys" switch, location
 * assignments): an admin whose rights were reduced must not be able to restore them.
 * Name, e-mail, password and digest subscription stay theirs to change.
 */
export function selfChangeRefusal(before: UserFacts, change: UserChange): string | null {
  const fields = rightsChanged(before, change).map((f) => RIGHT_NAMES[f]);
  if (fields.length === 0) return null;
  return `You cannot change your own ${fields.join(", ")}: nobody changes their own rights. Ask another agency admin.`;
}

/**
 * Whether a signed-in person may make this change to a user they see (`null`: they may; else the
 * reason, refused as `permission_denied`). Their own name, password and digest subscription are
 * theirs; everything else is an agency admin's, and never the owner's rights or sign-in.
 */
export function userChangeRefusal(
  a: Actor,
  target: UserFacts & { id: string },
  change: UserChange & { name?: string | undefined; digestOptOut?: boolean | undefined },
): string | null {
  const self = a.userId === target.id;
  const own = self ? selfChangeRefusal(target, change) : null;
  if (own) return own;
  const onlySelfFields = Object.entries(change).every(
    ([k, v]) => v === undefined || ["name", "password", "digestOptOut"].includes(k),
  );
  if (!(canManageUsers(a, target.agencyId) || (self && onlySelfFields)))
    return "Only agency admins can change other users, roles and permissions.";
  if (
    target.isOwner &&
    !self &&
    (change.role === "user" || change.type === "account" || change.canManageKeys === false)
  )
    return "The owner's role and permissions cannot be reduced.";
  if (target.isOwner && !self && (change.email !== undefined || change.password !== undefined))
    return "Only the owner can change the owner's e-mail or password (it would hand over the agency).";
  return null;
}

/** Whether a signed-in person may remove (disable) a user they see (`null`: they may). */
export function userDisableRefusal(a: Actor, target: UserFacts & { id: string }): string | null {
  if (!canManageUsers(a, target.agencyId)) return "Only agency admins can remove users.";
  if (target.isOwner) return "The agency owner cannot be removed.";
  if (target.id === a.userId)
    return "You cannot remove yourself: nobody changes their own rights. Ask another agency admin.";
  return null;
}

/** Who may let a disabled user sign in again: the same admins who may remove them, never themselves. */
export function userEnableRefusal(a: Actor, target: UserFacts & { id: string }): string | null {
  if (!canManageUsers(a, target.agencyId)) return "Only agency admins can re-enable users.";
  if (target.id === a.userId) return "Nobody re-enables themselves: ask another agency admin.";
  return null;
}

/** The user a change leaves: what their reach and rights would be. */
function applied(before: UserFacts, change: UserChange): UserFacts {
  const type = change.type ?? before.type;
  return {
    ...before,
    type,
    role: change.role ?? before.role,
    canManageKeys: change.canManageKeys ?? before.canManageKeys,
    locationIds: type === "agency" ? [] : (change.locationIds ?? before.locationIds),
  };
}

/**
 * A verified API key acting (the v1 and v2 APIs): which key, of what kind and scopes, where it
 * lives, and whether its agency's Enhanced Account Security guards it. The verifier's answer
 * (`VerifiedKey`) is one, so authenticating a key allocates nothing more.
 */
export interface KeyActor {
  keyId: string;
  kind: KeyKind;
  agencyId: string;
  /** null for an agency key */
  locationId: string | null;
  /** An agency key limited to these locations (issue 13 §4); absent or null: every location of its agency. */
  locationIds?: readonly string[] | null | undefined;
  /** Private integration tokens only; a legacy v1 key has full access to its owner account. */
  scopes: readonly string[];
  enhancedSecurity: boolean;
}

/** Whoever a use-case acts for: a person or a key (the operator and the service token carry none). */
export type Caller = Actor | KeyActor;

export function isKeyActor(a: Caller): a is KeyActor {
  return "keyId" in a;
}

/** What the rules over people need to know of a key: where it lives, and whether EAS guards it. */
export type KeyReach = Pick<KeyActor, "agencyId" | "locationId" | "enhancedSecurity"> & LimitedTo;

/** An agency key's list of locations (absent or null: every location of its agency). */
type LimitedTo = { locationIds?: readonly string[] | null | undefined };

/**
 * The locations a key reaches within its agency: null for every one (an agency key without a list),
 * else a location key's own, or the list an agency key is limited to.
 */
export function keyLocations(key: Pick<KeyActor, "locationId"> & LimitedTo): readonly string[] | null {
  if (key.locationId !== null) return [key.locationId];
  return key.locationIds ?? null;
}

/** The scopes a key lacks for an operation (a legacy v1 key has full access: none). */
export function keyMissingScopes(
  key: Pick<KeyActor, "kind" | "scopes">,
  needed: readonly string[],
): string[] {
  if (key.kind === "legacy_v1") return [];
  return needed.filter((s) => !key.scopes.includes(s));
}

/**
 * Whether a key reaches a location: an agency key every location of its agency (or those it is
 * limited to), a location key its own.
 */
export function keySeesLocation(
  key: Pick<KeyActor, "agencyId" | "locationId"> & LimitedTo,
  agencyId: string,
  locationId: string,
): boolean {
  if (key.agencyId !== agencyId) return false;
  if (key.locationId !== null) return key.locationId === locationId;
  return !key.locationIds || key.locationIds.includes(locationId);
}

/** Why an agency key limited to chosen locations may not act on another of its agency's (403). */
export function keyOutsideLocationRefusal(_key: Pick<KeyActor, "locationId">): Refusal {
  return {
    code: "location_forbidden",
    message:
      "This agency key is limited to other locations: an admin can add this location to the key's locationIds.",
  };
}

/**
 * Creating and deleting locations is an agency's business (docs/spec.md §2): a location key may only read
 * and change its own location. The advice names the key the caller should use instead.
 */
export function keyLocationRefusal(
  key: Pick<KeyActor, "kind" | "locationId"> & LimitedTo,
  action: "create" | "update" | "delete",
): Refusal | null {
  // A key limited to chosen locations could not reach the location it created.
  if (action === "create" && key.locationId === null && key.locationIds)
    return {
      code: "location_forbidden",
      message:
        "An agency key limited to chosen locations cannot create locations: use an agency key without locationIds.",
    };
  if (action === "update" || key.locationId === null) return null;
  const instead = key.kind === "legacy_v1" ? "the agency's legacy key" : "an agency key";
  return {
    code: "location_forbidden",
    message: `A location key cannot ${action} locations: use ${instead}.`,
  };
}

const EAS_V1_USERS =
  "Enhanced Account Security is on for this agency: the v1 user APIs are disabled, because a leaked key could create or promote users. Use /v2/users with a private integration token (roles and permissions are changed by an agency admin in the console).";

/**
 * Whether a key may change people at all (`null`: it may, subject to the rules below). Enhanced
 * Account Security switches the legacy v1 user APIs off entirely; private integration tokens keep
 * theirs, with the limits of `keyCreateUserRefusal` and `keyChangeUserRefusal`.
 */
export function keyUserApiRefusal(key: Pick<KeyActor, "kind" | "enhancedSecurity">): Refusal | null {
  if (key.kind === "legacy_v1" && key.enhancedSecurity)
    return { code: "disabled_by_security", message: EAS_V1_USERS };
  return null;
}

/** A refusal with its stable code (403 each) and a message that says what to do instead. */
export interface Refusal {
  code: "disabled_by_security" | "location_forbidden" | "permission_denied";
  message: string;
}

/**
 * Agency keys see the agency's users; location keys the users assigned to their location; an agency
 * key limited to locations the users assigned to at least one of them.
 */
export function keySeesUser(key: KeyReach, u: UserFacts): boolean {
  if (u.agencyId !== key.agencyId) return false;
  if (key.locationId !== null) return u.locationIds.includes(key.locationId);
  const reach = key.locationIds;
  return !reach || u.locationIds.some((l) => reach.includes(l));
}

/**
 * Whether everything the user can reach, the key reaches too: an agency key reaches its whole
 * agency; a location key only an account user whose every assignment is its own location (a user
 * also assigned elsewhere, or an agency user, reaches what the key cannot).
 */
export function keyReachesAllOf(key: KeyReach, u: UserFacts): boolean {
  if (u.agencyId !== key.agencyId) return false;
  const reach = keyLocations(key);
  if (reach === null) return true;
  return u.type === "account" && u.locationIds.every((l) => reach.includes(l));
}

/**
 * Whether the change gives the user more rights than they have: agency access, the admin role, or
 * the "manage API keys" switch of an admin (the switch means nothing for a plain user).
 */
function raisesRights(before: UserFacts, after: UserFacts): boolean {
  return (
    (before.type === "account" && after.type === "agency") ||
    (before.role === "user" && after.role === "admin") ||
    (after.role === "admin" && after.canManageKeys && !(before.role === "admin" && before.canManageKeys))
  );
}

const EAS_ROLES =
  "Enhanced Account Security is on: roles and permissions cannot be changed through the API. An agency admin can change them in the console.";
const EAS_NEW_ADMIN =
  "Enhanced Account Security is on: users created through the API get the user role. An agency admin can make them admins in the console.";
const EAS_ADMIN_LOGIN =
  "Enhanced Account Security is on: an admin's e-mail and password cannot be changed through the API. They can change them themselves in the console.";
const LOCATION_ONLY =
  "A location key (or an agency key limited to chosen locations) can only create, change or remove account users of the locations it reaches; this user would reach more than the key does. Use an agency key, or ask an agency admin.";
const NO_RAISE =
  "A location key (or an agency key limited to chosen locations) cannot give a user more rights (the admin role, agency access or the “manage API keys” switch). An agency admin can, in the console.";

/** Whether a key may create this user (`null`: it may). Visibility is the caller's 404 first. */
export function keyCreateUserRefusal(key: KeyReach, user: UserFacts): Refusal | null {
  if (key.enhancedSecurity && user.role === "admin")
    return { code: "disabled_by_security", message: EAS_NEW_ADMIN };
  if (keyLocations(key) === null) return null;
  if (!keyReachesAllOf(key, user)) return { code: "location_forbidden", message: LOCATION_ONLY };
  // A new user starts as a plain account user: anything above that is raised by the key.
  const nobody: UserFacts = { ...user, type: "account", role: "user" };
  if (raisesRights(nobody, user)) return { code: "permission_denied", message: NO_RAISE };
  return null;
}

/**
 * Whether a key may make this change to a user it sees (`null`: it may). In order: Enhanced
 * Account Security, the user's reach before and after (location keys), rights raised (location
 * keys), the owner.
 */
export function keyChangeUserRefusal(key: KeyReach, before: UserFacts, change: UserChange): Refusal | null {
  // Under EAS the rights fields are refused whatever their value, as documented.
  if (
    key.enhancedSecurity &&
    (change.type !== undefined ||
      change.role !== undefined ||
      change.canManageKeys !== undefined ||
      change.locationIds !== undefined)
  )
    return { code: "disabled_by_security", message: EAS_ROLES };
  // Setting an admin's e-mail or password with a leaked key would hand over the admin's account.
  if (
    key.enhancedSecurity &&
    before.role === "admin" &&
    (change.email !== undefined || change.password !== undefined)
  )
    return { code: "disabled_by_security", message: EAS_ADMIN_LOGIN };
  const after = applied(before, change);
  if (keyLocations(key) !== null) {
    if (!keyReachesAllOf(key, before) || !keyReachesAllOf(key, after))
      return { code: "location_forbidden", message: LOCATION_ONLY };
    if (raisesRights(before, after)) return { code: "permission_denied", message: NO_RAISE };
    // An admin may create keys with any scope, which the key may not have: its sign-in is beyond
    // what a location key may hand to whoever holds it.
    if (before.role === "admin" && (change.email !== undefined || change.password !== undefined))
      return {
        code: "permission_denied",
        message:
          "A location key (or an agency key limited to chosen locations) cannot change an admin's e-mail or password: an admin can do more than the key. Ask an agency admin.",
      };
  }
  if (before.isOwner && (after.role !== "admin" || after.type !== "agency" || !after.canManageKeys))
    return { code: "permission_denied", message: "The owner's role and permissions cannot be reduced." };
  if (before.isOwner && (change.email !== undefined || change.password !== undefined))
    return {
      code: "permission_denied",
      message: "Only the owner can change the owner's e-mail or password.",
    };
  return null;
}

/** Whether a key may remove (disable) a user it sees (`null`: it may). */
export function keyDisableUserRefusal(key: KeyReach, user: UserFacts): Refusal | null {
  if (!keyReachesAllOf(key, user)) return { code: "location_forbidden", message: LOCATION_ONLY };
  if (user.isOwner) return { code: "permission_denied", message: "The agency owner cannot be removed." };
  return null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * Service credentials of an agency (issue 12 §2) are its owner's to create, list, rotate and revoke:
 * a credential acts for the whole agency, more than any other person there may.
 */
export function canManageServiceKeys(a: Actor, agencyId: string): boolean {
  return a.agencyId === agencyId && a.isOwner && a.type === "agency" && a.role === "admin";
}
