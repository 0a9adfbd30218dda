/** The answers and options of `Keyward.verify`, shaped as Keyward's `POST /api/verify` answers. */

/** Every code `verify` answers: Keyward's own (docs/spec.md §3), and the SDK's `unavailable`. */
export type VerifyCode =
  | "valid"
  | "malformed"
  | "not_found"
  | "revoked"
  | "expired"
  | "deleted"
  | "rotated"
  | "insufficient_scope"
  | "location_forbidden"
  | "plan_required"
  | "disabled_by_security"
  /** Over a rate limit of the key (its own, its location's or its agency's): see `rateLimit`. */
  | "rate_limited"
  /** The client's address made too many failed verifications; `retryAfter` says when to try again. */
  | "too_many_failures"
  /** Keyward could not be reached (failMode "closed", or "open" with nothing cached for the token). */
  | "unavailable";

/** A verified key, as `POST /api/verify` describes it. */
export interface VerifiedKey {
  id: string;
  name: string;
  kind: "private_integration" | "legacy_v1";
  owner: { type: "agency" | "location"; id: string };
  agencyId: string;
  scopes: string[];
}

export interface VerifyAnswer {
  valid: boolean;
  code: VerifyCode;
  /** Why not, for the caller (absent when valid). */
  message?: string;
  key?: VerifiedKey;
  /** With insufficient_scope: the required scopes the key lacks. */
  missingScopes?: string[];
  /** With too_many_failures: seconds to wait. */
  retryAfter?: number;
  /**
   * With rate_limited (and on Keyward's valid answers to the SDK): the decision, the limit that
   * refused, the seconds to wait, and every limit's state — as `POST /api/verify` answers it.
   */
  rateLimit?: { allowed: boolean; retryAfter?: number; limit?: string; limits: LimitStatus[] };
  /**
   * true when the answer came from an entry the SDK could not have re-checked (failMode "open"
   * while Keyward is unreachable).
   */
  stale?: boolean;
}

/** A rate limit's state, as `POST /api/verify` answers it. */
export interface LimitStatus {
  /** Its name: the key's own by name, shared ones as `location.<name>` / `agency.<name>`. */
  name: string;
  owner: "key" | "location" | "agency";
  limit: number;
  windowSeconds: number;
  /** Units one verification takes from it. */
  cost: number;
  mode: "local" | "strict";
  remaining: number;
  /** Seconds until its window ends (when nothing remains: until one more would pass). */
  resetSeconds: number;
}

export interface VerifyOptions {
  /** Scopes a private integration token must hold (legacy v1 keys have full access). */
  requiredScopes?: readonly string[];
  /** The location the request concerns: a location key must be of it, an agency key of its agency. */
  locationId?: string;
  /** The address of the client that presented the token (failed verifications are limited by it). */
  clientIp?: string;
  /** The client's user agent, recorded with its uses. */
  userAgent?: string;
  /** The route called, e.g. `GET /orders/:id`, recorded with the uses of legacy v1 keys. */
  endpoint?: string;
}

/** Time, injectable so that tests move it instead of sleeping. */
export interface Clock {
  now(): number;
}

/** Timers for the use reports, injectable for the same reason. */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}
