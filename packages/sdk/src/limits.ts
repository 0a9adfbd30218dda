/**
 * Rate limits enforced in-process (docs/traffic-policy.md, "The SDK"). Keyward's `/api/verify` answer
 * (asked with `consume: true`) lists the limits that apply to a key — its own, its location's and its
 * agency's; each verification answered from the cache is counted here against each of them, in
 * sliding windows, and refused `rate_limited` exactly as `/api/verify` refuses. Every `syncMs` the
 * units counted since the last report go to `POST /api/verify/limits`, which adds them to Keyward's
 * shared counts and answers the totals of every node and SDK: the counts here start from those.
 *
 * The window arithmetic is Keyward's (src/core/rate-limits.ts), copied: the SDK imports nothing of
 * the server. Windows are aligned on the epoch; at `now` a limit has used
 * `current + ⌈previous × (time left in the current window) / window⌉`.
 */
import type { LimitStatus, VerifiedKey, VerifyAnswer } from "./types.js";

// ── the sliding window (as src/core/rate-limits.ts) ──

/** ⌊a × b / c⌋ for non-negative integers, exact even where a × b passes 2^53. */
function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    let q = Math.floor(p / c);
    if (q * c > p) q--;
    else if ((q + 1) * c <= p) q++;
    return q;
  }
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

function mulDivCeil(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    const q = mulDivFloor(a, b, c);
    return q * c < p ? q + 1 : q;
  }
  const big = BigInt(a) * BigInt(b);
  const q = big / BigInt(c);
  return Number(q * BigInt(c) < big ? q + 1n : q);
}

export function windowStart(now: number, windowMs: number): number {
  return now - (((now % windowMs) + windowMs) % windowMs);
}

export function usedAt(
  now: number,
  windowMs: number,
  start: number,
  current: number,
  previous: number,
): number {
  const rest = start + windowMs - now;
  return previous === 0 || rest <= 0 ? current : current + mulDivCeil(previous, rest, windowMs);
}

/** Milliseconds until `units` would pass (Infinity: never, more than the limit). */
export function waitMs(
  now: number,
  limit: number,
  windowMs: number,
  start: number,
  current: number,
  previous: number,
  units: number,
): number {
  if (units > limit) return Number.POSITIVE_INFINITY;
  const elapsed = now - start;
  if (current + units <= limit) {
    const room = limit - current - units;
    if (previous === 0) return 0;
    const at = windowMs - mulDivFloor(room, windowMs, previous);
    if (at <= elapsed) return 0;
    if (at < windowMs) return at - elapsed;
  }
  const room = limit - units;
  const at = current === 0 ? 0 : Math.max(0, windowMs - mulDivFloor(room, windowMs, current));
  return windowMs - elapsed + at;
}

const secondsUp = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

// ── counters ──

/** One limit's counts here: the shared totals last heard plus what was counted since, and what is not yet reported. */
class Counter {
  start = 0;
  current = 0;
  previous = 0;
  /** Units counted here in the current / previous window, not yet reported. */
  pendingCurrent = 0;
  pendingPrevious = 0;
  touchedAt = 0;
  /** The report round that last carried this counter (shared limits are carried by one key per round). */
  round = 0;

  constructor(readonly windowMs: number) {}

  roll(now: number): void {
    const start = windowStart(now, this.windowMs);
    if (start === this.start) return;
    const next = start === this.start + this.windowMs;
    this.previous = next ? this.current : 0;
    this.pendingPrevious = next ? this.pendingCurrent : 0;
    this.current = 0;
    this.pendingCurrent = 0;
    this.start = start;
  }
}

interface Limit {
  /** Its counter's key in `LocalLimits.counters`. */
  id: string;
  name: string;
  owner: LimitStatus["owner"];
  limit: number;
  windowMs: number;
  units: number;
  counter: Counter;
}

/** The local limits of one key (strict ones never reach here: such keys are not cached). */
export interface KeyLimits {
  keyId: string;
  limits: Limit[];
  /** Verifications of this key refused here since the last report, and the limit of the latest. */
  refused: number;
  refusedBy: string;
  /** Forgotten by `report` while idle (its counters may be too). */
  retired: boolean;
}

