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
import {
  keyCtx,
  SERVICE_SCOPES,
  type ServiceCredential,
  type ServiceScope,
  userCtx,
} from "../service/context.js";
import type { Policy } from "../service/rate-limits.js";
import { toActor } from "../service/users.js";
import type { VerifiedKey, VerifyOptions, VerifyResult } from "../service/verify.js";
import { actingRefusal } from "./acting.js";
import type { AppEnv, Client, Deps } from "./env.js";
import type { GuardedRoute, Guards } from "./route.js";
import { isHttps } from "./scheme.js";

export type { Client } from "./env.js";

export const SESSION_COOKIE = "keyward_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What the guards read of the instance (Lucia-style: named for what it is used for, not the whole). */
export type GuardDeps = Pick<
  Deps,
  | "config"
  | "sessions"
  | "attempts"
  | "verifier"
  | "metrics"
  | "serviceKeys"
  | "provisioning"
  | "store"
  | "limits"
  | "usageCodes"
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
  const ip = clientIp(
    c.env?.incoming?.socket?.remoteAddress ?? null,
    deps.config.trustProxy ? c.req.header("x-forwarded-for") : undefined,
    deps,
  );
  const client = { ip, userAgent: c.req.header("user-agent")?.slice(0, 500) ?? null };
  c.set("client", client);
  return client;
}

/** The client's address from the socket's and X-Forwarded-For (read only when a proxy is trusted). */
export function clientIp(
  remote: string | null,
  forwardedFor: string | undefined,
  deps: ConfigDeps,
): string | null {
  if (!deps.config.trustProxy || !forwardedFor) return remote;
  // The last entry is the one our proxy added: the address it saw. Entries before it come from
  // the client and are whatever it chose to send (one trusted proxy in front of Keyward).
  return forwardedFor.slice(forwardedFor.lastIndexOf(",") + 1).trim() || remote;
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

/**
 * The signed-in person of the session cookie; a state-changing request must come from our own pages.
 * Without a cookie, a request naming `Keyward-Acting-User` is the platform acting for that person
 * with a `keys:manage` credential (issue 12 §3): it gets the person's rights, never more.
 */
async function requireSession(
  c: Context<AppEnv>,
  deps: GuardDeps,
  route: GuardedRoute,
  params: unknown,
  digest: TokenDigest,
): Promise<{ user: User }> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) {
    const acting = c.req.header(ACTING_USER_HEADER);
    if (acting !== undefined) return actForUser(c, deps, route, params, acting, digest);
  }
  const user = token ? await deps.sessions.authenticate(token) : null;
  if (!user)
    throw new ApiError(
      "unauthenticated",
      "Sign in first: POST /api/auth/login with your e-mail and password.",
    );
  checkOrigin(c, deps);
  const { ip, userAgent } = clientOf(c, deps);
  c.set("ctx", { ...userCtx(toActor(user), ip, userAgent), sessionId: hashToken(token!) });
  await resolveExternalIds(deps, user.agencyId, params);
  return { user };
}

export const ACTING_USER_HEADER = "keyward-acting-user";

async function actForUser(
  c: Context<AppEnv>,
  deps: GuardDeps,
  route: GuardedRoute,
  params: unknown,
  acting: string,
  digest: TokenDigest,
): Promise<{ user: User }> {
  const credential = await serviceCredential(c, deps, digest);
  requireServiceScope(credential, "keys:manage", route.endpoint);
  // Key management only: the person's password, people, invitations, sessions, settings and
  // credentials are theirs to manage signed in (a credential could otherwise make itself a session).
  const family = actingRefusal(route.endpoint);
  if (family !== null)
    throw new ApiError(
      "acting_user_forbidden",
      `${route.endpoint} (${family}) is not available when acting for a user: ${ACTING_USER_HEADER} reaches key management only (keys, and reading the agency, its locations and people); the person must sign in to the console for the rest.`,
      { routeFamily: family },
    );
  const ref = acting.trim();
  const id = ref ? await deps.provisioning.resolveRef(credential.agencyId, "user", ref) : "";
  const user = id ? await deps.store.getUser(id) : null;
  // Another agency's person is as unknown as one who does not exist: nothing says they do.
  if (!user || (credential.agencyId !== null && user.agencyId !== credential.agencyId))
    throw new ApiError(
      "resource_not_found",
      `Acting user not found: ${ACTING_USER_HEADER} must name a user of ${credential.agencyId === null ? "an agency" : "the credential's agency"} by id or as ext:<externalId>.`,
    );
  if (user.disabledAt !== null)
    throw new ApiError("permission_denied", "This user has been removed: nobody can act for them.");
  const { ip, userAgent } = clientOf(c, deps);
  c.set("service", credential);
  c.set("ctx", { ...userCtx(toActor(user), ip, userAgent), credential });
  await resolveExternalIds(deps, user.agencyId, params);
  return { user };
}

