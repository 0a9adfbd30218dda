/**
 * Webhook endpoints as agency admins manage them (docs/webhooks.md): create (the secret shown once),
 * list, change, enable and disable, delete, rotate the secret (old and new both sign for 24 hours),
 * send a test event, replay deliveries, read the delivery log. Secrets are kept sealed under the
 * deployment secret; the sender (notify/webhook-delivery.ts) opens them to sign.
 *
 * Events themselves are queued where the change is recorded (store/webhook-store.ts, from the audit
 * entry, in the change's transaction); `emit` is for events that have no audit entry.
 */
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { canManageWebhooks } from "../core/permissions.js";
import type { SecretBox } from "../core/secretbox.js";
import {
  MAX_ENDPOINTS_PER_AGENCY,
  newWebhookSecret,
  ROTATION_OVERLAP_MS,
  type WebhookEventType,
  type WebhookScheme,
} from "../core/webhooks.js";
import type { Store } from "../store/store.js";
import type { DeliveryStatus, WebhookDelivery, WebhookEndpoint } from "../store/webhook-store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import type { WebhookGuard } from "./webhook-guard.js";

/** Replaying "everything since" re-sends at most this many messages per call. */
export const MAX_REPLAY = 1000;

export interface WebhookServiceDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  /** Seals endpoint secrets (the deployment secret, purpose "keyward webhook secret"). */
  box: SecretBox;
  guard: WebhookGuard;
}

export interface EndpointView {
  id: string;
  agencyId: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  scheme: WebhookScheme;
  enabled: boolean;
  /** Why it is disabled: `manual`, `gone` (the receiver answered 410) or `failing` (5 days of failures). */
  disabledReason: string | null;
  /** Since when every attempt has failed (null: the last one succeeded, or none yet). */
  failingSince: string | null;
  /** ed25519 endpoints: the `whpk_` key receivers verify with. */
  publicKey: string | null;
  /** During a secret rotation: until when the previous secret signs too. */
  previousSecretUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryView {
  id: string;
  messageId: string;
  endpointId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  responseStatus: number | null;
  /** The first bytes of the receiver's answer. */
  responseBody: string | null;
  durationMs: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: unknown;
}

export interface CreateEndpointInput {
  url: string;
  events: WebhookEventType[];
  description?: string | undefined;
  scheme?: WebhookScheme | undefined;
}

export interface EditEndpointInput {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function endpointView(e: WebhookEndpoint, now: number): EndpointView {
  return {
    id: e.id,
    agencyId: e.agencyId,
    url: e.url,
    description: e.description,
    events: e.events,
    scheme: e.scheme,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: iso(e.failingSince),
    publicKey: e.publicKey,
    previousSecretUntil: e.previousUntil !== null && e.previousUntil > now ? iso(e.previousUntil) : null,
    createdAt: iso(e.createdAt)!,
    updatedAt: iso(e.updatedAt)!,
  };
}

export function deliveryView(d: WebhookDelivery): DeliveryView {
  let payload: unknown = null;
  try {
    payload = JSON.parse(d.body);
  } catch {}
  return {
    id: d.id,
    messageId: d.messageId,
    endpointId: d.endpointId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === "pending" || d.status === "sending" ? iso(d.nextAttemptAt) : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    responseStatus: d.responseStatus,
    responseBody: d.responseBody,
    durationMs: d.durationMs,
    lastError: d.lastError,
    createdAt: iso(d.createdAt)!,
    deliveredAt: iso(d.deliveredAt),
    payload,
  };
}

/**
 * Queues an event that has no audit entry of its own (`key.rate_limited`, `key.lifetime_ending` …)
 * in the caller's transaction, for the agency's enabled endpoints subscribed to it. `data` carries
 * ids, names, owner and times — never a token or hash; `keyId` adds the key's summary as `data.key`.
 */
export async function emit(
  store: Store,
  agencyId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  at: number,
  keyId: string | null = null,
): Promise<number> {
  return (await store.webhooks().enqueueEvents([{ type, agencyId, at, keyId, data }])).length;
}

export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  private get hooks() {
    return this.deps.store.webhooks();
  }

  /** The agency, for an agency admin of it; 404 for anyone of another agency, 403 within it. */
  private requireAdmin(ctx: Ctx, agencyId: string): void {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canManageWebhooks(actor, agencyId)) throw denied("Only agency admins can manage webhooks.");
  }

