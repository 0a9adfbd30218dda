/**
 * Lifetime warnings (issue 13 §3): the active keys whose lifetime ends soon and that have not been
 * warned for that lead yet, and the in-app notifications that warn of it (type `lifetime_warning`,
 * one per key and lead, `action_at` = the end of its lifetime).
 */
import { sql } from "kysely";
import { DAY } from "../core/clock.js";
import type { ApiKey } from "../core/model.js";
import { keyFromRow } from "./rows.js";
import type { Store } from "./store.js";

export const LIFETIME_WARNING = "lifetime_warning";
/** Days before a lifetime ends that a warning is issued (the longest first). */
export const LIFETIME_LEADS = [7, 1] as const;

export class LifetimeStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  /**
   * Active keys whose lifetime ends within the longest lead after `now` and that are due a warning: never
   * warned since the lifetime was set, or warned before the shortest lead began and now within it.
   */
  async dueForWarning(now: number, limit = 1_000): Promise<ApiKey[]> {
    const longest = LIFETIME_LEADS[0] * DAY;
    const shortest = LIFETIME_LEADS[LIFETIME_LEADS.length - 1]! * DAY;
    let q = this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("status", "=", "active")
      // OAuth access tokens live a day by design: nobody is warned of that (docs/oauth.md).
      .where("kind", "!=", "oauth")
      .where("expires_at", ">", now)
      .where("expires_at", "<=", now + longest)
      .where((eb) =>
        eb.or([
          eb("lifetime_warned_at", "is", null),
          eb.and([
            eb("expires_at", "<=", now + shortest),
            sql<boolean>`lifetime_warned_at < expires_at - ${shortest}`,
          ]),
        ]),
      )
      .orderBy("expires_at")
      .limit(limit);
    // Several schedulers: a key another is warning is skipped (on SQLite the write lock serializes).
    if (this.s.dialect.rowLocks) q = q.forUpdate().skipLocked();
    return (await q.execute()).map(keyFromRow);
  }

  /** Records that the keys were warned at `at` (their next warning is for a shorter lead, if any). */
  async markWarned(keyIds: readonly string[], at: number): Promise<void> {
    if (keyIds.length === 0) return;
    await this.db.updateTable("api_keys").set({ lifetime_warned_at: at }).where("id", "in", keyIds).execute();
  }

  /** Rotating or extending the lifetime: the key's lifetime warnings leave the in-app list. */
  async clearWarnings(keyId: string, now: number): Promise<void> {
    await this.db
      .updateTable("notifications")
      .set({ cleared_at: now })
      .where("type", "=", LIFETIME_WARNING)
      .where("key_ids_json", "=", JSON.stringify([keyId]))
      .where("cleared_at", "is", null)
      .execute();
  }
}