/** KEYWARD_SERVICE_TOKEN, as a credential: the operator's, with every scope. */
const SERVICE_TOKEN_CREDENTIAL: ServiceCredential = Object.freeze({
  id: null,
  name: "KEYWARD_SERVICE_TOKEN",
  agencyId: null,
  scopes: SERVICE_SCOPES,
});

/**
 * The service credential of the request's `Authorization: Bearer`, or 401 invalid_service_token.
 * One SHA-256 of the presented token serves both the comparison with KEYWARD_SERVICE_TOKEN (of
 * digests, in constant time) and the credential cache's look-up: a known credential costs a hash
 * and a map read, and answers without a promise.
 */
function serviceCredential(
  c: Context<AppEnv>,
  deps: GuardDeps,
  expected: TokenDigest,
): ServiceCredential | Promise<ServiceCredential> {
  return serviceCredentialOf(deps, expected, clientOf(c, deps).ip, c.req.header("authorization"));
}

/** `serviceCredential` from the request's parts: the raw `POST /api/verify` path (fast-verify.ts) calls it too. */
function serviceCredentialOf(
  deps: GuardDeps,
  expected: TokenDigest,
  ip: string | null,
  authorization: string | undefined,
): ServiceCredential | Promise<ServiceCredential> {
  // The calling service's own address: its credential failures are counted here, never those of
  // the clients whose tokens it verifies (POST /api/verify counts those by the client's address).
  deps.attempts.refuseBlockedAddress(ip);
  const header = authorization ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : "";
  if (!given) return refuseService(deps, ip);
  const hash = hashToken(given);
  if (expected && timingSafeEqual(Buffer.from(hash, "hex"), expected)) return SERVICE_TOKEN_CREDENTIAL;
  const found = deps.serviceKeys.authenticate(given, hash);
  if (found instanceof Promise) return found.then((f) => f ?? refuseService(deps, ip));
  return found ?? refuseService(deps, ip);
}

/** An unknown service credential: counted against the caller's address, then refused. */
function refuseService(deps: GuardDeps, ip: string | null): never {
  deps.attempts.failedAuthFrom(ip, "service_token");
  throw new ApiError(
    "invalid_service_token",
    "Send a service credential as Authorization: Bearer <kw_svc_… credential or KEYWARD_SERVICE_TOKEN>; this one is unknown, revoked or replaced by rotation.",
  );
}

/** KEYWARD_SERVICE_TOKEN's SHA-256 (null: none is set), computed once by `guards`. */
type TokenDigest = Buffer | null;

function requireServiceScope(credential: ServiceCredential, scope: ServiceScope, endpoint: string): void {
  if (!credential.scopes.includes(scope))
    throw new ApiError(
      "insufficient_service_scope",
      `${endpoint} needs a service credential with the ${scope} scope; this one has ${credential.scopes.join(", ") || "none"}.`,
      { missingScopes: [scope] },
    );
}

/** Throws unless the credential may call the route: its scope, and the operator's routes. */
function admitService(credential: ServiceCredential, route: GuardedRoute): void {
  if (route.serviceScope) requireServiceScope(credential, route.serviceScope, route.endpoint);
  if (route.operatorOnly && credential.agencyId !== null)
    throw new ApiError(
      "operator_credential_required",
      `${route.endpoint} is the operator's: use KEYWARD_SERVICE_TOKEN or an operator credential (keyward service-keys create); an agency's credential acts within its agency only.`,
    );
}