const OWNER_WORDS: Record<LimitStatus["owner"], string> = {
  key: "of this key",
  location: "shared by the keys of its location",
  agency: "shared by the keys of its agency",
};

/** What goes to `POST /api/verify/limits`, and what to do with the answer. */
export interface LimitReport {
  body: {
    keys: {
      keyId: string;
      counts: { name: string; windowStart: number; current: number; previous: number }[];
      refused?: { count: number; limit: string };
    }[];
  };
  sent: { counter: Counter; start: number; current: number; previous: number }[];
  refused: { p: KeyLimits; count: number }[];
}

export class LocalLimits {
  /** By owner, name and window: a location's or agency's limit is one counter for all its keys. */
  private readonly counters = new Map<string, Counter>();
  private readonly keys = new Map<string, KeyLimits>();
  private round = 0;

  /**
   * The key's local limits from `/api/verify`'s `rateLimit.limits`, or null when none applies (or a
   * strict one does: then the answer is not cached at all). The verification that brought them was
   * taken by Keyward already: counted here (not to report), so it shows until the next reconcile.
   */
  policyFor(key: VerifiedKey, statuses: readonly LimitStatus[], now: number): KeyLimits | null {
    if (statuses.length === 0 || statuses.some((s) => s.mode === "strict")) return null;
    const limits: Limit[] = statuses.map((s) => {
      const windowMs = s.windowSeconds * 1000;
      const ownerId = s.owner === "key" ? key.id : s.owner === "location" ? key.owner.id : key.agencyId;
      const id = `${s.owner}\u0000${ownerId}\u0000${s.name}\u0000${windowMs}`;
      let counter = this.counters.get(id);
      if (counter === undefined) {
        counter = new Counter(windowMs);
        this.counters.set(id, counter);
        counter.roll(now);
        // Until the first reconcile says how the units split between windows: all in the current one.
        counter.current = Math.max(0, s.limit - s.remaining);
      } else {
        counter.roll(now);
        counter.current += s.cost;
      }
      counter.touchedAt = now;
      return { id, name: s.name, owner: s.owner, limit: s.limit, windowMs, units: s.cost, counter };
    });
    const before = this.keys.get(key.id);
    const p: KeyLimits = {
      keyId: key.id,
      limits,
      refused: before?.refused ?? 0,
      refusedBy: before?.refusedBy ?? "",
      retired: false,
    };
    this.keys.set(key.id, p);
    return p;
  }

