/**
 * OAuth 2.0 marketplace apps as people manage them (docs/oauth.md): registering apps (client id,
 * `kw_cs_…` secret shown once and rotatable with grace, webhook endpoint), the consent step of the
 * authorization code flow (a pending request, the person's decision, the install it makes), installs
 * and uninstalls. The protocol endpoints themselves are `oauth-server.ts`; both share the install's
 * tokens through `issueAccessKey` and `revokeInstallTokens` here.
 *
 * An access token is a key of kind `oauth` (its own row in `api_keys`, with a lifetime of a day), so
 * the verifier, its cache, the invalidation buses, scopes, location checks and traffic policy apply
 * to it unchanged. An install's tokens are revoked by revoking those keys: the status change reaches
 * every node as any key's does.
 */
import type { Clock } from "../core/clock.js";
import { DAY } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { ApiKey, KeyToken } from "../core/model.js";
import {
  ACCESS_TOKEN_TTL_MS,
  INSTALL_UNUSED_DAYS,
  MAX_PENDING_REQUESTS_PER_APP,
  MAX_REDIRECT_URIS,
  REQUEST_TTL_MS,
  redirectUriMatches,
  redirectUriProblem,
} from "../core/oauth.js";
import {
  type Actor,
  canChangeAgencySettings,
  canManageKeys,
  planAllowsAgencyKeys,
} from "../core/permissions.js";
import type { ScopeCatalogue } from "../core/scopes.js";
import {
  displayPrefix,
  generateToken,
  hashToken,
  last4,
  MAX_ROTATION_GRACE_SECONDS,
  maskToken,
} from "../core/token.js";
import type { AuthorizeParams, OAuthApp, OAuthInstall, OAuthRequest } from "../store/oauth-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import type { UsageRecorder } from "./usage.js";
import type { WebhookService } from "./webhooks.js";

export interface OAuthServiceDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  cache: VerificationCache;
  bus: CacheBus;
  scopes: ScopeCatalogue;
  usage: UsageRecorder;
  webhooks: WebhookService;
  prefix: string;
}

