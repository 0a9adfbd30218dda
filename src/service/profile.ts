/**
 * A person's own account (issue 16 item 4): the sessions they are signed in with, and signing out
 * of the others. Name, password and the digest subscription are changed through UserService's
 * `updateUser` (self-changes need no admin; a new password needs the current one).
 */
import { createHash } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { ApiError } from "../core/errors.js";
import { SessionStore } from "../store/session-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";

export interface ProfileDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
}

export interface SessionView {
  /** Not the stored hash (that is the cookie's lookup key): a second hash of it, for display and keys. */
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

const publicId = (storedId: string) =>
  `ses_${createHash("sha256").update(`session-view:${storedId}`).digest("hex").slice(0, 24)}`;

export class ProfileService {
  constructor(readonly deps: ProfileDeps) {}

  async sessions(ctx: Ctx): Promise<SessionView[]> {
    const actor = requireActor(ctx);
    const rows = await new SessionStore(this.deps.store).listLive(actor.userId, this.deps.clock.now());
    return rows.map((r) => ({
      id: publicId(r.id),
      createdAt: new Date(r.createdAt).toISOString(),
      lastSeenAt: new Date(r.lastSeenAt ?? r.createdAt).toISOString(),
      expiresAt: new Date(r.expiresAt).toISOString(),
      ip: r.ip,
      userAgent: r.userAgent,
      current: r.id === ctx.sessionId,
    }));
  }

  /** Ends every session of the caller but the one making the request; audited. */
  async signOutOthers(ctx: Ctx): Promise<number> {
    const actor = requireActor(ctx);
    if (!ctx.sessionId)
      throw new ApiError(
        "invalid_state",
        "Only a signed-in console session can sign out its other sessions.",
      );
    const keep = ctx.sessionId;
    return this.deps.store.transaction(async (s) => {
      const n = await new SessionStore(s).revokeOthers(actor.userId, keep, this.deps.clock.now());
      await this.deps.audit.record(s, ctx, {
        agencyId: actor.agencyId,
        action: "session.signed_out_others",
        targetType: "user",
        targetId: actor.userId,
        after: { sessionsEnded: n },
      });
      return n;
    });
  }
}
