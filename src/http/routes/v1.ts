/**
 * The legacy v1 API (docs/spec.md §5): locations and users with a legacy v1 key (`kw_v1_…`) of an agency or
 * of one location. Deprecated: every response, errors included, carries `Deprecation` (RFC 9745),
 * `Sunset` (RFC 8594) and a `Link` to the docs. While the agency's Enhanced Account Security is on,
 * location responses never carry key material and the user APIs answer `disabled_by_security`.
 *
 * Authentication (the `legacyKey` guard) and the key's standing rules (from core/permissions.ts:
 * agency keys only, Enhanced Account Security) come before the body is read (`deferBody`), so a
 * refused caller learns why it is refused rather than what is wrong with its body; the services
 * apply the same rules whoever calls.
 */
import type { Context } from "hono";
import { z } from "zod";
import { deprecationHeader, sunsetHeader } from "../../core/legacy.js";
import type { Location } from "../../core/model.js";
import { keyLocationRefusal, keyUserApiRefusal } from "../../core/permissions.js";
import { Email, Name, Password } from "../../core/validate.js";
import { publicLocation } from "../../service/accounts.js";
import { refuseIf } from "../../service/refusals.js";
import { publicUser } from "../../service/users.js";
import { isHttps } from "../auth.js";
import type { AppEnv, Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { LocationBody, LocationPatch, LocationView, UserView } from "../schemas.js";

const Tags = ["v1"];
const LocationParam = IdParam("locationId");
const UserParam = IdParam("userId");

export const V1Location = LocationView.extend({
  apiKey: z.string().optional().meta({
    description:
      "The location's legacy v1 key, only while the agency's Enhanced Account Security is off and the location has one",
  }),
}).meta({ id: "V1Location" });

const LocationIds = z.array(z.string().min(1).max(64)).max(1000);

const V1UserBody = z
  .strictObject({
    email: Email,
    name: Name,
    password: Password.optional(),
    type: z.enum(["agency", "account"]).default("account"),
    role: z.enum(["admin", "user"]).default("user"),
    locationIds: LocationIds.optional(),
    canManageKeys: z.boolean().optional(),
  })
  .meta({ id: "V1UserInput" });

const V1UserPatch = z
  .strictObject({
    email: Email.optional(),
    name: Name.optional(),
    password: Password.optional(),
    type: z.enum(["agency", "account"]).optional(),
    role: z.enum(["admin", "user"]).optional(),
    locationIds: LocationIds.optional(),
    canManageKeys: z.boolean().optional(),
  })
  .meta({ id: "V1UserPatch" });

/** The v1 API's headers, on every response under /v1 (errors and unknown paths included). */
function deprecationHeaders(deps: Deps) {
  const deprecation = deprecationHeader(deps.config.legacy.deprecatedSince);
  const sunset = sunsetHeader(deps.config.legacy.endOfSupport);
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    await next();
    const base =
      deps.config.publicUrl?.replace(/\/$/, "") ??
      (c.req.header("host") ? `${isHttps(c, deps) ? "https" : "http"}://${c.req.header("host")}` : "");
    const h = c.res.headers;
    h.set("deprecation", deprecation);
    h.set("sunset", sunset);
    h.append("link", `<${base}/docs#v1>; rel="deprecation"; type="text/html"`);
    h.append("link", `<${base}/docs#v1>; rel="sunset"; type="text/html"`);
  };
}

