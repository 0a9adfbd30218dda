/**
 * Leaked tokens (issue 14, docs/leaks.md): a secret-scanning partner (GitHub's partner program and
 * those that copy its format) reports tokens it found in public; an admin can report one too. A
 * report of a token of this deployment that still works acts per the agency's `leakAction` — revoke
 * the key at once (default) or only tell its admins — records where it leaked on the key, writes the
 * `key.leaked` audit entry (what webhooks turn into the `key.leaked` event), and tells every admin of
 * the key in-app and by e-mail at once (the outbox's next round, not a digest). All of it in one
 * transaction.
 *
 * Partner reports are signed (ECDSA P-256, SHA-256, over the raw body) with a key the operator
 * trusts (`LeakReportKeys`); anything unsigned, badly signed or signed by an unknown key is one 401
 * that says nothing more. A signed body received again within REPLAY_WINDOW_MS is refused (409): the
 * partner's retry of a report already acted on, or someone replaying a captured one.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { HOUR, isoSecond } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { keyRulesOf } from "../core/key-rules.js";
import type { Agency, ApiKey, Location } from "../core/model.js";
import { canManageKeys, canSeeKeys } from "../core/permissions.js";
import { hashToken, inspectToken } from "../core/token.js";
import type { Logger } from "../logger.js";
import { LeakStore } from "../store/leak-store.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import { checkReason } from "./keep.js";
import type { KeyService, KeyView } from "./keys.js";
import type { LeakReportKeys } from "./leak-keys.js";
import { keysLink } from "./lifecycle.js";
import type { OAuthLeaks } from "./oauth-leaks.js";
import { toActor } from "./users.js";

/** A repeated identical signed report within this window is refused as a replay. */
export const REPLAY_WINDOW_MS = 24 * HOUR;
/** The most reports one call may carry (GitHub batches them). */
export const MAX_REPORTS = 1000;
/** The largest leak report body, below the deployment's general body limit if that is smaller. */
export const MAX_REPORT_BYTES = 512 * 1024;

const Report = z.looseObject({
  token: z.string().min(1).max(1024),
  type: z.string().max(200).optional(),
  url: z.string().max(4096).nullable().optional(),
  source: z.string().max(200).nullable().optional(),
});
const Reports = z.array(Report).min(1).max(MAX_REPORTS);
export type LeakReport = z.infer<typeof Report>;

export interface Feedback {
  token_hash: string;
  token_type: string;
  label: "true_positive" | "false_positive";
}

interface LeakFacts {
  source: string;
  url: string | null;
  tokenType: string | null;
  reason: string | null;
}

export interface LeakServiceDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  keys: Pick<KeyService, "revokeInTx" | "invalidate" | "view">;
  prefix: string;
  reportKeys: LeakReportKeys;
  publicUrl: string | undefined;
  logger: Logger;
  /** Leaked client secrets and refresh tokens (kw_cs_…, kw_ort_…): the OAuth apps' side. */
  oauthLeaks: OAuthLeaks;
}

const refused = () =>
  new ApiError(
    "leak_signature_invalid",
    "The report is not signed by a key this deployment trusts (Github-Public-Key-Identifier and Github-Public-Key-Signature).",
  );

export class LeakService {
  constructor(private readonly deps: LeakServiceDeps) {}

