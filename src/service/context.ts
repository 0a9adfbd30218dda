import type { Actor, Caller, KeyActor } from "../core/permissions.js";

/**
 * Who is asking and from where: passed to every use-case, which decides with it (and writes it to
 * the audit log). Every caller is one of:
 * - a person (`actorType: "user"`, `actor` their `Actor`), signed in to the console or the CLI acting as them;
 * - a verified API key (`actorType: "key"`, `actor` its `KeyActor`), on the v1 and v2 APIs;
 * - the operator (`"system"`: the CLI, the scheduler) or the platform's service token (`"service"`),
 *   with no actor: they are trusted with every agency.
 */
export interface Ctx {
  actor: Caller | null;
  actorType: "user" | "key" | "system" | "service";
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The hash of the session making the request, for people signed in to the console. */
  sessionId?: string | undefined;
}

export const systemCtx: Ctx = { actor: null, actorType: "system", actorId: null, ip: null, userAgent: null };

export function userCtx(actor: Actor, ip: string | null, userAgent: string | null): Ctx {
  return { actor, actorType: "user", actorId: actor.userId, ip, userAgent };
}

export function keyCtx(key: KeyActor, ip: string | null, userAgent: string | null): Ctx {
  return { actor: key, actorType: "key", actorId: key.keyId, ip, userAgent };
}
