/**
 * Webhook endpoints and their delivery outbox (schema migration 010, docs/webhooks.md).
 *
 * Deliveries are written in the transaction of the change they report: `Store.appendAudit(s)` hands
 * every audit entry to `enqueueForAudits`, which turns the ones that are events (core/webhooks.ts)
 * into one delivery per enabled endpoint of the agency subscribed to the event. The sender claims
 * due deliveries with one conditional update (`FOR UPDATE SKIP LOCKED` on PostgreSQL), which moves
 * `next_attempt_at` to the end of its lease: a sender that dies leaves a claim that lapses and the
 * delivery is sent again — at least once, never lost.
 */
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import { newId } from "../core/ids.js";
import {
  type AuditFacts,
  eventsFromAudit,
  type KeySummary,
  type PendingEvent,
  type WebhookEventType,
  type WebhookScheme,
  webhookBody,
} from "../core/webhooks.js";
import type { DialectInfo } from "./dialect.js";
import type { Database, WebhookDeliveryTable, WebhookEndpointTable } from "./schema.js";

export type DeliveryStatus = "pending" | "sending" | "succeeded" | "failed";

export interface WebhookEndpoint {
  id: string;
  agencyId: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  scheme: WebhookScheme;
  secretEnc: string;
  publicKey: string | null;
  previousSecretEnc: string | null;
  previousUntil: number | null;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: number | null;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
}

export interface WebhookDelivery {
  /** Queue order (0 until written). */
  seq: number;
  id: string;
  /** The `webhook-id`: the same for every attempt and every replay of one message. */
  messageId: string;
  endpointId: string;
  agencyId: string;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** What one attempt ended in, written by the sender. */
export interface AttemptOutcome {
  delivery: WebhookDelivery;
  at: number;
  ok: boolean;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  /** When to try again; null: no more (succeeded, or failed for good). */
  retryAt: number | null;
}

const CHUNK = 200;

function endpointFromRow(r: WebhookEndpointTable): WebhookEndpoint {
  return {
    id: r.id,
    agencyId: r.agency_id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events_json),
    scheme: r.scheme as WebhookScheme,
    secretEnc: r.secret_enc,
    publicKey: r.public_key,
    previousSecretEnc: r.previous_secret_enc,
    previousUntil: r.previous_until,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    failingSince: r.failing_since,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function endpointToRow(e: WebhookEndpoint): WebhookEndpointTable {
  return {
    id: e.id,
    agency_id: e.agencyId,
    url: e.url,
    description: e.description,
    events_json: JSON.stringify(e.events),
    scheme: e.scheme,
    secret_enc: e.secretEnc,
    public_key: e.publicKey,
    previous_secret_enc: e.previousSecretEnc,
    previous_until: e.previousUntil,
    enabled: e.enabled ? 1 : 0,
    disabled_reason: e.disabledReason,
    failing_since: e.failingSince,
    created_at: e.createdAt,
    created_by: e.createdBy,
    updated_at: e.updatedAt,
  };
}

function deliveryFromRow(
  r: Omit<Selectable<WebhookDeliveryTable>, "seq"> & { seq?: number },
): WebhookDelivery {
  return {
    seq: r.seq ?? 0,
    id: r.id,
    messageId: r.message_id,
    endpointId: r.endpoint_id,
    agencyId: r.agency_id,
    eventType: r.event_type,
    body: r.body,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAttemptAt: Number(r.next_attempt_at),
    lastAttemptAt: r.last_attempt_at,
    responseStatus: r.response_status,
    responseBody: r.response_body,
    durationMs: r.duration_ms,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at,
  };
}

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class WebhookStore {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectInfo,
  ) {}

  // ── endpoints ───────────────────────────────────────────────────────────

  async insertEndpoint(e: WebhookEndpoint): Promise<void> {
    await this.db.insertInto("webhook_endpoints").values(endpointToRow(e)).execute();
  }

  async updateEndpoint(e: WebhookEndpoint): Promise<void> {
    const { id: _id, ...row } = endpointToRow(e);
    await this.db.updateTable("webhook_endpoints").set(row).where("id", "=", e.id).execute();
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.db.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
    await this.db.deleteFrom("webhook_endpoints").where("id", "=", id).execute();
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const r = await this.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? endpointFromRow(r) : null;
  }

  /** Locks the row until commit on PostgreSQL (a change and a delivery outcome must not undo each other). */
  async getEndpointForUpdate(id: string): Promise<WebhookEndpoint | null> {
    let q = this.db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id);
    if (this.dialect.name === "postgres") q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? endpointFromRow(r) : null;
  }

