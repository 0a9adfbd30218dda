/**
 * The sliding window's arithmetic (core/rate-limits.ts), exact on an injected clock: what a limit
 * lets through at each instant, how long a refused request must wait, and the headers' text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_LIMIT,
  MAX_WINDOW_SECONDS,
  mulDivCeil,
  mulDivFloor,
  policyHeader,
  RateLimitList,
  rateLimitHeader,
  SlidingCounter,
  usedAt,
  waitMs,
  windowStart,
} from "../../src/core/rate-limits.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const big = (a: number, b: number, c: number) => (BigInt(a) * BigInt(b)) / BigInt(c);

describe("exact integer arithmetic", () => {
  it("⌊a·b/c⌋ and ⌈a·b/c⌉ agree with BigInt where a·b passes 2^53 (b ≤ c, as a window's share is)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_LIMIT }),
        fc.integer({ min: 0, max: MAX_WINDOW_SECONDS * 1000 }),
        fc.integer({ min: 1, max: MAX_WINDOW_SECONDS * 1000 }),
        (a, x, y) => {
          const [b, c] = x <= y ? [x, y] : [y, x || 1];
          const q = big(a, b, c);
          expect(mulDivFloor(a, b, c)).toBe(Number(q));
          const exact = q * BigInt(c) === BigInt(a) * BigInt(b);
          expect(mulDivCeil(a, b, c)).toBe(Number(exact ? q : q + 1n));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("the sliding window on an injected clock", () => {
  it("counts the current window plus the previous one's share still within a window", () => {
    const w = 10_000;
    const c = new SlidingCounter(w);
    c.add(100, T0 + 9_000); // 100 at the end of the first window
    expect(c.used(T0 + 9_999)).toBe(100);
    // 2.5 s into the next window, 75 % of the previous window is still within 10 s.
    expect(c.used(T0 + 12_500)).toBe(75);
    c.add(20, T0 + 12_500);
    expect(c.used(T0 + 12_500)).toBe(95);
    // Rounds up: 100 × 0.7499 = 74.99 counts as 75.
    expect(c.used(T0 + 12_501)).toBe(20 + 75);
    expect(c.used(T0 + 15_000)).toBe(20 + 50);
    // Two windows on, both are forgotten.
    expect(c.used(T0 + 30_000)).toBe(0);
  });

  it("matches ⌈previous × (window − elapsed) / window⌉ + current at every instant", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_WINDOW_SECONDS }).map((s) => s * 1000),
        fc.integer({ min: 0, max: MAX_LIMIT }),
        fc.integer({ min: 0, max: MAX_LIMIT }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (w, previous, current, f) => {
          const start = windowStart(T0 + 123_456_789, w);
          const now = start + Math.floor(f * w);
          const rest = BigInt(start + w - now);
          const ref = BigInt(current) + (BigInt(previous) * rest + BigInt(w) - 1n) / BigInt(w);
          expect(usedAt(now, w, start, current, previous)).toBe(Number(ref));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never lets more than the limit through within any window's span, whatever the arrivals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }).map((s) => s * 1000),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 400 }),
        (limit, w, gaps) => {
          const c = new SlidingCounter(w);
          let t = T0;
          const accepted: number[] = [];
          for (const g of gaps) {
            t += g;
            if (c.used(t) + 1 <= limit) {
              c.add(1, t);
              accepted.push(t);
            }
          }
          // Within one aligned window, never more than the limit.
          const perWindow = new Map<number, number>();
          for (const a of accepted)
            perWindow.set(windowStart(a, w), (perWindow.get(windowStart(a, w)) ?? 0) + 1);
          for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("waitMs is the exact wait: the request passes then, and not one millisecond earlier", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60 }).map((s) => s * 1000),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (limit, w, prevRaw, curRaw, units, f) => {
          const previous = Math.min(prevRaw, limit);
          const current = Math.min(curRaw, limit);
          const start = windowStart(T0, w);
          const now = start + Math.floor(f * w);
          const d = waitMs(now, limit, w, start, current, previous, units);
          if (units > limit) {
            expect(d).toBe(Number.POSITIVE_INFINITY);
            return;
          }
          const passesAt = (t: number) => {
            const c = new SlidingCounter(w);
            c.start = start;
            c.current = current;
            c.previous = previous;
            return c.used(t) + units <= limit;
          };
          expect(passesAt(now + d)).toBe(true);
          if (d > 0) expect(passesAt(now + d - 1)).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("says how long exactly in a plain case: 100 per 10 s used up, 1 more", () => {
    const start = T0; // aligned
    // Full current window: wait for the next window, then for the previous count's share to leave 1 unit of room.
    expect(waitMs(start + 3_000, 100, 10_000, start, 100, 0, 1)).toBe(7_000 + 100);
    // Room in the current window once the previous share has decayed: 100 previous, 50 current.
    // ⌈100 × (10 000 − e) / 10 000⌉ ≤ 49 ⟺ e ≥ 5 100.
    expect(waitMs(start + 3_000, 100, 10_000, start, 50, 100, 1)).toBe(2_100);
  });
});

describe("limits as the API takes them", () => {
  it("accepts the defaults and refuses what the issue calls absurd, saying what to fix", () => {
    expect(RateLimitList.safeParse([{ name: "burst", limit: 100, windowSeconds: 10 }]).success).toBe(true);
    const bad: [unknown, RegExp][] = [
      [[{ name: "a", limit: 0, windowSeconds: 10 }], /at least 1/],
      [[{ name: "a", limit: -5, windowSeconds: 10 }], /at least 1/],
      [[{ name: "a", limit: 1_000_000_001, windowSeconds: 10 }], /at most 1000000000/],
      [[{ name: "a", limit: 10, windowSeconds: 0 }], /at least 1 second/],
      [[{ name: "a", limit: 10, windowSeconds: 31 * 86_400 + 1 }], /31 days/],
      [[{ name: "a", limit: 10, windowSeconds: 10, cost: 0 }], /at least 1/],
      [[{ name: "a", limit: 10, windowSeconds: 1.5 }], /whole number/],
      [
        [
          { name: "a", limit: 10, windowSeconds: 10 },
          { name: "a", limit: 20, windowSeconds: 60 },
        ],
        /used twice/,
      ],
      [Array.from({ length: 101 }, (_, i) => ({ name: `l${i}`, limit: 1, windowSeconds: 1 })), /at most 100/],
      [[{ name: "bad name", limit: 10, windowSeconds: 10 }], /letters, digits/],
      [[{ name: "a", limit: 10, windowSeconds: 10, mode: "eventual" }], /local|strict/],
    ];
    for (const [value, message] of bad) {
      const r = RateLimitList.safeParse(value);
      expect(r.success, JSON.stringify(value).slice(0, 80)).toBe(false);
      expect(r.error!.issues.map((i) => i.message).join("; ")).toMatch(message);
    }
  });

  it("writes the IETF headers as structured fields", () => {
    expect(
      policyHeader([
        { label: "burst", limit: 100, windowMs: 10_000 },
        { label: "daily", limit: 200_000, windowMs: 86_400_000 },
      ]),
    ).toBe('"burst";q=100;w=10, "daily";q=200000;w=86400');
    expect(rateLimitHeader("burst", 42, 3)).toBe('"burst";r=42;t=3');
  });
});
