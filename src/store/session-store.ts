/** A person's own sessions (schema migration 008's `last_seen_at`): listed on the profile page. */
import type { Store } from "./store.js";

export interface SessionRow {
  /** The SHA-256 of the cookie's token (never shown as is: see service/profile.ts). */
  id: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number | null;
  ip: string | null;
  userAgent: string | null;
}

export class SessionStore {
  constructor(readonly s: Store) {}

  /** The user's sessions still valid at `now`, most recently used first. */
  async listLive(userId: string, now: number): Promise<SessionRow[]> {
    const rows = await this.s.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .execute();
    return rows
      .map((r) => ({
        id: r.id,
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
        lastSeenAt: r.last_seen_at === null || r.last_seen_at === undefined ? null : Number(r.last_seen_at),
        ip: r.ip,
        userAgent: r.user_agent,
      }))
      .sort(
        (a, b) =>
          (b.lastSeenAt ?? b.createdAt) - (a.lastSeenAt ?? a.createdAt) ||
          b.createdAt - a.createdAt ||
          (a.id < b.id ? -1 : 1),
      );
  }

  /** Notes a use of the session, unless one was noted within `everyMs` (one write a minute at most). */
  async touch(id: string, now: number, everyMs: number): Promise<void> {
    await this.s.db
      .updateTable("sessions")
      .set({ last_seen_at: now })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("last_seen_at", "is", null), eb("last_seen_at", "<=", now - everyMs)]))
      .execute();
  }

  /** Ends the user's live sessions but one; answers how many ended. */
  async revokeOthers(userId: string, keepId: string, at: number): Promise<number> {
    const r = await this.s.db
      .updateTable("sessions")
      .set({ revoked_at: at })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", at)
      .where("id", "!=", keepId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