  async listEndpoints(agencyId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(endpointFromRow);
  }

  async getEndpoints(ids: readonly string[]): Promise<WebhookEndpoint[]> {
    const out: WebhookEndpoint[] = [];
    for (const part of chunks([...ids]))
      out.push(
        ...(await this.db.selectFrom("webhook_endpoints").selectAll().where("id", "in", part).execute()).map(
          endpointFromRow,
        ),
      );
    return out;
  }

  // ── enqueueing ──────────────────────────────────────────────────────────

  /**
   * In the caller's transaction: the deliveries the audit entries stand for. Costs one indexed query
   * when the agencies have no endpoint, nothing when no entry is an event.
   */
  async enqueueForAudits(entries: readonly AuditFacts[]): Promise<number> {
    const events = entries.flatMap(eventsFromAudit);
    return events.length === 0 ? 0 : (await this.enqueueEvents(events)).length;
  }

  /** In the caller's transaction: one delivery per enabled, subscribed endpoint of each event's agency. */
  async enqueueEvents(events: readonly PendingEvent[], onlyEndpointId?: string): Promise<WebhookDelivery[]> {
    const agencies = [...new Set(events.map((e) => e.agencyId))];
    let q = this.db
      .selectFrom("webhook_endpoints")
      .select(["id", "agency_id", "events_json"])
      .where("agency_id", "in", agencies);
    q = onlyEndpointId ? q.where("id", "=", onlyEndpointId) : q.where("enabled", "=", 1);
    const endpoints = (await q.orderBy("id").execute()).map((r) => ({
      id: r.id,
      agencyId: r.agency_id,
      events: new Set(JSON.parse(r.events_json) as string[]),
    }));
    const wanted = events.filter((e) =>
      endpoints.some((p) => p.agencyId === e.agencyId && (onlyEndpointId || p.events.has(e.type))),
    );
    if (wanted.length === 0) return [];
    const keys = await this.keySummaries([...new Set(wanted.flatMap((e) => (e.keyId ? [e.keyId] : [])))]);
    const rows: Insertable<WebhookDeliveryTable>[] = [];
    for (const e of wanted) {
      const key = e.keyId ? (keys.get(e.keyId) ?? { id: e.keyId }) : undefined;
      const body = webhookBody(e.type, e.at, key ? { key, ...e.data } : e.data);
      const messageId = newId("webhookMessage");
      for (const p of endpoints)
        if (p.agencyId === e.agencyId && (onlyEndpointId || p.events.has(e.type)))
          rows.push({
            id: newId("webhookDelivery"),
            message_id: messageId,
            endpoint_id: p.id,
            agency_id: e.agencyId,
            event_type: e.type,
            body,
            status: "pending",
            attempts: 0,
            next_attempt_at: e.at,
            last_attempt_at: null,
            response_status: null,
            response_body: null,
            duration_ms: null,
            last_error: null,
            created_at: e.at,
            delivered_at: null,
          });
    }
    await this.insertDeliveries(rows);
    return rows.map((r) => deliveryFromRow(r as Selectable<WebhookDeliveryTable>));
  }

  private async insertDeliveries(rows: readonly Insertable<WebhookDeliveryTable>[]): Promise<void> {
    for (const part of chunks(rows)) await this.db.insertInto("webhook_deliveries").values(part).execute();
  }

  /** Keys as events describe them (tombstones keep name and owner). */
  private async keySummaries(ids: readonly string[]): Promise<Map<string, KeySummary>> {
    const out = new Map<string, KeySummary>();
    for (const part of chunks(ids)) {
      const rows = await this.db
        .selectFrom("api_keys")
        .select([
          "id",
          "name",
          "kind",
          "status",
          "agency_id",
          "location_id",
          "created_at",
          "created_by",
          "last_used_at",
        ])
        .where("id", "in", part)
        .execute();
      for (const r of rows)
        out.set(r.id, {
          id: r.id,
          name: r.name,
          kind: r.kind,
          status: r.status,
          owner: { agencyId: r.agency_id, locationId: r.location_id },
          createdAt: iso(r.created_at)!,
          createdBy: r.created_by,
          lastUsedAt: iso(r.last_used_at),
        });
    }
    return out;
  }

