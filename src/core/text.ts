/**
 * Characters that make a name read differently from what it is: bidirectional overrides (the
 * "Trojan Source" trick: U+202E then `gpj.exe` displays as `exe.jpg`), invisible characters that make two
 * names look identical, and text that is not Unicode at all (a lone surrogate, which every store
 * and encoder silently turns into U+FFFD). Names are shown to other people — in the console, in
 * e-mails, in the audit log — so such characters are refused rather than stored.
 */

export type HiddenKind = "bidi" | "zero_width" | "tag" | "lone_surrogate" | "replacement";

export interface HiddenCharacter {
  kind: HiddenKind;
  /** The offending code point (for a lone surrogate, the surrogate itself). */
  codePoint: number;
}

/** Bidirectional embeddings, overrides and isolates, and the invisible direction marks. */
function isBidi(cp: number): boolean {
  return (
    (cp >= 0x202a && cp <= 0x202e) || // LRE, RLE, PDF, LRO, RLO
    (cp >= 0x2066 && cp <= 0x2069) || // LRI, RLI, FSI, PDI
    cp === 0x200e || // LEFT-TO-RIGHT MARK
    cp === 0x200f || // RIGHT-TO-LEFT MARK
    cp === 0x061c // ARABIC LETTER MARK
  );
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200d) || // ZERO WIDTH SPACE, NON-JOINER, JOINER
    cp === 0x2060 || // WORD JOINER
    cp === 0xfeff // ZERO WIDTH NO-BREAK SPACE (byte order mark)
  );
}

/** Quick pre-check on UTF-16 code units: most names have none of these and skip the walk. */
const SUSPECT = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ud800-\udfff\ufeff\ufffd]/;

/** The first hidden or broken character of `s`, or null when there is none. */
export function findHiddenCharacter(s: string): HiddenCharacter | null {
  if (!SUSPECT.test(s)) return null;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return { kind: "lone_surrogate", codePoint: unit };
      const cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      if (cp >= 0xe0000 && cp <= 0xe007f) return { kind: "tag", codePoint: cp };
      i++;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return { kind: "lone_surrogate", codePoint: unit };
    if (isBidi(unit)) return { kind: "bidi", codePoint: unit };
    if (isZeroWidth(unit)) return { kind: "zero_width", codePoint: unit };
    if (unit === 0xfffd) return { kind: "replacement", codePoint: unit };
  }
  return null;
}

export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** What to tell the person who typed it: which class of character, which one, and why. */
export function describeHidden(h: HiddenCharacter): string {
  const at = codePointLabel(h.codePoint);
  switch (h.kind) {
    case "bidi":
      return `must not contain bidirectional control characters (found ${at}): they make text display in a different order than it is written`;
    case "zero_width":
      return `must not contain zero-width characters (found ${at}): they are invisible and make different names look the same`;
    case "tag":
      return `must not contain Unicode tag characters (found ${at}): they are invisible`;
    case "lone_surrogate":
      return `must be valid Unicode text: it contains a lone surrogate (${at}), half of a character`;
    case "replacement":
      return `must not contain the replacement character ${at}: the text was damaged by a wrong encoding; send it again as UTF-8`;
  }
}
