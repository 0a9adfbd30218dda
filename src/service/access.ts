/**
 * Who may reach what, before a use-case runs: the acting person (or the operator), and the account
 * (agency or location) an id names as that actor sees it. Every service asks here, so none of them
 * depends on another service for it (it is what once tied KeyService and LifecycleService together).
 */
import { ApiError, notFound } from "../core/errors.js";
import type { Agency } from "../core/model.js";
import { type Actor, canSeeKeys, isKeyActor, type Owner } from "../core/permissions.js";
import type { Store } from "../store/store.js";
import type { Ctx } from "./context.js";

/** The signed-in person a use-case for people needs; a key, the operator or no one is refused (401). */
export function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor || isKeyActor(ctx.actor))
    throw new ApiError("unauthenticated", "Sign in first: POST /api/auth/login.");
  return ctx.actor;
}

/** Resolves an account id (agency or location) the actor may see; 404 otherwise, never a hint. */
export async function resolveAccount(
  store: Store,
  actor: Actor,
  accountId: string,
): Promise<{ agency: Agency; owner: Owner }> {
  if (accountId === actor.agencyId) {
    const agency = await store.getAgency(accountId);
    if (agency && actor.type === "agency")
      return { agency, owner: { agencyId: agency.id, locationId: null } };
  } else {
    const loc = await store.getLocation(accountId);
    if (loc && canSeeKeys(actor, { agencyId: loc.agencyId, locationId: loc.id })) {
      const agency = await store.getAgency(loc.agencyId);
      if (agency) return { agency, owner: { agencyId: agency.id, locationId: loc.id } };
    }
  }
  throw notFound("Account");
}

/**
 * The deployment's operator (the CLI, `keyward simulate`): an agency admin of the agency concerned,
 * audited as `system`/`cli`.
 */
export function operatorCtx(agencyId: string): Ctx {
  const actor: Actor = {
    userId: "cli",
    agencyId,
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: true,
    locationIds: [],
  };
  return { actor, actorType: "system", actorId: "cli", ip: null, userAgent: "keyward-cli" };
}
