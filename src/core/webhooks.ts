/**
 * Webhooks as pure rules (docs/webhooks.md): the event catalogue, which audit entries become which
 * events, the payload `{type, timestamp, data}`, Standard Webhooks 1.0 secrets and signatures
 * (HMAC-SHA256 `whsec_`, ed25519 `whsk_`/`whpk_`), and the retry schedule. No I/O; randomness only
 * where a new secret is made.
 */
import { createHmac, createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";

export const WEBHOOK_EVENTS = [
  "key.created",
  "key.updated",
  "key.rotated",
  "key.revoked",
  "key.expired",
  "key.deleted",
  "key.refreshed",
  "key.inactivity_warning",
  "key.kept",
  "key.lifetime_ending",
  "key.leaked",
  "key.rate_limited",
  "settings.security_changed",
  "plan.changed",
  "webhook.test",
  // An OAuth app's own events, sent to the app's webhookUrl (docs/oauth.md).
  "app.installed",
  "app.uninstalled",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_SCHEMES = ["hmac", "ed25519"] as const;
export type WebhookScheme = (typeof WEBHOOK_SCHEMES)[number];

/** Endpoints per agency. */
export const MAX_ENDPOINTS_PER_AGENCY = 20;
/** A body stays under this many bytes (Standard Webhooks recommends small payloads). */
export const MAX_PAYLOAD_BYTES = 20 * 1024;
/** A delivery succeeds on a 2xx answered within this time. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** An endpoint failing without a success for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3_600_000;
/** During a secret rotation the old secret keeps signing for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/**
 * Standard Webhooks' schedule: the delay before attempt n+1 after attempt n failed (the first attempt
 * is immediate). Ten attempts in all, over about three days.
 */
export const RETRY_DELAYS_MS = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Jitter added to each delay: up to this fraction of it, so failing endpoints do not retry in step. */
export const RETRY_JITTER = 0.1;

/**
 * When to try again after failed attempt `attempt` (1-based), or null when it was the last. `random`
 * in [0, 1) spreads the retries; a `Retry-After` the receiver asked for is honoured (never sooner,
 * capped at a day).
 */
export function nextAttemptAt(
  now: number,
  attempt: number,
  random: number,
  retryAfterMs?: number | null,
): number | null {
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  const delay = Math.round(base * (1 + RETRY_JITTER * random));
  const asked = retryAfterMs ? Math.min(retryAfterMs, 24 * H) : 0;
  return now + Math.max(delay, asked);
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined | null, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

// ── secrets and signatures ───────────────────────────────────────────────

/** A new endpoint secret: HMAC `whsec_<base64 of 32 random bytes>`, or an ed25519 pair (raw 32-byte keys). */
export function newWebhookSecret(scheme: WebhookScheme): { secret: string; publicKey: string | null } {
  if (scheme === "hmac") return { secret: `whsec_${randomBytes(32).toString("base64")}`, publicKey: null };
  const secret = `whsk_${randomBytes(32).toString("base64")}`;
  return { secret, publicKey: publicKeyOf(secret) };
}

// DER prefixes that turn a raw 32-byte ed25519 seed / public key into PKCS#8 / SPKI.
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

function ed25519Private(secret: string) {
  const seed = Buffer.from(secret.slice("whsk_".length), "base64");
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
}

/** The `whpk_` public half of a `whsk_` secret. */
export function publicKeyOf(secret: string): string {
  const spki = createPublicKey(ed25519Private(secret)).export({ format: "der", type: "spki" });
  return `whpk_${spki.subarray(SPKI_ED25519.length).toString("base64")}`;
}

/** The node:crypto public key of a `whpk_` string (receivers verify `v1a,` signatures with it). */
export function ed25519PublicKey(publicKey: string) {
  const raw = Buffer.from(publicKey.slice("whpk_".length), "base64");
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: "der", type: "spki" });
}

/**
 * One signature of Standard Webhooks 1.0 over `id.timestamp.body`: `v1,<base64 HMAC-SHA256>` for a
 * `whsec_` secret (the key is the base64 after the prefix), `v1a,<base64 ed25519>` for a `whsk_` key.
 */
export function signWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const content = Buffer.from(`${id}.${timestampSec}.${body}`, "utf8");
  if (secret.startsWith("whsec_")) {
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    return `v1,${createHmac("sha256", key).update(content).digest("base64")}`;
  }
  if (secret.startsWith("whsk_"))
    return `v1a,${sign(null, content, ed25519Private(secret)).toString("base64")}`;
  throw new Error("not a webhook secret");
}

