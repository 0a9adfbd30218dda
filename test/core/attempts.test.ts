/** The failure limiter's rule, on a moved clock: window, block, growing blocks, forgiveness. */
import { describe, expect, it } from "vitest";
import { addFailures, FailureLimiter, type FailureRule, retryAfterSeconds } from "../../src/core/attempts.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const rule: FailureRule = { max: 3, windowMs: 60_000, lockMs: 10_000, maxLockMs: 40_000 };

describe("FailureLimiter", () => {
  it("blocks a key at its limit within the window, until the block ends", () => {
    const l = new FailureLimiter(rule);
    l.fail("a", T0);
    l.fail("a", T0 + 1_000);
    expect(l.blockedUntil("a", T0 + 1_000)).toBe(0);
    l.fail("a", T0 + 2_000);
    expect(l.blockedUntil("a", T0 + 2_000)).toBe(T0 + 12_000);
    expect(l.blockedUntil("b", T0 + 2_000)).toBe(0);
    expect(l.blockedUntil("a", T0 + 11_999)).toBe(T0 + 12_000);
    expect(l.blockedUntil("a", T0 + 12_000)).toBe(0);
    expect(l.anyBlocked).toBe(false);
  });

  it("forgets failures older than the window", () => {
    const l = new FailureLimiter(rule);
    l.fail("a", T0);
    l.fail("a", T0 + 1_000);
    l.fail("a", T0 + 60_000);
    expect(l.blockedUntil("a", T0 + 60_000)).toBe(0);
    expect(l.get("a")!.failures).toBe(1);
  });

  it("doubles the block each time the key is blocked again soon after, up to the maximum", () => {
    let s = addFailures(undefined, 3, T0, rule);
    expect(s.blockedUntil - T0).toBe(10_000);
    // Failures while blocked change nothing.
    expect(addFailures(s, 5, T0 + 5_000, rule)).toEqual(s);
    const blocks: number[] = [];
    let t = T0;
    for (let i = 0; i < 4; i++) {
      t = s.blockedUntil;
      s = addFailures(s, 3, t, rule);
      blocks.push(s.blockedUntil - t);
    }
    expect(blocks).toEqual([20_000, 40_000, 40_000, 40_000]);
    // A whole quiet window after the last block forgives the strikes.
    t = s.blockedUntil + 60_000;
    s = addFailures(s, 3, t, rule);
    expect(s.blockedUntil - t).toBe(10_000);
  });

  it("reset forgets the key; max 0 switches the limit off", () => {
    const l = new FailureLimiter(rule);
    l.fail("a", T0, 3);
    expect(l.blockedUntil("a", T0)).toBeGreaterThan(0);
    l.reset("a");
    expect(l.blockedUntil("a", T0)).toBe(0);
    const off = new FailureLimiter({ ...rule, max: 0 });
    off.fail("a", T0, 1_000);
    expect(off.enabled).toBe(false);
    expect(off.blockedUntil("a", T0)).toBe(0);
  });

  it("keeps at most its capacity of keys, dropping dead ones first", () => {
    const l = new FailureLimiter(rule, 100);
    for (let i = 0; i < 1_000; i++) l.fail(`k${i}`, T0 + i);
    expect(l.size).toBeLessThanOrEqual(100);
    expect(l.get("k999")).toBeDefined();
  });

  it("Retry-After is whole seconds, at least one", () => {
    expect(retryAfterSeconds(T0 + 1, T0)).toBe(1);
    expect(retryAfterSeconds(T0 + 59_001, T0)).toBe(60);
    expect(retryAfterSeconds(T0, T0)).toBe(1);
  });
});