  /**
   * A scanning partner's signed report: checks the signature over the raw bytes first, then the
   * JSON, then replays; answers the partner's feedback, one entry per report, in order.
   */
  async receive(
    ctx: Ctx,
    raw: Uint8Array,
    signedBy: { keyId: string | undefined; signature: string | undefined },
  ): Promise<Feedback[]> {
    if (raw.byteLength > MAX_REPORT_BYTES)
      throw new ApiError(
        "payload_too_large",
        `A leak report may be at most ${MAX_REPORT_BYTES} bytes: send the tokens in several calls.`,
      );
    const { keyId, signature } = signedBy;
    if (!keyId || !signature || keyId.length > 200 || signature.length > 400) throw refused();
    if (!this.deps.reportKeys.verify(keyId, signature, raw)) throw refused();

    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch (e) {
      throw new ApiError("invalid_json", `The leak report is not valid JSON: ${(e as Error).message}.`);
    }
    const r = Reports.safeParse(parsed);
    if (!r.success)
      throw new ApiError(
        "validation_failed",
        `A leak report is a JSON array of 1 to ${MAX_REPORTS} objects {token, type, url, source}.`,
        {
          issues: r.error.issues.map((i) => ({
            field: i.path.map(String).join(".") || "(body)",
            message: i.message,
          })),
        },
      );
    const reports = r.data;
    const digest = createHash("sha256").update(raw).digest("hex");
    const now = this.deps.clock.now();
    const revoked: string[] = [];
    /** App access tokens revoked by a leaked client secret or refresh token. */
    const appTokens: string[] = [];
    let appSecrets = 0;
    const feedback = await this.deps.store.transaction(async (s) => {
      if (!(await new LeakStore(s).recordReceipt(digest, now, now - REPLAY_WINDOW_MS)))
        throw new ApiError(
          "leak_report_replayed",
          "This signed report was already received: it is not acted on twice.",
        );
      // Each distinct token once, in hash order: two reports naming the same keys lock them in the
      // same order (no deadlock on PostgreSQL); the answer keeps the report's order.
      const byHash = new Map<string, LeakReport>();
      for (const rep of reports) {
        const hash = hashToken(rep.token);
        if (!byHash.has(hash)) byHash.set(hash, rep);
      }
      const labels = new Map<string, Feedback["label"]>();
      for (const hash of [...byHash.keys()].sort()) {
        const rep = byHash.get(hash)!;
        const app = await this.appSecretLeaked(ctx, s, rep, hash);
        if (app !== undefined) {
          labels.set(hash, app ? "true_positive" : "false_positive");
          if (app) appSecrets++;
          appTokens.push(...(app?.invalidate ?? []));
          continue;
        }
        const key = await this.liveKeyOf(s, rep.token, hash, now);
        labels.set(hash, key ? "true_positive" : "false_positive");
        if (!key) continue;
        const after = await this.leakInTx(ctx, s, key, {
          source: rep.source ?? "unknown",
          url: rep.url ?? null,
          tokenType: rep.type ?? null,
          reason: null,
        });
        if (after.status === "revoked") revoked.push(after.id);
      }
      const out: Feedback[] = reports.map((rep) => {
        const token_hash = hashToken(rep.token);
        return { token_hash, token_type: rep.type ?? "", label: labels.get(token_hash)! };
      });
      return out;
    });
    for (const id of revoked) await this.deps.keys.invalidate(id);
    for (const id of appTokens) await this.deps.keys.invalidate(id);
    const found = feedback.filter((f) => f.label === "true_positive").length;
    // Never the token: how many, and which keys were revoked (their ids).
    if (found > 0)
      this.deps.logger.warn(
        { reports: reports.length, leaked: found, revoked, appSecrets, appTokensRevoked: appTokens.length },
        "leak report: tokens of this deployment found in public",
      );
    return feedback;
  }

  /** An admin of the key reports it leaked (console or API): the same as a partner's report. */
  async report(ctx: Ctx, keyId: string, reason: unknown): Promise<KeyView> {
    const actor = requireActor(ctx);
    const why = checkReason(reason);
    const key = await this.deps.store.transaction(async (s) => {
      const key = await s.getKeyForUpdate(keyId);
      if (!key || !canSeeKeys(actor, key)) throw notFound("Key");
      if (!canManageKeys(actor, key))
        throw denied(
          "Only an admin of this key (with the “manage API keys” permission) can report it leaked.",
        );
      if (key.status === "revoked" || key.status === "deleted")
        throw new ApiError(
          "invalid_state",
          `This key is already ${key.status}: its token no longer works, so its leak needs no action.`,
        );
      return this.leakInTx(ctx, s, key, { source: "admin", url: null, tokenType: null, reason: why });
    });
    if (key.status === "revoked") await this.deps.keys.invalidate(key.id);
    return this.deps.keys.view(key);
  }

  /**
   * An app's client secret or refresh token (`kw_cs_…`, `kw_ort_…`, checksum intact): acted on by
   * the OAuth side (service/oauth-leaks.ts); null when it is no live one (a false positive).
   * Undefined: not such a token — a key's token, or not ours at all.
   */
  private async appSecretLeaked(
    ctx: Ctx,
    s: Store,
    rep: LeakReport,
    hash: string,
  ): Promise<Awaited<ReturnType<OAuthLeaks["secretLeaked"]>> | undefined> {
    const shape = inspectToken(rep.token, this.deps.prefix);
    if (!shape.ok || !shape.ours) return undefined;
    const facts = { source: rep.source ?? "unknown", url: rep.url ?? null, tokenType: rep.type ?? null };
    if (shape.kind === "client_secret") return this.deps.oauthLeaks.secretLeaked(ctx, s, hash, facts);
    if (shape.kind === "oauth_refresh") return this.deps.oauthLeaks.refreshTokenLeaked(ctx, s, hash, facts);
    return undefined;
  }

  /**
   * The key whose token this is, when the token still works or could again: the token is current
   * (not rotated out) and its key active or expired (a refresh would bring the leaked token back).
   * Anything else — not ours, mistyped, unknown, revoked, deleted, rotated out — is a false positive.
   */
  private async liveKeyOf(s: Store, token: string, hash: string, now: number): Promise<ApiKey | null> {
    const shape = inspectToken(token, this.deps.prefix);
    if (!shape.ok) return null;
    const found = await s.findToken(hash);
    if (!found) return null;
    const { token: t } = found;
    if (t.validUntil !== null && t.validUntil <= now) return null;
    const key = await s.getKeyForUpdate(found.key.id);
    if (!key || (key.status !== "active" && key.status !== "expired")) return null;
    return key;
  }

