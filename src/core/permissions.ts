/**
 * Who may do what (SPEC §1). Pure: the caller loads the actor and passes it in. Every rule of the
 * permission and plan tables lives here and nowhere else.
 */
export type Plan = "starter" | "unlimited" | "agency_pro";
export const PLANS: readonly Plan[] = ["starter", "unlimited", "agency_pro"];
export type UserType = "agency" | "account";
export type Role = "admin" | "user";

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

export function planAllowsAgencyKeys(plan: Plan): boolean {
  return plan === "agency_pro";
}