/** The `webhook-signature` header: one signature per secret in use, space-separated. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: string,
): string {
  return secrets.map((s) => signWebhook(s, id, timestampSec, body)).join(" ");
}

// ── events from audit entries ───────────────────────────────────────────

/** What of an audit entry the mapping reads. */
export interface AuditFacts {
  at: number;
  agencyId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** An event before its key is looked up: `keyId` names the key whose summary goes into `data.key`. */
export interface PendingEvent {
  type: WebhookEventType;
  agencyId: string;
  at: number;
  keyId: string | null;
  data: Record<string, unknown>;
}

const KEY_ACTIONS: Record<string, WebhookEventType> = {
  "key.created": "key.created",
  "key.imported": "key.created",
  "key.updated": "key.updated",
  "key.rotated": "key.rotated",
  "key.rotation_expired_now": "key.rotated",
  "key.rotation_cancelled": "key.rotated",
  "key.revoked": "key.revoked",
  "key.expired": "key.expired",
  "key.deleted": "key.deleted",
  "key.refreshed": "key.refreshed",
  "key.kept": "key.kept",
  "key.leaked": "key.leaked",
  "key.lifetime_ending": "key.lifetime_ending",
};

/** Fields of a before/after that may travel: never a token, hash or secret. */
function clean(o: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!o) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!/token|hash|secret|password/i.test(k)) out[k] = v;
  return out;
}

/** The webhook events an audit entry stands for (none for most). */
export function eventsFromAudit(e: AuditFacts): PendingEvent[] {
  if (!e.agencyId) return [];
  const base = { agencyId: e.agencyId, at: e.at };
  const actor = { type: e.actorType, id: e.actorId };
  const keyType = KEY_ACTIONS[e.action];
  if (keyType && e.targetType === "key" && e.targetId) {
    const data: Record<string, unknown> = { actor };
    if (e.action === "key.rotated") data.phase = "started";
    if (e.action === "key.rotation_expired_now") data.phase = "old_token_expired";
    if (e.action === "key.rotation_cancelled") data.phase = "cancelled";
    if (e.action === "key.imported") data.imported = true;
    const before = clean(e.before);
    const after = clean(e.after);
    if (
      keyType === "key.updated" ||
      keyType === "key.kept" ||
      keyType === "key.leaked" ||
      keyType === "key.rotated"
    )
      Object.assign(data, { before, after });
    if (keyType === "key.expired" || keyType === "key.deleted" || keyType === "key.lifetime_ending")
      Object.assign(data, after ?? {});
    return [{ ...base, type: keyType, keyId: e.targetId, data }];
  }
  if (e.action === "lifecycle.warning_issued" && e.after) {
    const a = e.after;
    const keyIds = Array.isArray(a.keyIds) ? (a.keyIds as string[]) : [];
    return keyIds.map((keyId) => ({
      ...base,
      type: "key.inactivity_warning" as const,
      keyId,
      data: {
        leadDays: a.leadDays,
        actionAt: a.actionAt,
        ...(a.action !== undefined ? { action: a.action } : {}),
        notificationId: e.targetId,
      },
    }));
  }
  if (e.targetType === "agency" && e.action.startsWith("agency.") && e.action !== "agency.created") {
    const after = e.after ?? {};
    const before = e.before ?? {};
    const out: PendingEvent[] = [];
    const agency = { id: e.agencyId };
    if ("plan" in after)
      out.push({
        ...base,
        type: "plan.changed",
        keyId: null,
        data: { agency, before: before.plan, after: after.plan, actor },
      });
    const security = ["enhancedSecurity", "legacyCreation", "policy"].filter((k) => k in after);
    if (security.length > 0)
      out.push({
        ...base,
        type: "settings.security_changed",
        keyId: null,
        data: {
          agency,
          before: Object.fromEntries(security.map((k) => [k, before[k] ?? null])),
          after: Object.fromEntries(security.map((k) => [k, after[k]])),
          actor,
        },
      });
    return out;
  }
  return [];
}

/** A key as events describe it: ids, name, owner and times — never a token or hash. */
export interface KeySummary {
  id: string;
  name: string;
  kind: string;
  status: string;
  owner: { agencyId: string; locationId: string | null };
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  expiresAt?: string | null;
}

/** The body every delivery carries, and the events it stays under 20 KB with. */
export function webhookBody(type: WebhookEventType, at: number, data: Record<string, unknown>): string {
  const body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
  if (Buffer.byteLength(body) < MAX_PAYLOAD_BYTES) return body;
  // Only before/after can grow (a long description, many scopes): keep the ids and say so.
  const { before: _b, after: _a, ...rest } = data;
  return JSON.stringify({ type, timestamp: new Date(at).toISOString(), data: { ...rest, truncated: true } });
}
