/**
 * The lifecycle's HTTP face (docs/spec.md §4): in-app notifications, the account banner, the agency's
 * forecast and e-mail outbox. Thin: parse, call the LifecycleService, serialise.
 */
import { z } from "zod";
import { INACTIVITY_ACTIONS } from "../../core/lifecycle.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { PolicyView } from "../schemas.js";

const Notification = z
  .object({
    id: z.string(),
    type: z.string(),
    agencyId: z.string(),
    accountId: z.string(),
    title: z.string(),
    body: z.string(),
    leadDays: z.number().int().nullable(),
    actionAt: z.string().nullable(),
    keyIds: z.array(z.string()),
    createdAt: z.string(),
    readAt: z.string().nullable(),
    link: z.string().meta({ description: "Console path to the keys concerned" }),
  })
  .meta({ id: "Notification" });

const Notifications = z
  .object({ unread: z.number().int(), notifications: z.array(Notification) })
  .meta({ id: "Notifications" });

const Scope = {
  scope: z.enum(["account", "account_and_locations"]).meta({
    description:
      "Whose keys are counted: this account's (a location), or this account's and its locations' (an agency)",
  }),
  scopeWords: z
    .string()
    .meta({ description: 'The same in words: "of Downtown", "of Acme and its locations"' }),
};

const Banner = z
  .object({
    accountId: z.string(),
    ...Scope,
    actionAt: z.string(),
    action: z.enum(INACTIVITY_ACTIONS),
    keyIds: z.array(z.string()),
    count: z.number().int(),
    message: z.string(),
    link: z.string(),
  })
  .meta({ id: "Banner" });

const Upcoming = z
  .object({
    accountId: z.string(),
    ...Scope,
    action: z.enum(INACTIVITY_ACTIONS),
    actionAt: z
      .string()
      .nullable()
      .meta({ description: "The next action on these keys; null: no active key" }),
    count: z.number().int(),
    warned: z.number().int().meta({ description: "How many of them have had their first warning" }),
    keyIds: z.array(z.string()),
    link: z.string(),
  })
  .meta({ id: "Upcoming" });

const ForecastKey = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  accountId: z.string(),
  lastActivityAt: z.string(),
  daysInactive: z.number().int(),
  warned: z.boolean(),
  dueAt: z.string().meta({ description: "When it reached the policy's days without use (or will)" }),
  firstWarningAt: z
    .string()
    .meta({ description: "When its first warning was issued, or is planned if it has not been" }),
  reason: z.string().meta({ description: "Why the key is in this sweep, in words" }),
});

const Forecast = z
  .object({
    generatedAt: z.string(),
    nextSweepAt: z.string().meta({ description: "The next sweep instant, whether or not it touches a key" }),
    policy: PolicyView,
    sweeps: z.array(
      z.object({ at: z.string(), action: z.enum(INACTIVITY_ACTIONS), keys: z.array(ForecastKey) }),
    ),
  })
  .meta({ id: "Forecast" });

const OutboxEmail = z
  .object({
    id: z.string(),
    kind: z.string(),
    to: z.array(z.string()),
    subject: z.string(),
    status: z.enum(["pending", "sending", "sent", "failed"]),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: "OutboxEmail" });

export function lifecycleRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/me/notifications",
      summary: "My in-app notifications, newest first",
      description:
        "Inactivity warnings sent to the signed-in user (as an admin of the account whose keys they concern), with the unread count and a console link to the keys.",
      tags: ["Lifecycle"],
      auth: "session",
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() }),
      responses: { 200: { description: "Notifications", schema: Notifications } },
    },
    async (c, { query, user }, reply) =>
      reply.json(c, 200, await deps.lifecycle.notifications(user, query.limit ?? 100)),
  );

  r.add(
    {
      method: "post",
      path: "/api/me/notifications/{id}/read",
      summary: "Mark one of my notifications read",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("id"),
      responses: { 204: { description: "Marked read" } },
    },
    async (c, { params, user }, reply) => {
      await deps.lifecycle.markRead(user, params.id);
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/accounts/{accountId}/banner",
      summary: "The account's inactivity banner, if one shows now",
      description:
        "Derived from stored state: shows from actionAt − bannerHours while a warned key with that actionAt is still active. 204 when there is none.",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("accountId"),
      responses: { 200: { description: "The banner", schema: Banner }, 204: { description: "No banner" } },
    },
    async (c, { params }, reply) => {
      const b = await deps.lifecycle.banner(c.get("ctx"), params.accountId);
      return b ? reply.json(c, 200, b) : reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/accounts/{accountId}/upcoming",
      summary: "The next inactivity action on an account's keys",
      description:
        "The keys the next sweep that touches them will act on if they stay unused — on an agency, its own keys and every location's; on a location, that location's. The banner, the inventory and the digest count the same keys.",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("accountId"),
      responses: { 200: { description: "The next action", schema: Upcoming } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, await deps.lifecycle.upcoming(c.get("ctx"), params.accountId)),
  );

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/forecast",
      summary: "What the next sweeps will do to the current keys, without doing it",
      description:
        "Every active key whose action falls at one of the next `sweeps` sweep instants (default 4) if it is not used meanwhile, grouped by sweep. `warned` keys have had their first warning: their date is fixed.",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("agencyId"),
      query: z.strictObject({ sweeps: z.coerce.number().int().min(1).max(100).optional() }),
      responses: { 200: { description: "The forecast", schema: Forecast } },
    },
    async (c, { params, query }, reply) =>
      reply.json(c, 200, await deps.lifecycle.forecast(c.get("ctx"), params.agencyId, query.sweeps ?? 4)),
  );

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/outbox",
      summary: "The agency's e-mails (digests) and their delivery state",
      description: "For agency admins: failed deliveries show their last error.",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("agencyId"),
      query: z.strictObject({ status: z.enum(["pending", "sending", "sent", "failed"]).optional() }),
      responses: {
        200: { description: "E-mails, newest first", schema: z.object({ emails: z.array(OutboxEmail) }) },
      },
    },
    async (c, { params, query }, reply) =>
      reply.json(c, 200, await deps.lifecycle.outbox(c.get("ctx"), params.agencyId, query.status)),
  );
}