  /** Sends a message again: a new delivery with the same `webhook-id` and body. */
  async replay(of: readonly WebhookDelivery[], at: number): Promise<WebhookDelivery[]> {
    const rows: Insertable<WebhookDeliveryTable>[] = of.map((d) => ({
      id: newId("webhookDelivery"),
      message_id: d.messageId,
      endpoint_id: d.endpointId,
      agency_id: d.agencyId,
      event_type: d.eventType,
      body: d.body,
      status: "pending",
      attempts: 0,
      next_attempt_at: at,
      last_attempt_at: null,
      response_status: null,
      response_body: null,
      duration_ms: null,
      last_error: null,
      created_at: at,
      delivered_at: null,
    }));
    await this.insertDeliveries(rows);
    return rows.map((r) => deliveryFromRow(r as Selectable<WebhookDeliveryTable>));
  }

  // ── reading deliveries ─────────────────────────────────────────────────

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const r = await this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? deliveryFromRow(r) : null;
  }

  /** Newest first. */
  async listDeliveries(
    endpointId: string,
    f: { status?: DeliveryStatus | undefined; since?: number | undefined; limit: number },
  ): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", endpointId);
    if (f.status) q = q.where("status", "=", f.status);
    if (f.since !== undefined) q = q.where("created_at", ">=", f.since);
    const rows = await q.orderBy("seq", "desc").limit(f.limit).execute();
    return rows.map(deliveryFromRow);
  }

  // ── sending ─────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` due deliveries until `leaseUntil`, oldest first, in one statement: of several
   * senders each delivery goes to one. A claim that lapses (its sender died) is due again.
   */
  async claimDue(now: number, leaseUntil: number, limit: number): Promise<WebhookDelivery[]> {
    const claim = {
      status: "sending",
      attempts: sql<number>`attempts + 1`,
      next_attempt_at: leaseUntil,
      last_attempt_at: now,
    };
    const due = (db: Kysely<Database>) =>
      db
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("status", "in", ["pending", "sending"])
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at")
        .orderBy("seq")
        .limit(limit);
    let rows: Selectable<WebhookDeliveryTable>[];
    if (this.dialect.name === "postgres") {
      // A CTE runs once: a `WHERE id IN (… SKIP LOCKED)` subquery may be run again per row by the
      // planner and claim far more than `limit`, some of it for no one.
      rows = await this.db
        .with("due", (db) =>
          due(db as unknown as Kysely<Database>)
            .forUpdate()
            .skipLocked(),
        )
        .updateTable("webhook_deliveries")
        .set(claim)
        .from("due")
        .whereRef("webhook_deliveries.id", "=", "due.id")
        .returningAll("webhook_deliveries")
        .execute();
    } else {
      // SQLite has one writer at a time: the statement claims atomically.
      rows = await this.db
        .updateTable("webhook_deliveries")
        .set(claim)
        .where("id", "in", due(this.db))
        .where("status", "in", ["pending", "sending"])
        .where("next_attempt_at", "<=", now)
        .returningAll()
        .execute();
    }
    return rows.map(deliveryFromRow).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Records attempts' outcomes; an outcome whose claim was taken over (the lease lapsed and another
   * sender claimed it again) is dropped. Answers the outcomes recorded.
   */
  async recordOutcomes(outcomes: readonly AttemptOutcome[]): Promise<AttemptOutcome[]> {
    const recorded: AttemptOutcome[] = [];
    // One statement per 100 outcomes (a CASE per column, keyed by id): a round of sends costs a few
    // statements, not one per delivery.
    for (const part of chunks(outcomes, 100)) {
      const byId = new Map(part.map((o) => [o.delivery.id, o]));
      const col = <T>(type: "text" | "bigint" | "integer", value: (o: AttemptOutcome) => T) =>
        sql<T>`case id ${sql.join(
          part.map((o) => sql`when ${o.delivery.id} then cast(${value(o)} as ${sql.raw(type)})`),
          sql` `,
        )} end`;
      const rows = await this.db
        .updateTable("webhook_deliveries")
        .set({
          status: col("text", (o) => (o.ok ? "succeeded" : o.retryAt === null ? "failed" : "pending")),
          next_attempt_at: col("bigint", (o) => o.retryAt ?? o.at),
          response_status: col("integer", (o) => o.responseStatus),
          response_body: col("text", (o) => o.responseBody),
          duration_ms: col("integer", (o) => o.durationMs),
          last_error: col("text", (o) => o.error),
          delivered_at: col("bigint", (o) => (o.ok ? o.at : null)),
        })
        .where("id", "in", [...byId.keys()])
        .where("status", "=", "sending")
        // Fenced: an outcome whose claim lapsed and was taken again (more attempts since) is dropped.
        .where(
          "attempts",
          "=",
          col("integer", (o) => o.delivery.attempts),
        )
        .returning("id")
        .execute();
      for (const r of rows) recorded.push(byId.get(r.id)!);
    }
    return recorded.sort((a, b) => a.delivery.seq - b.delivery.seq);
  }
}
