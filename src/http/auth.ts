/**
 * Authentication of the three kinds of caller: people (session cookie), services, API keys. Each is
 * a guard that a route names in its declaration (`RouteSpec.auth`); the Router installs it.
 */
import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { ApiError } from "../core/errors.js";
import type { User } from "../core/model.js";
import { hashToken, inspectToken } from "../core/token.js";
import { keyCtx, userCtx } from "../service/context.js";
import type { Policy } from "../service/rate-limits.js";
import { toActor } from "../service/users.js";
import type { VerifiedKey, VerifyOptions, VerifyResult } from "../service/verify.js";
import type { AppEnv, Client, Deps } from "./env.js";
import type { Guards } from "./route.js";
import { isHttps } from "./scheme.js";

export type { Client } from "./env.js";

export const SESSION_COOKIE = "keyward_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What the guards read of the instance (Lucia-style: named for what it is used for, not the whole). */
export type GuardDeps = Pick<
  Deps,
  "config" | "sessions" | "attempts" | "verifier" | "metrics" | "limits" | "usageCodes"
>;
type ConfigDeps = Pick<Deps, "config">;

/**
 * The client's address and agent, honouring X-Forwarded-For only when told to trust a proxy. Read
 * on first use and kept for the request, rather than by a global middleware: a middleware on every
 * path would put Hono's composed (promise-returning) dispatch in front of the hot `GET /v2/token`.
 */
export function clientOf(c: Context<AppEnv>, deps: ConfigDeps): Client {
  const known = c.get("client");
  if (known) return known;
  let ip = c.env?.incoming?.socket?.remoteAddress ?? null;
  if (deps.config.trustProxy) {
    const fwd = c.req.header("x-forwarded-for");
    // The last entry is the one our proxy added: the address it saw. Entries before it come from
    // the client and are whatever it chose to send (one trusted proxy in front of Keyward).
    if (fwd) ip = fwd.slice(fwd.lastIndexOf(",") + 1).trim() || ip;
  }
  const client = { ip, userAgent: c.req.header("user-agent")?.slice(0, 500) ?? null };
  c.set("client", client);
  return client;
}

export { isHttps } from "./scheme.js";

/**
 * The origins this service answers as: its public URL when one is set — then only that, since the
 * request's Host is whatever the client (or a misrouting proxy) says — else the scheme and Host of
 * the request.
 */
function ownOrigins(c: Context<AppEnv>, deps: ConfigDeps): string[] {
  if (deps.config.publicUrl) return [new URL(deps.config.publicUrl).origin];
  const host = c.req.header("host");
  return host ? [`${isHttps(c, deps) ? "https" : "http"}://${host}`] : [];
}

/**
 * Cross-site request refusal: a state-changing request must carry an `Origin` that is this
 * service's own. A script holding the cookie and sending a matching Origin works; a form on
 * another site cannot (browsers always send Origin on cross-site POSTs).
 */
export function checkOrigin(c: Context<AppEnv>, deps: ConfigDeps): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("origin");
  if (!origin)
    throw new ApiError(
      "origin_mismatch",
      "State-changing requests must send an Origin header naming this service.",
    );
  if (!ownOrigins(c, deps).includes(origin))
    throw new ApiError(
      "origin_mismatch",
      `Requests from ${origin} are refused: only this service's own pages may change things.`,
    );
}

/** The signed-in person of the session cookie; a state-changing request must come from our own pages. */
async function requireSession(c: Context<AppEnv>, deps: GuardDeps): Promise<{ user: User }> {
  const token = getCookie(c, SESSION_COOKIE);
  const user = token ? await deps.sessions.authenticate(token) : null;
  if (!user)
    throw new ApiError(
      "unauthenticated",
      "Sign in first: POST /api/auth/login with your e-mail and password.",
    );
  checkOrigin(c, deps);
  const { ip, userAgent } = clientOf(c, deps);
  c.set("ctx", { ...userCtx(toActor(user), ip, userAgent), sessionId: hashToken(token!) });
  return { user };
}

function digestEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashToken(a), "hex"), Buffer.from(hashToken(b), "hex"));
}