/**
 * The `service` guard without a Hono context, for the raw `POST /api/verify` path (fast-verify.ts):
 * the same checks in the same order, from the client's address and the Authorization header. The
 * credential it answers is admitted to `route`; it throws what the guard throws.
 */
export function serviceGuard(
  deps: GuardDeps,
): (
  ip: string | null,
  authorization: string | undefined,
  route: GuardedRoute,
) => ServiceCredential | Promise<ServiceCredential> {
  const digest = serviceTokenDigest(deps);
  const admitted = (credential: ServiceCredential, route: GuardedRoute) => {
    admitService(credential, route);
    return credential;
  };
  return (ip, authorization, route) => {
    const found = serviceCredentialOf(deps, digest, ip, authorization);
    return found instanceof Promise ? found.then((f) => admitted(f, route)) : admitted(found, route);
  };
}

function serviceTokenDigest(deps: ConfigDeps): TokenDigest {
  return deps.config.serviceToken ? Buffer.from(hashToken(deps.config.serviceToken), "hex") : null;
}

/** The platform's services: a service credential with the route's scope (KEYWARD_SERVICE_TOKEN has all). */
function requireService(
  c: Context<AppEnv>,
  deps: GuardDeps,
  route: GuardedRoute,
  params: unknown,
  digest: TokenDigest,
): typeof NOBODY | Promise<typeof NOBODY> {
  const found = serviceCredential(c, deps, digest);
  const admit = (credential: ServiceCredential): typeof NOBODY | Promise<typeof NOBODY> => {
    admitService(credential, route);
    c.set("service", credential);
    c.set("ctx", {
      actor: null,
      actorType: "service",
      actorId: credential.id,
      ...clientOf(c, deps),
      credential,
    });
    // No promise when there is nothing to resolve (POST /api/verify is hot).
    return params === undefined
      ? NOBODY
      : resolveExternalIds(deps, credential.agencyId, params).then(() => NOBODY);
  };
  return found instanceof Promise ? found.then(admit) : admit(found);
}

/** A signed-in person (cookie), else a service credential (Authorization): the owner or the operator. */
function requireSessionOrService(
  c: Context<AppEnv>,
  deps: GuardDeps,
  route: GuardedRoute,
  params: unknown,
  digest: TokenDigest,
): Promise<{ user: User | undefined }> {
  if (getCookie(c, SESSION_COOKIE) !== undefined || c.req.header("authorization") === undefined)
    return requireSession(c, deps, route, params, digest);
  return Promise.resolve(requireService(c, deps, route, params, digest)).then(() => ({ user: undefined }));
}

const ID_PARAMS = {
  agencyId: "agency",
  locationId: "location",
  userId: "user",
  accountId: "account",
} as const;

/**
 * Management routes take the platform's ids too: a path id `ext:<externalId>` (or
 * `ext:<agencyExternalId>/<externalId>`) is replaced by the Keyward id it names, within the
 * caller's agency. One that names nothing stays as it is, and the route answers 404 for it.
 */
async function resolveExternalIds(deps: GuardDeps, agencyId: string | null, params: unknown): Promise<void> {
  if (typeof params !== "object" || params === null) return;
  const p = params as Record<string, unknown>;
  for (const [name, kind] of Object.entries(ID_PARAMS)) {
    const v = p[name];
    if (typeof v === "string" && v.startsWith("ext:"))
      p[name] = await deps.provisioning.resolveRef(agencyId, kind, v);
  }
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
  const digest = serviceTokenDigest(deps);
  return {
    none: { security: () => [], check: () => NOBODY },
    session: {
      security: () => [{ session: [] }],
      check: (c, route, params) => requireSession(c, deps, route, params, digest),
    },
    service: {
      security: (scopes) => [{ serviceToken: scopes ?? [] }],
      check: (c, route, params) => requireService(c, deps, route, params, digest),
    },
    sessionOrService: {
      security: (scopes): Record<string, string[]>[] => [{ session: [] }, { serviceToken: scopes ?? [] }],
      check: (c, route, params) => requireSessionOrService(c, deps, route, params, digest),
    },
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
