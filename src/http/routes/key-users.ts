/** What an API key may do with users, shared by the v1 and v2 user APIs. */
import { ApiError } from "../../core/errors.js";
import type { User } from "../../core/model.js";
import type { Role, UserType } from "../../core/permissions.js";
import type { UserPatch } from "../../service/accounts.js";
import type { Ctx } from "../../service/context.js";
import type { VerifiedKey } from "../../service/verify.js";
import type { Deps } from "../env.js";

/** Agency keys see the agency's users; location keys the users of their location. */
export function keySeesUser(key: VerifiedKey, u: User): boolean {
  if (u.agencyId !== key.agencyId) return false;
  return key.locationId === null || u.locationIds.includes(key.locationId);
}

/** Creates a user for a key: a location key only makes account users of its own location. */
export async function createUserForKey(
  deps: Deps,
  ctx: Ctx,
  k: VerifiedKey,
  body: {
    email: string;
    name: string;
    password?: string | undefined;
    type: UserType;
    role: Role;
    locationIds?: string[] | undefined;
  },
): Promise<User> {
  const input = { ...body, locationIds: body.locationIds ?? (k.locationId ? [k.locationId] : []) };
  if (
    k.locationId !== null &&
    (input.type !== "account" || input.locationIds.some((l) => l !== k.locationId))
  )
    throw new ApiError(
      "location_forbidden",
      "A location key can only create account users of its own location.",
    );
  if (input.type === "account" && input.locationIds.length === 0)
    throw new ApiError("validation_failed", "An account user needs locationIds.", {
      issues: [{ field: "locationIds", message: "required for account users" }],
    });
  return deps.accounts.createUser(ctx, k.agencyId, input);
}

/** Changes a user for a key: a location key may not make agency users nor assign other locations. */
export function updateUserForKey(
  deps: Deps,
  ctx: Ctx,
  k: VerifiedKey,
  u: User,
  patch: UserPatch,
): Promise<User> {
  if (
    k.locationId !== null &&
    (patch.type === "agency" || (patch.locationIds ?? []).some((l) => l !== k.locationId))
  )
    throw new ApiError("location_forbidden", "A location key can only assign its own location.");
  return deps.accounts.updateUserAsSystem(ctx, u, patch);
}
