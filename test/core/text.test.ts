/** The hidden-character finder behind every name and description (issue 10, item 17). */
import { describe, expect, it } from "vitest";
import { describeHidden, findHiddenCharacter } from "../../src/core/text.js";

describe("findHiddenCharacter", () => {
  it("accepts ordinary text in any script, emoji (surrogate pairs) included", () => {
    for (const s of ["", "Acme", "Café Zürich", "מרכז", "العربية", "東京", "😀", "a😀b🏳️", "\u{10FFFF}"])
      expect(findHiddenCharacter(s), JSON.stringify(s)).toBeNull();
  });

  it("finds each class at the start, in the middle and at the end, and names the code point", () => {
    const cases: [string, string, number][] = [
      ["\u202E", "bidi", 0x202e],
      ["\u2066", "bidi", 0x2066],
      ["\u200F", "bidi", 0x200f],
      ["\u061C", "bidi", 0x061c],
      ["\u200B", "zero_width", 0x200b],
      ["\u200D", "zero_width", 0x200d],
      ["\u2060", "zero_width", 0x2060],
      ["\uFEFF", "zero_width", 0xfeff],
      ["\u{E0001}", "tag", 0xe0001],
      ["\u{E007F}", "tag", 0xe007f],
      ["\uD800", "lone_surrogate", 0xd800],
      ["\uDFFF", "lone_surrogate", 0xdfff],
      ["\uFFFD", "replacement", 0xfffd],
    ];
    for (const [ch, kind, codePoint] of cases)
      for (const s of [`${ch}ab`, `a${ch}b`, `ab${ch}`])
        expect(findHiddenCharacter(s), JSON.stringify(s)).toEqual({ kind, codePoint });
  });

  it("a reversed pair is two lone surrogates, not a character", () => {
    expect(findHiddenCharacter("a\uDE00\uD83Db")).toEqual({ kind: "lone_surrogate", codePoint: 0xde00 });
  });

  it("says what was found", () => {
    expect(describeHidden({ kind: "tag", codePoint: 0xe0041 })).toMatch(/tag characters \(found U\+E0041\)/);
    expect(describeHidden({ kind: "bidi", codePoint: 0x61c })).toMatch(/\(found U\+061C\)/);
  });
});
