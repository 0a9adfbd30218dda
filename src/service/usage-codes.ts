/**
 * Verifications per key per UTC day per code (issue 13 §5): `valid`, `rate_limited`,
 * `insufficient_scope` … Counted in memory and written in one batch per flush interval, like uses
 * (service/usage.ts); kept 90 days (older days are pruned once a day).
 */
import type { Clock } from "../core/clock.js";
import { DAY, utcDay } from "../core/clock.js";
import { RateLimitStore } from "../store/rate-limit-store.js";
import type { Store } from "../store/store.js";

export const USAGE_CODES_KEPT_DAYS = 90;

/** One key's counts of one day: code → count. */
type DayCounts = { day: string; codes: Record<string, number> };

export class UsageCodes {
  private pending = new Map<string, DayCounts>();
  /** Counts of a key's earlier day, set aside when the day turned before a flush. */
  private earlier: { keyId: string; counts: DayCounts }[] = [];
  private today = { from: 0, to: 0, day: "" };
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private prunedDay = "";

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Counts one verification of a known key (the hot path: no allocation after a key's first of the
   * interval), or `n` of them (an SDK's refusals, reported together).
   */
  count(keyId: string, code: string, n = 1): void {
    const day = this.dayOf(this.clock.now());
    let c = this.pending.get(keyId);
    if (c === undefined || c.day !== day) {
      if (c !== undefined) this.earlier.push({ keyId, counts: c });
      c = { day, codes: {} };
      this.pending.set(keyId, c);
    }
    c.codes[code] = (c.codes[code] ?? 0) + n;
  }

  /**
   * Counts `n` verifications of a key made at `at` (an SDK's cached ones, reported later): on the
   * UTC day of `at`, which may be an earlier day than today's.
   */
  countAt(keyId: string, code: string, n: number, at: number): void {
    const day = utcDay(at);
    if (day === this.dayOf(this.clock.now())) this.count(keyId, code, n);
    else this.earlier.push({ keyId, counts: { day, codes: { [code]: n } } });
  }

  private dayOf(now: number): string {
    let t = this.today;
    if (now < t.from || now >= t.to) {
      const from = Math.floor(now / DAY) * DAY;
      t = this.today = { from, to: from + DAY, day: utcDay(now) };
    }
    return t.day;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /**
   * A key's days since `sinceDay`: its uses (`count`, as recorded by use recording) and its
   * verifications by code. Every day with either appears, in order.
   */
  async days(
    keyId: string,
    sinceDay: string,
    uses: readonly { day: string; count: number }[],
  ): Promise<{ day: string; count: number; codes: Record<string, number> }[]> {
    const byDay = new Map<string, { day: string; count: number; codes: Record<string, number> }>();
    const dayOf = (day: string) => {
      let d = byDay.get(day);
      if (!d) {
        d = { day, count: 0, codes: {} };
        byDay.set(day, d);
      }
      return d;
    };
    for (const u of uses) dayOf(u.day).count = u.count;
    for (const r of await new RateLimitStore(this.store).codesByDay(keyId, sinceDay))
      dayOf(r.day).codes[r.code] = r.count;
    return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  /** Several keys' verifications per day by code since `sinceDay` (the listing's sparklines). */
  async ofKeys(keyIds: readonly string[], sinceDay: string) {
    return new RateLimitStore(this.store).codesOfKeys(keyIds, sinceDay);
  }

  /** Writes what has gathered; a failed batch is merged back for the next flush. Flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => {})
      .then(async () => {
        const batch = [...this.earlier, ...[...this.pending].map(([keyId, counts]) => ({ keyId, counts }))];
        this.pending = new Map();
        this.earlier = [];
        // One row per key, day and code: PostgreSQL refuses an upsert naming one row twice.
        const merged = new Map<string, { keyId: string; day: string; code: string; count: number }>();
        for (const { keyId, counts } of batch)
          for (const [code, count] of Object.entries(counts.codes)) {
            const k = `${keyId}\u0000${counts.day}\u0000${code}`;
            const r = merged.get(k);
            if (r) r.count += count;
            else merged.set(k, { keyId, day: counts.day, code, count });
          }
        const rows = [...merged.values()];
        const s = new RateLimitStore(this.store);
        if (rows.length > 0)
          try {
            await s.addCodes(rows);
          } catch (err) {
            this.earlier.push(...batch);
            throw err;
          }
        const today = this.dayOf(this.clock.now());
        if (today !== this.prunedDay) {
          this.prunedDay = today;
          await s.pruneCodes(utcDay(this.clock.now() - (USAGE_CODES_KEPT_DAYS - 1) * DAY));
        }
      });
    return this.flushing;
  }
}
