import { z } from "zod";
import { Description } from "../../core/validate.js";
import { WEBHOOK_EVENTS, WEBHOOK_SCHEMES } from "../../core/webhooks.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";

const Tags = ["Webhooks"];
const AgencyParam = IdParam("agencyId");
const EndpointParam = IdParam("endpointId");

const Events = z
  .array(z.enum(WEBHOOK_EVENTS, { message: `must be one of ${WEBHOOK_EVENTS.join(", ")}` }))
  .min(1, "must name at least one event")
  .max(WEBHOOK_EVENTS.length * 2);
const Url = z.string().trim().min(1, "must not be empty").max(2048, "must be at most 2048 characters");

const EndpointView = z
  .object({
    id: z.string(),
    agencyId: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    scheme: z.enum(WEBHOOK_SCHEMES),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    failingSince: z.string().nullable(),
    publicKey: z.string().nullable(),
    previousSecretUntil: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "WebhookEndpoint" });

const EndpointWithSecret = z.object({
  endpoint: EndpointView,
  secret: z.string().meta({
    description:
      "hmac: the `whsec_…` signing secret; ed25519: the `whpk_…` public key to verify with. Shown in this answer only.",
  }),
});

const DeliveryView = z
  .object({
    id: z.string(),
    messageId: z.string(),
    endpointId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "sending", "succeeded", "failed"]),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    responseStatus: z.number().nullable(),
    responseBody: z.string().nullable(),
    durationMs: z.number().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    payload: z.unknown(),
  })
  .meta({ id: "WebhookDelivery" });

const CreateBody = z.strictObject({
  url: Url,
  events: Events,
  description: Description.optional(),
  scheme: z.enum(WEBHOOK_SCHEMES).optional(),
});

const EditBody = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  description: Description.optional(),
  enabled: z.boolean().optional(),
});

const ReplayBody = z.strictObject({
  deliveryId: z.string().min(1).max(64).optional(),
  since: z.iso
    .datetime({ offset: true, message: "must be an ISO time like 2026-01-01T00:00:00Z" })
    .optional(),
});

const DeliveriesQuery = z.object({
  status: z.enum(["pending", "sending", "succeeded", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function webhookRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/webhooks",
      summary: "List the agency's webhook endpoints",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      responses: {
        200: { description: "Endpoints", schema: z.object({ endpoints: z.array(EndpointView) }) },
      },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, { endpoints: await deps.webhooks.list(c.get("ctx"), params.agencyId) }),
  );

  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/webhooks",
      summary: "Create a webhook endpoint",
      description:
        "Agency admins. The URL must be HTTPS and resolve to a public address. The answer carries the signing secret (`whsec_…`) or, for `scheme: ed25519`, the public key (`whpk_…`): shown once.",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      body: CreateBody,
      responses: { 201: { description: "Created", schema: EndpointWithSecret } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, await deps.webhooks.create(c.get("ctx"), params.agencyId, body)),
  );

  r.add(
    {
      method: "get",
      path: "/api/webhooks/{endpointId}",
      summary: "Read a webhook endpoint",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      responses: { 200: { description: "The endpoint", schema: z.object({ endpoint: EndpointView }) } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, { endpoint: await deps.webhooks.get(c.get("ctx"), params.endpointId) }),
  );

  r.add(
    {
      method: "patch",
      path: "/api/webhooks/{endpointId}",
      summary: "Change, enable or disable a webhook endpoint",
      description: "Enabling an endpoint Keyward disabled (410, or five days failing) starts it afresh.",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      body: EditBody,
      responses: { 200: { description: "The endpoint", schema: z.object({ endpoint: EndpointView }) } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, { endpoint: await deps.webhooks.update(c.get("ctx"), params.endpointId, body) }),
  );

  r.add(
    {
      method: "delete",
      path: "/api/webhooks/{endpointId}",
      summary: "Delete a webhook endpoint and its delivery log",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      responses: { 204: { description: "Deleted" } },
    },
    async (c, { params }, reply) => {
      await deps.webhooks.remove(c.get("ctx"), params.endpointId);
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/webhooks/{endpointId}/rotate-secret",
      summary: "Rotate the endpoint's signing secret",
      description:
        "The new secret (or public key) is in this answer only. For 24 hours deliveries carry signatures by both the old and the new secret.",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      responses: { 200: { description: "Rotated", schema: EndpointWithSecret } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, await deps.webhooks.rotateSecret(c.get("ctx"), params.endpointId)),
  );

  r.add(
    {
      method: "post",
      path: "/api/webhooks/{endpointId}/test",
      summary: "Send a test event",
      description: "Queues a `webhook.test` event for this endpoint, whatever events it subscribes to.",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      responses: { 202: { description: "Queued", schema: z.object({ delivery: DeliveryView }) } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 202, { delivery: await deps.webhooks.sendTest(c.get("ctx"), params.endpointId) }),
  );

  r.add(
    {
      method: "post",
      path: "/api/webhooks/{endpointId}/replay",
      summary: "Send deliveries again",
      description:
        "`deliveryId`: that delivery; `since`: every message sent to this endpoint since then (at most 1000). Replays keep the message's `webhook-id` and body.",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      body: ReplayBody,
      responses: { 202: { description: "Queued", schema: z.object({ deliveries: z.array(DeliveryView) }) } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 202, { deliveries: await deps.webhooks.replay(c.get("ctx"), params.endpointId, body) }),
  );

  r.add(
    {
      method: "get",
      path: "/api/webhooks/{endpointId}/deliveries",
      summary: "The endpoint's delivery log",
      description: "Newest first: status, attempts, the last response's code and first bytes, its duration.",
      tags: Tags,
      auth: "session",
      params: EndpointParam,
      query: DeliveriesQuery,
      responses: {
        200: { description: "Deliveries", schema: z.object({ deliveries: z.array(DeliveryView) }) },
      },
    },
    async (c, { params, query }, reply) =>
      reply.json(c, 200, {
        deliveries: await deps.webhooks.deliveries(c.get("ctx"), params.endpointId, query),
      }),
  );
}