  private async endpointFor(ctx: Ctx, id: string, store = this.deps.store): Promise<WebhookEndpoint> {
    const actor = requireActor(ctx);
    const e = await store.webhooks().getEndpoint(id);
    if (!e || e.agencyId !== actor.agencyId) throw notFound("Webhook endpoint");
    this.requireAdmin(ctx, e.agencyId);
    return e;
  }

  private view(e: WebhookEndpoint): EndpointView {
    return endpointView(e, this.deps.clock.now());
  }

  async list(ctx: Ctx, agencyId: string): Promise<EndpointView[]> {
    this.requireAdmin(ctx, agencyId);
    return (await this.hooks.listEndpoints(agencyId)).map((e) => this.view(e));
  }

  async get(ctx: Ctx, id: string): Promise<EndpointView> {
    return this.view(await this.endpointFor(ctx, id));
  }

  /** The secret (or, for ed25519, the public key) is in this answer only. */
  async create(
    ctx: Ctx,
    agencyId: string,
    input: CreateEndpointInput,
  ): Promise<{ endpoint: EndpointView; secret: string }> {
    this.requireAdmin(ctx, agencyId);
    const url = (await this.deps.guard.checkUrl(input.url)).url.toString();
    const scheme = input.scheme ?? "hmac";
    const { secret, publicKey } = newWebhookSecret(scheme);
    const now = this.deps.clock.now();
    const endpoint: WebhookEndpoint = {
      id: newId("webhook"),
      agencyId,
      url,
      description: input.description ?? "",
      events: uniqueEvents(input.events),
      scheme,
      secretEnc: this.deps.box.seal(secret),
      publicKey,
      previousSecretEnc: null,
      previousUntil: null,
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: now,
      createdBy: ctx.actorId,
      updatedAt: now,
    };
    await this.deps.store.transaction(async (s) => {
      // Locked: two creations at once must not both pass the limit.
      if (!(await s.getAgencyForUpdate(agencyId))) throw notFound("Agency");
      const count = (await s.webhooks().listEndpoints(agencyId)).length;
      if (count >= MAX_ENDPOINTS_PER_AGENCY)
        throw new ApiError(
          "webhook_limit_reached",
          `An agency has at most ${MAX_ENDPOINTS_PER_AGENCY} webhook endpoints: delete one first, or subscribe an existing one to more events.`,
        );
      await s.webhooks().insertEndpoint(endpoint);
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "webhook.created",
        targetType: "webhook",
        targetId: endpoint.id,
        after: { url, events: endpoint.events, scheme, description: endpoint.description },
      });
    });
    return { endpoint: this.view(endpoint), secret: publicKey ?? secret };
  }

  async update(ctx: Ctx, id: string, input: EditEndpointInput): Promise<EndpointView> {
    await this.endpointFor(ctx, id);
    const url =
      input.url !== undefined ? (await this.deps.guard.checkUrl(input.url)).url.toString() : undefined;
    const after = await this.deps.store.transaction(async (s) => {
      const before = await s.webhooks().getEndpointForUpdate(id);
      if (!before) throw notFound("Webhook endpoint");
      const after: WebhookEndpoint = {
        ...before,
        ...(url !== undefined ? { url } : {}),
        ...(input.events !== undefined ? { events: uniqueEvents(input.events) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        updatedAt: this.deps.clock.now(),
      };
      if (input.enabled === true && !before.enabled)
        Object.assign(after, { enabled: true, disabledReason: null, failingSince: null });
      if (input.enabled === false && before.enabled)
        Object.assign(after, { enabled: false, disabledReason: "manual" });
      await s.webhooks().updateEndpoint(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "webhook.updated",
        targetType: "webhook",
        targetId: id,
        before: {
          url: before.url,
          events: before.events,
          description: before.description,
          enabled: before.enabled,
        },
        after: {
          url: after.url,
          events: after.events,
          description: after.description,
          enabled: after.enabled,
        },
      });
      return after;
    });
    return this.view(after);
  }

  async remove(ctx: Ctx, id: string): Promise<void> {
    const e = await this.endpointFor(ctx, id);
    await this.deps.store.transaction(async (s) => {
      await s.webhooks().deleteEndpoint(id);
      await this.deps.audit.record(s, ctx, {
        agencyId: e.agencyId,
        action: "webhook.deleted",
        targetType: "webhook",
        targetId: id,
        before: { url: e.url, events: e.events },
      });
    });
  }

  /** A new secret (or key pair); the current one keeps signing beside it for 24 hours. */
  async rotateSecret(ctx: Ctx, id: string): Promise<{ endpoint: EndpointView; secret: string }> {
    await this.endpointFor(ctx, id);
    let shown = "";
    const after = await this.deps.store.transaction(async (s) => {
      const before = await s.webhooks().getEndpointForUpdate(id);
      if (!before) throw notFound("Webhook endpoint");
      const now = this.deps.clock.now();
      const { secret, publicKey } = newWebhookSecret(before.scheme);
      shown = publicKey ?? secret;
      const after: WebhookEndpoint = {
        ...before,
        secretEnc: this.deps.box.seal(secret),
        publicKey,
        previousSecretEnc: before.secretEnc,
        previousUntil: now + ROTATION_OVERLAP_MS,
        updatedAt: now,
      };
      await s.webhooks().updateEndpoint(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "webhook.secret_rotated",
        targetType: "webhook",
        targetId: id,
        after: { previousSecretUntil: iso(after.previousUntil) },
      });
      return after;
    });
    return { endpoint: this.view(after), secret: shown };
  }

  /** Queues a `webhook.test` event for this endpoint alone, whatever it subscribes to. */
  async sendTest(ctx: Ctx, id: string): Promise<DeliveryView> {
    const e = await this.endpointFor(ctx, id);
    if (!e.enabled) throw new ApiError("invalid_state", "This endpoint is disabled: enable it first.");
    const now = this.deps.clock.now();
    const [d] = await this.deps.store.transaction((s) =>
      s.webhooks().enqueueEvents(
        [
          {
            type: "webhook.test",
            agencyId: e.agencyId,
            at: now,
            keyId: null,
            data: { endpointId: e.id, message: "A test event from Keyward." },
          },
        ],
        e.id,
      ),
    );
    return deliveryView(d!);
  }

  /** Sends one delivery again, or every message since a time (same `webhook-id`s, same bodies). */
  async replay(
    ctx: Ctx,
    id: string,
    input: { deliveryId?: string | undefined; since?: string | undefined },
  ): Promise<DeliveryView[]> {
    const e = await this.endpointFor(ctx, id);
    if ((input.deliveryId === undefined) === (input.since === undefined))
      throw new ApiError(
        "validation_failed",
        "Give either deliveryId (one delivery) or since (an ISO time), not both.",
        {
          issues: [{ field: "deliveryId", message: "exactly one of deliveryId and since" }],
        },
      );
    if (!e.enabled) throw new ApiError("invalid_state", "This endpoint is disabled: enable it first.");
    let of: WebhookDelivery[];
    if (input.deliveryId !== undefined) {
      const d = await this.hooks.getDelivery(input.deliveryId);
      if (!d || d.endpointId !== e.id) throw notFound("Delivery");
      of = [d];
    } else {
      const since = Date.parse(input.since!);
      if (Number.isNaN(since))
        throw new ApiError("validation_failed", "since must be an ISO time like 2026-01-01T00:00:00Z.", {
          issues: [{ field: "since", message: "must be an ISO time" }],
        });
      const all = await this.hooks.listDeliveries(e.id, { since, limit: MAX_REPLAY * 5 });
      // One per message (a message replayed before is sent once more, not once per earlier replay), oldest first.
      const byMessage = new Map<string, WebhookDelivery>();
      for (const d of all.reverse()) if (!byMessage.has(d.messageId)) byMessage.set(d.messageId, d);
      of = [...byMessage.values()].slice(0, MAX_REPLAY);
    }
    const now = this.deps.clock.now();
    const replayed = await this.deps.store.transaction(async (s) => {
      const out = await s.webhooks().replay(of, now);
      await this.deps.audit.record(s, ctx, {
        agencyId: e.agencyId,
        action: "webhook.replayed",
        targetType: "webhook",
        targetId: e.id,
        after: input.deliveryId
          ? { deliveryId: input.deliveryId }
          : { since: input.since, messages: out.length },
      });
      return out;
    });
    return replayed.map(deliveryView);
  }

  async deliveries(
    ctx: Ctx,
    id: string,
    f: { status?: DeliveryStatus | undefined; limit?: number | undefined },
  ): Promise<DeliveryView[]> {
    await this.endpointFor(ctx, id);
    return (await this.hooks.listDeliveries(id, { status: f.status, limit: f.limit ?? 50 })).map(
      deliveryView,
    );
  }
}

function uniqueEvents(events: readonly WebhookEventType[]): WebhookEventType[] {
  return [...new Set(events)].sort();
}
