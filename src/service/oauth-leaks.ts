/**
 * Leaked OAuth secrets (docs/leaks.md, docs/oauth.md "Leaks"): a client secret (`kw_cs_…`) or a
 * refresh token (`kw_ort_…`) reported to POST /api/leaks is acted on as a key's token is, in the
 * report's transaction and per the owning agency's `leakAction`:
 * - a client secret: revoked (the app keeps the other secret of a rotation still in its grace, so a
 *   developer who had rotated loses nothing), and the live access tokens of the app's own-agency
 *   install — what the secret alone could mint through client_credentials — revoked; the developer
 *   agency's admins are told and `app.secret_leaked` is audited;
 * - a refresh token: its install's whole token family revoked, as reuse detection does (the install
 *   stays; the app must have the user authorize again); the admins of the install are told and
 *   `app.token_leaked` is audited.
 * Under `leakAction: "notify"` nothing is revoked; the admins are told all the same.
 */
import type { Clock } from "../core/clock.js";
import { isoSecond } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { keyRulesOf } from "../core/key-rules.js";
import { canChangeAgencySettings, canManageKeys } from "../core/permissions.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import type { OAuthApp } from "../store/oauth-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import type { OAuthService } from "./oauth.js";
import { toActor } from "./users.js";

export interface OAuthLeakFacts {
  source: string;
  url: string | null;
  tokenType: string | null;
}

/** What a report did: nothing (not a live secret: a false positive), or acted, with keys to invalidate. */
export type OAuthLeakOutcome = null | { action: "revoked" | "notified"; invalidate: string[] };

export interface OAuthLeaksDeps {
  clock: Clock;
  audit: Audit;
  oauth: Pick<OAuthService, "revokeInstallTokens">;
  publicUrl: string | undefined;
}

export class OAuthLeaks {
  constructor(private readonly deps: OAuthLeaksDeps) {}

  /** A leaked `kw_cs_…`: null when it is no live app's current secret, nor a previous one in grace. */
  async secretLeaked(ctx: Ctx, s: Store, hash: string, facts: OAuthLeakFacts): Promise<OAuthLeakOutcome> {
    const now = this.deps.clock.now();
    const app = await s.oauth().appBySecretHash(hash, now);
    if (!app) return null;
    const agency = await s.getAgency(app.agencyId);
    if (!agency) return null;
    const which = app.secretHash === hash ? "current" : "previous";
    const action = keyRulesOf(agency).leakAction === "revoke" ? "revoked" : "notified";
    const invalidate: string[] = [];
    if (action === "revoked") {
      const after: OAuthApp =
        which === "current"
          ? { ...app, secretHash: null, secretDisplay: null, secretCreatedAt: null, updatedAt: now }
          : { ...app, previousSecretHash: null, previousValidUntil: null, updatedAt: now };
      await s.oauth().updateApp(after);
      // What the secret alone could have minted: client_credentials tokens of the own-agency install.
      const own = await s.oauth().findActiveInstall(app.id, app.agencyId, null);
      if (own) {
        const live = await s.oauth().liveAccessKeys(own.id, now);
        await s.oauth().revokeAccessKeys(
          live.map((k) => k.id),
          now,
        );
        invalidate.push(...live.map((k) => k.id));
      }
    }
    const users = await s.listUsers(app.agencyId);
    const admins = users.filter(
      (u) => u.disabledAt === null && u.role === "admin" && canChangeAgencySettings(toActor(u), app.agencyId),
    );
    const title =
      action === "revoked"
        ? `The client secret of the app “${app.name}” leaked and was revoked`
        : `The client secret of the app “${app.name}” leaked: rotate it now`;
    const what =
      action === "revoked"
        ? which === "current"
          ? "It no longer authenticates the app (a previous secret still in its rotation grace does, until the grace ends), and the access tokens the app got for its own agency are revoked. Rotate the secret (Your apps → Rotate secret) and deploy the new one."
          : "It was the previous secret, still in its rotation grace: it no longer authenticates the app; the current secret still does."
        : "This agency's policy is to notify rather than revoke: the secret still works. Rotate it now (Your apps → Rotate secret, without grace).";
    const sent = await this.tell(s, {
      agencyId: app.agencyId,
      accountId: app.agencyId,
      type: "app_secret_leaked",
      to: admins,
      title,
      body: `${found(facts)} ${what}`,
      link: "/agency/apps",
      now,
    });
    await this.deps.audit.record(s, ctx, {
      agencyId: app.agencyId,
      action: "app.secret_leaked",
      targetType: "app",
      targetId: app.id,
      after: {
        appId: app.id,
        name: app.name,
        clientId: app.clientId,
        secret: which,
        action,
        accessTokensRevoked: invalidate.length,
        ...facts,
        reportedAt: isoSecond(now),
        ...sent,
      },
    });
    return { action, invalidate };
  }

