/**
 * The SDK's share of the rate limits (docs/traffic-policy.md, "The SDK"): an SDK counts the
 * verifications it answers from its cache against the key's `local` limits in its own memory and
 * reconciles with Keyward at a fixed short interval (`POST /api/verify/limits`). Its new counts are
 * added to this node's counters as if this node had taken them (so the node's own sync shares them
 * with the other nodes), and it is answered this node's view of every limit of the key — the shared
 * counts of every node and every SDK, as far as this node knows them.
 */
import type { Clock } from "../core/clock.js";
import type { Store } from "../store/store.js";
import type { KeyRef, RateLimiter } from "./rate-limits.js";
import type { UsageCodes } from "./usage-codes.js";

/** One limit's counts as an SDK reports them (units counted since its last report) or is answered them (totals). */
export interface WindowCounts {
  /** The limit's name as /api/verify answers it (`burst`, `location.burst` …). */
  name: string;
  /** The start of the window `current` counts (ms since the epoch; windows are aligned on it). */
  windowStart: number;
  current: number;
  /** Of the window before `windowStart`. */
  previous: number;
}

export interface KeyCounts {
  keyId: string;
  counts: WindowCounts[];
}

/** A key's counts as an SDK reports them, with the verifications it refused since its last report. */
export interface ReportedKeyCounts extends KeyCounts {
  refused?: { count: number; limit: string } | undefined;
}

export class SdkLimits {
  /** Who each key is (a key's agency and location never change): read once. */
  private readonly refs = new Map<string, KeyRef>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      limits: RateLimiter;
      usageCodes: UsageCodes;
      /** Told of the verifications an SDK refused rate_limited (the metrics of SDK caches' answers). */
      onRefused?: (n: number) => void;
    },
  ) {}

  /**
   * Adds the SDK's counts of the keys the credential can see (every key for the operator's, its
   * agency's for an agency's) and answers every local limit of those keys as this node counts it.
   * Other keys are ignored and counted; counts of strict limits, unknown names and windows older
   * than the previous one are dropped (strict keys are never answered from an SDK's cache).
   */
  async reconcile(
    agencyId: string | null,
    keys: readonly ReportedKeyCounts[],
  ): Promise<{ keys: KeyCounts[]; ignored: number }> {
    const out: KeyCounts[] = [];
    let ignored = 0;
    for (const k of keys) {
      const ref = await this.refOf(k.keyId);
      if (!ref || (agencyId !== null && ref.agencyId !== agencyId)) {
        ignored++;
        continue;
      }
      // Its refusals are verifications of the key by code (usage by code), as Keyward's own are.
      if (k.refused) {
        this.deps.usageCodes.count(k.keyId, "rate_limited", k.refused.count);
        this.deps.onRefused?.(k.refused.count);
      }
      const p = await this.deps.limits.policyOf(ref);
      if (!p) {
        out.push({ keyId: k.keyId, counts: [] });
        continue;
      }
      const now = this.deps.clock.now();
      for (const reported of k.counts) {
        const e = p.entries.find((x) => x.label === reported.name);
        if (!e || e.strict) continue;
        const c = e.counter;
        c.roll(now);
        // An SDK whose clock runs ahead reports a window not begun here: it counts as the current one.
        if (reported.windowStart >= c.start) {
          const units =
            reported.windowStart > c.start ? reported.current + reported.previous : reported.current;
          c.current += units;
          c.pendingCurrent += units;
          if (reported.windowStart === c.start) {
            c.previous += reported.previous;
            c.pendingPrevious += reported.previous;
          }
        } else if (reported.windowStart === c.start - c.windowMs) {
          c.previous += reported.current;
          c.pendingPrevious += reported.current;
        }
      }
      if (k.refused) {
        const i = p.entries.findIndex((x) => x.label === k.refused!.limit);
        if (i >= 0) this.deps.limits.noteRefusal(p, i, now);
      }
      const counts: WindowCounts[] = [];
      for (const e of p.entries) {
        if (e.strict) continue;
        const c = e.counter;
        c.roll(now);
        // Counted here: the node's next sync shares it, and keeps it synced while SDKs use it.
        c.touchedAt = now;
        counts.push({ name: e.label, windowStart: c.start, current: c.current, previous: c.previous });
      }
      out.push({ keyId: k.keyId, counts });
    }
    return { keys: out, ignored };
  }

  private async refOf(keyId: string): Promise<KeyRef | null> {
    const known = this.refs.get(keyId);
    if (known) return known;
    const key = await this.deps.store.getKey(keyId);
    if (!key) return null;
    const ref: KeyRef = { keyId, agencyId: key.agencyId, locationId: key.locationId };
    if (this.refs.size >= 100_000) this.refs.clear();
    this.refs.set(keyId, ref);
    return ref;
  }
}
