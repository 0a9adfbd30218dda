/**
 * Use recording: the batched writes of verified uses (last use, activity, per-day and per-detail
 * counts) and the reads of those counts. Writes run in the caller's Store (and its transaction).
 */
import { sql } from "kysely";
import { saturatingAdd } from "./saturating.js";
import type { Store } from "./store.js";

export interface UseRecord {
  keyId: string;
  /** Tokens in a rotation grace period also remember their own last use. */
  tokenHash: string | null;
  /** When that token was last used (the key's `lastUsedAt` may come from its new token). */
  tokenUsedAt?: number;
  lastUsedAt: number;
  ip: string | null;
  userAgent: string | null;
  /** Uses per UTC day. */
  days: Map<string, number>;
  /** Legacy keys: uses per (day, endpoint, user agent, ip), for the migration report. */
  details: Map<string, number> | null;
}

/** Keys per `recordUses` statement: 4 parameters each, far below SQLite's and PostgreSQL's limits. */
const USE_ROWS_PER_STATEMENT = 500;

export class UsageStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  private get dialect() {
    return this.s.dialect;
  }

  private transaction<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    return this.s.transaction(fn);
  }

  /**
   * Records a batch of uses in a bounded number of statements, however many requests they count.
   * `last_used_at` and `activity_at` never move backwards (several nodes flush out of order).
   */
  async recordUses(uses: UseRecord[]): Promise<void> {
    if (uses.length === 0) return;
    const g = this.dialect.greatest;
    // Rows are locked in one global order (key id, then day): two nodes flushing batches over the
    // same keys at once wait for each other instead of deadlocking (PostgreSQL).
    const batch = [...uses].sort((x, y) => (x.keyId < y.keyId ? -1 : x.keyId > y.keyId ? 1 : 0));
    await this.transaction(async (s) => {
      // One statement per chunk of keys (UPDATE … FROM (VALUES …), SQLite ≥ 3.33 and PostgreSQL), not
      // one per key. A key appears once per batch (the recorder gathers per key), but keep the latest
      // use of each key should a caller pass one twice.
      const latest = new Map<string, UseRecord>();
      for (const u of batch) {
        const cur = latest.get(u.keyId);
        if (!cur || u.lastUsedAt > cur.lastUsedAt) latest.set(u.keyId, u);
      }
      const rows = [...latest.values()];
      for (let i = 0; i < rows.length; i += USE_ROWS_PER_STATEMENT) {
        const part = rows.slice(i, i + USE_ROWS_PER_STATEMENT);
        if (s.dialect.rowLocks)
          // UPDATE … FROM locks rows in its join's order: lock them in key order first.
          await s.db
            .selectFrom("api_keys")
            .select("id")
            .where(
              "id",
              "in",
              part.map((u) => u.keyId),
            )
            .orderBy("id")
            .forUpdate()
            .execute();
        const values = sql.join(
          part.map(
            (u) =>
              sql`(${u.keyId}, cast(${u.lastUsedAt} as bigint), cast(${u.ip} as text), cast(${u.userAgent} as text))`,
          ),
        );
        // A use counts only while the key is active; a key acted on meanwhile stays as it is. The status
        // test is an expression so that the planner drives the update from `v` by primary key rather than
        // scanning every active key through the status index.
        // `v`'s columns are column1 … column4 (id, at, ip, ua): SQLite takes no column list after the alias.
        const newer = sql`(api_keys.last_used_at is null or api_keys.last_used_at < v.column2)`;
        await s.db
          .updateTable("api_keys")
          .from(sql`(values ${values})`.as("v"))
          .set({
            last_used_at: sql`case when ${newer} then v.column2 else api_keys.last_used_at end`,
            last_used_ip: sql`case when ${newer} then v.column3 else api_keys.last_used_ip end`,
            last_used_ua: sql`case when ${newer} then v.column4 else api_keys.last_used_ua end`,
            activity_at: g("api_keys.activity_at", "v.column2"),
          })
          .where(sql<boolean>`api_keys.id = v.column1 and (api_keys.status || '') = 'active'`)
          .execute();
      }
      for (const u of batch) {
        const tokenAt = u.tokenUsedAt ?? u.lastUsedAt;
        if (u.tokenHash)
          await s.db
            .updateTable("key_tokens")
            .set({
              last_used_at: sql`coalesce(${g("last_used_at", sql.val(tokenAt))}, ${tokenAt})`,
            })
            .where("hash", "=", u.tokenHash)
            .execute();
      }
      const daily = batch.flatMap((u) =>
        [...u.days].sort().map(([day, count]) => ({ key_id: u.keyId, day, count })),
      );
      for (let i = 0; i < daily.length; i += 300)
        await s.db
          .insertInto("usage_daily")
          .values(daily.slice(i, i + 300))
          .onConflict((oc) =>
            oc.columns(["key_id", "day"]).doUpdateSet({ count: saturatingAdd("usage_daily.count") }),
          )
          .execute();
      const details = batch.flatMap((u) =>
        [...(u.details ?? [])].sort().map(([k, count]) => {
          const [day, endpoint, user_agent, ip] = JSON.parse(k) as [string, string, string, string];
          return { key_id: u.keyId, day, endpoint, user_agent, ip, count };
        }),
      );
      for (let i = 0; i < details.length; i += 100)
        await s.db
          .insertInto("usage_details")
          .values(details.slice(i, i + 100))
          .onConflict((oc) =>
            oc
              .columns(["key_id", "day", "endpoint", "user_agent", "ip"])
              .doUpdateSet({ count: saturatingAdd("usage_details.count") }),
          )
          .execute();
    });
  }

  /**
   * The agency and kind of each key that exists (tombstones included), by id: whose uses an SDK may
   * report (POST /api/verify/uses) and whose events an agency's stream hears (GET /api/verify/events).
   */
  async ownersOf(keyIds: readonly string[]): Promise<Map<string, { agencyId: string; kind: string }>> {
    const out = new Map<string, { agencyId: string; kind: string }>();
    for (let i = 0; i < keyIds.length; i += USE_ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom("api_keys")
        .select(["id", "agency_id", "kind"])
        .where("id", "in", keyIds.slice(i, i + USE_ROWS_PER_STATEMENT))
        .execute();
      for (const r of rows) out.set(r.id, { agencyId: r.agency_id, kind: r.kind });
    }
    return out;
  }

  async usageByDay(keyId: string, sinceDay: string): Promise<{ day: string; count: number }[]> {
    return this.db
      .selectFrom("usage_daily")
      .select(["day", "count"])
      .where("key_id", "=", keyId)
      .where("day", ">=", sinceDay)
      .orderBy("day")
      .execute();
  }

  async usageDetails(
    keyId: string,
    sinceDay: string,
  ): Promise<{ day: string; endpoint: string; userAgent: string; ip: string; count: number }[]> {
    const rows = await this.db
      .selectFrom("usage_details")
      .selectAll()
      .where("key_id", "=", keyId)
      .where("day", ">=", sinceDay)
      .orderBy("day")
      .execute();
    return rows.map((r) => ({
      day: r.day,
      endpoint: r.endpoint,
      userAgent: r.user_agent,
      ip: r.ip,
      count: r.count,
    }));
  }
}