  /** A leaked `kw_ort_…`: null when it is unknown, revoked, expired or its install has ended. */
  async refreshTokenLeaked(
    ctx: Ctx,
    s: Store,
    hash: string,
    facts: OAuthLeakFacts,
  ): Promise<OAuthLeakOutcome> {
    const now = this.deps.clock.now();
    // A spent one counts: presenting it would revoke the family anyway (reuse detection), and its
    // leak says where the app keeps its tokens is exposed.
    const rt = await s.oauth().getRefreshTokenForUpdate(hash);
    if (!rt || rt.revokedAt !== null || now >= rt.expiresAt) return null;
    const install = await s.oauth().getInstall(rt.installId, true);
    if (!install || install.uninstalledAt !== null) return null;
    const app = (await s.oauth().appsById([install.appId])).get(install.appId);
    const agency = await s.getAgency(install.agencyId);
    if (!app || !agency) return null;
    const action = keyRulesOf(agency).leakAction === "revoke" ? "revoked" : "notified";
    const invalidate =
      action === "revoked" ? await this.deps.oauth.revokeInstallTokens(s, install.id, now) : [];
    const users = await s.listUsers(install.agencyId);
    const owner = { agencyId: install.agencyId, locationId: install.locationId };
    const admins = users.filter(
      (u) => u.disabledAt === null && u.role === "admin" && canManageKeys(toActor(u), owner),
    );
    const title =
      action === "revoked"
        ? `A token of the app “${app.name}” leaked: the app's access was revoked`
        : `A token of the app “${app.name}” leaked: act now`;
    const what =
      action === "revoked"
        ? "Every token of this install was revoked: the app stays installed but must be authorized again. Ask its developer how its tokens leaked before you do."
        : "This agency's policy is to notify rather than revoke: the app's tokens still work. Uninstall the app (Installed apps) if you do not trust it, or ask its developer to act.";
    const sent = await this.tell(s, {
      agencyId: install.agencyId,
      accountId: install.locationId ?? install.agencyId,
      type: "app_token_leaked",
      to: admins,
      title,
      body: `${found(facts)} ${what}`,
      link: install.locationId ? `/location/${install.locationId}/installs` : "/agency/installs",
      now,
    });
    await this.deps.audit.record(s, ctx, {
      agencyId: install.agencyId,
      action: "app.token_leaked",
      targetType: "app_install",
      targetId: install.id,
      after: {
        appId: app.id,
        appName: app.name,
        installId: install.id,
        locationId: install.locationId,
        token: "refresh_token",
        action,
        accessTokensRevoked: invalidate.length,
        ...facts,
        reportedAt: isoSecond(now),
        ...sent,
      },
    });
    return { action, invalidate };
  }

  /** The in-app notification and the e-mail (the outbox's next round), as a key's leak. */
  private async tell(
    s: Store,
    n: {
      agencyId: string;
      accountId: string;
      type: string;
      to: { id: string; email: string }[];
      title: string;
      body: string;
      link: string;
      now: number;
    },
  ): Promise<{ notificationId: string; emailId: string | null; notified: number }> {
    const notificationId = newId("notification");
    await new LifecycleStore(s).insertNotification({
      id: notificationId,
      agencyId: n.agencyId,
      accountId: n.accountId,
      type: n.type,
      leadDays: null,
      actionAt: null,
      keyIds: [],
      title: n.title,
      body: n.body,
      createdAt: n.now,
      recipients: n.to.map((u) => u.id),
    });
    const link = `${(this.deps.publicUrl ?? "").replace(/\/$/, "")}${n.link}`;
    const text = [n.title, "", n.body, "", `Reported on ${isoSecond(n.now)}.`, `Review: ${link}`].join("\n");
    const esc = (x: string) =>
      x.replace(
        /[&<>"']/g,
        (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
      );
    const html =
      `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111;max-width:720px">` +
      `<h2>${esc(n.title)}</h2><p>${esc(n.body)}</p><p>Reported on ${esc(isoSecond(n.now))}.</p>` +
      `<p><a href="${esc(link)}">Review</a></p></body></html>`;
    const emailId = await enqueueEmail(s, this.deps.clock, {
      agencyId: n.agencyId,
      kind: n.type,
      to: n.to.map((u) => u.email),
      subject: n.title,
      text,
      html,
    });
    return { notificationId, emailId, notified: n.to.length };
  }
}

function found(facts: OAuthLeakFacts): string {
  return `It was found in public${facts.url ? ` at ${facts.url}` : ""}${facts.source ? ` (${facts.source})` : ""}.`;
}
