/**
 * Sign-in and sessions. Sessions are random tokens handed out as an HTTP-only cookie; only their
 * SHA-256 is stored, like API keys.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { ApiError } from "../core/errors.js";
import type { User } from "../core/model.js";
import { hashToken } from "../core/token.js";
import { SessionStore } from "../store/session-store.js";
import type { Store } from "../store/store.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import { verifyPassword } from "./passwords.js";
import { toActor } from "./users.js";

export interface SessionDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  sessionTtlMs: number;
}

/**
 * How many password hashes a sign-in computes at least: an address may have an account in several
 * agencies (one per agency), and each needs its hash checked; padding with dummy hashes up to this
 * number keeps the work, and so the time, the same for up to this many accounts.
 */
export const SIGNIN_HASHES = 3;

/** How stale a session's `lastSeenAt` may get: it is written at most this often. */
export const LAST_SEEN_EVERY_MS = 60_000;

export class SessionService {
  /** Password hashes computed by sign-ins: the figure behind the constant-work rule above. */
  passwordHashesComputed = 0;

  constructor(readonly deps: SessionDeps) {}

  /**
   * Signs in. One address may have an account in several agencies (e-mails are unique per agency):
   * the password is checked against each of them, and when it opens more than one the caller is
   * asked to choose (`agency_choice_required`, naming only those agencies); `agencyId` picks one.
   * Every path costs at least one password hash, so the time taken does not tell who exists.
   */
  async login(
    email: string,
    password: string,
    ip: string | null,
    userAgent: string | null,
    agencyId?: string | undefined,
  ) {
    const { store, clock } = this.deps;
    const candidates = (await store.listUsersByEmail(email)).filter(
      (u) => agencyId === undefined || u.agencyId === agencyId,
    );
    // The same number of password hashes whether the address has no account, one, or a few in
    // several agencies: the time of a failed sign-in tells nobody whether another tenant uses it.
    const hashes = [...candidates.map((u) => u.passwordHash), null, null, null].slice(
      0,
      Math.max(SIGNIN_HASHES, candidates.length),
    );
    this.passwordHashesComputed += hashes.length;
    const ok = await Promise.all(hashes.map((h) => verifyPassword(h, password)));
    const matched = candidates.filter((u, i) => ok[i] && u.disabledAt === null);
    if (matched.length === 0) throw new ApiError("login_failed", "The e-mail or password is wrong.");
    if (matched.length > 1) {
      const agencies = await Promise.all(matched.map((u) => store.getAgency(u.agencyId)));
      throw new ApiError(
        "agency_choice_required",
        "This e-mail and password open accounts in several agencies: send the same request again with agencyId set to one of those listed.",
        {
          agencies: agencies
            .flatMap((a) => (a ? [{ id: a.id, name: a.name }] : []))
            .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
        },
      );
    }
    const user = matched[0]!;
    const token = randomBytes(32).toString("base64url");
    const now = clock.now();
    await store.transaction(async (s) => {
      await s.insertSession({
        id: hashToken(token),
        userId: user.id,
        createdAt: now,
        expiresAt: now + this.deps.sessionTtlMs,
        revokedAt: null,
        ip,
        userAgent,
      });
      const ctx: Ctx = { actor: toActor(user), actorType: "user", actorId: user.id, ip, userAgent };
      await this.deps.audit.record(s, ctx, {
        agencyId: user.agencyId,
        action: "session.created",
        targetType: "user",
        targetId: user.id,
      });
    });
    return { token, user, expiresAt: now + this.deps.sessionTtlMs };
  }

  /** The signed-in user behind a session cookie, or null when the session is unknown, expired or revoked. */
  async authenticate(sessionToken: string): Promise<User | null> {
    const { store, clock } = this.deps;
    const session = await store.getSession(hashToken(sessionToken));
    const now = clock.now();
    if (!session || session.revokedAt !== null || session.expiresAt <= now) return null;
    const user = await store.getUser(session.userId);
    // "Last seen" for the profile's list of sessions: one write a minute at most per session.
    // Best effort: a busy database must not turn a request into a failure for the sake of this note.
    if (user && (session.lastSeenAt ?? 0) <= now - LAST_SEEN_EVERY_MS)
      await new SessionStore(store).touch(session.id, now, LAST_SEEN_EVERY_MS).catch(() => {});
    return user && user.disabledAt === null ? user : null;
  }

  async logout(sessionToken: string): Promise<void> {
    await this.deps.store.revokeSession(hashToken(sessionToken), this.deps.clock.now());
  }
}
