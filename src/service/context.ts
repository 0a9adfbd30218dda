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
  /**
   * The platform's service credential making the request (`actorType: "service"`), or the one a
   * person is acted for with (`Keyward-Acting-User`, issue 12 §3). Absent for everyone else.
   */
  credential?: ServiceCredential | undefined;
}

/** The platform's service scopes (issue 12 §2). */
export const SERVICE_SCOPES = ["verify", "provision", "keys:manage"] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

/** A service credential as the service guard lets it through (`c.get("service")` on the HTTP side). */
export interface ServiceCredential {
  /** The credential's id (`svk_…`); null for KEYWARD_SERVICE_TOKEN. */
  id: string | null;
  name: string;
  /** Null: an operator credential, good for every agency; else the one agency it acts on. */
  agencyId: string | null;
  scopes: readonly ServiceScope[];
}

/** Whether the caller is the deployment's operator: the CLI, KEYWARD_SERVICE_TOKEN or an operator credential. */
export function isOperator(ctx: Ctx): boolean {
  if (ctx.actorType === "system") return true;
  return ctx.actorType === "service" && !ctx.actor && (ctx.credential?.agencyId ?? null) === null;
}

export const systemCtx: Ctx = { actor: null, actorType: "system", actorId: null, ip: null, userAgent: null };

export function userCtx(actor: Actor, ip: string | null, userAgent: string | null): Ctx {
  return { actor, actorType: "user", actorId: actor.userId, ip, userAgent };
}

export function keyCtx(key: KeyActor, ip: string | null, userAgent: string | null): Ctx {
  return { actor: key, actorType: "key", actorId: key.keyId, ip, userAgent };
}
