/**
 * Rate limits and quotas (issue 13 §1), the pure part: what a limit is and may be, the sliding
 * window's arithmetic, and the response headers' text. No I/O and no clock: `now` is an argument.
 *
 * The sliding window: time is cut into fixed windows of `windowSeconds` aligned on the epoch; a
 * request at `now` sees `used = current + ⌈previous × (time left in the current window) / window⌉`,
 * the count of the current window plus the previous window's count weighted by the share of it
 * that still lies within one window of `now`. Rounding up: the estimate never lets more through
 * than it should. All of it is integer arithmetic, exact at every size the limits allow.
 */
import { z } from "zod";

export const LIMIT_MODES = ["local", "strict"] as const;
export type LimitMode = (typeof LIMIT_MODES)[number];

export interface RateLimit {
  name: string;
  limit: number;
  windowSeconds: number;
  /** Units each request counts against this limit (default 1). */
  cost?: number | undefined;
  /** `local` (default): counted in memory, shared between nodes at a fixed interval; `strict`: decided in the database. */
  mode?: LimitMode | undefined;
}

export const MAX_LIMIT = 1_000_000_000;
export const MIN_WINDOW_SECONDS = 1;
export const MAX_WINDOW_SECONDS = 31 * 86_400;
export const MAX_LIMITS = 100;

/** Every key's limits unless a setting, its plan, its agency or an admin says otherwise (HighLevel's). */
export const DEFAULT_RATE_LIMITS: readonly RateLimit[] = Object.freeze([
  { name: "burst", limit: 100, windowSeconds: 10 },
  { name: "daily", limit: 200_000, windowSeconds: 86_400 },
]);

const whole = (what: string) => z.number().int(`${what} must be a whole number`);

export const RateLimitSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1–64 letters, digits, '_', '.' or '-' (e.g. burst, daily)"),
    limit: whole("limit")
      .min(1, "must be at least 1 (a limit of 0 would refuse everything: revoke the key instead)")
      .max(MAX_LIMIT, `must be at most ${MAX_LIMIT} (10⁹)`),
    windowSeconds: whole("windowSeconds")
      .min(MIN_WINDOW_SECONDS, "must be at least 1 second")
      .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS} seconds (31 days)`),
    cost: whole("cost")
      .min(1, "must be at least 1")
      .max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)
      .optional(),
    mode: z.enum(LIMIT_MODES).optional(),
  })
  .meta({ id: "RateLimit" });

/** A list of limits as the API, the settings and the store take it: bounded, names unique. */
export const RateLimitList = z
  .array(RateLimitSchema)
  .max(MAX_LIMITS, `at most ${MAX_LIMITS} limits`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((l, i) => {
      if (seen.has(l.name))
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `the name "${l.name}" is used twice: each limit needs its own name`,
        });
      seen.add(l.name);
    });
  });

// ── exact integer arithmetic ──

/** ⌊a × b / c⌋ for non-negative integers, exact even where a × b passes 2^53. */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    let q = Math.floor(p / c);
    // The float division may be one off at the edges: settle it with integer products.
    if (q * c > p) q--;
    else if ((q + 1) * c <= p) q++;
    return q;
  }
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** ⌈a × b / c⌉ for non-negative integers, exact. */
export function mulDivCeil(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    const q = mulDivFloor(a, b, c);
    return q * c < p ? q + 1 : q;
  }
  const big = BigInt(a) * BigInt(b);
  const q = big / BigInt(c);
  return Number(q * BigInt(c) < big ? q + 1n : q);
}

/** The start of the window holding `now` (windows are aligned on the epoch, so every node agrees). */
export function windowStart(now: number, windowMs: number): number {
  return now - (((now % windowMs) + windowMs) % windowMs);
}

/** Units used at `now`, given the counts of the window starting at `start` (which holds `now`) and the one before. */
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

/**
 * A limit's counts over time. `roll` moves it to the window holding `now`: the current count becomes
 * the previous one after one window, and both are forgotten after two.
 */
export class SlidingCounter {
  start = 0;
  current = 0;
  previous = 0;

  constructor(readonly windowMs: number) {}

  roll(now: number): void {
    const start = windowStart(now, this.windowMs);
    if (start === this.start) return;
    this.previous = start === this.start + this.windowMs ? this.current : 0;
    this.current = 0;
    this.start = start;
  }

  used(now: number): number {
    this.roll(now);
    return usedAt(now, this.windowMs, this.start, this.current, this.previous);
  }

  add(units: number, now: number): void {
    this.roll(now);
    this.current += units;
  }
}

/**
 * How long until a request of `units` would pass, if nothing else is counted meanwhile (ms; 0 if it
 * passes now; Infinity if it never can: more units than the limit). `now` must lie in the window
 * starting at `start`.
 */
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
    // ⌈previous × (w − e) / w⌉ ≤ room  ⟺  w − e ≤ ⌊room × w / previous⌋
    const at = windowMs - mulDivFloor(room, windowMs, previous);
    if (at <= elapsed) return 0;
    if (at < windowMs) return at - elapsed;
  }
  // Not before the next window, where the current count becomes the previous one.
  const room = limit - units;
  const at = current === 0 ? 0 : Math.max(0, windowMs - mulDivFloor(room, windowMs, current));
  return windowMs - elapsed + at;
}

/** Whole seconds to tell a caller, at least 1. */
export function secondsUp(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

// ── headers (draft-ietf-httpapi-ratelimit-headers, structured fields) ──

/** An sf-string: quotes and backslashes escaped (names are restricted, but keep it safe). */
function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** `RateLimit-Policy: "burst";q=100;w=10, "daily";q=200000;w=86400` */
export function policyHeader(limits: readonly { label: string; limit: number; windowMs: number }[]): string {
  return limits.map((l) => `${sfString(l.label)};q=${l.limit};w=${l.windowMs / 1000}`).join(", ");
}

/** `RateLimit: "burst";r=42;t=3` */
export function rateLimitHeader(label: string, remaining: number, resetSeconds: number): string {
  return `${sfString(label)};r=${remaining};t=${resetSeconds}`;
}