/** The platform's own services, by KEYWARD_SERVICE_TOKEN. */
function requireService(c: Context<AppEnv>, deps: GuardDeps): typeof NOBODY {
  const expected = deps.config.serviceToken;
  if (!expected)
    throw new ApiError(
      "invalid_service_token",
      "This deployment has no KEYWARD_SERVICE_TOKEN set: the service API is off.",
    );
  // The calling service's own address: its credential failures are counted here, never those of
  // the clients whose tokens it verifies (POST /api/verify counts those by the client's address).
  const client = clientOf(c, deps);
  deps.attempts.refuseBlockedAddress(client.ip);
  const header = c.req.header("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : "";
  if (!given || !digestEqual(given, expected)) {
    deps.attempts.failedAuthFrom(client.ip, "service_token");
    throw new ApiError(
      "invalid_service_token",
      "Send the service token as Authorization: Bearer <KEYWARD_SERVICE_TOKEN>.",
    );
  }
  c.set("ctx", { actor: null, actorType: "service", actorId: null, ...client });
  return NOBODY;
}

/** The token of an `Authorization: Bearer` header; null when the header is missing or not Bearer. */
export function bearer(c: Context): string | null {
  const h = c.req.header("authorization");
  if (h === undefined) return null;
  // Keep what follows "Bearer " untouched, so stray whitespace or quotes are reported as such.
  return /^bearer /i.test(h) ? h.slice(7) : null;
}

/**
 * Verifies the request's API key for the given scopes and location, or throws the verification
 * code as a problem. Sets the key as the audit actor.
 */
export function requireKey(
  c: Context<AppEnv>,
  deps: GuardDeps,
  opts: { scopes?: string[]; locationId?: string; endpoint: string },
): VerifiedKey | Promise<VerifiedKey> {
  const started = performance.now();
  const token = bearer(c);
  if (token === null)
    throw new ApiError(
      "malformed",
      c.req.header("authorization") === undefined
        ? "No token: send it as Authorization: Bearer <token>."
        : "The Authorization header must be of the form: Bearer <token>.",
    );
  const client = clientOf(c, deps);
  // While nothing is blocked this is one size check (the cached path must not pay for the limit).
  deps.attempts.refuseBlockedAddress(client.ip);
  const use = { ip: client.ip, userAgent: client.userAgent, endpoint: opts.endpoint };
  // One object of one shape per request (fields added one by one would change its hidden class).
  const vo: VerifyOptions = { use, requiredScopes: opts.scopes, locationId: opts.locationId };
  // Not async: a cached key is accepted without a promise (callers await what this returns).
  const r = deps.verifier.verify(token, vo);
  return r instanceof Promise
    ? r.then((v) => keyOf(c, deps, v, started, client))
    : keyOf(c, deps, r, started, client);
}

function keyOf(
  c: Context<AppEnv>,
  deps: GuardDeps,
  r: VerifyResult,
  started: number,
  client: Client,
): VerifiedKey | Promise<VerifiedKey> {
  deps.metrics.verifyLatency.observe((performance.now() - started) / 1000);
  deps.metrics.countVerification(r.code);
  if (!r.valid) {
    if (isGuess(r.code)) deps.attempts.failedAuthFrom(client.ip, "token");
    const err = new ApiError(r.code, r.message, r.missingScopes ? { missingScopes: r.missingScopes } : {});
    if (r.key) {
      deps.usageCodes.count(r.key.keyId, r.code);
      // The key is known: its refusal describes its rate limits too.
      const p = deps.limits.policyOf(r.key);
      if (p instanceof Promise)
        return p.then((known) => {
          if (known) c.set("rateLimit", known);
          throw err;
        });
      if (p) c.set("rateLimit", p);
    }
    throw err;
  }
  // The verified key is the actor: the services judge it by its scopes and where it lives.
  c.set("ctx", keyCtx(r.key, client.ip, client.userAgent));
  return limited(c, deps, r.key);
}

/**
 * The key's rate limits (docs/traffic-policy.md), after it is verified: for a policy this node has
 * resolved, one pass over its limits in memory, without a promise. Over a limit: 429 `rate_limited`.
 * The use was recorded by the verification already (a rate-limited request of a valid key counts).
 */
function limited(c: Context<AppEnv>, deps: GuardDeps, key: VerifiedKey): VerifiedKey | Promise<VerifiedKey> {
  const p = deps.limits.policyOf(key);
  if (p === null) return admitted(deps, key);
  if (p instanceof Promise)
    return p.then((known) => (known ? take(c, deps, key, known) : admitted(deps, key)));
  return take(c, deps, key, p);
}

function take(
  c: Context<AppEnv>,
  deps: GuardDeps,
  key: VerifiedKey,
  p: Policy,
): VerifiedKey | Promise<VerifiedKey> {
  c.set("rateLimit", p);
  const i = deps.limits.take(p);
  return i instanceof Promise ? i.then((j) => decided(c, deps, key, p, j)) : decided(c, deps, key, p, i);
}

function decided(c: Context<AppEnv>, deps: GuardDeps, key: VerifiedKey, p: Policy, i: number): VerifiedKey {
  if (i < 0) return admitted(deps, key);
  c.set("rateLimited", i);
  deps.usageCodes.count(key.keyId, "rate_limited");
  deps.metrics.countVerification("rate_limited");
  throw deps.limits.refusal(p, i);
}

function admitted(deps: GuardDeps, key: VerifiedKey): VerifiedKey {
  deps.usageCodes.count(key.keyId, "valid");
  return key;
}

/**
 * The verification failures the per-address limit counts: tokens that never existed, as guessing
 * produces. A revoked, expired or rotated token was real; its caller is told why, not blocked.
 */
export function isGuess(code: string): boolean {
  return code === "not_found" || code === "malformed";
}

const LEGACY_ONLY =
  "This is a private integration token: it works on the v2 API only (e.g. /v2/locations, /v2/users). The v1 API accepts legacy v1 keys (kw_v1_…) only, and is deprecated: move to v2.";

/** Verifies a legacy v1 key; a private integration token is told to use v2 (without counting a use). */
async function requireLegacyKey(
  c: Context<AppEnv>,
  deps: GuardDeps,
  opts: { scopes?: string[]; locationId?: string; endpoint: string },
): Promise<VerifiedKey> {
  const token = bearer(c);
  if (token !== null) {
    const shape = inspectToken(token, deps.config.tokenPrefix);
    if (shape.ok && shape.ours && shape.kind !== "legacy_v1")
      throw new ApiError("legacy_key_required", LEGACY_ONLY);
  }
  const key = await requireKey(c, deps, opts);
  if (key.kind !== "legacy_v1") throw new ApiError("legacy_key_required", LEGACY_ONLY);
  return key;
}

const NOBODY = Object.freeze({});

/** The route's `{locationId}`, which a key must reach (its own location, or one of its agency's). */
function locationOf(params: unknown): string | undefined {
  const id = (params as { locationId?: unknown } | undefined)?.locationId;
  return typeof id === "string" ? id : undefined;
}

/**
 * The guards a route can name. A key route's declared scopes are required of the key, and a
 * `{locationId}` in its path must be within the key's reach.
 */
export function guards(deps: GuardDeps): Guards {
  return {
    none: { security: () => [], check: () => NOBODY },
    session: { security: () => [{ session: [] }], check: (c) => requireSession(c, deps) },
    service: { security: () => [{ serviceToken: [] }], check: (c) => requireService(c, deps) },
    key: {
      scoped: true,
      security: (scopes) => [{ apiKey: scopes ?? [] }],
      // Not async: a cached key lets the request through without a promise (GET /v2/token is hot).
      check: (c, route, params) => {
        const k = requireKey(c, deps, {
          scopes: route.scopes,
          locationId: locationOf(params),
          endpoint: route.endpoint,
        });
        return k instanceof Promise ? k.then((key) => ({ key })) : { key: k };
      },
    },
    legacyKey: {
      scoped: true,
      security: (scopes) => [{ apiKey: scopes ?? [] }],
      check: async (c, route, params) => ({
        key: await requireLegacyKey(c, deps, {
          scopes: route.scopes,
          locationId: locationOf(params),
          endpoint: route.endpoint,
        }),
      }),
    },
  };
}
