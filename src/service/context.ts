import type { Actor } from "../core/permissions.js";

/** Who is asking and from where: passed to every use-case, written to the audit log. */
export interface Ctx {
  actor: Actor | null;
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
