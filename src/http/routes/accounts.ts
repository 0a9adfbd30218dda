import { z } from "zod";
import { LEAK_ACTIONS } from "../../core/key-rules.js";
import { LEGACY_CREATION_RULES } from "../../core/model.js";
import { publicAgency, publicLocation } from "../../service/accounts.js";
import { publicUser } from "../../service/users.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import {
  AgencyPatch,
  AgencyView,
  AuditEntryView,
  DigestView,
  KeyView,
  LocationBody,
  LocationPatch,
  LocationView,
  NewAgencyBody,
  PlanBody,
  PolicyView,
  UserBody,
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
    ipAllowlist: z
      .array(z.string())
      .nullable()
      .optional()
      .meta({ description: "CIDRs every request of the agency's keys must come from; null: none" }),
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
    ipAllowlist: z
      .array(z.string().max(64, "must be at most 64 characters"))
      .max(100, "must list at most 100 entries: merge neighbouring ranges into wider CIDRs")
      .nullable()
      .optional()
      .meta({
        description:
          "CIDRs every request of the agency's keys must come from (issue 13 §2), IPv4 or IPv6, at most 100; null removes the list.",
      }),
  })
  .meta({ id: "SettingsPatch" });

export function accountRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "post",
      path: "/api/agencies",
      summary: "Create an agency and its owner (platform service token)",
      tags: ["Agencies"],
      auth: "service",
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
    async (c, { params, body }, reply) =>
      reply.json(c, 200, (await deps.settings.update(c.get("ctx"), params.agencyId, body)) as Settings),
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
      responses: {
        200: { description: "Locations", schema: z.object({ locations: z.array(LocationView) }) },
      },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, {
        locations: (await deps.accounts.listLocations(c.get("ctx"), params.agencyId)).map(publicLocation),
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
      body: LocationPatch,
      responses: { 200: { description: "The location", schema: LocationView } },
    },
    async (c, { params, body }, reply) =>
      reply.json(
        c,
        200,
        publicLocation(await deps.accounts.updateLocation(c.get("ctx"), params.locationId, body)),
      ),
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
      params: AgencyParam,
      responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserView) }) } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, {
        users: (await deps.users.listUsers(c.get("ctx"), params.agencyId)).map(publicUser),
      }),
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

  // ── audit ──
  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/audit",
      summary: "The audit log, newest first",
      description:
        "Filters: action (prefix, e.g. `key.`), actorId, targetId, targetType, since/until (ISO 8601); page with `before` (a seq).",
      tags: ["Audit"],
      auth: "session",
      params: AgencyParam,
      query: z.object({
        action: z.string().max(100).optional(),
        actorId: z.string().max(64).optional(),
        targetId: z.string().max(64).optional(),
        targetType: z.string().max(32).optional(),
        since: z.iso.datetime({ offset: true }).optional(),
        until: z.iso.datetime({ offset: true }).optional(),
        before: z.coerce.number().int().min(1).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      responses: {
        200: {
          description: "Entries",
          schema: z.object({ entries: z.array(AuditEntryView), next: z.number().nullable() }),
        },
      },
    },
    async (c, { params, query }, reply) => {
      const entries = await deps.accounts.auditLog(c.get("ctx"), params.agencyId, {
        ...(query.action ? { action: query.action } : {}),
        ...(query.actorId ? { actorId: query.actorId } : {}),
        ...(query.targetId ? { targetId: query.targetId } : {}),
        ...(query.targetType ? { targetType: query.targetType } : {}),
        ...(query.since ? { since: Date.parse(query.since) } : {}),
        ...(query.until ? { until: Date.parse(query.until) } : {}),
        ...(query.before ? { beforeSeq: query.before } : {}),
        limit: query.limit,
      });
      return reply.json(c, 200, {
        entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        next: entries.length === query.limit ? (entries[entries.length - 1]?.seq ?? null) : null,
      });
    },
  );
}
