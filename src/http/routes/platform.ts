/**
 * The platform API that keys protect (v2, private integration tokens), and `POST /api/verify` for
 * the platform's other services. A location key sees only its own location; an agency key sees
 * its agency's locations.
 */
import { z } from "zod";
import { Email, Name, Password } from "../../core/validate.js";
import { publicLocation } from "../../service/accounts.js";
import { publicUser } from "../../service/users.js";
import type { VerifiedKey } from "../../service/verify.js";
import { isGuess } from "../auth.js";
import type { Deps } from "../env.js";
import { IdParam, type Router, type Serialized, serialize } from "../route.js";
import { LocationBody, LocationPatch, LocationView, UserView, VerifyAnswer, VerifyBody } from "../schemas.js";

const LocationParam = IdParam("locationId");
const UserParam = IdParam("userId");

const V2UserBody = z
  .strictObject({
    email: Email,
    name: Name,
    password: Password.optional(),
    type: z.enum(["agency", "account"]).default("account"),
    role: z.enum(["admin", "user"]).default("user"),
    locationIds: z.array(z.string().min(1).max(64)).max(1000).optional(),
  })
  .meta({ id: "V2UserInput" });

const V2UserPatch = z
  .strictObject({
    email: Email.optional(),
    name: Name.optional(),
    password: Password.optional(),
    type: z.enum(["agency", "account"]).optional(),
    role: z.enum(["admin", "user"]).optional(),
    locationIds: z.array(z.string().min(1).max(64)).max(1000).optional(),
    canManageKeys: z.boolean().optional(),
  })
  .meta({ id: "V2UserPatch" });

const TokenView = z.object({
  keyId: z.string(),
  name: z.string(),
  kind: z.string(),
  agencyId: z.string(),
  locationId: z.string().nullable(),
  scopes: z.array(z.string()),
});