export interface AppView {
  id: string;
  clientId: string;
  agencyId: string;
  name: string;
  logoUrl: string | null;
  redirectUris: string[];
  scopes: string[];
  distribution: "agency" | "location";
  visibility: "private" | "public";
  public: boolean;
  webhookUrl: string | null;
  secret: { display: string; createdAt: string; previousValidUntil: string | null } | null;
  installCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface InstallView {
  id: string;
  app: { id: string; name: string; logoUrl: string | null; developerName: string };
  agencyId: string;
  locationId: string | null;
  locationIds: string[] | "all" | null;
  scopes: string[];
  status: "active" | "suspended";
  suspendedReason: string | null;
  installedBy: { id: string; name: string } | null;
  installedAt: string;
  lastUsedAt: string | null;
  unusedDays: number | null;
}

export interface CreateAppInput {
  name: string;
  redirectUris: string[];
  scopes: string[];
  distribution: "agency" | "location";
  visibility?: "private" | "public" | undefined;
  logoUrl?: string | null | undefined;
  webhookUrl?: string | null | undefined;
  public?: boolean | undefined;
}

export type EditAppInput = Partial<
  Pick<CreateAppInput, "name" | "redirectUris" | "scopes" | "visibility" | "logoUrl" | "webhookUrl">
>;

export type Decision =
  | { allow: false }
  | { allow: true; locationIds: string[] | "all" }
  | { allow: true; locationId: string };

/** What the consent page shows (GET /api/oauth/requests/{id}). */
export interface RequestView {
  request: {
    id: string;
    expiresAt: string;
    app: {
      id: string;
      clientId: string;
      name: string;
      logoUrl: string | null;
      distribution: "agency" | "location";
      developer: { agencyId: string; name: string };
    };
    scopes: { name: string; description: string }[];
    redirectUri: string;
  };
  targets: {
    agency: { id: string; name: string; allowed: boolean; reason: string | null } | null;
    locations: { id: string; name: string }[];
  };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Adds `error`/`state` (or `code`/`state`) to a redirect URI, keeping its own query. */
export function withQuery(uri: string, params: Record<string, string | null | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

export class OAuthService {
  constructor(readonly deps: OAuthServiceDeps) {}

  // ── apps ────────────────────────────────────────────────────────────────

  /** The developer agency's admins manage its apps; anyone else: 404 (another agency) or 403. */
  private requireDeveloper(ctx: Ctx, agencyId: string): Actor {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied("Only agency admins can manage the agency's apps.");
    return actor;
  }

  private async appFor(
    ctx: Ctx,
    appId: string,
    store = this.deps.store,
    forUpdate = false,
  ): Promise<OAuthApp> {
    const actor = requireActor(ctx);
    const app = await store.oauth().getApp(appId, forUpdate);
    if (!app || app.agencyId !== actor.agencyId) throw notFound("App");
    this.requireDeveloper(ctx, app.agencyId);
    return app;
  }

  async appView(app: OAuthApp, store = this.deps.store): Promise<AppView> {
    const now = this.deps.clock.now();
    return {
      id: app.id,
      clientId: app.clientId,
      agencyId: app.agencyId,
      name: app.name,
      logoUrl: app.logoUrl,
      redirectUris: app.redirectUris,
      scopes: app.scopes,
      distribution: app.distribution,
      visibility: app.visibility,
      public: app.publicClient,
      webhookUrl: app.webhookUrl,
      secret:
        app.secretDisplay === null
          ? null
          : {
              display: app.secretDisplay,
              createdAt: iso(app.secretCreatedAt)!,
              previousValidUntil:
                app.previousValidUntil !== null && app.previousValidUntil > now
                  ? iso(app.previousValidUntil)
                  : null,
            },
      installCount: await store.oauth().countActiveInstalls(app.id),
      createdAt: iso(app.createdAt)!,
      updatedAt: iso(app.updatedAt)!,
    };
  }

  /** Scopes an app may ask for: known ones (a deployment's own included), of the level its distribution gets. */
  private checkScopes(scopes: string[], distribution: "agency" | "location"): void {
    const problems =
      distribution === "location"
        ? this.deps.scopes.problems(scopes, "location")
        : // An agency app asks for agency-level scopes and the location-level ones its location tokens get.
          scopes.flatMap((s) =>
            this.deps.scopes.problems([s], "agency").length > 0 &&
            this.deps.scopes.problems([s], "location").length > 0
              ? this.deps.scopes.problems([s], "agency")
              : [],
          );
    if (problems.length > 0)
      throw new ApiError("validation_failed", problems.join(" "), {
        issues: problems.map((message) => ({ field: "scopes", message })),
      });
  }

  private checkRedirectUris(uris: string[]): string[] {
    const unique = [...new Set(uris)];
    if (unique.length === 0 || unique.length > MAX_REDIRECT_URIS)
      throw new ApiError(
        "validation_failed",
        `An app has 1 to ${MAX_REDIRECT_URIS} redirect URIs; this request gives ${unique.length}.`,
        { issues: [{ field: "redirectUris", message: `give 1 to ${MAX_REDIRECT_URIS} URIs` }] },
      );
    const problems = unique.flatMap((u) => redirectUriProblem(u) ?? []);
    if (problems.length > 0)
      throw new ApiError("validation_failed", `Redirect URIs: ${problems.join(" ")}`, {
        issues: problems.map((message) => ({ field: "redirectUris", message })),
      });
    return unique;
  }

  private checkLogoUrl(url: string | null | undefined): string | null {
    if (url === null || url === undefined || url === "") return null;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ApiError("validation_failed", `logoUrl "${url}" is not an absolute URL.`, {
        issues: [{ field: "logoUrl", message: "must be an absolute https:// URL" }],
      });
    }
    if (u.protocol !== "https:")
      throw new ApiError(
        "validation_failed",
        "logoUrl must be an https:// URL (the consent page loads it).",
        {
          issues: [{ field: "logoUrl", message: "must be an https:// URL" }],
        },
      );
    return u.toString();
  }

  private newSecret(): { secret: string; hash: string; display: string } {
    const secret = generateToken(this.deps.prefix, "client_secret");
    return {
      secret,
      hash: hashToken(secret),
      display: maskToken(displayPrefix(this.deps.prefix, "client_secret"), last4(secret)),
    };
  }

  /** The webhook endpoint an app's `webhookUrl` becomes (in the developer agency, SSRF-guarded there). */
  private async webhookFor(ctx: Ctx, app: OAuthApp, url: string): Promise<{ id: string; secret: string }> {
    const r = await this.deps.webhooks.create(ctx, app.agencyId, {
      url,
      events: ["app.installed", "app.uninstalled"],
      description: `OAuth app ${app.name} (${app.id})`,
    });
    return { id: r.endpoint.id, secret: r.secret };
  }

  async createApp(
    ctx: Ctx,
    agencyId: string,
    input: CreateAppInput,
  ): Promise<{ app: AppView; clientSecret?: string; webhookSecret?: string }> {
    this.requireDeveloper(ctx, agencyId);
    const redirectUris = this.checkRedirectUris(input.redirectUris);
    const scopes = [...new Set(input.scopes)];
    this.checkScopes(scopes, input.distribution);
    const logoUrl = this.checkLogoUrl(input.logoUrl);
    const now = this.deps.clock.now();
    const publicClient = input.public === true;
    const secret = publicClient ? null : this.newSecret();
    const app: OAuthApp = {
      id: newId("oauthApp"),
      agencyId,
      clientId: newId("oauthClient"),
      name: input.name,
      logoUrl,
      redirectUris,
      scopes,
      distribution: input.distribution,
      visibility: input.visibility ?? "private",
      publicClient,
      webhookUrl: null,
      webhookEndpointId: null,
      secretHash: secret?.hash ?? null,
      secretDisplay: secret?.display ?? null,
      secretCreatedAt: secret ? now : null,
      previousSecretHash: null,
      previousValidUntil: null,
      createdAt: now,
      createdBy: ctx.actorId,
      updatedAt: now,
      deletedAt: null,
    };
    // The webhook endpoint first: a URL the guard refuses refuses the whole registration.
    let webhookSecret: string | undefined;
    if (input.webhookUrl) {
      const hook = await this.webhookFor(ctx, app, input.webhookUrl);
      app.webhookUrl = input.webhookUrl;
      app.webhookEndpointId = hook.id;
      webhookSecret = hook.secret;
    }
    await this.deps.store.transaction(async (s) => {
      await s.oauth().insertApp(app);
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "app.created",
        targetType: "app",
        targetId: app.id,
        after: {
          name: app.name,
          clientId: app.clientId,
          redirectUris,
          scopes,
          distribution: app.distribution,
          visibility: app.visibility,
          public: publicClient,
          webhookUrl: app.webhookUrl,
        },
      });
    });
    return {
      app: await this.appView(app),
      ...(secret ? { clientSecret: secret.secret } : {}),
      ...(webhookSecret ? { webhookSecret } : {}),
    };
  }

