/**
 * Rate limits in the database (schema migration 011): the limits set on keys, locations and agencies,
 * the window counts the nodes share, and verifications per key per day per code. Runs in the
 * caller's Store (and its transaction).
 */
import { sql } from "kysely";
import { mulDivCeil, type RateLimit } from "../core/rate-limits.js";
import { saturatingAdd } from "./saturating.js";
import type { Store } from "./store.js";

/** Where limits are set: on a key, a location or an agency (shared by the keys below), or as an agency's default for each key. */
export type LimitScope = "key" | "location" | "agency" | "agency_keys";

export interface PolicyRow {
  scope: LimitScope;
  ownerId: string;
  limits: RateLimit[];
}

/** One window count to add to (`delta` may be 0: the row is then only read). */
export interface CountDelta {
  bucket: string;
  windowMs: number;
  start: number;
  delta: number;
}

/** One strict limit to take `units` of, at `now`. */
export interface StrictTake {
  bucket: string;
  windowMs: number;
  start: number;
  limit: number;
  units: number;
}

/** What a strict decision saw: per limit (in the order given) the current and previous counts after it. */
export interface StrictOutcome {
  /** The index of the first limit that refused, or -1 when every limit took its units. */
  refused: number;
  counts: { current: number; previous: number }[];
}

/** Rows per multi-row statement: 4 parameters each, well under both databases' limits. */
const ROWS = 400;

class Refused extends Error {}

