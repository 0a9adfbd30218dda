/**
 * Storage for the inactivity lifecycle (docs/spec.md §4), named for what the scheduler, the banners and the
 * forecast mean. Every write here happens inside the caller's transaction (a `Store` bound to it).
 *
 * The authority on a key's cycle is `lifecycle_events` (one row per key, cycle, kind and lead, under a
 * unique key: rule 7). `lifecycle_watch` is derived from it in the same transactions, to find the next
 * due keys and the banners without reading every key.
 */
import { type Selectable, sql } from "kysely";
import type { InactivityAction } from "../core/lifecycle.js";
import type { ApiKey } from "../core/model.js";
import { auditToRow, keyFromRow, type NewAudit } from "./rows.js";
import type { LifecycleWatchTable, OutboxTable } from "./schema.js";
import type { Store } from "./store.js";

export type EventKind = "warning" | "email" | "action";

export interface CycleEvent {
  keyId: string;
  cycleAt: number;
  kind: EventKind;
  leadDays: number;
  issuedAt: number;
  actionAt: number;
  skipped: boolean;
  refId: string | null;
}

export interface WatchRow {
  keyId: string;
  agencyId: string;
  accountId: string;
  cycleAt: number;
  firstWarningAt: number;
  actionAt: number;
  nextAt: number;
}

export interface NewNotification {
  id: string;
  agencyId: string;
  accountId: string;
  type: string;
  leadDays: number | null;
  actionAt: number | null;
  keyIds: string[];
  title: string;
  body: string;
  createdAt: number;
  recipients: string[];
}

export interface NotificationRow {
  id: string;
  agencyId: string;
  accountId: string;
  type: string;
  leadDays: number | null;
  actionAt: number | null;
  keyIds: string[];
  title: string;
  body: string;
  createdAt: number;
  readAt: number | null;
}

export type OutboxStatus = "pending" | "sending" | "sent" | "failed";

export interface OutboxRow {
  id: string;
  agencyId: string | null;
  kind: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

const CHUNK = 400;

/**
 * `status` as an expression, so that a lookup by primary key (`id in (…)`) with a status condition uses
 * the primary key: with a bare `status = 'active'` the planner may pick a status index and scan every
 * active key once per batch (measured: minutes instead of seconds at 1,000,000 keys).
 */
const STATUS = sql<string>`(status || '')`;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function watchFromRow(r: Selectable<LifecycleWatchTable>): WatchRow {
  return {
    keyId: r.key_id,
    agencyId: r.agency_id,
    accountId: r.account_id,
    cycleAt: r.cycle_at,
    firstWarningAt: r.first_warning_at,
    actionAt: r.action_at,
    nextAt: r.next_at,
  };
}

function outboxFromRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    id: r.id,
    agencyId: r.agency_id,
    kind: r.kind,
    to: JSON.parse(r.to_json) as string[],
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    status: r.status as OutboxStatus,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/** True for errors that mean "another writer got there first; run the unit again". */
export function isRetryable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  // PostgreSQL: unique violation, serialization failure, deadlock. SQLite: busy, locked, constraint.
  if (["23505", "40001", "40P01"].includes(code)) return true;
  if (/^SQLITE_(BUSY|LOCKED|CONSTRAINT_PRIMARYKEY|CONSTRAINT_UNIQUE)/.test(code)) return true;
  return false;
}

