/**
 * OAuth apps and installs as the console manages them (docs/oauth.md): registering an agency's apps,
 * the consent page's request and decision, the installs of an agency and uninstalling. The protocol
 * endpoints (/oauth/*) are in oauth.ts.
 */
import { z } from "zod";
import { MAX_ROTATION_GRACE_SECONDS } from "../../core/token.js";
import { Name } from "../../core/validate.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";

const Tags = ["OAuth apps"];
const AgencyParam = IdParam("agencyId");
const AppParam = IdParam("appId");
const InstallParam = IdParam("installId");
const RequestParam = IdParam("requestId");

const Url = z.string().trim().min(1, "must not be empty").max(2048, "must be at most 2048 characters");
const RedirectUris = z
  .array(Url)
  .min(1, "give at least one redirect URI")
  .max(10, "at most 10 redirect URIs")
  .meta({ description: "Exact match at /oauth/authorize; HTTPS, or HTTP on a loopback address" });
const Scopes = z.array(z.string().max(100)).max(100, "at most 100 scopes");
const Distribution = z.enum(["agency", "location"], { message: 'must be "agency" or "location"' });
const Visibility = z.enum(["private", "public"], { message: 'must be "private" or "public"' });

const AppView = z
  .object({
    id: z.string(),
    clientId: z.string(),
    agencyId: z.string(),
    name: z.string(),
    logoUrl: z.string().nullable(),
    redirectUris: z.array(z.string()),
    scopes: z.array(z.string()),
    distribution: Distribution,
    visibility: Visibility,
    public: z.boolean().meta({ description: "A public client: PKCE without a client secret" }),
    webhookUrl: z.string().nullable(),
    secret: z
      .object({ display: z.string(), createdAt: z.string(), previousValidUntil: z.string().nullable() })
      .nullable(),
    installCount: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "OAuthApp" });

const AppWithSecret = z.object({
  app: AppView,
  clientSecret: z.string().optional().meta({ description: "`kw_cs_…`, shown in this answer only" }),
  webhookSecret: z
    .string()
    .optional()
    .meta({ description: "The `whsec_…` signing secret of the app's webhook endpoint, shown once" }),
});

/** A changed app: a new webhook URL is a new endpoint, whose signing secret is shown in this answer only. */
const EditedApp = AppView.extend({
  webhookSecret: z
    .string()
    .optional()
    .meta({ description: "The `whsec_…` signing secret of the app's new webhook endpoint, shown once" }),
}).meta({ id: "OAuthAppEdited" });

const InstallView = z
  .object({
    id: z.string(),
    app: z.object({
      id: z.string(),
      name: z.string(),
      logoUrl: z.string().nullable(),
      developerName: z.string(),
    }),
    agencyId: z.string(),
    locationId: z.string().nullable(),
    locationIds: z.union([z.array(z.string()), z.literal("all")]).nullable(),
    scopes: z.array(z.string()),
    status: z.enum(["active", "suspended"]),
    suspendedReason: z.string().nullable(),
    installedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
    installedAt: z.string(),
    lastUsedAt: z.string().nullable(),
    unusedDays: z.number().nullable().meta({ description: "Days without use, when 90 or more (else null)" }),
  })
  .meta({ id: "OAuthInstall" });

const RequestView = z
  .object({
    request: z.object({
      id: z.string(),
      expiresAt: z.string(),
      app: z.object({
        id: z.string(),
        clientId: z.string(),
        name: z.string(),
        logoUrl: z.string().nullable(),
        distribution: Distribution,
        developer: z.object({ agencyId: z.string(), name: z.string() }),
      }),
      scopes: z.array(z.object({ name: z.string(), description: z.string() })),
      redirectUri: z.string(),
    }),
    targets: z.object({
      agency: z
        .object({ id: z.string(), name: z.string(), allowed: z.boolean(), reason: z.string().nullable() })
        .nullable(),
      locations: z.array(z.object({ id: z.string(), name: z.string() })),
    }),
  })
  .meta({ id: "OAuthAuthorizationRequest" });

const CreateBody = z.strictObject({
  name: Name,
  redirectUris: RedirectUris,
  scopes: Scopes,
  distribution: Distribution,
  visibility: Visibility.optional(),
  logoUrl: Url.nullable().optional(),
  webhookUrl: Url.nullable().optional(),
  public: z.boolean().optional(),
});

const EditBody = z.strictObject({
  name: Name.optional(),
  redirectUris: RedirectUris.optional(),
  scopes: Scopes.optional(),
  visibility: Visibility.optional(),
  logoUrl: Url.nullable().optional(),
  webhookUrl: Url.nullable().optional(),
});

const RotateBody = z.strictObject({
  graceSeconds: z
    .number()
    .int("must be a whole number of seconds")
    .min(0)
    .max(MAX_ROTATION_GRACE_SECONDS, "at most 7 days")
    .optional(),
});

const DecisionBody = z.union([
  z.strictObject({ allow: z.literal(false) }),
  z.strictObject({
    allow: z.literal(true),
    locationIds: z.union([z.literal("all"), z.array(z.string().min(1).max(64)).max(1000)]),
  }),
  z.strictObject({ allow: z.literal(true), locationId: z.string().min(1).max(64) }),
]);

