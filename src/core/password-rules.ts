/**
 * What a new password must not be (NIST SP 800-63B §3.1.1.2: check it against commonly used
 * passwords, refuse it with a reason, no composition rules): control characters, text that is
 * not Unicode, one character repeated, or one of the most common passwords. Passwords already
 * stored keep working: these rules apply whenever a password is set, never at sign-in.
 */
import { createRequire } from "node:module";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

let common: ReadonlySet<string> | undefined;

/**
 * The ~49,000 most common passwords of zxcvbn-ts's dictionary (lower-cased, from the 10-million
 * password corpus of leaked sign-ins), loaded on first use. Only those long enough to be accepted
 * otherwise are kept: the others are refused by length already.
 */
function commonPasswords(): ReadonlySet<string> {
  if (common === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = require("@zxcvbn-ts/language-common") as { dictionary?: Record<string, unknown> };
    const list = pkg.dictionary?.["passwords-common"];
    if (!Array.isArray(list) || list.length < 1000)
      throw new Error("@zxcvbn-ts/language-common has no passwords-common list: check its version");
    common = new Set(
      list.filter((p): p is string => typeof p === "string" && p.length >= PASSWORD_MIN_LENGTH),
    );
  }
  return common;
}

/** Why a password of acceptable length is refused, as a message that says what to do; null if fine. */
export function passwordProblem(password: string): string | null {
  if (CONTROL.test(password))
    return "must not contain control characters (NUL, tabs, line breaks …); use letters, digits, spaces and punctuation";
  if (LONE_SURROGATE.test(password))
    return "must be valid Unicode text: it contains a lone surrogate, half of a character";
  const lower = password.toLowerCase();
  const [first, ...rest] = lower;
  if (rest.every((c) => c === first))
    return "must not be one character repeated; choose a password with different characters";
  if (commonPasswords().has(lower))
    return "is one of the most common passwords, tried first by attackers; choose another";
  return null;
}
