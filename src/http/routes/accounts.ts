import { z } from "zod";
import { LEAK_ACTIONS } from "../../core/key-rules.js";
import { LEGACY_CREATION_RULES } from "../../core/model.js";
import { RateLimitList } from "../../core/rate-limits.js";
import { publicAgency, publicLocation } from "../../service/accounts.js";
import { publicUser } from "../../service/users.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import {
  AgencyPatch,
  AgencyView,
  DigestView,
  KeyView,
  LocationBody,
  LocationPatch,
  LocationSummaryView,
  LocationView,
  NewAgencyBody,
  PlanBody,
  PolicyView,
  UserBody,
  UserListQuery,
  UserPatch,
  UserView,
} from "../schemas.js";

const AgencyParam = IdParam("agencyId");
const LocationParam = IdParam("locationId");
const UserParam = IdParam("userId");

export const SettingsView = z
  .object({
    enhancedSecurity: z.boolean(),
    legacyCreation: z.enum(LEGACY_CREATION_RULES),
    legacyEndOfSupport: z.string(),
    // Added by the lifecycle capability (always present on a full Keyward; see SettingsExtension).
    policy: PolicyView.optional(),
    policyOverride: PolicyView.partial().nullable().optional(),
    digest: DigestView.optional(),
    // Added by the leak and Keep capability (issue 14).
    leakAction: z.enum(LEAK_ACTIONS).optional().meta({
      description:
        "What a verified leak report does to the key: revoke it (default) or notify its admins only",
    }),
    allowKeep: z
      .boolean()
      .optional()
      .meta({ description: "Whether admins may Keep a warned key (default true)" }),
    // Added by the rate limits (docs/traffic-policy.md): shared by all the agency's keys, and each key's default.
    rateLimits: RateLimitList.nullable().optional(),
    keyRateLimits: RateLimitList.nullable().optional(),
    ipAllowlist: z
      .array(z.string())
      .nullable()
      .optional()
      .meta({ description: "CIDRs every request of the agency's keys must come from; null: none" }),
    maxKeyLifetimeDays: z
      .number()
      .nullable()
      .optional()
      .meta({ description: "The longest lifetime a new key may have, in days; null: no maximum" }),
    warnings: z
      .array(z.string())
      .optional()
      .meta({ description: "Accepted but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address)" }),
  })
  .loose()
  .meta({ id: "Settings" });
/** The settings document's capability fields are typed by their SettingsExtension, not by the service. */
type Settings = z.input<typeof SettingsView>;

export const SettingsPatch = z
  .strictObject({
    enhancedSecurity: z.boolean().optional(),
    confirm: z.boolean().optional(),
    legacyCreation: z.enum(LEGACY_CREATION_RULES).optional(),
    policy: z.record(z.string(), z.unknown()).nullable().optional().meta({
      description:
        "The agency's lifecycle policy override: fields merge into it (null for a field resets it to the deployment default); null resets the whole policy.",
    }),
    leakAction: z.enum(LEAK_ACTIONS).optional(),
    allowKeep: z.boolean().optional(),
    rateLimits: RateLimitList.nullable().optional().meta({
      description: "Limits shared by all the agency's keys (docs/traffic-policy.md); null: none",
    }),
    keyRateLimits: RateLimitList.nullable().optional().meta({
      description:
        "The agency's default limits for each of its keys, instead of the plan's or the deployment's; null: back to those",
    }),
    ipAllowlist: z
      .array(z.string().max(64, "must be at most 64 characters"))
      .max(100, "must list at most 100 entries: merge neighbouring ranges into wider CIDRs")
      .nullable()
      .optional()
      .meta({
        description:
          "CIDRs every request of the agency's keys must come from (issue 13 §2), IPv4 or IPv6, at most 100; null removes the list.",
      }),
    maxKeyLifetimeDays: z
      .number()
      .int("must be a whole number of days")
      .min(1, "must be at least 1 (null: no maximum)")
      .max(36_500, "must be at most 36500 (100 years)")
      .nullable()
      .optional()
      .meta({
        description:
          "The longest lifetime a new key may have, in days (issue 13 §3): a new key without expiresAt gets now + this. Existing keys keep theirs (flagged exceedsMaxLifetime). Null: no maximum.",
      }),
  })
  .meta({ id: "SettingsPatch" });