export function oauthAppRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/apps",
      summary: "List the OAuth apps the agency develops",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      responses: { 200: { description: "Apps", schema: z.object({ apps: z.array(AppView) }) } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, { apps: await deps.oauth.listApps(c.get("ctx"), params.agencyId) }),
  );

  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/apps",
      summary: "Register an OAuth app",
      description:
        "Agency admins, any plan. The answer carries the client secret (`kw_cs_…`) once — none for a public (PKCE-only) client — and, with a `webhookUrl`, its signing secret. See docs/oauth.md.",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      body: CreateBody,
      responses: { 201: { description: "Registered", schema: AppWithSecret } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, await deps.oauth.createApp(c.get("ctx"), params.agencyId, body)),
  );

  r.add(
    {
      method: "get",
      path: "/api/apps/{appId}",
      summary: "An OAuth app",
      tags: Tags,
      auth: "session",
      params: AppParam,
      responses: { 200: { description: "The app", schema: AppView } },
    },
    async (c, { params }, reply) => reply.json(c, 200, await deps.oauth.getApp(c.get("ctx"), params.appId)),
  );

  r.add(
    {
      method: "patch",
      path: "/api/apps/{appId}",
      summary: "Change an OAuth app",
      tags: Tags,
      auth: "session",
      params: AppParam,
      body: EditBody,
      responses: {
        200: {
          description: "The app (with `webhookSecret` when a new webhook URL made a new endpoint)",
          schema: EditedApp,
        },
      },
    },
    async (c, { params, body }, reply) => {
      const { app, webhookSecret } = await deps.oauth.updateApp(c.get("ctx"), params.appId, body);
      return reply.json(c, 200, webhookSecret ? { ...app, webhookSecret } : app);
    },
  );

  r.add(
    {
      method: "delete",
      path: "/api/apps/{appId}",
      summary: "Delete an OAuth app (uninstalled everywhere)",
      tags: Tags,
      auth: "session",
      params: AppParam,
      responses: { 204: { description: "Deleted" } },
    },
    async (c, { params }, reply) => {
      await deps.oauth.deleteApp(c.get("ctx"), params.appId);
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/apps/{appId}/rotate-secret",
      summary: "Rotate an OAuth app's client secret",
      description:
        "The new secret is shown once; the previous one keeps working for `graceSeconds` (default 0, at most 7 days).",
      tags: Tags,
      auth: "session",
      params: AppParam,
      body: RotateBody,
      responses: { 200: { description: "Rotated", schema: AppWithSecret } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.oauth.rotateSecret(c.get("ctx"), params.appId, body.graceSeconds ?? 0)),
  );

  r.add(
    {
      method: "post",
      path: "/api/apps/{appId}/install",
      summary: "Install an OAuth app in its own agency (client_credentials)",
      description:
        "An admin of the developer agency (who may manage API keys) installs the app for the agency itself, as its first `client_credentials` call would. After an admin uninstalled that install, this is the only way back: `client_credentials` never installs it again by itself (`unauthorized_client`). 409 `invalid_state` when it is installed there already, or for a public client.",
      tags: Tags,
      auth: "session",
      params: AppParam,
      responses: { 201: { description: "Installed", schema: z.object({ install: InstallView }) } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 201, { install: await deps.oauth.installInOwnAgency(c.get("ctx"), params.appId) }),
  );

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/installs",
      summary: "Apps installed in the agency",
      description:
        "Agency admins see every install of the agency, location admins their locations'. An install unused for 90 days or more carries `unusedDays`; `?unused=true` lists only those (the inventory's).",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      query: z.object({
        unused: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).optional(),
      }),
      responses: { 200: { description: "Installs", schema: z.object({ installs: z.array(InstallView) }) } },
    },
    async (c, { params, query }, reply) => {
      const ctx = c.get("ctx");
      const installs =
        query.unused === "true"
          ? await deps.oauth.unusedInstalls(ctx, params.agencyId)
          : await deps.oauth.listInstalls(ctx, params.agencyId);
      return reply.json(c, 200, { installs });
    },
  );

  r.add(
    {
      method: "delete",
      path: "/api/installs/{installId}",
      summary: "Uninstall an app",
      description:
        "Every token of the install is revoked on every node within a second; the app's webhook gets `app.uninstalled`.",
      tags: Tags,
      auth: "session",
      params: InstallParam,
      responses: { 204: { description: "Uninstalled" } },
    },
    async (c, { params }, reply) => {
      await deps.oauth.uninstall(c.get("ctx"), params.installId);
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/oauth/requests/{requestId}",
      summary: "A pending authorization request (the consent page)",
      tags: Tags,
      auth: "session",
      params: RequestParam,
      responses: {
        200: { description: "The request and where the person may install", schema: RequestView },
      },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, await deps.oauth.requestView(c.get("ctx"), params.requestId)),
  );

  r.add(
    {
      method: "post",
      path: "/api/oauth/requests/{requestId}/decision",
      summary: "Allow or deny an authorization request",
      description:
        'Agency apps: `{"allow": true, "locationIds": "all" | [...]}`; location apps: `{"allow": true, "locationId": "…"}`; `{"allow": false}` denies. Answers where to send the browser (the app\'s redirect URI with `code` and `state`, or `error=access_denied`).',
      tags: Tags,
      auth: "session",
      params: RequestParam,
      body: DecisionBody,
      responses: { 200: { description: "Where to go", schema: z.object({ redirectTo: z.string() }) } },
    },
    async (c, { params, body }, reply) =>
      reply.json(
        c,
        200,
        await deps.oauth.decide(c.get("ctx"), params.requestId, body, (app, install, p) =>
          deps.oauthProtocol.issueCode(app, install, p),
        ),
      ),
  );
}
