/** The token format (docs/spec.md §2): shape, CRC32 check, and every malformed reason with its message. */
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  BODY_LENGTH,
  CHECK_LENGTH,
  crc32,
  displayPrefix,
  generateToken,
  hashToken,
  inspectToken,
  last4,
  maskToken,
} from "../../src/core/token.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function decodeBase62(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 62 + BASE62.indexOf(ch);
  return n;
}

describe("generation", () => {
  it("has the shape <prefix>_<kind>_<32 base62><6 base62 check>", () => {
    const pit = generateToken("kw", "private_integration");
    const v1 = generateToken("kw", "legacy_v1");
    expect(pit).toMatch(new RegExp(`^kw_pit_[0-9A-Za-z]{${BODY_LENGTH + CHECK_LENGTH}}$`));
    expect(v1).toMatch(/^kw_v1_[0-9A-Za-z]{38}$/);
    expect(generateToken("acme7", "private_integration")).toMatch(/^acme7_pit_[0-9A-Za-z]{38}$/);
    expect(BODY_LENGTH).toBeGreaterThanOrEqual(30);
  });

  it("ends with the CRC32 of everything before it, fixed-width base62", () => {
    for (let i = 0; i < 50; i++) {
      const t = generateToken("kw", i % 2 ? "legacy_v1" : "private_integration");
      const head = t.slice(0, -CHECK_LENGTH);
      expect(decodeBase62(t.slice(-CHECK_LENGTH))).toBe(zlibCrc32(head));
    }
  });

  it("computes the standard CRC32", () => {
    expect(crc32("")).toBe(0);
    expect(crc32("123456789")).toBe(0xcbf43926);
    for (const s of ["kw_pit_abc", "The quick brown fox jumps over the lazy dog"])
      expect(crc32(s)).toBe(zlibCrc32(s));
  });

  it("never repeats and uses the whole alphabet", () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => generateToken("kw", "private_integration")));
    expect(tokens.size).toBe(2000);
    const seen = new Set([...tokens].flatMap((t) => [...t.slice(7, 7 + BODY_LENGTH)]));
    expect(seen.size).toBe(62);
  });

  it("inspects its own tokens as ours, with their kind", () => {
    expect(inspectToken(generateToken("kw", "private_integration"), "kw")).toEqual({
      ok: true,
      ours: true,
      kind: "private_integration",
    });
    expect(inspectToken(generateToken("kw", "legacy_v1"), "kw")).toEqual({
      ok: true,
      ours: true,
      kind: "legacy_v1",
    });
  });

  it("hashes with SHA-256 hex and masks with prefix and last four", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const t = generateToken("kw", "private_integration");
    expect(maskToken(displayPrefix("kw", "private_integration"), last4(t))).toBe(`kw_pit_…${t.slice(-4)}`);
    expect(displayPrefix("kw", "legacy_v1")).toBe("kw_v1_");
  });
});

describe("malformed tokens: each reason, with the message the caller sees", () => {
  const good = generateToken("kw", "private_integration");
  const wrongPrefix = "Wrong prefix: tokens of this deployment start with kw_pit_ or kw_v1_.";

  const cases: [string, string, string][] = [
    ["empty", "", "The token is empty: send Authorization: Bearer <token>."],
    [
      "leading space",
      ` ${good}`,
      "The token has stray whitespace around it: remove the spaces or line breaks.",
    ],
    [
      "trailing newline",
      `${good}\n`,
      "The token has stray whitespace around it: remove the spaces or line breaks.",
    ],
    [
      "trailing tab",
      `${good}\t`,
      "The token has stray whitespace around it: remove the spaces or line breaks.",
    ],
    ["double quotes", `"${good}"`, "The token has stray quotes around it: send it without quotes."],
    ["single quotes", `'${good}'`, "The token has stray quotes around it: send it without quotes."],
    ["back quotes", `\`${good}\``, "The token has stray quotes around it: send it without quotes."],
    ["one quote", `${good}"`, "The token has stray quotes around it: send it without quotes."],
    [
      "inner space",
      `${good.slice(0, 20)} ${good.slice(20)}`,
      "The token contains whitespace: copy it again as one unbroken string.",
    ],
    ["unknown kind", `kw_xyz_${good.slice(7)}`, wrongPrefix],
    ["no kind", `kw_${good.slice(7)}`, wrongPrefix],
    [
      "truncated",
      good.slice(0, -1),
      "Wrong length: the part after kw_pit_ must be 38 characters, this one has 37 (truncated or with extra characters?).",
    ],
    [
      "extra characters",
      `${good}A`,
      "Wrong length: the part after kw_pit_ must be 38 characters, this one has 39 (truncated or with extra characters?).",
    ],
    [
      "bad characters",
      `${good.slice(0, 10)}-${good.slice(11)}`,
      "The token contains characters that never appear in a token (only letters and digits follow the prefix).",
    ],
    [
      "non-ASCII",
      `${good.slice(0, 10)}é${good.slice(11)}`,
      "The token contains characters that never appear in a token (only letters and digits follow the prefix).",
    ],
    [
      "one character changed",
      `${good.slice(0, 12)}${good[12] === "a" ? "b" : "a"}${good.slice(13)}`,
      "Failed checksum: the token was mistyped or truncated; copy it again.",
    ],
    [
      "two characters swapped",
      `${good.slice(0, 10)}${good[11]}${good[10]}${good.slice(12)}`,
      "Failed checksum: the token was mistyped or truncated; copy it again.",
    ],
  ];

  it.each(cases)("%s", (_name, token, reason) => {
    if (_name === "two characters swapped" && token === good) return; // identical neighbours
    expect(inspectToken(token, "kw")).toEqual({ ok: false, reason });
  });

  it("a token of another shape (no kw_ prefix) is not ours but may be an imported key", () => {
    expect(inspectToken("sk_live_abcdef0123456789", "kw")).toEqual({
      ok: true,
      ours: false,
      reason: wrongPrefix,
    });
    expect(inspectToken(good, "acme")).toEqual({
      ok: true,
      ours: false,
      reason: "Wrong prefix: tokens of this deployment start with acme_pit_ or acme_v1_.",
    });
  });

  it("a changed kind tag fails the checksum (the kind is covered by the CRC)", () => {
    const v1 = `kw_v1_${good.slice(7)}`;
    expect(inspectToken(v1, "kw")).toEqual({
      ok: false,
      reason: "Failed checksum: the token was mistyped or truncated; copy it again.",
    });
  });

  it("every single-character typo in the body is caught without any lookup", () => {
    for (let i = 7; i < good.length; i++) {
      const ch = good[i] === "x" ? "y" : "x";
      const typo = good.slice(0, i) + ch + good.slice(i + 1);
      expect(inspectToken(typo, "kw").ok).toBe(false);
    }
  });
});
