/**
 * Token format: `<prefix>_<kind>_<body><check>`, e.g. `kw_pit_…`.
 * `body` is 32 base62 characters from a CSPRNG (≈190 bits); `check` is the CRC32 of everything
 * before it, as 6 base62 characters, so a mistyped or truncated token is refused without a
 * database read and secret scanners can recognise tokens with few false positives.
 */
import * as crypto from "node:crypto";

/** The kinds of key people create; `oauth` keys are access tokens an app gets (docs/oauth.md). */
export type ManagedKeyKind = "private_integration" | "legacy_v1";
export type KeyKind = ManagedKeyKind | "oauth";
export const KEY_KINDS: readonly ManagedKeyKind[] = ["private_integration", "legacy_v1"];

/** The longest a rotated-out token keeps working (7 days): the API's limit, and the console's "later". */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * Every kind of token of the format: the API keys' kinds, and the platform's service credentials
 * (`kw_svc_…`, issue 12), which are never API keys (they live in their own table and guard the
 * service routes only).
 */
export type TokenKind = KeyKind | "service" | "oauth_refresh" | "client_secret";

/** OAuth (docs/oauth.md): access tokens `oat` (keys), refresh tokens `ort`, client secrets `cs`. */
const KIND_TAG: Record<TokenKind, string> = {
  private_integration: "pit",
  legacy_v1: "v1",
  service: "svc",
  oauth: "oat",
  oauth_refresh: "ort",
  client_secret: "cs",
};
const TAG_KIND: Record<string, TokenKind> = {
  pit: "private_integration",
  v1: "legacy_v1",
  svc: "service",
  oat: "oauth",
  ort: "oauth_refresh",
  cs: "client_secret",
};

export const BODY_LENGTH = 32;
export const CHECK_LENGTH = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_RE = /^[0-9A-Za-z]+$/;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC32 of an ASCII string, or of its first `end` characters (a table loop beats zlib.crc32 on input this short). */
export function crc32(s: string, end = s.length): number {
  let crc = -1;
  for (let i = 0; i < end; i++) crc = CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function base62Fixed(n: number, width: number): string {
  let s = "";
  for (let i = 0; i < width; i++) {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s;
}

/** Whether the token ends with `base62Fixed(crc, CHECK_LENGTH)`, compared without building strings. */
function checkDigitsMatch(token: string, crc: number): boolean {
  let n = crc;
  for (let i = token.length - 1; i >= token.length - CHECK_LENGTH; i--) {
    if (token.charCodeAt(i) !== BASE62.charCodeAt(n % 62)) return false;
    n = Math.floor(n / 62);
  }
  return true;
}

function randomBase62(length: number): string {
  // Rejection sampling keeps every character uniformly likely (248 = 4 × 62).
  let out = "";
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateToken(prefix: string, kind: TokenKind): string {
  const head = `${prefix}_${KIND_TAG[kind]}_${randomBase62(BODY_LENGTH)}`;
  return head + base62Fixed(crc32(head), CHECK_LENGTH);
}

const hashFn: (s: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (s) => crypto.hash("sha256", s, "hex")
    : (s) => crypto.createHash("sha256").update(s).digest("hex");

/** SHA-256 hex of a token: the only form in which Keyward stores a token. */
export function hashToken(token: string): string {
  return hashFn(token);
}

export function last4(token: string): string {
  return token.slice(-4);
}

/** The masked form shown in listings: `kw_pit_…abcd`. */
export function maskToken(prefixPart: string, lastFour: string): string {
  return `${prefixPart}…${lastFour}`;
}

export function displayPrefix(prefix: string, kind: TokenKind): string {
  return `${prefix}_${KIND_TAG[kind]}_`;
}

export type TokenShape =
  | { ok: true; ours: true; kind: TokenKind }
  /** Not of this deployment's shape: it may still be an imported key, looked up by hash. */
  | { ok: true; ours: false; reason: string }
  | { ok: false; reason: string };

/**
 * Checks a presented token's shape without any I/O. The reasons are the messages callers see,
 * so each says what to fix.
 */
export function inspectToken(token: string, prefix: string): TokenShape {
  if (token.length === 0)
    return { ok: false, reason: "The token is empty: send Authorization: Bearer <token>." };
  if (token.trim() !== token)
    return {
      ok: false,
      reason: "The token has stray whitespace around it: remove the spaces or line breaks.",
    };
  const first = token[0];
  const last = token[token.length - 1];
  if (first === '"' || first === "'" || last === '"' || last === "'" || first === "`" || last === "`")
    return { ok: false, reason: "The token has stray quotes around it: send it without quotes." };
  if (/\s/.test(token))
    return { ok: false, reason: "The token contains whitespace: copy it again as one unbroken string." };
  if (!token.startsWith(`${prefix}_`)) {
    return {
      ok: true,
      ours: false,
      reason: `Wrong prefix: tokens of this deployment start with ${prefix}_pit_ or ${prefix}_v1_.`,
    };
  }
  const rest = token.slice(prefix.length + 1);
  const sep = rest.indexOf("_");
  const kind = sep > 0 ? TAG_KIND[rest.slice(0, sep)] : undefined;
  if (!kind)
    return {
      ok: false,
      reason: `Wrong prefix: tokens of this deployment start with ${prefix}_pit_ or ${prefix}_v1_.`,
    };
  const tail = rest.slice(sep + 1);
  if (tail.length !== BODY_LENGTH + CHECK_LENGTH)
    return {
      ok: false,
      reason: `Wrong length: the part after ${prefix}_${rest.slice(0, sep)}_ must be ${BODY_LENGTH + CHECK_LENGTH} characters, this one has ${tail.length} (truncated or with extra characters?).`,
    };
  if (!BASE62_RE.test(tail))
    return {
      ok: false,
      reason:
        "The token contains characters that never appear in a token (only letters and digits follow the prefix).",
    };
  if (!checkDigitsMatch(token, crc32(token, token.length - CHECK_LENGTH)))
    return { ok: false, reason: "Failed checksum: the token was mistyped or truncated; copy it again." };
  return { ok: true, ours: true, kind };
}