export class LifecycleStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  // ── finding due keys ────────────────────────────────────────────────────

  /**
   * Active keys with `activity_at ≤ cutoff` whose current cycle has no first warning yet, read from
   * the `api_keys_lifecycle_due` index alone. `warned_at ≤ activity_at` counts as not warned: a use at
   * the very instant of a warning starts a new cycle (uses count first); the events decide.
   */
  async unwarnedDue(cutoff: number): Promise<{ id: string; agencyId: string }[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .select(["id", "agency_id"])
      .where("status", "=", "active")
      .where("activity_at", "<=", cutoff)
      // OAuth access tokens end by themselves within a day: no inactivity cycle (docs/oauth.md).
      .where("kind", "!=", "oauth")
      .where((eb) => eb.or([eb("warned_at", "is", null), eb("warned_at", "<=", eb.ref("activity_at"))]))
      .execute();
    return rows.map((r) => ({ id: r.id, agencyId: r.agency_id }));
  }

  async watchDue(now: number): Promise<WatchRow[]> {
    const rows = await this.db
      .selectFrom("lifecycle_watch")
      .selectAll()
      .where("next_at", "<=", now)
      .execute();
    return rows.map(watchFromRow);
  }

  async nextWatchAt(after: number): Promise<number | null> {
    const r = await this.db
      .selectFrom("lifecycle_watch")
      .select((eb) => eb.fn.min("next_at").as("n"))
      .where("next_at", ">", after)
      .executeTakeFirst();
    return r?.n === null || r?.n === undefined ? null : Number(r.n);
  }

  /** Agencies with their own policy, as stored (JSON text). */
  async policyOverrides(): Promise<{ agencyId: string; json: string }[]> {
    const rows = await this.db
      .selectFrom("agencies")
      .select(["id", "policy_json"])
      .where("policy_json", "is not", null)
      .execute();
    return rows.map((r) => ({ agencyId: r.id, json: r.policy_json! }));
  }

  // ── the unit of work: one agency ───────────────────────────────────────

  /**
   * Claims an agency for this transaction. On PostgreSQL another scheduler holding it makes this
   * return false at once (SKIP LOCKED): it is doing the work. On SQLite the first statement is a write,
   * which takes the database's write lock (waiting up to busy_timeout) before anything is read, so no
   * decision is ever made on a stale snapshot.
   */
  async claimAgency(agencyId: string): Promise<boolean> {
    if (this.s.dialect.name === "postgres") {
      const r = await sql<{
        id: string;
      }>`select id from agencies where id = ${agencyId} for update skip locked`.execute(this.db);
      return r.rows.length > 0;
    }
    await this.db
      .updateTable("agencies")
      .set({ updated_at: sql`updated_at` })
      .where("id", "=", agencyId)
      .execute();
    return true;
  }

  /** `claimAgency` for several agencies: returns those claimed (on PostgreSQL, locked in id order). */
  async claimAgencies(agencyIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks([...agencyIds].sort())) {
      if (this.s.dialect.name === "postgres") {
        const r = await this.db
          .selectFrom("agencies")
          .select("id")
          .where("id", "in", part)
          .orderBy("id")
          .forUpdate()
          .skipLocked()
          .execute();
        for (const x of r) out.add(x.id);
      } else {
        await this.db
          .updateTable("agencies")
          .set({ updated_at: sql`updated_at` })
          .where("id", "in", part)
          .execute();
        for (const id of part) out.add(id);
      }
    }
    return out;
  }

  /**
   * The active keys among `ids`, locked against concurrent use recording on PostgreSQL: a use that
   * arrives meanwhile waits and then starts a new cycle, after what is decided here.
   */
  async activeKeysForUpdate(ids: readonly string[]): Promise<ApiKey[]> {
    const out: ApiKey[] = [];
    for (const part of chunks([...ids].sort())) {
      let q = this.db
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "in", part)
        .where(STATUS, "=", "active")
        .orderBy("id");
      if (this.s.dialect.name === "postgres") q = q.forUpdate();
      out.push(...(await q.execute()).map(keyFromRow));
    }
    return out;
  }

  /** Every recorded event of each key's current cycle (cycle = its `activity_at`). */
  async cycleEvents(keys: readonly { id: string; activityAt: number }[]): Promise<Map<string, CycleEvent[]>> {
    const cycle = new Map(keys.map((k) => [k.id, k.activityAt]));
    const out = new Map<string, CycleEvent[]>();
    for (const part of chunks(keys.map((k) => k.id))) {
      const rows = await this.db
        .selectFrom("lifecycle_events")
        .selectAll()
        .where("key_id", "in", part)
        .execute();
      for (const r of rows) {
        if (cycle.get(r.key_id) !== r.cycle_at) continue;
        const list = out.get(r.key_id) ?? [];
        list.push({
          keyId: r.key_id,
          cycleAt: r.cycle_at,
          kind: r.kind as EventKind,
          leadDays: r.lead_days,
          issuedAt: r.issued_at,
          actionAt: r.action_at,
          skipped: r.skipped === 1,
          refId: r.ref_id,
        });
        out.set(r.key_id, list);
      }
    }
    return out;
  }

  async watchOf(keyIds: readonly string[]): Promise<Map<string, WatchRow>> {
    const out = new Map<string, WatchRow>();
    for (const part of chunks(keyIds)) {
      const rows = await this.db
        .selectFrom("lifecycle_watch")
        .selectAll()
        .where("key_id", "in", part)
        .execute();
      for (const r of rows) out.set(r.key_id, watchFromRow(r));
    }
    return out;
  }

  /** Inserts events; a second insert of one (key, cycle, kind, lead) fails the transaction (rule 7). */
  async insertEvents(events: readonly CycleEvent[]): Promise<void> {
    for (const part of chunks(events, 200))
      await this.db
        .insertInto("lifecycle_events")
        .values(
          part.map((e) => ({
            key_id: e.keyId,
            cycle_at: e.cycleAt,
            kind: e.kind,
            lead_days: e.leadDays,
            issued_at: e.issuedAt,
            action_at: e.actionAt,
            skipped: e.skipped ? 1 : 0,
            ref_id: e.refId,
          })),
        )
        .execute();
  }

  async upsertWatch(rows: readonly WatchRow[]): Promise<void> {
    for (const part of chunks(rows, 200))
      await this.db
        .insertInto("lifecycle_watch")
        .values(
          part.map((w) => ({
            key_id: w.keyId,
            agency_id: w.agencyId,
            account_id: w.accountId,
            cycle_at: w.cycleAt,
            first_warning_at: w.firstWarningAt,
            action_at: w.actionAt,
            next_at: w.nextAt,
          })),
        )
        .onConflict((oc) =>
          oc.column("key_id").doUpdateSet({
            agency_id: sql`excluded.agency_id`,
            account_id: sql`excluded.account_id`,
            cycle_at: sql`excluded.cycle_at`,
            first_warning_at: sql`excluded.first_warning_at`,
            action_at: sql`excluded.action_at`,
            next_at: sql`excluded.next_at`,
          }),
        )
        .execute();
  }

  async deleteWatch(keyIds: readonly string[]): Promise<void> {
    for (const part of chunks(keyIds))
      await this.db.deleteFrom("lifecycle_watch").where("key_id", "in", part).execute();
  }

  /** A policy changed: every watched key of the agency is looked at again by the next tick. */
  async rewatchAgency(agencyId: string): Promise<void> {
    await this.db
      .updateTable("lifecycle_watch")
      .set({ next_at: 0 })
      .where("agency_id", "=", agencyId)
      .execute();
  }

  /** Records the first warning on the key (the Verifier then writes its next use through). */
  async markWarned(keyIds: readonly string[], at: number): Promise<void> {
    for (const part of chunks(keyIds))
      await this.db
        .updateTable("api_keys")
        .set({ warned_at: at })
        .where("id", "in", part)
        .where(STATUS, "=", "active")
        .execute();
  }

  /**
   * Deletes (tombstone) or expires keys, only those still active: returns the ids acted on. The number
   * of days without use is kept for the verification message.
   */
  async actOn(keyIds: readonly string[], action: InactivityAction, now: number): Promise<string[]> {
    const done: string[] = [];
    // core/lifecycle.ts `daysInactive`, in SQL: the keys acted on have been inactive for days (now > activity).
    const days = sql<number>`cast((${now} - activity_at) / 86400000 as integer)`;
    for (const part of chunks(keyIds)) {
      const q = this.db
        .updateTable("api_keys")
        .set(
          action === "delete"
            ? { status: "deleted", deleted_at: now, updated_at: now, inactive_days: days, secret_enc: null }
            : { status: "expired", expired_at: now, updated_at: now, inactive_days: days },
        )
        .where("id", "in", part)
        .where(STATUS, "=", "active")
        .returning("id");
      for (const r of await q.execute()) done.push(r.id);
    }
    return done;
  }

  // ── notifications ──────────────────────────────────────────────────────

  /** Several notifications and their recipients, in a few statements. */
  async insertNotifications(ns: readonly NewNotification[]): Promise<void> {
    for (const part of chunks(ns, 200))
      await this.db
        .insertInto("notifications")
        .values(
          part.map((n) => ({
            id: n.id,
            agency_id: n.agencyId,
            account_id: n.accountId,
            type: n.type,
            lead_days: n.leadDays,
            action_at: n.actionAt,
            key_ids_json: JSON.stringify(n.keyIds),
            title: n.title,
            body: n.body,
            created_at: n.createdAt,
          })),
        )
        .execute();
    const recipients = ns.flatMap((n) =>
      n.recipients.map((user_id) => ({ notification_id: n.id, user_id, read_at: null })),
    );
    for (const part of chunks(recipients))
      await this.db.insertInto("notification_recipients").values(part).execute();
  }

  async insertNotification(n: NewNotification): Promise<void> {
    await this.insertNotifications([n]);
  }

  async notificationsOf(userId: string, limit: number): Promise<NotificationRow[]> {
    const rows = await this.db
      .selectFrom("notification_recipients as r")
      .innerJoin("notifications as n", "n.id", "r.notification_id")
      .selectAll("n")
      .select("r.read_at")
      .where("r.user_id", "=", userId)
      // A warning whose keys were all kept is gone (issue 14, store/leak-store.ts clearKeptWarnings).
      .where("n.cleared_at", "is", null)
      .orderBy("n.created_at", "desc")
      .orderBy("n.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      agencyId: r.agency_id,
      accountId: r.account_id,
      type: r.type,
      leadDays: r.lead_days,
      actionAt: r.action_at,
      keyIds: JSON.parse(r.key_ids_json) as string[],
      title: r.title,
      body: r.body,
      createdAt: r.created_at,
      readAt: r.read_at,
    }));
  }

  async unreadCount(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom("notification_recipients as r")
      .innerJoin("notifications as n", "n.id", "r.notification_id")
      .select(sql<number>`count(*)`.as("n"))
      .where("r.user_id", "=", userId)
      .where("r.read_at", "is", null)
      .where("n.cleared_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Marks one of the user's notifications read; false when it is not theirs. */
  async markRead(userId: string, notificationId: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable("notification_recipients")
      .set({ read_at: sql`coalesce(read_at, ${at})` })
      .where("user_id", "=", userId)
      .where("notification_id", "=", notificationId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // ── banners ─────────────────────────────────────────────────────────────

  /** Watched keys that are still active in the cycle they were warned in, for some accounts or all. */
  async warnedActive(
    filter: { accountId?: string; agencyId?: string } = {},
  ): Promise<(WatchRow & { name: string })[]> {
    let q = this.db
      .selectFrom("lifecycle_watch as w")
      .innerJoin("api_keys as k", "k.id", "w.key_id")
      .selectAll("w")
      .select("k.name")
      .where("k.status", "=", "active")
      .whereRef("k.activity_at", "=", "w.cycle_at");
    if (filter.accountId !== undefined) q = q.where("w.account_id", "=", filter.accountId);
    if (filter.agencyId !== undefined) q = q.where("w.agency_id", "=", filter.agencyId);
    const rows = await q.execute();
    return rows.map((r) => ({ ...watchFromRow(r), name: r.name }));
  }

  // ── audit, in bulk ──────────────────────────────────────────────────────

  async appendAudits(entries: readonly NewAudit[]): Promise<void> {
    for (const part of chunks(entries, 200))
      await this.db.insertInto("audit_log").values(part.map(auditToRow)).execute();
    // Expirations, deletions and warnings are webhook events: queued in the scheduler's transaction.
    await this.s.webhooks().enqueueForAudits(entries);
  }

  // ── outbox ──────────────────────────────────────────────────────────────

  async listOutbox(agencyId: string, status: OutboxStatus | undefined, limit: number): Promise<OutboxRow[]> {
    let q = this.db.selectFrom("outbox").selectAll().where("agency_id", "=", agencyId);
    if (status) q = q.where("status", "=", status);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map(outboxFromRow);
  }

  /** Pending messages whose time has come, and messages whose sender vanished mid-send (lease over). */
  async dueEmails(now: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.db
      .selectFrom("outbox")
      .selectAll()
      .where("status", "in", ["pending", "sending"])
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map(outboxFromRow);
  }

  /**
   * Claims a message for sending until `leaseUntil`: a conditional update, so of several workers one
   * wins. Returns false when someone else has it.
   */
  async claimEmail(m: OutboxRow, leaseUntil: number): Promise<boolean> {
    const r = await this.db
      .updateTable("outbox")
      .set({ status: "sending", attempts: m.attempts + 1, next_attempt_at: leaseUntil })
      .where("id", "=", m.id)
      .where("status", "=", m.status)
      .where("attempts", "=", m.attempts)
      .where("next_attempt_at", "=", m.nextAttemptAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async emailSent(id: string, at: number): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({ status: "sent", sent_at: at, last_error: null })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Drops a message's bodies once it is out of our hands (sent, or failed for good): an invitation
   * carries a live link, which the database must not keep in plain text (tokens are stored hashed).
   */
  async forgetBody(id: string): Promise<void> {
    const gone = "(not kept: this e-mail carried a sign-in link)";
    await this.db
      .updateTable("outbox")
      .set({ text_body: gone, html_body: gone })
      .where("id", "=", id)
      .execute();
  }

  async emailFailed(id: string, error: string, retryAt: number | null): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set(
        retryAt === null
          ? { status: "failed", last_error: error }
          : { status: "pending", last_error: error, next_attempt_at: retryAt },
      )
      .where("id", "=", id)
      .execute();
  }

  async getEmail(id: string): Promise<OutboxRow | null> {
    const r = await this.db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? outboxFromRow(r) : null;
  }
}