export function platformRoutes(r: Router, deps: Deps): void {
  /** Takes `cost` of the key's limits: the decision, its message when refused, and every limit's state. */
  const consume = async (k: VerifiedKey, cost: number) => {
    const p = await deps.limits.policyOf(k);
    if (!p) return { allowed: true, message: undefined, answer: { allowed: true, limits: [] } };
    const i = await deps.limits.take(p, cost);
    const limits = deps.limits.status(p);
    if (i < 0) return { allowed: true, message: undefined, answer: { allowed: true, limits } };
    const refusal = deps.limits.refusal(p, i, cost);
    const retryAfter = refusal.extra.retryAfter as number;
    return { allowed: false, message: refusal.message, answer: { allowed: false, retryAfter, limits } };
  };

  // GET /v2/token's body, serialised once per verified key: the verifier answers the same
  // VerifiedKey object for as long as its cache entry lives (and never changes it).
  const tokenBodies = new WeakMap<VerifiedKey, Serialized<z.input<typeof TokenView>>>();
  const tokenBody = (k: VerifiedKey) => {
    let body = tokenBodies.get(k);
    if (body === undefined) {
      body = serialize({
        keyId: k.keyId,
        name: k.name,
        kind: k.kind,
        agencyId: k.agencyId,
        locationId: k.locationId,
        scopes: [...k.scopes],
      });
      tokenBodies.set(k, body);
    }
    return body;
  };

  r.add(
    {
      method: "get",
      path: "/v2/token",
      summary: "Describe the presented token",
      description: "Verifies the token and says whose it is and what it may do. Counts as a use.",
      tags: ["Platform API"],
      auth: "key",
      responses: {
        200: {
          description: "The token's key",
          schema: TokenView,
        },
      },
    },
    // Not async: for a cached key the response is made without a promise (Hono and its Node
    // adapter then write it straight away, as they do for a hello-world route). Its headers are one
    // shared object, written by the adapter as they are (see `reply.serialized`).
    (c, { key }, reply) => reply.serialized(c, 200, tokenBody(key)),
  );

  // ── locations ──
  r.add(
    {
      method: "get",
      path: "/v2/locations",
      summary: "List locations",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["locations.readonly"],
      responses: {
        200: { description: "Locations", schema: z.object({ locations: z.array(LocationView) }) },
      },
    },
    async (c, { key: k }, reply) => {
      const locations = await deps.accounts.listLocations(c.get("ctx"), k.agencyId);
      return reply.json(c, 200, { locations: locations.map(publicLocation) });
    },
  );
  r.add(
    {
      method: "get",
      path: "/v2/locations/{locationId}",
      summary: "Get a location",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["locations.readonly"],
      params: LocationParam,
      responses: { 200: { description: "The location", schema: LocationView } },
    },
    async (c, { params }, reply) => {
      return reply.json(
        c,
        200,
        publicLocation(await deps.accounts.getLocation(c.get("ctx"), params.locationId)),
      );
    },
  );
  r.add(
    {
      method: "post",
      path: "/v2/locations",
      summary: "Create a location (agency keys)",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["locations.write"],
      body: LocationBody,
      responses: { 201: { description: "Created", schema: LocationView } },
    },
    async (c, { body, key: k }, reply) => {
      const { location, extra } = await deps.accounts.createLocation(c.get("ctx"), k.agencyId, body);
      // `extra`: what capabilities add, e.g. the legacy key (`apiKey`) while Enhanced Account Security is off.
      return reply.json(c, 201, { ...publicLocation(location), ...extra });
    },
  );
  r.add(
    {
      method: "put",
      path: "/v2/locations/{locationId}",
      summary: "Update a location",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["locations.write"],
      params: LocationParam,
      body: LocationPatch,
      responses: { 200: { description: "The location", schema: LocationView } },
    },
    async (c, { params, body }, reply) => {
      return reply.json(
        c,
        200,
        publicLocation(await deps.accounts.updateLocation(c.get("ctx"), params.locationId, body)),
      );
    },
  );
  r.add(
    {
      method: "delete",
      path: "/v2/locations/{locationId}",
      summary: "Delete a location (its keys are revoked)",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["locations.write"],
      params: LocationParam,
      responses: { 204: { description: "Deleted" } },
    },
    async (c, { params }, reply) => {
      await deps.accounts.deleteLocation(c.get("ctx"), params.locationId);
      return reply.empty(c, 204);
    },
  );

  // ── users ──
  r.add(
    {
      method: "get",
      path: "/v2/users",
      summary: "List users",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["users.readonly"],
      responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserView) }) } },
    },
    async (c, { key: k }, reply) => {
      const users = await deps.users.listUsers(c.get("ctx"), k.agencyId);
      return reply.json(c, 200, { users: users.map(publicUser) });
    },
  );
  r.add(
    {
      method: "get",
      path: "/v2/users/{userId}",
      summary: "Get a user",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["users.readonly"],
      params: UserParam,
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params }, reply) => {
      return reply.json(c, 200, publicUser(await deps.users.getUser(c.get("ctx"), params.userId)));
    },
  );
  r.add(
    {
      method: "post",
      path: "/v2/users",
      summary: "Create a user",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["users.write"],
      body: V2UserBody,
      responses: { 201: { description: "Created", schema: UserView } },
    },
    async (c, { body, key: k }, reply) => {
      return reply.json(c, 201, publicUser(await deps.users.createUser(c.get("ctx"), k.agencyId, body)));
    },
  );
  r.add(
    {
      method: "put",
      path: "/v2/users/{userId}",
      summary: "Update a user",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["users.write"],
      params: UserParam,
      body: V2UserPatch,
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params, body }, reply) => {
      return reply.json(c, 200, publicUser(await deps.users.updateUser(c.get("ctx"), params.userId, body)));
    },
  );
  r.add(
    {
      method: "delete",
      path: "/v2/users/{userId}",
      summary: "Remove a user",
      tags: ["Platform API"],
      auth: "key",
      scopes: ["users.write"],
      params: UserParam,
      responses: { 204: { description: "Removed" } },
    },
    async (c, { params }, reply) => {
      await deps.users.disableUser(c.get("ctx"), params.userId);
      return reply.empty(c, 204);
    },
  );

  // ── verification for the platform's other services ──
  r.add(
    {
      method: "post",
      path: "/api/verify",
      summary: "Verify a token for another service",
      description:
        "Authenticated with the service token (Authorization: Bearer <KEYWARD_SERVICE_TOKEN>). Answers 200 with the verification code, whatever it is; a valid answer counts as a use. Pass the client's address as `clientIp`: a client address with too many failed verifications is answered 429 `too_many_failures` with Retry-After, which the service should relay to that client.",
      tags: ["Verification"],
      auth: "service",
      body: VerifyBody,
      responses: { 200: { description: "The verification outcome", schema: VerifyAnswer } },
    },
    async (c, { body }, reply) => {
      const started = performance.now();
      // The client's address, as the calling service passes it: its failures are limited by it, so
      // one client's guessing never blocks the service itself or the service's other clients.
      const clientIp = body.clientIp ?? (c.req.header("x-client-ip")?.slice(0, 64) || null);
      deps.attempts.refuseBlockedAddress(clientIp);
      const res = await deps.verifier.verify(body.token, {
        ...(body.requiredScopes ? { requiredScopes: body.requiredScopes } : {}),
        ...(body.locationId ? { locationId: body.locationId } : {}),
        use: {
          ip: clientIp,
          userAgent: c.req.header("x-client-user-agent")?.slice(0, 500) ?? null,
          endpoint: "POST /api/verify",
        },
      });
      deps.metrics.verifyLatency.observe((performance.now() - started) / 1000);
      if (!res.valid && isGuess(res.code)) deps.attempts.failedAuthFrom(clientIp, "token");
      // With consume: true a valid key's request is taken from its rate limits (docs/traffic-policy.md).
      const limited = body.consume && res.valid ? await consume(res.key, body.cost ?? 1) : undefined;
      const code = limited && !limited.allowed ? "rate_limited" : res.code;
      deps.metrics.countVerification(code);
      if (res.key) deps.usageCodes.count(res.key.keyId, code);
      const key = res.key
        ? {
            id: res.key.keyId,
            name: res.key.name,
            kind: res.key.kind,
            owner:
              res.key.locationId === null
                ? { type: "agency" as const, id: res.key.agencyId }
                : { type: "location" as const, id: res.key.locationId },
            agencyId: res.key.agencyId,
            scopes: [...res.key.scopes],
          }
        : undefined;
      if (limited)
        return reply.json(c, 200, {
          valid: limited.allowed,
          code,
          ...(limited.message ? { message: limited.message } : {}),
          ...(key ? { key } : {}),
          rateLimit: limited.answer,
        });
      return reply.json(c, 200, {
        valid: res.valid,
        code: res.code,
        ...(res.valid ? {} : { message: res.message }),
        ...(key ? { key } : {}),
      });
    },
  );
}
