/**
 * Use recording. Uses are gathered in memory and written in one batch per flush interval
 * (at most 10 s behind, flushed on shutdown): a key costs one row write per flush however many
 * requests it served. A key that has been warned of an inactivity action is written through before
 * its response returns, so that the use spares it for certain (docs/spec.md §3).
 */
import type { Clock } from "../core/clock.js";
import { DAY, utcDay } from "../core/clock.js";
import type { Store } from "../store/store.js";
import { UsageStore, type UseRecord } from "../store/usage-store.js";
import type { CachedToken } from "./cache.js";

export interface UseInfo {
  ip: string | null;
  userAgent: string | null;
  /** Method and route pattern, e.g. `GET /v1/locations/:id` (kept for legacy keys only). */
  endpoint: string | null;
}

export class UsageRecorder {
  private pending = new Map<string, UseRecord>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Statements issued by flushes, for the benchmark's writes-per-key figure. */
  flushes = 0;
  /** The UTC day of the latest use, kept so that a use does not format a date (hot path). */
  private today = { from: 0, to: 0, day: "" };

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  /** Records one use. Returns a promise only when the use must be written before responding. */
  record(entry: CachedToken, info: UseInfo): Promise<void> | undefined {
    const now = this.clock.now();
    if (entry.warned) {
      const rec = this.toRecord(entry, now, info);
      return new UsageStore(this.store).recordUses([rec]).then(() => {
        entry.warned = false; // the use began a new cycle
      });
    }
    let rec = this.pending.get(entry.keyId);
    if (!rec) {
      rec = this.toRecord(entry, now, info);
      this.pending.set(entry.keyId, rec);
      return undefined;
    }
    if (now >= rec.lastUsedAt) {
      rec.lastUsedAt = now;
      rec.ip = info.ip;
      rec.userAgent = info.userAgent;
    }
    if (entry.inGrace) {
      rec.tokenHash = entry.hash;
      rec.tokenUsedAt = Math.max(rec.tokenUsedAt ?? now, now);
    }
    const day = this.dayOf(now);
    rec.days.set(day, (rec.days.get(day) ?? 0) + 1);
    if (rec.details) addDetail(rec.details, day, info);
    return undefined;
  }

  private dayOf(now: number): string {
    let t = this.today;
    if (now < t.from || now >= t.to) {
      const from = Math.floor(now / DAY) * DAY;
      t = this.today = { from, to: from + DAY, day: utcDay(now) };
    }
    return t.day;
  }

  private toRecord(entry: CachedToken, now: number, info: UseInfo): UseRecord {
    const details = entry.kind === "legacy_v1" ? new Map<string, number>() : null;
    const day = this.dayOf(now);
    if (details) addDetail(details, day, info);
    return {
      keyId: entry.keyId,
      tokenHash: entry.inGrace ? entry.hash : null,
      ...(entry.inGrace ? { tokenUsedAt: now } : {}),
      lastUsedAt: now,
      ip: info.ip,
      userAgent: info.userAgent,
      days: new Map([[day, 1]]),
      details,
    };
  }

  get pendingKeys(): number {
    return this.pending.size;
  }

  /** Writes what has gathered. Flushes never overlap; a failed batch is merged back for the next one. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => {})
      .then(async () => {
        if (this.pending.size === 0) return;
        const batch = [...this.pending.values()];
        this.pending = new Map();
        try {
          await new UsageStore(this.store).recordUses(batch);
          this.flushes++;
        } catch (err) {
          for (const rec of batch) this.mergeBack(rec);
          throw err;
        }
      });
    return this.flushing;
  }

  private mergeBack(rec: UseRecord): void {
    const cur = this.pending.get(rec.keyId);
    if (!cur) {
      this.pending.set(rec.keyId, rec);
      return;
    }
    if (rec.lastUsedAt > cur.lastUsedAt)
      Object.assign(cur, { lastUsedAt: rec.lastUsedAt, ip: rec.ip, userAgent: rec.userAgent });
    for (const [d, n] of rec.days) cur.days.set(d, (cur.days.get(d) ?? 0) + n);
    if (rec.details && cur.details)
      for (const [d, n] of rec.details) cur.details.set(d, (cur.details.get(d) ?? 0) + n);
    cur.tokenHash ??= rec.tokenHash;
    if (rec.tokenUsedAt !== undefined)
      cur.tokenUsedAt = Math.max(cur.tokenUsedAt ?? rec.tokenUsedAt, rec.tokenUsedAt);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

function addDetail(details: Map<string, number>, day: string, info: UseInfo): void {
  const k = JSON.stringify([day, info.endpoint ?? "", (info.userAgent ?? "").slice(0, 200), info.ip ?? ""]);
  details.set(k, (details.get(k) ?? 0) + 1);
}