  private async leakInTx(ctx: Ctx, s: Store, key: ApiKey, facts: LeakFacts): Promise<ApiKey> {
    const { clock, audit } = this.deps;
    const agency = await s.getAgency(key.agencyId);
    if (!agency) throw notFound("Key");
    const rules = keyRulesOf(agency);
    const now = clock.now();
    const after =
      rules.leakAction === "revoke" ? await this.deps.keys.revokeInTx(ctx, s, key, "key.revoked") : key;
    const action = rules.leakAction === "revoke" ? "revoked" : "notified";
    await new LeakStore(s).insertLeak({
      id: newId("leak"),
      keyId: key.id,
      agencyId: key.agencyId,
      source: facts.source,
      url: facts.url,
      tokenType: facts.tokenType,
      reason: facts.reason,
      reportedAt: now,
      reporterType: ctx.actorType,
      reporterId: ctx.actorId,
      action,
    });
    const users = await s.listUsers(key.agencyId);
    const admins = users.filter(
      (u) => u.disabledAt === null && u.role === "admin" && canManageKeys(toActor(u), key),
    );
    const accountId = key.locationId ?? key.agencyId;
    const location = key.locationId ? await s.getLocation(key.locationId) : null;
    const text = leakText(agency, location, key, facts, action, now, this.deps.publicUrl);
    const notificationId = newId("notification");
    await new LifecycleStore(s).insertNotification({
      id: notificationId,
      agencyId: key.agencyId,
      accountId,
      type: "key_leaked",
      leadDays: null,
      actionAt: null,
      keyIds: [key.id],
      title: text.title,
      body: text.body,
      createdAt: now,
      recipients: admins.map((u) => u.id),
    });
    const emailId = await enqueueEmail(s, clock, {
      agencyId: key.agencyId,
      kind: "key_leaked",
      to: admins.map((u) => u.email),
      subject: text.title,
      text: text.email,
      html: text.html,
    });
    await audit.record(s, ctx, {
      agencyId: key.agencyId,
      action: "key.leaked",
      targetType: "key",
      targetId: key.id,
      before: { status: key.status },
      after: {
        keyId: key.id,
        name: key.name,
        kind: key.kind,
        agencyId: key.agencyId,
        locationId: key.locationId,
        owner: accountId,
        status: after.status,
        action,
        source: facts.source,
        url: facts.url,
        tokenType: facts.tokenType,
        reason: facts.reason,
        reportedAt: isoSecond(now),
        notificationId,
        emailId,
        notified: admins.length,
      },
    });
    return after;
  }
}

/** The words of a leak notice: in-app title and body, and the e-mail. */
function leakText(
  agency: Agency,
  location: Location | null,
  key: ApiKey,
  facts: LeakFacts,
  action: "revoked" | "notified",
  now: number,
  publicUrl: string | undefined,
): { title: string; body: string; email: string; html: string } {
  const where = location ? `${location.name} (${agency.name})` : agency.name;
  const title =
    action === "revoked"
      ? `API key “${key.name}” in ${where} leaked and was revoked`
      : `API key “${key.name}” in ${where} leaked: act now`;
  const found =
    facts.source === "admin"
      ? `An admin reported its token leaked${facts.reason ? `: “${facts.reason}”` : ""}.`
      : `Its token was found in public${facts.url ? ` at ${facts.url}` : ""}${facts.source ? ` (${facts.source})` : ""}.`;
  const what =
    action === "revoked"
      ? "It was revoked at once: anything still using it fails. Create a new key for the integration and remove the leaked token from where it was published."
      : "This agency's policy is to notify rather than revoke: the key still works. Rotate or revoke it now, and remove the leaked token from where it was published.";
  const body = `${found} ${what}`;
  const link = `${(publicUrl ?? "").replace(/\/$/, "")}${keysLink(key.locationId ?? key.agencyId, [key.id])}`;
  const email = [
    title,
    "",
    found,
    what,
    "",
    `Reported on ${isoSecond(now)}.`,
    `Review the key: ${link}`,
    "",
    "You receive this as an admin of the key.",
  ].join("\n");
  const esc = (x: string) =>
    x.replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
    );
  const html =
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111;max-width:720px">` +
    `<h2>${esc(title)}</h2><p>${esc(found)}</p><p>${esc(what)}</p><p>Reported on ${esc(isoSecond(now))}.</p>` +
    `<p><a href="${esc(link)}">Review the key</a></p>` +
    `<p style="color:#6b7280;font-size:12px">You receive this as an admin of the key.</p></body></html>`;
  return { title, body, email, html };
}
