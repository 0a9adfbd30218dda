/**
 * Uses an SDK answered from its own cache (`POST /api/verify/uses`): they are uses like any other,
 * written through the same use recording (store/usage-store.ts `recordUses`) as Keyward's own, so
 * last-used times, daily counts and the inactivity lifecycle are as if every call had reached
 * Keyward. The SDK batches them (every 5 s at most); each report is written at once, in one
 * transaction, so a use is at most one report interval plus a write behind. Once written, they are
 * also counted in usage by code (service/usage-codes.ts) as `valid` — less those the SDK refused
 * `rate_limited`, which its limit reports count — so a key's chart is the same whether its gateway
 * asks Keyward every time or answers from an SDK's cache. A verification that reached Keyward was
 * counted there and is never in a report (the SDK reports only what its cache answered). The
 * cache's refusals of a valid key (`insufficient_scope`, `location_forbidden`) come in the same
 * entries: counted by code on their day, and not uses (as Keyward's own refusals are not).
 */
import type { Clock } from "../core/clock.js";
import { DAY, MINUTE, utcDay } from "../core/clock.js";
import type { Store } from "../store/store.js";
import { UsageStore, type UseRecord } from "../store/usage-store.js";
import type { UsageCodes } from "./usage-codes.js";

export interface ReportedUse {
  keyId: string;
  /** Uses on the UTC day of `lastUsedAt`. */
  count: number;
  lastUsedAt: number;
  ip: string | null;
  userAgent: string | null;
  /** The SDK's route, e.g. `GET /orders/:id` (kept per day for legacy keys, as Keyward keeps its own). */
  endpoint: string | null;
  /** How many of `count` the SDK refused rate_limited (counted by code from its limit reports). */
  rateLimited?: number;
  /** Verifications the SDK's cache refused, by code: not in `count`, not uses. */
  refused?: Partial<Record<CacheRefusal, number>>;
}

/** What an SDK's cache refuses of a key known valid (not a use). */
export type CacheRefusal = "insufficient_scope" | "location_forbidden";

/** A client's clock may run a little ahead of ours; further ahead is a mistake, not a use. */
export const MAX_CLOCK_AHEAD_MS = 5 * MINUTE;
/**
 * How old a reported use may be: an SDK reports every few seconds, so an older entry is one it kept
 * through a long outage (or a wrong clock), and would rewrite daily counts long since read.
 */
export const MAX_REPORT_AGE_MS = DAY;

export class ReportedUses {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      usageCodes: UsageCodes;
      /** Told of the verifications a report holds, by code (the metrics of SDK caches' answers). */
      onCounted?: (code: string, n: number) => void;
    },
  ) {}

  /**
   * Records the uses of keys the credential can see — every key for an operator-level credential,
   * its agency's for an agency's own — and ignores (and counts) the others: unknown ids, other
   * agencies' keys. Entries dated more than a day ago or more than 5 minutes ahead of our clock are
   * skipped (and counted) rather than refusing the report: the SDK resends a refused report, so one
   * bad entry would otherwise stop all its reports. Times a little ahead of ours count as now.
   */
  async record(
    agencyId: string | null,
    reported: readonly ReportedUse[],
  ): Promise<{ recorded: number; ignored: number; skipped: number }> {
    const now = this.deps.clock.now();
    const uses = reported.filter(
      (u) => u.lastUsedAt <= now + MAX_CLOCK_AHEAD_MS && u.lastUsedAt >= now - MAX_REPORT_AGE_MS,
    );
    const skipped = reported.length - uses.length;
    const usage = new UsageStore(this.deps.store);
    const owners = await usage.ownersOf([...new Set(uses.map((u) => u.keyId))]);
    const records = new Map<string, UseRecord>();
    const counted: { keyId: string; code: string; n: number; at: number }[] = [];
    let ignored = 0;
    for (const u of uses) {
      const owner = owners.get(u.keyId);
      if (!owner || (agencyId !== null && owner.agencyId !== agencyId)) {
        ignored++;
        continue;
      }
      const at = Math.min(u.lastUsedAt, now);
      const day = utcDay(at);
      const n = u.count - Math.min(u.count, u.rateLimited ?? 0);
      if (n > 0) counted.push({ keyId: u.keyId, code: "valid", n, at });
      for (const [code, r] of Object.entries(u.refused ?? {}))
        if (r !== undefined && r > 0) counted.push({ keyId: u.keyId, code, n: r, at });
      // Refusals alone: nothing to record as a use (last used, daily count, lifecycle).
      if (u.count === 0) continue;
      let rec = records.get(u.keyId);
      if (!rec) {
        rec = {
          keyId: u.keyId,
          tokenHash: null,
          lastUsedAt: at,
          ip: u.ip,
          userAgent: u.userAgent,
          days: new Map(),
          details: owner.kind === "legacy_v1" ? new Map() : null,
        };
        records.set(u.keyId, rec);
      } else if (at > rec.lastUsedAt)
        Object.assign(rec, { lastUsedAt: at, ip: u.ip, userAgent: u.userAgent });
      rec.days.set(day, (rec.days.get(day) ?? 0) + u.count);
      if (rec.details) {
        // As UsageRecorder keys them: the migration report reads legacy keys' uses by these.
        const k = JSON.stringify([day, u.endpoint ?? "", (u.userAgent ?? "").slice(0, 200), u.ip ?? ""]);
        rec.details.set(k, (rec.details.get(k) ?? 0) + u.count);
      }
    }
    await usage.recordUses([...records.values()]);
    // After the write: a report that failed is resent by the SDK, and must not be counted twice.
    for (const v of counted) {
      this.deps.usageCodes.countAt(v.keyId, v.code, v.n, v.at);
      this.deps.onCounted?.(v.code, v.n);
    }
    return { recorded: uses.length - ignored, ignored, skipped };
  }
}
