/**
 * Failure limits (brute-force protection): counts failures per key in a window and, when a key
 * reaches its limit, blocks it for a while — longer each time it is blocked again soon after.
 * Pure: time is an argument; the service layer (service/attempts.ts) decides what a key is and
 * shares the state between nodes.
 */

export interface FailureRule {
  /** Failures within `windowMs` that block the key; 0 switches the limit off. */
  max: number;
  windowMs: number;
  /** The first block; each further block while the key keeps failing doubles it, up to `maxLockMs`. */
  lockMs: number;
  maxLockMs: number;
}

/** One key's state. `strikes` counts the blocks in a row (a quiet window forgives them). */
export interface FailureState {
  windowStart: number;
  failures: number;
  blockedUntil: number;
  strikes: number;
}

/** The state after `n` more failures at `now` (n ≥ 1; a failure while blocked changes nothing). */
export function addFailures(
  prev: FailureState | undefined,
  n: number,
  now: number,
  rule: FailureRule,
): FailureState {
  const s: FailureState = prev ? { ...prev } : { windowStart: now, failures: 0, blockedUntil: 0, strikes: 0 };
  if (s.blockedUntil > now) return s;
  // A whole window without a block since the last one ended forgives earlier blocks.
  if (s.strikes > 0 && now - s.blockedUntil >= rule.windowMs) s.strikes = 0;
  if (now - s.windowStart >= rule.windowMs) {
    s.windowStart = now;
    s.failures = 0;
  }
  s.failures += n;
  if (rule.max > 0 && s.failures >= rule.max) {
    s.strikes += 1;
    s.blockedUntil = now + Math.min(rule.maxLockMs, rule.lockMs * 2 ** (s.strikes - 1));
    s.windowStart = now;
    s.failures = 0;
  }
  return s;
}

/** Whether the state is worth keeping at `now` (it still counts, blocks or remembers strikes). */
export function isLive(s: FailureState, now: number, rule: FailureRule): boolean {
  return (
    s.blockedUntil > now ||
    (s.failures > 0 && now - s.windowStart < rule.windowMs) ||
    (s.strikes > 0 && now - s.blockedUntil < rule.windowMs)
  );
}

/** Whole seconds to wait, as `Retry-After` wants them (at least 1). */
export function retryAfterSeconds(blockedUntil: number, now: number): number {
  return Math.max(1, Math.ceil((blockedUntil - now) / 1000));
}

/**
 * The failure states of one kind of key, in memory. `blockedUntil` is what every request asks:
 * a lookup in a map of the keys blocked right now (empty in normal operation), so the success
 * path pays one `Map.size` check.
 */
export class FailureLimiter {
  private readonly states = new Map<string, FailureState>();
  private readonly blocked = new Map<string, number>();

  constructor(
    readonly rule: FailureRule,
    /** Keys kept at most (an attacker with many addresses cannot grow memory without bound). */
    private readonly capacity = 100_000,
  ) {}

  get enabled(): boolean {
    return this.rule.max > 0;
  }

  /** Whether any key is blocked (or was, until its next lookup): false in normal operation. */
  get anyBlocked(): boolean {
    return this.blocked.size > 0;
  }

  /** Whether the key may be blocked (it is listed; the block may have ended): no clock needed. */
  mayBeBlocked(key: string): boolean {
    return this.blocked.size > 0 && this.blocked.has(key);
  }

  /** The time the key is blocked until, or 0 when it is not blocked at `now`. */
  blockedUntil(key: string, now: number): number {
    if (this.blocked.size === 0) return 0;
    const until = this.blocked.get(key);
    if (until === undefined) return 0;
    if (until > now) return until;
    this.blocked.delete(key);
    return 0;
  }

  /** Records `n` failures; answers the new state. */
  fail(key: string, now: number, n = 1): FailureState {
    const s = addFailures(this.states.get(key), n, now, this.rule);
    this.put(key, s, now);
    return s;
  }

  /** Takes a state decided elsewhere (another node, through the shared table). */
  absorb(key: string, s: FailureState, now: number): void {
    this.put(key, s, now);
  }

  get(key: string): FailureState | undefined {
    return this.states.get(key);
  }

  reset(key: string): void {
    this.states.delete(key);
    this.blocked.delete(key);
  }

  get size(): number {
    return this.states.size;
  }

  private put(key: string, s: FailureState, now: number): void {
    this.states.delete(key); // re-inserted last: the map's order is least recently failed first
    this.states.set(key, s);
    if (s.blockedUntil > now) this.blocked.set(key, s.blockedUntil);
    if (this.states.size > this.capacity) this.prune(now);
  }

  /** Drops dead states, then the least recently failed ones while still over capacity. */
  prune(now: number): void {
    for (const [k, s] of this.states) if (!isLive(s, now, this.rule)) this.states.delete(k);
    for (const k of this.states.keys()) {
      if (this.states.size <= this.capacity * 0.9) break;
      this.states.delete(k);
    }
    for (const [k, until] of this.blocked) if (until <= now || !this.states.has(k)) this.blocked.delete(k);
  }
}
