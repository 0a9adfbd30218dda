/**
 * OAuth 2.0 rules as pure functions (docs/oauth.md): lifetimes, what a redirect URI may be, PKCE's
 * S256 transform, scope strings. No I/O.
 */
import { createHash } from "node:crypto";

/** An access token (`kw_oat_…`) lives a day; a location token from an agency token too. */
export const ACCESS_TOKEN_TTL_MS = 24 * 3_600_000;
/** A refresh token (`kw_ort_…`) lives a year, and is replaced at every use. */
export const REFRESH_TOKEN_TTL_MS = 365 * 24 * 3_600_000;
/** An authorization code is exchanged right after the redirect: two minutes is plenty. */
export const CODE_TTL_MS = 2 * 60_000;
/** A pending authorization request waits this long for the person's decision. */
export const REQUEST_TTL_MS = 10 * 60_000;
/**
 * At most this many authorization requests of one app wait for a decision at once. GET
 * /oauth/authorize needs no sign-in, so without a cap anyone could fill the table; a flood now costs
 * only the flooded app's new installs, for 10 minutes.
 */
export const MAX_PENDING_REQUESTS_PER_APP = 500;
/** A refresh token used again within this window answers the same new pair (apps racing their own refresh). */
export const REFRESH_REPLAY_WINDOW_MS = 30_000;
/** An install unused this long is listed in the inventory. */
export const INSTALL_UNUSED_DAYS = 90;
/**
 * The purge (scheduler/oauth-purge.ts) deletes an ended access token, a revoked or expired refresh
 * token and an expired code this long after it ended: for a week a token still answers why it
 * stopped (`expired`, `revoked`, a code "already used" and its replay still revokes what it issued)
 * rather than `not_found`, for the app's developer and the support reading their logs after a weekend.
 */
export const OAUTH_PURGE_AFTER_MS = 7 * 24 * 3_600_000;
/**
 * A spent (exchanged) refresh token is kept longer: presenting it again is how reuse detection finds a
 * stolen token family, and an app that was idle for weeks still uses the token it kept.
 */
export const SPENT_REFRESH_PURGE_AFTER_MS = 30 * 24 * 3_600_000;
/** Rows of each kind one purge run deletes at most (a run stays short; a backlog takes several). */
export const OAUTH_PURGE_BATCH = 1_000;
/** How often each node runs the purge (more often while a backlog remains). */
export const OAUTH_PURGE_INTERVAL_MS = 10 * 60_000;
/** At most this many redirect URIs per app. */
export const MAX_REDIRECT_URIS = 10;

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Why a redirect URI cannot be registered (null: it can): absolute, no fragment, HTTPS — or HTTP on
 * a loopback address, for apps running on the developer's machine (RFC 8252 §7.3).
 */
export function redirectUriProblem(uri: string): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL.`;
  }
  if (u.hash !== "" || uri.includes("#"))
    return `"${uri}" has a fragment (#…), which a redirect URI may not have.`;
  if (u.username || u.password) return `"${uri}" carries credentials, which a redirect URI may not have.`;
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && LOOPBACK.has(u.hostname)) return null;
  return `"${uri}" must use HTTPS (plain HTTP only on a loopback address such as http://127.0.0.1:8080/callback).`;
}

/** `http://` on a loopback IP literal, its port, and the rest (path and query) as written. */
const LOOPBACK_IP_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

function loopbackParts(uri: string): { host: string; rest: string } | null {
  const m = LOOPBACK_IP_URI.exec(uri);
  if (!m) return null;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return null;
  return { host: m[1]!, rest: m[3] ?? "" };
}

/**
 * Whether `asked` is one of the app's registered redirect URIs: character for character — except
 * that on a loopback IP literal (`http://127.0.0.1`, `http://[::1]`) the port may differ, as RFC 8252
 * §7.3 requires (a native app listens on whatever port the system gives it). The address, path and
 * query still match exactly; `localhost` gets no such leeway (a name can resolve elsewhere, §8.3).
 */
export function redirectUriMatches(registered: readonly string[], asked: string): boolean {
  if (registered.includes(asked)) return true;
  const a = loopbackParts(asked);
  if (!a) return false;
  return registered.some((r) => {
    const p = loopbackParts(r);
    return p !== null && p.host === a.host && p.rest === a.rest;
  });
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)). */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** RFC 7636 §4.2: a code challenge is 43 to 128 unreserved characters. */
export const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

/** The space-separated `scope` parameter as a list without repeats (empty: none asked for). */
export function parseScopeParam(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(" ").filter((s) => s !== ""))];
}

/** What replaces a legacy v1 key (issue 15 §6): a private integration token or an OAuth app. */
export interface SuccessorProposal {
  kind: "private_integration" | "oauth_app";
  reason: string;
}

/**
 * One location's integration is internal to it: a private integration token. A key that serves
 * many locations (an agency key of an agency with several) is a multi-tenant integration: an OAuth
 * app installed for the agency, whose location tokens reach each location.
 */
export function proposeSuccessor(level: "agency" | "location", locationsServed: number): SuccessorProposal {
  if (level === "location")
    return {
      kind: "private_integration",
      reason: "It is used for one location: a private integration token of that location replaces it.",
    };
  if (locationsServed > 1)
    return {
      kind: "oauth_app",
      reason: `It is an agency key serving ${locationsServed} locations: an OAuth app installed for the agency (location tokens per location) replaces it.`,
    };
  return {
    kind: "private_integration",
    reason:
      "It is an agency key of an agency with at most one location: a private integration token replaces it.",
  };
}