export function v1Routes(r: Router, deps: Deps): void {
  const { legacy } = deps;
  const mw = deprecationHeaders(deps);
  r.app.use("/v1", mw);
  r.app.use("/v1/*", mw);

  const withKey = async (l: Location, apiKey: string | undefined) =>
    apiKey === undefined ? publicLocation(l) : { ...publicLocation(l), apiKey };
  const v1Location = async (l: Location) => withKey(l, (await legacy.apiKeys(l.agencyId, [l.id])).get(l.id));

  r.add(
    {
      method: "get",
      path: "/v1/locations",
      summary: "List locations (legacy v1, deprecated)",
      description:
        "An agency legacy key lists its agency's locations; a location legacy key, its own. `apiKey` only while Enhanced Account Security is off.",
      tags: Tags,
      auth: "legacyKey",
      responses: { 200: { description: "Locations", schema: z.object({ locations: z.array(V1Location) }) } },
    },
    async (c, { key: k }, reply) => {
      const locations = await deps.accounts.listLocations(c.get("ctx"), k.agencyId);
      const keys = await legacy.apiKeys(
        k.agencyId,
        locations.map((l) => l.id),
      );
      return reply.json(c, 200, {
        locations: await Promise.all(locations.map((l) => withKey(l, keys.get(l.id)))),
      });
    },
  );

  r.add(
    {
      method: "get",
      path: "/v1/locations/{locationId}",
      summary: "Get a location (legacy v1, deprecated)",
      tags: Tags,
      auth: "legacyKey",
      params: LocationParam,
      responses: { 200: { description: "The location", schema: V1Location } },
    },
    async (c, { params }, reply) => {
      return reply.json(
        c,
        200,
        await v1Location(await deps.accounts.getLocation(c.get("ctx"), params.locationId)),
      );
    },
  );

  r.add(
    {
      method: "post",
      path: "/v1/locations",
      summary: "Create a location (legacy v1, agency key, deprecated)",
      description:
        "Body: name, and optionally email, phone, timezone. While Enhanced Account Security is off the new location gets a legacy key, returned as `apiKey`.",
      tags: Tags,
      auth: "legacyKey",
      body: LocationBody,
      deferBody: true,
      responses: { 201: { description: "Created", schema: V1Location } },
    },
    async (c, { key: k, body: readBody }, reply) => {
      refuseIf(keyLocationRefusal(k, "create"));
      const body = await readBody();
      const { location, extra } = await deps.accounts.createLocation(c.get("ctx"), k.agencyId, body);
      const apiKey = typeof extra.apiKey === "string" ? extra.apiKey : undefined;
      return reply.json(c, 201, await withKey(location, apiKey));
    },
  );

  r.add(
    {
      method: "put",
      path: "/v1/locations/{locationId}",
      summary: "Update a location (legacy v1, deprecated)",
      description: "Body: any of name, email, phone, timezone. The agency's key, or the location's own.",
      tags: Tags,
      auth: "legacyKey",
      body: LocationPatch,
      deferBody: true,
      params: LocationParam,
      responses: { 200: { description: "The location", schema: V1Location } },
    },
    async (c, { params, body: readBody }, reply) => {
      const body = await readBody();
      const loc = await deps.accounts.updateLocation(c.get("ctx"), params.locationId, body);
      return reply.json(c, 200, await v1Location(loc));
    },
  );

  r.add(
    {
      method: "delete",
      path: "/v1/locations/{locationId}",
      summary: "Delete a location (legacy v1, agency key, deprecated)",
      description: "Its keys are revoked with it.",
      tags: Tags,
      auth: "legacyKey",
      params: LocationParam,
      responses: { 200: { description: "Deleted", schema: z.object({ succeeded: z.boolean() }) } },
    },
    async (c, { params, key: k }, reply) => {
      refuseIf(keyLocationRefusal(k, "delete"));
      await deps.accounts.deleteLocation(c.get("ctx"), params.locationId);
      return reply.json(c, 200, { succeeded: true });
    },
  );

  // ── users: disabled while Enhanced Account Security is on ──
  r.add(
    {
      method: "post",
      path: "/v1/users",
      summary: "Create a user (legacy v1, deprecated; disabled by Enhanced Account Security)",
      description:
        "Body: email, name, and optionally password, type (account), role (user), locationIds, canManageKeys. A location key creates account users of its own location only.",
      tags: Tags,
      auth: "legacyKey",
      body: V1UserBody,
      deferBody: true,
      responses: { 201: { description: "Created", schema: UserView } },
    },
    async (c, { key: k, body: readBody }, reply) => {
      refuseIf(keyUserApiRefusal(k));
      const body = await readBody();
      return reply.json(c, 201, publicUser(await deps.users.createUser(c.get("ctx"), k.agencyId, body)));
    },
  );

  r.add(
    {
      method: "put",
      path: "/v1/users/{userId}",
      summary: "Update a user (legacy v1, deprecated; disabled by Enhanced Account Security)",
      description: "Body: any of email, name, password, type, role, locationIds, canManageKeys.",
      tags: Tags,
      auth: "legacyKey",
      body: V1UserPatch,
      deferBody: true,
      params: UserParam,
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params, key: k, body: readBody }, reply) => {
      refuseIf(keyUserApiRefusal(k));
      const body = await readBody();
      return reply.json(c, 200, publicUser(await deps.users.updateUser(c.get("ctx"), params.userId, body)));
    },
  );

  r.add(
    {
      method: "delete",
      path: "/v1/users/{userId}",
      summary: "Remove a user (legacy v1, deprecated; disabled by Enhanced Account Security)",
      tags: Tags,
      auth: "legacyKey",
      params: UserParam,
      responses: { 200: { description: "Removed", schema: z.object({ succeeded: z.boolean() }) } },
    },
    async (c, { params }, reply) => {
      await deps.users.disableUser(c.get("ctx"), params.userId);
      return reply.json(c, 200, { succeeded: true });
    },
  );
}