export class RateLimitStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  // ── limits ──

  /** The limits that concern one key: its own, its location's, its agency's and its agency's default for keys. */
  async policiesFor(keyId: string, locationId: string | null, agencyId: string): Promise<PolicyRow[]> {
    const rows = await this.db
      .selectFrom("rate_limit_policies")
      .select(["scope", "owner_id", "limits_json"])
      .where((eb) =>
        eb.or([
          eb.and([eb("scope", "=", "key"), eb("owner_id", "=", keyId)]),
          ...(locationId ? [eb.and([eb("scope", "=", "location"), eb("owner_id", "=", locationId)])] : []),
          eb.and([eb("scope", "in", ["agency", "agency_keys"]), eb("owner_id", "=", agencyId)]),
        ]),
      )
      .execute();
    return rows.map(toPolicy);
  }

  async limitsOf(scope: LimitScope, ownerId: string): Promise<RateLimit[] | null> {
    const row = await this.db
      .selectFrom("rate_limit_policies")
      .select(["scope", "owner_id", "limits_json"])
      .where("scope", "=", scope)
      .where("owner_id", "=", ownerId)
      .executeTakeFirst();
    return row ? toPolicy(row).limits : null;
  }

  /** Keys' own limits, for key listings. */
  async keysLimits(keyIds: readonly string[]): Promise<Map<string, RateLimit[]>> {
    const out = new Map<string, RateLimit[]>();
    for (let i = 0; i < keyIds.length; i += ROWS) {
      const rows = await this.db
        .selectFrom("rate_limit_policies")
        .select(["scope", "owner_id", "limits_json"])
        .where("scope", "=", "key")
        .where("owner_id", "in", keyIds.slice(i, i + ROWS))
        .execute();
      for (const r of rows) out.set(r.owner_id, toPolicy(r).limits);
    }
    return out;
  }

  /** Sets (or with null, removes: the defaults apply again) the limits of one scope. */
  async setLimits(
    scope: LimitScope,
    ownerId: string,
    agencyId: string,
    limits: readonly RateLimit[] | null,
    now: number,
  ): Promise<void> {
    if (limits === null) {
      await this.db
        .deleteFrom("rate_limit_policies")
        .where("scope", "=", scope)
        .where("owner_id", "=", ownerId)
        .execute();
      return;
    }
    const limits_json = JSON.stringify(limits);
    await this.db
      .insertInto("rate_limit_policies")
      .values({ scope, owner_id: ownerId, agency_id: agencyId, limits_json, updated_at: now })
      .onConflict((oc) => oc.columns(["scope", "owner_id"]).doUpdateSet({ limits_json, updated_at: now }))
      .execute();
  }

  // ── shared window counts ──

  /**
   * Adds each delta to its window's shared count and answers the totals, in one statement per few
   * hundred rows. Rows are written in one global order, so two nodes reconciling never deadlock.
   */
  async addCounts(deltas: readonly CountDelta[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    const sorted = [...deltas].sort(byRow);
    for (let i = 0; i < sorted.length; i += ROWS) {
      const rows = await this.db
        .insertInto("rate_limit_counts")
        .values(
          sorted.slice(i, i + ROWS).map((d) => ({
            bucket: d.bucket,
            window_ms: d.windowMs,
            window_start: d.start,
            count: d.delta,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(["bucket", "window_ms", "window_start"])
            .doUpdateSet({ count: saturatingAdd("rate_limit_counts.count") }),
        )
        .returning(["bucket", "window_ms", "window_start", "count"])
        .execute();
      for (const r of rows)
        totals.set(countKey(r.bucket, Number(r.window_ms), Number(r.window_start)), Number(r.count));
    }
    return totals;
  }

  /**
   * Takes units of every strict limit at once, or of none: in one transaction, each limit's current
   * window row is added to only if the sliding count stays within the limit (the row lock makes
   * concurrent nodes wait for each other, so the count is exact). Run it on the Store itself, not
   * inside a caller's transaction.
   */
  async takeStrict(items: readonly StrictTake[], now: number): Promise<StrictOutcome> {
    const order = items.map((_, i) => i).sort((a, b) => byRow(items[a]!, items[b]!));
    const counts = items.map(() => ({ current: 0, previous: 0 }));
    // First one read without locks: a window's count only grows, so a limit already over is refused
    // exactly without taking its row lock (which every request of that key would queue behind).
    const seen = await this.countsOf(items);
    for (const i of order) {
      const it = items[i]!;
      const current = seen.get(countKey(it.bucket, it.windowMs, it.start)) ?? 0;
      const previous = seen.get(countKey(it.bucket, it.windowMs, it.start - it.windowMs)) ?? 0;
      counts[i] = { current, previous };
      const weighted = previous === 0 ? 0 : mulDivCeil(previous, it.start + it.windowMs - now, it.windowMs);
      if (current + it.units + weighted > it.limit) return { refused: i, counts };
    }
    let refused = -1;
    try {
      await this.s.transaction(async (s) => {
        for (const i of order) {
          const it = items[i]!;
          const prev = await s.db
            .selectFrom("rate_limit_counts")
            .select("count")
            .where("bucket", "=", it.bucket)
            .where("window_ms", "=", it.windowMs)
            .where("window_start", "=", it.start - it.windowMs)
            .executeTakeFirst();
          const previous = prev ? Number(prev.count) : 0;
          const weighted =
            previous === 0 ? 0 : mulDivCeil(previous, it.start + it.windowMs - now, it.windowMs);
          // The current count may be at most this for the units to fit.
          const threshold = it.limit - it.units - weighted;
          counts[i]!.previous = previous;
          const row =
            threshold < 0
              ? undefined
              : await s.db
                  .insertInto("rate_limit_counts")
                  .values({
                    bucket: it.bucket,
                    window_ms: it.windowMs,
                    window_start: it.start,
                    count: it.units,
                  })
                  .onConflict((oc) =>
                    oc
                      .columns(["bucket", "window_ms", "window_start"])
                      .doUpdateSet({ count: sql`rate_limit_counts.count + excluded.count` })
                      .where("rate_limit_counts.count", "<=", threshold),
                  )
                  .returning("count")
                  .executeTakeFirst();
          if (!row) {
            refused = i;
            const cur = await s.db
              .selectFrom("rate_limit_counts")
              .select("count")
              .where("bucket", "=", it.bucket)
              .where("window_ms", "=", it.windowMs)
              .where("window_start", "=", it.start)
              .executeTakeFirst();
            counts[i]!.current = cur ? Number(cur.count) : 0;
            throw new Refused();
          }
          counts[i]!.current = Number(row.count);
        }
      });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
    }
    return { refused, counts };
  }

  /** The current and previous windows' counts of the given limits, by countKey. */
  private async countsOf(items: readonly StrictTake[]): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("rate_limit_counts")
      .select(["bucket", "window_ms", "window_start", "count"])
      .where("bucket", "in", [...new Set(items.map((i) => i.bucket))])
      .where("window_start", "in", [...new Set(items.flatMap((i) => [i.start, i.start - i.windowMs]))])
      .execute();
    const out = new Map<string, number>();
    for (const r of rows)
      out.set(countKey(r.bucket, Number(r.window_ms), Number(r.window_start)), Number(r.count));
    return out;
  }

  /** Forgets windows that no sliding count reads any more (older than the previous window). */
  async pruneCounts(now: number): Promise<void> {
    await this.db
      .deleteFrom("rate_limit_counts")
      .where(sql<boolean>`window_start + 2 * window_ms < ${now}`)
      .execute();
  }

  // ── verifications per key per day per code ──

  async addCodes(
    rows: readonly { keyId: string; day: string; code: string; count: number }[],
  ): Promise<void> {
    const sorted = [...rows].sort((a, b) =>
      a.keyId !== b.keyId ? (a.keyId < b.keyId ? -1 : 1) : a.day + a.code < b.day + b.code ? -1 : 1,
    );
    await this.s.transaction(async (s) => {
      for (let i = 0; i < sorted.length; i += ROWS)
        await s.db
          .insertInto("usage_codes")
          .values(
            sorted
              .slice(i, i + ROWS)
              .map((r) => ({ key_id: r.keyId, day: r.day, code: r.code, count: r.count })),
          )
          .onConflict((oc) =>
            oc.columns(["key_id", "day", "code"]).doUpdateSet({ count: saturatingAdd("usage_codes.count") }),
          )
          .execute();
    });
  }

  async codesByDay(keyId: string, sinceDay: string): Promise<{ day: string; code: string; count: number }[]> {
    const rows = await this.db
      .selectFrom("usage_codes")
      .select(["day", "code", "count"])
      .where("key_id", "=", keyId)
      .where("day", ">=", sinceDay)
      .orderBy("day")
      .orderBy("code")
      .execute();
    return rows.map((r) => ({ day: r.day, code: r.code, count: Number(r.count) }));
  }

  /** Sums per key per day over several keys (the listing's sparklines). */
  async codesOfKeys(
    keyIds: readonly string[],
    sinceDay: string,
  ): Promise<{ keyId: string; day: string; code: string; count: number }[]> {
    const out: { keyId: string; day: string; code: string; count: number }[] = [];
    for (let i = 0; i < keyIds.length; i += ROWS) {
      const rows = await this.db
        .selectFrom("usage_codes")
        .select(["key_id", "day", "code", "count"])
        .where("key_id", "in", keyIds.slice(i, i + ROWS))
        .where("day", ">=", sinceDay)
        .execute();
      for (const r of rows) out.push({ keyId: r.key_id, day: r.day, code: r.code, count: Number(r.count) });
    }
    return out;
  }

  async pruneCodes(beforeDay: string): Promise<void> {
    await this.db.deleteFrom("usage_codes").where("day", "<", beforeDay).execute();
  }
}

export function countKey(bucket: string, windowMs: number, start: number): string {
  return `${bucket}\u0000${windowMs}\u0000${start}`;
}

function byRow(a: { bucket: string; windowMs: number; start: number }, b: typeof a): number {
  if (a.bucket !== b.bucket) return a.bucket < b.bucket ? -1 : 1;
  if (a.windowMs !== b.windowMs) return a.windowMs - b.windowMs;
  return a.start - b.start;
}

function toPolicy(r: { scope: string; owner_id: string; limits_json: string }): PolicyRow {
  return {
    scope: r.scope as LimitScope,
    ownerId: r.owner_id,
    limits: JSON.parse(r.limits_json) as RateLimit[],
  };
}