/** A location's edit by people: its fields, and the limits shared by its keys (agency admins). */
const LocationEdit = LocationPatch.extend({
  rateLimits: RateLimitList.nullable().optional().meta({
    description:
      "Limits shared by all the location's keys (agency admins; docs/traffic-policy.md); null: none",
  }),
}).meta({ id: "LocationEdit" });

const LocationWithLimits = LocationView.extend({
  rateLimits: RateLimitList.nullable()
    .optional()
    .meta({ description: "Limits shared by its keys (null: none)" }),
}).meta({ id: "LocationWithLimits" });

export function accountRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "post",
      path: "/api/agencies",
      summary: "Create an agency and its owner (the operator's service credentials)",
      tags: ["Agencies"],
      auth: "service",
      serviceScope: "provision",
      operatorOnly: true,
      body: NewAgencyBody,
      responses: {
        201: { description: "Created", schema: z.object({ agency: AgencyView, owner: UserView }) },
      },
    },
    async (c, { body }, reply) => {
      const { agency, owner } = await deps.accounts.createAgency(c.get("ctx"), body);
      return reply.json(c, 201, { agency: publicAgency(agency), owner: publicUser(owner!) });
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}",
      summary: "Get the agency",
      tags: ["Agencies"],
      auth: "session",
      params: AgencyParam,
      responses: { 200: { description: "The agency", schema: AgencyView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, publicAgency(await deps.accounts.getAgency(c.get("ctx"), params.agencyId))),
  );

  r.add(
    {
      method: "patch",
      path: "/api/agencies/{agencyId}",
      summary: "Rename the agency",
      description:
        "Agency admins. The plan is not theirs to change: a `plan` other than the current one is refused with 403 plan_managed_by_operator (see PUT /api/agencies/{agencyId}/plan).",
      tags: ["Agencies"],
      auth: "session",
      params: AgencyParam,
      body: AgencyPatch,
      responses: { 200: { description: "The agency", schema: AgencyView } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, publicAgency(await deps.accounts.updateAgency(c.get("ctx"), params.agencyId, body))),
  );

  r.add(
    {
      method: "put",
      path: "/api/agencies/{agencyId}/plan",
      summary: "Set the agency's plan (platform service token)",
      description:
        "The plan is the deployment's to set: the platform's service token here, or `keyward agencies set-plan` — never the agency's own admins. Audit-logged (agency.plan_changed). A downgrade below agency_pro suspends agency keys (they verify as plan_required); an upgrade restores them.",
      tags: ["Agencies"],
      auth: "service",
      serviceScope: "provision",
      operatorOnly: true,
      params: AgencyParam,
      body: PlanBody,
      responses: { 200: { description: "The agency", schema: AgencyView } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, publicAgency(await deps.accounts.setPlan(c.get("ctx"), params.agencyId, body.plan))),
  );

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/settings",
      summary: "Agency settings (agency admins)",
      description:
        "Other members get 403 permission_denied: they find whether Enhanced Account Security is on in GET /api/me, and the inactivity policy in the forecast.",
      tags: ["Settings"],
      auth: "session",
      params: AgencyParam,
      responses: { 200: { description: "Settings", schema: SettingsView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, (await deps.settings.get(c.get("ctx"), params.agencyId)) as Settings),
  );

  r.add(
    {
      method: "patch",
      path: "/api/agencies/{agencyId}/settings",
      summary: "Change agency settings",
      description:
        "Turning Enhanced Account Security off is strongly discouraged and needs `confirm: true`; it is audit-logged and the other agency admins are told.",
      tags: ["Settings"],
      auth: "session",
      params: AgencyParam,
      body: SettingsPatch,
      responses: { 200: { description: "Settings", schema: SettingsView } },
    },
    async (c, { params, body: { rateLimits, keyRateLimits, ...patch } }, reply) => {
      const ctx = c.get("ctx");
      const setsLimits = rateLimits !== undefined || keyRateLimits !== undefined;
      if (!setsLimits)
        return reply.json(c, 200, (await deps.settings.update(ctx, params.agencyId, patch)) as Settings);
      // Refused before anything changes; the other settings first (they may ask for a confirmation).
      deps.limits.requireAgencyAdmin(ctx, params.agencyId, "the agency's rate limits");
      if (Object.keys(patch).length > 0) await deps.settings.update(ctx, params.agencyId, patch);
      await deps.limits.setAgencyLimits(ctx, params.agencyId, { rateLimits, keyRateLimits });
      return reply.json(c, 200, (await deps.settings.get(ctx, params.agencyId)) as Settings);
    },
  );

  // ── locations ──
  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/locations",
      summary: "List locations",
      tags: ["Locations"],
      auth: "session",
      params: AgencyParam,
      description:
        "Each location the caller sees, with `keyCount` (its active and expired keys: what deleting it revokes), `admins` (its location admins) and `userCount` (people assigned to it).",
      responses: {
        200: {
          description: "Locations",
          schema: z.object({ locations: z.array(LocationSummaryView) }),
        },
      },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, {
        locations: (await deps.accounts.locationOverview(c.get("ctx"), params.agencyId)).map(
          ({ location, ...counts }) => ({ ...publicLocation(location), ...counts }),
        ),
      }),
  );
  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/locations",
      summary: "Create a location",
      tags: ["Locations"],
      auth: "session",
      params: AgencyParam,
      body: LocationBody,
      responses: { 201: { description: "Created", schema: LocationView } },
    },
    async (c, { params, body }, reply) => {
      const { location, extra } = await deps.accounts.createLocation(c.get("ctx"), params.agencyId, body);
      // `extra`: what capabilities add, e.g. the legacy key (`apiKey`) while Enhanced Account Security is off.
      return reply.json(c, 201, { ...publicLocation(location), ...extra });
    },
  );
  r.add(
    {
      method: "get",
      path: "/api/locations/{locationId}",
      summary: "Get a location",
      tags: ["Locations"],
      auth: "session",
      params: LocationParam,
      responses: { 200: { description: "The location", schema: LocationView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, publicLocation(await deps.accounts.getLocation(c.get("ctx"), params.locationId))),
  );
  r.add(
    {
      method: "patch",
      path: "/api/locations/{locationId}",
      summary: "Update a location",
      tags: ["Locations"],
      auth: "session",
      params: LocationParam,
      body: LocationEdit,
      responses: { 200: { description: "The location", schema: LocationWithLimits } },
    },
    async (c, { params, body: { rateLimits, ...patch } }, reply) => {
      const ctx = c.get("ctx");
      const id = params.locationId;
      if (rateLimits === undefined)
        return reply.json(c, 200, publicLocation(await deps.accounts.updateLocation(ctx, id, patch)));
      // Whether this person may set them is settled before anything changes.
      await deps.limits.requireLocationAdmin(ctx, id);
      const location =
        Object.keys(patch).length > 0
          ? await deps.accounts.updateLocation(ctx, id, patch)
          : await deps.accounts.getLocation(ctx, id);
      const limits = await deps.limits.setLocationLimits(ctx, id, rateLimits);
      return reply.json(c, 200, { ...publicLocation(location), rateLimits: limits });
    },
  );
  r.add(
    {
      method: "delete",
      path: "/api/locations/{locationId}",
      summary: "Delete a location (its keys are revoked)",
      tags: ["Locations"],
      auth: "session",
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
      path: "/api/agencies/{agencyId}/users",
      summary: "List users",
      tags: ["Users"],
      auth: "session",
      description:
        "By name. Search with `q` (name or e-mail), filter by `role`, `type`, `disabled`; pages of `limit` users (default 50, at most 200) continue with `cursor=<nextCursor>` until `nextCursor` is null.",
      params: AgencyParam,
      query: UserListQuery,
      responses: {
        200: {
          description: "One page of users",
          schema: z.object({ users: z.array(UserView), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (c, { params, query }, reply) => {
      const page = await deps.listings.users(c.get("ctx"), params.agencyId, {
        ...(query.q ? { q: query.q } : {}),
        ...(query.role ? { role: query.role } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.disabled ? { disabled: query.disabled === "true" } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      return reply.json(c, 200, { users: page.users.map(publicUser), nextCursor: page.nextCursor });
    },
  );
  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/users",
      summary: "Add a user",
      tags: ["Users"],
      auth: "session",
      params: AgencyParam,
      body: UserBody,
      responses: { 201: { description: "Created", schema: UserView } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, publicUser(await deps.users.createUser(c.get("ctx"), params.agencyId, body))),
  );
  r.add(
    {
      method: "get",
      path: "/api/users/{userId}",
      summary: "Get a user",
      tags: ["Users"],
      auth: "session",
      params: UserParam,
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, publicUser(await deps.users.getUser(c.get("ctx"), params.userId))),
  );
  r.add(
    {
      method: "patch",
      path: "/api/users/{userId}",
      summary: "Change a user",
      description:
        "Roles, locations and the “manage API keys” permission: agency admins only, and never their own (403 permission_denied). Anyone may change their own name, password and digest subscription; changing your own password needs `currentPassword` and ends your other sessions.",
      tags: ["Users"],
      auth: "session",
      params: UserParam,
      body: UserPatch,
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params, body: { currentPassword, ...patch }, user: me }, reply) => {
      const ctx = c.get("ctx");
      const change = () => deps.users.updateUser(ctx, params.userId, patch, { currentPassword });
      // A wrong current password is a guess at it: limited and audited like a failed sign-in, so a
      // borrowed session is no way to try passwords.
      const user =
        me.id === params.userId && patch.password !== undefined
          ? await deps.attempts.signIn(me.email, ctx.ip, ctx.userAgent, change, {
              agencyId: me.agencyId,
              failureCode: "current_password_wrong",
            })
          : await change();
      return reply.json(c, 200, publicUser(user));
    },
  );
  r.add(
    {
      method: "delete",
      path: "/api/users/{userId}",
      summary: "Remove a user (offboarding): they can no longer sign in",
      tags: ["Users"],
      auth: "session",
      params: UserParam,
      responses: { 200: { description: "The user, disabled", schema: UserView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, publicUser(await deps.users.disableUser(c.get("ctx"), params.userId))),
  );
  r.add(
    {
      method: "get",
      path: "/api/users/{userId}/keys",
      summary: "Keys a user created (offboarding)",
      tags: ["Users"],
      auth: "session",
      params: UserParam,
      responses: {
        200: {
          description: "Active and expired keys the user created",
          schema: z.object({ keys: z.array(KeyView) }),
        },
      },
    },
    async (c, { params }, reply) => {
      return reply.json(c, 200, { keys: await deps.users.keysCreatedBy(c.get("ctx"), params.userId) });
    },
  );
  r.add(
    {
      method: "post",
      path: "/api/users/{userId}/keys/revoke",
      summary: "Revoke every key a user created (offboarding)",
      description:
        "Revokes the active and expired keys the user created that you may manage; reports the rest.",
      tags: ["Users"],
      auth: "session",
      params: UserParam,
      responses: {
        200: {
          description: "What was revoked",
          schema: z.object({ revoked: z.array(z.string()), skipped: z.array(z.string()) }),
        },
      },
    },
    async (c, { params }, reply) => {
      return reply.json(c, 200, await deps.users.revokeKeysCreatedBy(c.get("ctx"), params.userId));
    },
  );
}