  async listApps(ctx: Ctx, agencyId: string): Promise<AppView[]> {
    this.requireDeveloper(ctx, agencyId);
    const apps = await this.deps.store.oauth().listApps(agencyId);
    return Promise.all(apps.map((a) => this.appView(a)));
  }

  async getApp(ctx: Ctx, appId: string): Promise<AppView> {
    return this.appView(await this.appFor(ctx, appId));
  }

  async updateApp(
    ctx: Ctx,
    appId: string,
    input: EditAppInput,
  ): Promise<{ app: AppView; webhookSecret?: string }> {
    const before = await this.appFor(ctx, appId);
    const after: OAuthApp = { ...before, updatedAt: this.deps.clock.now() };
    if (input.name !== undefined) after.name = input.name;
    if (input.redirectUris !== undefined) after.redirectUris = this.checkRedirectUris(input.redirectUris);
    if (input.scopes !== undefined) {
      after.scopes = [...new Set(input.scopes)];
      this.checkScopes(after.scopes, before.distribution);
    }
    if (input.visibility !== undefined) after.visibility = input.visibility;
    if (input.logoUrl !== undefined) after.logoUrl = this.checkLogoUrl(input.logoUrl);
    let webhookSecret: string | undefined;
    if (input.webhookUrl !== undefined && input.webhookUrl !== before.webhookUrl) {
      if (before.webhookEndpointId)
        await this.deps.webhooks.remove(ctx, before.webhookEndpointId).catch((e: unknown) => {
          // Deleted by hand from the webhooks page meanwhile: nothing to remove.
          if (!(e instanceof ApiError && e.code === "resource_not_found")) throw e;
        });
      after.webhookUrl = null;
      after.webhookEndpointId = null;
      if (input.webhookUrl) {
        const hook = await this.webhookFor(ctx, after, input.webhookUrl);
        after.webhookUrl = input.webhookUrl;
        after.webhookEndpointId = hook.id;
        webhookSecret = hook.secret;
      }
    }
    await this.deps.store.transaction(async (s) => {
      await s.oauth().updateApp(after);
      const fields = ["name", "redirectUris", "scopes", "visibility", "logoUrl", "webhookUrl"] as const;
      const b: Record<string, unknown> = {};
      const a: Record<string, unknown> = {};
      for (const f of fields)
        if (JSON.stringify(before[f]) !== JSON.stringify(after[f])) {
          b[f] = before[f];
          a[f] = after[f];
        }
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "app.updated",
        targetType: "app",
        targetId: after.id,
        before: b,
        after: a,
      });
    });
    // Verification answers name the app: a new name reaches every node's cache.
    if (after.name !== before.name) {
      this.deps.cache.apply({ type: "all" });
      await this.deps.bus.publish({ type: "all" });
    }
    return { app: await this.appView(after), ...(webhookSecret ? { webhookSecret } : {}) };
  }

  /** Deleting an app uninstalls it everywhere (every token revoked on every node) first. */
  async deleteApp(ctx: Ctx, appId: string): Promise<void> {
    const app = await this.appFor(ctx, appId);
    const installs = await this.deps.store.oauth().activeInstallsOfApp(app.id);
    for (const i of installs) await this.uninstallNow(ctx, i, "app_deleted");
    await this.deps.store.transaction(async (s) => {
      const now = this.deps.clock.now();
      await s
        .oauth()
        .updateApp({ ...app, deletedAt: now, updatedAt: now, secretHash: null, previousSecretHash: null });
      await this.deps.audit.record(s, ctx, {
        agencyId: app.agencyId,
        action: "app.deleted",
        targetType: "app",
        targetId: app.id,
        before: { name: app.name, clientId: app.clientId },
      });
    });
    // Its webhook endpoint stays (listed with the agency's others) until an admin deletes it: the
    // `app.uninstalled` events just queued are delivered from it.
  }

  /** A new client secret; the previous one keeps working for `graceSeconds` (default none, at most 7 days). */
  async rotateSecret(
    ctx: Ctx,
    appId: string,
    graceSeconds = 0,
  ): Promise<{ app: AppView; clientSecret: string }> {
    await this.appFor(ctx, appId);
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS)
      throw new ApiError(
        "validation_failed",
        `graceSeconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS} (7 days).`,
        { issues: [{ field: "graceSeconds", message: `0 to ${MAX_ROTATION_GRACE_SECONDS}` }] },
      );
    const secret = this.newSecret();
    const app = await this.deps.store.transaction(async (s) => {
      const before = await s.oauth().getApp(appId, true);
      if (!before) throw notFound("App");
      if (before.publicClient)
        throw new ApiError(
          "invalid_state",
          "This is a public client (PKCE without a secret): it has no client secret to rotate.",
        );
      const now = this.deps.clock.now();
      const keep = graceSeconds > 0 && before.secretHash !== null;
      // The current secret revoked after a leak report: the previous one, still in its grace, is
      // what the deployed app uses — a rotation with grace keeps it until that grace ends, no longer.
      const keepPrevious =
        graceSeconds > 0 &&
        before.secretHash === null &&
        before.previousValidUntil !== null &&
        before.previousValidUntil > now;
      const after: OAuthApp = {
        ...before,
        secretHash: secret.hash,
        secretDisplay: secret.display,
        secretCreatedAt: now,
        // No grace without a secret to keep (one revoked after a leak report has none).
        previousSecretHash: keep ? before.secretHash : keepPrevious ? before.previousSecretHash : null,
        previousValidUntil: keep
          ? now + graceSeconds * 1000
          : keepPrevious
            ? Math.min(before.previousValidUntil!, now + graceSeconds * 1000)
            : null,
        updatedAt: now,
      };
      await s.oauth().updateApp(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "app.secret_rotated",
        targetType: "app",
        targetId: after.id,
        after: { secret: after.secretDisplay, graceSeconds },
      });
      return after;
    });
    return { app: await this.appView(app), clientSecret: secret.secret };
  }

  // ── consent ─────────────────────────────────────────────────────────────

  /**
   * Stores a validated authorization request; the consent page shows it. Null when the app already
   * has MAX_PENDING_REQUESTS_PER_APP waiting (an unauthenticated flood must not grow the table).
   */
  async createRequest(app: OAuthApp, params: AuthorizeParams): Promise<OAuthRequest | null> {
    const now = this.deps.clock.now();
    const req: OAuthRequest = {
      id: newId("oauthRequest"),
      appId: app.id,
      params,
      createdAt: now,
      expiresAt: now + REQUEST_TTL_MS,
      usedAt: null,
    };
    const oauth = this.deps.store.oauth();
    await oauth.pruneRequests(now);
    if ((await oauth.countPendingRequests(app.id, now)) >= MAX_PENDING_REQUESTS_PER_APP) return null;
    await oauth.insertRequest(req);
    return req;
  }

  private async pendingRequest(
    ctx: Ctx,
    requestId: string,
  ): Promise<{ req: OAuthRequest; app: OAuthApp; actor: Actor }> {
    const actor = requireActor(ctx);
    const req = await this.deps.store.oauth().getRequest(requestId);
    const app = req ? await this.deps.store.oauth().getApp(req.appId) : null;
    if (!req || !app || req.usedAt !== null || this.deps.clock.now() >= req.expiresAt)
      throw new ApiError(
        "oauth_request_not_found",
        "This authorization request is unknown, expired (they last 10 minutes) or already answered: start again from the app.",
      );
    // The app may have changed since /oauth/authorize checked the request: a scope it no longer
    // registers must not be granted, and a redirect URI it removed must receive nothing (not even a
    // denial). The request is stale: the app starts again.
    const p = req.params;
    if (
      p.clientId !== app.clientId ||
      !redirectUriMatches(app.redirectUris, p.redirectUri) ||
      !p.scopes.every((s) => app.scopes.includes(s))
    )
      throw new ApiError(
        "oauth_request_not_found",
        `"${app.name}" changed its redirect URIs or scopes since this request was made: start again from the app.`,
      );
    if (app.visibility === "private" && app.agencyId !== actor.agencyId)
      throw new ApiError(
        "oauth_app_private",
        `"${app.name}" is a private app: only the agency that develops it can install it.`,
      );
    return { req, app, actor };
  }

  /** Why the person may not install an agency app for their agency (null: they may). */
  private async agencyRefusal(actor: Actor, app: OAuthApp): Promise<string | null> {
    if (!canManageKeys(actor, { agencyId: actor.agencyId, locationId: null }))
      return "Installing an app for the agency needs an agency admin who may manage API keys.";
    const agency = await this.deps.store.getAgency(actor.agencyId);
    if (!agency || !planAllowsAgencyKeys(agency.plan))
      return `"${app.name}" is installed for a whole agency, which needs the Agency Pro plan; this agency is on ${agency?.plan ?? "no plan"}.`;
    return null;
  }

  async requestView(ctx: Ctx, requestId: string): Promise<RequestView> {
    const { req, app, actor } = await this.pendingRequest(ctx, requestId);
    const developer = await this.deps.store.getAgency(app.agencyId);
    const defs = new Map(this.deps.scopes.all().map((d) => [d.name, d.description]));
    const agency = await this.deps.store.getAgency(actor.agencyId);
    const locations = (await this.deps.store.listLocations(actor.agencyId)).filter((l) =>
      canManageKeys(actor, { agencyId: actor.agencyId, locationId: l.id }),
    );
    let agencyTarget: RequestView["targets"]["agency"] = null;
    if (app.distribution === "agency" && actor.type === "agency" && actor.role === "admin" && agency) {
      const reason = await this.agencyRefusal(actor, app);
      agencyTarget = { id: agency.id, name: agency.name, allowed: reason === null, reason };
    }
    return {
      request: {
        id: req.id,
        expiresAt: iso(req.expiresAt)!,
        app: {
          id: app.id,
          clientId: app.clientId,
          name: app.name,
          logoUrl: app.logoUrl,
          distribution: app.distribution,
          developer: { agencyId: app.agencyId, name: developer?.name ?? "" },
        },
        scopes: req.params.scopes.map((name) => ({ name, description: defs.get(name) ?? "" })),
        redirectUri: req.params.redirectUri,
      },
      targets: {
        agency: agencyTarget,
        locations:
          app.distribution === "agency" && !agencyTarget
            ? []
            : locations.map((l) => ({ id: l.id, name: l.name })),
      },
    };
  }

  /**
   * The person's answer. Allowing installs the app (or updates the install's choice) and answers
   * where to send the browser; the code itself is issued by the protocol side (`issueCode`).
   */
  async decide(
    ctx: Ctx,
    requestId: string,
    decision: Decision,
    issueCode: (app: OAuthApp, install: OAuthInstall, params: AuthorizeParams) => Promise<string>,
  ): Promise<{ redirectTo: string }> {
    const { req, app, actor } = await this.pendingRequest(ctx, requestId);
    const p = req.params;
    if (!decision.allow) {
      if (!(await this.deps.store.oauth().useRequest(req.id, this.deps.clock.now())))
        throw new ApiError("oauth_request_not_found", "This authorization request was already answered.");
      return {
        redirectTo: withQuery(p.redirectUri, {
          error: "access_denied",
          error_description: "The user denied the request.",
          state: p.state,
        }),
      };
    }
    const target = await this.target(actor, app, decision);
    const install = await this.install(ctx, req, app, target);
    return { redirectTo: await issueCode(app, install, p) };
  }

  /** Where the app goes, checked against the person's rights and the plan. */
  private async target(
    actor: Actor,
    app: OAuthApp,
    decision: Exclude<Decision, { allow: false }>,
  ): Promise<{ agencyId: string; locationId: string | null; locationIds: string[] | null }> {
    if (app.distribution === "location") {
      if (!("locationId" in decision))
        throw new ApiError(
          "validation_failed",
          `"${app.name}" is installed per location: answer {"allow": true, "locationId": "loc_…"}.`,
          { issues: [{ field: "locationId", message: "required for a location app" }] },
        );
      const loc = await this.deps.store.getLocation(decision.locationId);
      if (!loc || loc.agencyId !== actor.agencyId) throw notFound("Location");
      if (!canManageKeys(actor, { agencyId: loc.agencyId, locationId: loc.id }))
        throw denied("Installing an app in this location needs an admin of it who may manage API keys.");
      return { agencyId: loc.agencyId, locationId: loc.id, locationIds: null };
    }
    if (!("locationIds" in decision))
      throw new ApiError(
        "validation_failed",
        `"${app.name}" is installed for the agency: answer {"allow": true, "locationIds": "all"} or a list of location ids.`,
        { issues: [{ field: "locationIds", message: "required for an agency app" }] },
      );
    if (actor.type !== "agency" || actor.role !== "admin")
      throw denied("Installing an app for the agency is an agency admin's business.");
    const refusal = await this.agencyRefusal(actor, app);
    if (refusal) {
      const agency = await this.deps.store.getAgency(actor.agencyId);
      throw new ApiError(
        agency && !planAllowsAgencyKeys(agency.plan) ? "plan_required" : "permission_denied",
        refusal,
      );
    }
    if (decision.locationIds === "all")
      return { agencyId: actor.agencyId, locationId: null, locationIds: null };
    const ids = [...new Set(decision.locationIds)];
    if (ids.length === 0)
      throw new ApiError("validation_failed", 'Choose at least one location, or "all".', {
        issues: [{ field: "locationIds", message: 'at least one location, or "all"' }],
      });
    const found = await this.deps.store.listLocations(actor.agencyId, ids);
    const missing = ids.filter((id) => !found.some((l) => l.id === id));
    if (missing.length > 0) throw notFound(`Location ${missing.join(", ")}`);
    return { agencyId: actor.agencyId, locationId: null, locationIds: ids.sort() };
  }

  /** Installs (or re-consents to) the app: one active install per app and agency or location. */
  private async install(
    ctx: Ctx,
    req: OAuthRequest,
    app: OAuthApp,
    target: { agencyId: string; locationId: string | null; locationIds: string[] | null },
  ): Promise<OAuthInstall> {
    const now = this.deps.clock.now();
    const revoked: string[] = [];
    const install = await this.deps.store.transaction(async (s) => {
      if (!(await s.oauth().useRequest(req.id, now)))
        throw new ApiError("oauth_request_not_found", "This authorization request was already answered.");
      const scopes = req.params.scopes;
      const created: OAuthInstall = {
        id: newId("oauthInstall"),
        appId: app.id,
        agencyId: target.agencyId,
        locationId: target.locationId,
        locationIds: target.locationIds,
        scopes,
        installedBy: ctx.actorId,
        installedAt: now,
        lastUsedAt: null,
        uninstalledAt: null,
      };
      let existing = await s.oauth().findActiveInstall(app.id, target.agencyId, target.locationId);
      // One active install per app and agency or location (migration 015's unique index): a
      // concurrent consent or client_credentials call that got there first is updated instead.
      if (!existing) {
        if (await s.oauth().insertInstallIfNone(created)) {
          await this.recordInstalled(s, ctx, app, created);
          return created;
        }
        existing = await s.oauth().findActiveInstall(app.id, target.agencyId, target.locationId);
        // The install that blocked ours was removed in between (a concurrent uninstall): nothing
        // is written; answering again makes the install.
        if (!existing)
          throw new ApiError(
            "conflict",
            "The app's install changed while this consent was being answered (a concurrent uninstall); nothing was saved: answer it again.",
          );
      }
      const changed =
        JSON.stringify(existing.scopes) !== JSON.stringify(scopes) ||
        JSON.stringify(existing.locationIds) !== JSON.stringify(target.locationIds);
      const after: OAuthInstall = {
        ...existing,
        scopes,
        locationIds: target.locationIds,
        installedBy: ctx.actorId,
      };
      await s.oauth().updateInstall(after);
      // A narrower consent must not leave wider tokens behind.
      if (changed) revoked.push(...(await this.revokeInstallTokens(s, existing.id, now)));
      await this.deps.audit.record(s, ctx, {
        agencyId: target.agencyId,
        action: "app.reinstalled",
        targetType: "app_install",
        targetId: existing.id,
        before: { scopes: existing.scopes, locationIds: existing.locationIds },
        after: { scopes, locationIds: target.locationIds },
      });
      return after;
    });
    await this.invalidate(revoked);
    return install;
  }

  /**
   * Installs the app in its own agency for `client_credentials` (POST /api/apps/{appId}/install): the
   * way back after an admin uninstalled it there, which client_credentials never undoes by itself.
   */
  async installInOwnAgency(ctx: Ctx, appId: string): Promise<InstallView> {
    const app = await this.appFor(ctx, appId);
    const actor = requireActor(ctx);
    if (!canManageKeys(actor, { agencyId: app.agencyId, locationId: null }))
      throw denied("Installing an app for the agency needs an agency admin who may manage API keys.");
    if (app.publicClient)
      throw new ApiError(
        "invalid_state",
        `"${app.name}" is a public client: it has no client_credentials grant, so there is nothing to install in its own agency.`,
      );
    const now = this.deps.clock.now();
    const install: OAuthInstall = {
      id: newId("oauthInstall"),
      appId: app.id,
      agencyId: app.agencyId,
      locationId: null,
      locationIds: null,
      scopes: app.scopes,
      installedBy: ctx.actorId,
      installedAt: now,
      lastUsedAt: null,
      uninstalledAt: null,
    };
    await this.deps.store.transaction(async (s) => {
      if (!(await s.oauth().insertInstallIfNone(install)))
        throw new ApiError(
          "invalid_state",
          `"${app.name}" is already installed in its own agency: uninstall it first to install it again.`,
        );
      await this.recordInstalled(s, ctx, app, install);
    });
    const [view] = await this.installViews([install]);
    return view!;
  }

  /** The audit entry and the `app.installed` event to the app's webhook, in the install's transaction. */
  async recordInstalled(s: Store, ctx: Ctx, app: OAuthApp, install: OAuthInstall): Promise<void> {
    await this.deps.audit.record(s, ctx, {
      agencyId: install.agencyId,
      action: "app.installed",
      targetType: "app_install",
      targetId: install.id,
      after: {
        appId: app.id,
        appName: app.name,
        locationId: install.locationId,
        locationIds: install.locationIds,
        scopes: install.scopes,
      },
    });
    await this.appEvent(s, ctx, app, install, "app.installed");
  }

  private async appEvent(
    s: Store,
    ctx: Ctx,
    app: OAuthApp,
    install: OAuthInstall,
    type: "app.installed" | "app.uninstalled",
    reason?: string,
  ): Promise<void> {
    if (!app.webhookEndpointId) return;
    const endpoint = await s.webhooks().getEndpoint(app.webhookEndpointId);
    if (!endpoint?.enabled) return;
    await s.webhooks().enqueueEvents(
      [
        {
          type,
          agencyId: app.agencyId,
          at: this.deps.clock.now(),
          keyId: null,
          data: {
            app: { id: app.id, clientId: app.clientId, name: app.name },
            install: {
              id: install.id,
              agencyId: install.agencyId,
              locationId: install.locationId,
              locationIds: install.locationIds ?? (install.locationId === null ? "all" : null),
              scopes: install.scopes,
            },
            actor: { type: ctx.actorType, id: ctx.actorId },
            ...(reason ? { reason } : {}),
          },
        },
      ],
      endpoint.id,
    );
  }

  // ── tokens of an install ────────────────────────────────────────────────

  /** Mints an access token (`kw_oat_…`): a key of kind `oauth` living a day, hash-only. */
  async issueAccessKey(
    s: Store,
    app: OAuthApp,
    install: OAuthInstall,
    scopes: string[],
    locationId: string | null = install.locationId,
    token: string = generateToken(this.deps.prefix, "oauth"),
  ): Promise<{ token: string; key: ApiKey }> {
    const now = this.deps.clock.now();
    const key: ApiKey = {
      id: newId("key"),
      agencyId: install.agencyId,
      locationId,
      kind: "oauth",
      name: app.name,
      description: `OAuth access token of ${app.name} (install ${install.id})`,
      scopes,
      status: "active",
      imported: false,
      createdAt: now,
      createdBy: null,
      updatedAt: now,
      activityAt: now,
      lastUsedAt: null,
      lastUsedIp: null,
      lastUsedUa: null,
      revokedAt: null,
      expiredAt: null,
      deletedAt: null,
      inactiveDays: null,
      warnedAt: null,
      secretEnc: null,
      // An agency install's token reaches the locations chosen at install; a location token its own.
      locationIds: locationId === null ? install.locationIds : null,
      ipAllowlist: null,
      expiresAt: now + ACCESS_TOKEN_TTL_MS,
    };
    const t: KeyToken = {
      hash: hashToken(token),
      keyId: key.id,
      display: maskToken(displayPrefix(this.deps.prefix, "oauth"), last4(token)),
      createdAt: now,
      validUntil: null,
      retiredReason: null,
      lastUsedAt: null,
    };
    await s.oauth().insertAccessKey(key, t, app.id, install.id);
    return { token, key };
  }

  /** Revokes every token of the install (refresh tokens and live access tokens); answers the keys to invalidate. */
  async revokeInstallTokens(s: Store, installId: string, now: number): Promise<string[]> {
    await s.oauth().revokeRefreshTokens(installId, now);
    const live = await s.oauth().liveAccessKeys(installId, now);
    const ids = live.map((k) => k.id);
    await s.oauth().revokeAccessKeys(ids, now);
    return ids;
  }

  /** Drops the keys here and tells every other node (PostgreSQL NOTIFY; SQLite's triggers log it too). */
  async invalidate(keyIds: readonly string[]): Promise<void> {
    for (const id of keyIds) {
      this.deps.cache.apply({ type: "key", id });
      await this.deps.bus.publish({ type: "key", id });
    }
  }

  /** A token family reused (a spent refresh token or code presented again): everything of the install goes. */
  async revokeFamily(installId: string, why: string): Promise<void> {
    const now = this.deps.clock.now();
    const ids = await this.deps.store.transaction(async (s) => {
      const install = await s.oauth().getInstall(installId, true);
      if (!install) return [];
      const ids = await this.revokeInstallTokens(s, installId, now);
      await this.deps.audit.record(
        s,
        { actor: null, actorType: "system", actorId: "oauth", ip: null, userAgent: null },
        {
          agencyId: install.agencyId,
          action: "app.tokens_revoked",
          targetType: "app_install",
          targetId: installId,
          after: { reason: why, accessTokens: ids.length },
        },
      );
      return ids;
    });
    await this.invalidate(ids);
  }

  // ── installs ────────────────────────────────────────────────────────────

  /** Agency admins see every install of their agency; location admins their locations'. */
  private canSeeInstall(actor: Actor, install: OAuthInstall): boolean {
    if (actor.agencyId !== install.agencyId || actor.role !== "admin") return false;
    if (actor.type === "agency") return true;
    return install.locationId !== null && actor.locationIds.includes(install.locationId);
  }

  async listInstalls(ctx: Ctx, agencyId: string): Promise<InstallView[]> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    const installs = (await this.deps.store.oauth().listInstalls(agencyId)).filter((i) =>
      this.canSeeInstall(actor, i),
    );
    return this.installViews(installs);
  }

  /** The installs unused for 90 days or more (the inventory lists them). */
  async unusedInstalls(ctx: Ctx, agencyId: string): Promise<InstallView[]> {
    return (await this.listInstalls(ctx, agencyId)).filter((i) => i.unusedDays !== null);
  }

  async installViews(installs: OAuthInstall[]): Promise<InstallView[]> {
    if (installs.length === 0) return [];
    const { store, clock } = this.deps;
    await this.deps.usage.flush();
    const now = clock.now();
    const apps = await store.oauth().appsById([...new Set(installs.map((i) => i.appId))]);
    const developers = await store.getAgencies([...new Set([...apps.values()].map((a) => a.agencyId))]);
    const agencies = await store.getAgencies([...new Set(installs.map((i) => i.agencyId))]);
    const lastUses = await store.oauth().lastUsesOf(installs.map((i) => i.id));
    const out: InstallView[] = [];
    for (const i of installs) {
      const app = apps.get(i.appId);
      const user = i.installedBy ? await store.getUser(i.installedBy) : null;
      const plan = agencies.get(i.agencyId)?.plan;
      // Any agency-level install (an agency app's, or any app's own client_credentials install) is
      // refused below Agency Pro by the token endpoint and the verifier alike: listed as such.
      const suspended = i.locationId === null && plan !== undefined && !planAllowsAgencyKeys(plan);
      // The latest use of its tokens, or of those the purge has deleted (kept on the install).
      const fromTokens = lastUses.get(i.id) ?? null;
      const lastUsedAt =
        fromTokens === null || i.lastUsedAt === null
          ? (fromTokens ?? i.lastUsedAt)
          : Math.max(fromTokens, i.lastUsedAt);
      const idleDays = Math.floor((now - (lastUsedAt ?? i.installedAt)) / DAY);
      out.push({
        id: i.id,
        app: {
          id: i.appId,
          name: app?.name ?? "",
          logoUrl: app?.logoUrl ?? null,
          developerName: (app && developers.get(app.agencyId)?.name) ?? "",
        },
        agencyId: i.agencyId,
        locationId: i.locationId,
        locationIds: i.locationId !== null ? null : (i.locationIds ?? "all"),
        scopes: i.scopes,
        status: suspended ? "suspended" : "active",
        suspendedReason: suspended ? "plan_required" : null,
        installedBy: user ? { id: user.id, name: user.name } : null,
        installedAt: iso(i.installedAt)!,
        lastUsedAt: iso(lastUsedAt),
        unusedDays: idleDays >= INSTALL_UNUSED_DAYS ? idleDays : null,
      });
    }
    return out;
  }

  async uninstall(ctx: Ctx, installId: string): Promise<void> {
    const actor = requireActor(ctx);
    const install = await this.deps.store.oauth().getInstall(installId);
    if (!install || install.uninstalledAt !== null || actor.agencyId !== install.agencyId)
      throw notFound("Install");
    if (!this.canSeeInstall(actor, install))
      throw denied("Only the admins of the agency or location can uninstall this app.");
    await this.uninstallNow(ctx, install, "uninstalled");
  }

  /**
   * Uninstalls: every token of the install revoked (on every node within a second, through the
   * invalidation bus), audited, `app.uninstalled` sent to the app's webhook.
   */
  async uninstallNow(ctx: Ctx, install: OAuthInstall, reason: string): Promise<void> {
    const now = this.deps.clock.now();
    const ids = await this.deps.store.transaction((s) => this.uninstallIn(s, ctx, install.id, reason, now));
    await this.invalidate(ids);
  }

  /**
   * A location is being deleted (in its deletion's transaction, AccountHooks.locationDeleted): its
   * installs go with it, or their refresh tokens would mint tokens for a location that is gone.
   * Answers the keys to invalidate once committed.
   */
  async locationDeleted(ctx: Ctx, s: Store, location: { id: string; agencyId: string }): Promise<string[]> {
    const now = this.deps.clock.now();
    const ids: string[] = [];
    for (const i of await s.oauth().listInstalls(location.agencyId))
      if (i.locationId === location.id)
        ids.push(...(await this.uninstallIn(s, ctx, i.id, "location_deleted", now)));
    return ids;
  }

  /** An agency is being closed (in its closing transaction): every install in it is uninstalled. */
  async agencyClosed(
    ctx: Ctx,
    s: Store,
    agencyId: string,
  ): Promise<{ uninstalled: number; keyIds: string[] }> {
    const now = this.deps.clock.now();
    const installs = await s.oauth().listInstalls(agencyId);
    const keyIds: string[] = [];
    for (const i of installs) keyIds.push(...(await this.uninstallIn(s, ctx, i.id, "agency_closed", now)));
    // The apps it develops go too: nobody is left to answer for them, and an app's client
    // credentials would otherwise install it again in the closed agency (client_credentials) with
    // whatever it may do there — create locations and people, reopening it from outside.
    let uninstalled = installs.length;
    for (const app of await s.oauth().listApps(agencyId)) {
      const elsewhere = await s.oauth().activeInstallsOfApp(app.id);
      for (const i of elsewhere) keyIds.push(...(await this.uninstallIn(s, ctx, i.id, "app_deleted", now)));
      uninstalled += elsewhere.length;
      await s.oauth().updateApp({
        ...app,
        deletedAt: now,
        updatedAt: now,
        secretHash: null,
        previousSecretHash: null,
      });
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "app.deleted",
        targetType: "app",
        targetId: app.id,
        before: { name: app.name, clientId: app.clientId },
        after: { reason: "agency_closed" },
      });
      uninstalled += 1;
    }
    return { uninstalled, keyIds };
  }

  /** The uninstall itself, in the caller's transaction; answers the access keys it revoked. */
  private async uninstallIn(
    s: Store,
    ctx: Ctx,
    installId: string,
    reason: string,
    now: number,
  ): Promise<string[]> {
    const current = await s.oauth().getInstall(installId, true);
    if (!current || current.uninstalledAt !== null) return [];
    await s.oauth().updateInstall({ ...current, uninstalledAt: now, uninstallReason: reason });
    const ids = await this.revokeInstallTokens(s, current.id, now);
    const app = (await s.oauth().appsById([current.appId])).get(current.appId);
    await this.deps.audit.record(s, ctx, {
      agencyId: current.agencyId,
      action: "app.uninstalled",
      targetType: "app_install",
      targetId: current.id,
      before: { appId: current.appId, appName: app?.name ?? null, scopes: current.scopes },
      after: { reason, accessTokensRevoked: ids.length },
    });
    if (app) await this.appEvent(s, ctx, app, current, "app.uninstalled", reason);
    return ids;
  }
}