  /**
   * Takes one verification from every limit, or nothing: -1 when it may go on, else the index of the
   * first limit it is over. No allocation.
   */
  take(p: KeyLimits, now: number): number {
    if (p.retired) this.revive(p);
    const ls = p.limits;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      const c = l.counter;
      c.roll(now);
      c.touchedAt = now;
      if (usedAt(now, l.windowMs, c.start, c.current, c.previous) + l.units > l.limit) {
        p.refused++;
        p.refusedBy = l.name;
        return i;
      }
    }
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      l.counter.current += l.units;
      l.counter.pendingCurrent += l.units;
    }
    return -1;
  }

  /**
   * A key forgotten while idle whose cached entry is used again: counted and reported again, on the
   * counters other keys may have made meanwhile.
   */
  private revive(p: KeyLimits): void {
    p.retired = false;
    this.keys.set(p.keyId, p);
    for (const l of p.limits) {
      const shared = this.counters.get(l.id);
      if (shared) l.counter = shared;
      else this.counters.set(l.id, l.counter);
    }
  }

  /** The answer `/api/verify` gives a key refused by the limit at index `i`. */
  refusal(p: KeyLimits, i: number, key: VerifiedKey, now: number): VerifyAnswer {
    const l = p.limits[i]!;
    const c = l.counter;
    const ms = waitMs(now, l.limit, l.windowMs, c.start, c.current, c.previous, l.units);
    const retryAfter = Number.isFinite(ms) ? secondsUp(ms) : secondsUp(l.windowMs);
    const message =
      l.units > l.limit
        ? `Rate limited: a cost of ${l.units} is more than the whole limit "${l.name}" (${l.limit} per ${l.windowMs / 1000} s) ${OWNER_WORDS[l.owner]}: lower the cost.`
        : `Rate limited: over the limit "${l.name}" (${l.limit} per ${l.windowMs / 1000} s) ${OWNER_WORDS[l.owner]}; retry in ${retryAfter} s.`;
    return {
      valid: false,
      code: "rate_limited",
      message,
      key,
      rateLimit: { allowed: false, retryAfter, limit: l.name, limits: this.status(p, now) },
    };
  }

  /** Each limit's state now, as `/api/verify` answers it. */
  status(p: KeyLimits, now: number): LimitStatus[] {
    return p.limits.map((l) => {
      const c = l.counter;
      c.roll(now);
      const used = usedAt(now, l.windowMs, c.start, c.current, c.previous);
      const remaining = used >= l.limit ? 0 : l.limit - used;
      const resetSeconds =
        remaining >= l.units
          ? secondsUp(c.start + l.windowMs - now)
          : secondsUp(
              Math.min(
                waitMs(now, l.limit, l.windowMs, c.start, c.current, c.previous, l.units),
                l.windowMs * 2,
              ),
            );
      return {
        name: l.name,
        owner: l.owner,
        limit: l.limit,
        windowSeconds: l.windowMs / 1000,
        cost: l.units,
        mode: "local" as const,
        remaining,
        resetSeconds,
      };
    });
  }

  /**
   * The report of every key used in its limits' last two windows (idle ones are forgotten): the
   * units counted since the last report, each counter's once. Null when there is nothing to ask.
   */
  report(now: number): LimitReport | null {
    const round = ++this.round;
    const body: LimitReport["body"] = { keys: [] };
    const sent: LimitReport["sent"] = [];
    const refused: LimitReport["refused"] = [];
    for (const [keyId, p] of this.keys) {
      if (p.refused === 0 && p.limits.every((l) => now - l.counter.touchedAt > 2 * l.windowMs)) {
        this.keys.delete(keyId);
        // Its cached entry may still hold it: `take` brings it back.
        p.retired = true;
        continue;
      }
      const counts = p.limits.map((l) => {
        const c = l.counter;
        c.roll(now);
        let current = 0;
        let previous = 0;
        if (c.round !== round) {
          c.round = round;
          current = c.pendingCurrent;
          previous = c.pendingPrevious;
          c.pendingCurrent = 0;
          c.pendingPrevious = 0;
          sent.push({ counter: c, start: c.start, current, previous });
        }
        return { name: l.name, windowStart: c.start, current, previous };
      });
      if (p.refused > 0) {
        body.keys.push({ keyId, counts, refused: { count: p.refused, limit: p.refusedBy } });
        refused.push({ p, count: p.refused });
        p.refused = 0;
      } else body.keys.push({ keyId, counts });
    }
    for (const [id, c] of this.counters) if (now - c.touchedAt > 2 * c.windowMs) this.counters.delete(id);
    return body.keys.length > 0 ? { body, sent, refused } : null;
  }

  /** Keyward's totals: the counts here start from them, plus what was counted during the trip. */
  apply(
    answer: {
      keys?: {
        keyId: string;
        counts: { name: string; windowStart: number; current: number; previous: number }[];
      }[];
    },
    now: number,
  ): void {
    for (const k of answer.keys ?? []) {
      const p = this.keys.get(k.keyId);
      if (!p) continue;
      for (const t of k.counts) {
        const l = p.limits.find((x) => x.name === t.name);
        if (!l) continue;
        const c = l.counter;
        c.roll(now);
        if (t.windowStart === c.start) {
          c.current = t.current + c.pendingCurrent;
          c.previous = t.previous + c.pendingPrevious;
        } else if (t.windowStart === c.start - c.windowMs) {
          // A window ended during the trip: its total is now the previous one.
          c.previous = t.current + c.pendingPrevious;
        }
      }
    }
  }

  /** A report that failed: its units are reported next time. */
  putBack(report: LimitReport): void {
    for (const r of report.refused) r.p.refused += r.count;
    for (const s of report.sent) {
      const c = s.counter;
      if (c.start === s.start) {
        c.pendingCurrent += s.current;
        c.pendingPrevious += s.previous;
      } else if (c.start === s.start + c.windowMs) c.pendingPrevious += s.current;
    }
  }

  /** Keys whose limits are counted here (health). */
  get size(): number {
    return this.keys.size;
  }
}
