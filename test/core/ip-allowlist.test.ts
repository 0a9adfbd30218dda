import { describe, expect, it } from "vitest";
import { checkAllowlist, compileAllowlist, MAX_ALLOWLIST_ENTRIES } from "../../src/core/ip-allowlist.js";

describe("IP allowlists: parsing", () => {
  it("answers canonical CIDRs: a bare address is /32 or /128, IPv6 compressed, duplicates dropped", () => {
    const r = checkAllowlist([" 203.0.113.0/24", "2001:0DB8:0000::/32", "10.0.0.1", "::1", "203.0.113.0/24"]);
    expect(r).toEqual({
      ok: true,
      cidrs: ["203.0.113.0/24", "2001:db8::/32", "10.0.0.1/32", "::1/128"],
      warnings: [],
    });
  });

  it("says what network was meant when host bits are set", () => {
    const r = checkAllowlist(["203.0.113.7/24", "2001:db8::1/32"]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toContain("the network is 203.0.113.0/24");
    expect(r.issues[0]).toContain("203.0.113.7/32");
    expect(r.issues[1]).toContain("the network is 2001:db8::/32");
  });

  it("refuses malformed entries and prefixes out of range, naming each", () => {
    const r = checkAllowlist(["nope", "1.2.3.4/33", "1.2.3.4/", "::/129", "300.1.1.1", "1.2.3.4/-1"]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toHaveLength(6);
  });

  it(`refuses more than ${MAX_ALLOWLIST_ENTRIES} entries`, () => {
    const many = Array.from({ length: MAX_ALLOWLIST_ENTRIES + 1 }, (_, i) => `10.0.${i}.0/24`);
    const r = checkAllowlist(many);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toContain("at most 100");
    expect(checkAllowlist(many.slice(1)).ok).toBe(true);
  });

  it("accepts 0.0.0.0/0 and ::/0 with a warning each", () => {
    const r = checkAllowlist(["0.0.0.0/0", "::/0"]);
    expect(r.ok && r.warnings.length).toBe(2);
  });
});

describe("IP allowlists: matching", () => {
  const m = compileAllowlist(["203.0.113.0/24", "2001:db8::/32", "192.0.2.1/32"]);
  it("matches IPv4 and IPv6 within the listed networks only", () => {
    expect(m.allows("203.0.113.255")).toBe(true);
    expect(m.allows("203.0.114.0")).toBe(false);
    expect(m.allows("192.0.2.1")).toBe(true);
    expect(m.allows("192.0.2.2")).toBe(false);
    expect(m.allows("2001:db8:ffff::1")).toBe(true);
    expect(m.allows("2001:db9::1")).toBe(false);
  });
  it("matches an IPv4-mapped IPv6 address against IPv4 entries", () => {
    expect(m.allows("::ffff:203.0.113.9")).toBe(true);
    expect(m.allows("::ffff:cb00:7109")).toBe(true);
    expect(m.allows("::ffff:198.51.100.1")).toBe(false);
  });
  it("reads IPv4 strictly on its fast path", () => {
    for (const bad of [
      "203.0.113",
      "203.0.113.9.1",
      "203.0.113.256",
      "203.0.113.09",
      "203..113.9",
      "203.0.113.9 ",
    ])
      expect(m.allows(bad), bad).toBe(false);
    expect(m.allows("::FFFF:203.0.113.1")).toBe(true);
    const all = compileAllowlist(["0.0.0.0/0"]);
    expect([all.allows("255.255.255.255"), all.allows("0.0.0.0"), all.allows("2001:db8::1")]).toEqual([
      true,
      true,
      false,
    ]);
    const top = compileAllowlist(["128.0.0.0/1"]);
    expect([top.allows("200.1.1.1"), top.allows("127.255.255.255")]).toEqual([true, false]);
  });
  it("allows nothing that is not an address", () => {
    expect(m.allows("")).toBe(false);
    expect(m.allows("203.0.113.9, 1.1.1.1")).toBe(false);
  });
});
