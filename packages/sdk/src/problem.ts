/**
 * What the middleware answers a refused request: Keyward's own RFC 9457 problem+json, with the
 * status, title, `WWW-Authenticate` and `Retry-After` Keyward's API gives the same code — so a
 * client sees one contract whether Keyward or a service behind the SDK refused it.
 */
import type { Keyward } from "./keyward.js";
import type { VerifiedKey, VerifyAnswer, VerifyCode, VerifyOptions } from "./types.js";

const STATUS: Record<Exclude<VerifyCode, "valid">, number> = {
  malformed: 401,
  not_found: 401,
  revoked: 401,
  expired: 401,
  deleted: 401,
  rotated: 401,
  insufficient_scope: 403,
  location_forbidden: 403,
  plan_required: 403,
  disabled_by_security: 403,
  rate_limited: 429,
  too_many_failures: 429,
  unavailable: 503,
};

const TITLES: Record<Exclude<VerifyCode, "valid">, string> = {
  malformed: "Malformed token",
  not_found: "Unknown token",
  revoked: "Token revoked",
  expired: "Token expired",
  deleted: "Token deleted",
  rotated: "Token replaced by rotation",
  insufficient_scope: "Insufficient scope",
  location_forbidden: "Location forbidden",
  plan_required: "Plan upgrade required",
  disabled_by_security: "Disabled by Enhanced Account Security",
  rate_limited: "Rate limited",
  too_many_failures: "Too many failed attempts",
  unavailable: "Service unavailable",
};

export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Header values are printable ASCII; quotes and backslashes escaped for a quoted-string. */
function quoted(s: string): string {
  return s
    .replace(/[“”]/g, '"')
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/[\\"]/g, (m) => `\\${m}`);
}

export function problemOf(answer: VerifyAnswer, baseUrl: string, instance?: string): Problem {
  const code = answer.code === "valid" ? "unavailable" : answer.code;
  const status = STATUS[code] ?? 401;
  const message = answer.message ?? TITLES[code];
  // As Keyward's own 429 rate_limited: retryAfter and the limit's name in the body, Retry-After.
  const retryAfter = answer.retryAfter ?? answer.rateLimit?.retryAfter;
  const body: Record<string, unknown> = {
    type: `${baseUrl}/docs#error-${code}`,
    title: TITLES[code] ?? code,
    status,
    code,
    detail: message,
    ...(instance ? { instance } : {}),
    ...(answer.missingScopes ? { missingScopes: answer.missingScopes } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(code === "rate_limited" && answer.rateLimit?.limit ? { limit: answer.rateLimit.limit } : {}),
  };
  const headers: Record<string, string> = {
    "content-type": "application/problem+json",
    "cache-control": "no-store",
  };
  if (status === 401)
    headers["www-authenticate"] = `Bearer error="invalid_token", error_description="${quoted(message)}"`;
  else if (code === "insufficient_scope")
    headers["www-authenticate"] =
      `Bearer error="insufficient_scope", scope="${quoted((answer.missingScopes ?? []).join(" "))}"`;
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  if (code === "unavailable") headers["retry-after"] = "1";
  return { status, headers, body };
}

/** What every middleware hands its handlers: the verified key. */
export interface KeywardCaller {
  keyId: string;
  name: string;
  kind: VerifiedKey["kind"];
  /** The account that owns the key: its agency, or one location. */
  owner: VerifiedKey["owner"];
  agencyId: string;
  scopes: string[];
}

/** The middleware's options, the same for every framework (`R` is its request). */
export interface MiddlewareOptions<R> {
  /** Scopes every request through this middleware needs (private integration tokens). */
  requiredScopes?: readonly string[];
  /** The location a request concerns (e.g. from its path), checked against the key's owner. */
  locationId?: (req: R) => string | undefined;
  /** The client's address (default: the connection's; behind a proxy, say how to read it). */
  clientIp?: (req: R) => string | undefined;
}

/** The token of an `Authorization: Bearer` header, as Keyward reads it (stray whitespace kept, to be reported). */
export function bearerOf(header: string | undefined): VerifyAnswer | string {
  if (header === undefined)
    return {
      valid: false,
      code: "malformed",
      message: "No token: send it as Authorization: Bearer <token>.",
    };
  if (!/^bearer /i.test(header))
    return {
      valid: false,
      code: "malformed",
      message: "The Authorization header must be of the form: Bearer <token>.",
    };
  return header.slice(7);
}

/** Reads and verifies a request's token; a framework adapter turns the outcome into its own answer. */
export async function authenticate(
  kw: Keyward,
  authorization: string | undefined,
  opts: VerifyOptions,
): Promise<{ ok: true; caller: KeywardCaller } | { ok: false; answer: VerifyAnswer }> {
  const token = bearerOf(authorization);
  if (typeof token !== "string") return { ok: false, answer: token };
  const answer = await kw.verify(token, opts);
  if (!answer.valid || !answer.key) return { ok: false, answer };
  const k = answer.key;
  return {
    ok: true,
    caller: {
      keyId: k.id,
      name: k.name,
      kind: k.kind,
      owner: k.owner,
      agencyId: k.agencyId,
      scopes: k.scopes,
    },
  };
}
