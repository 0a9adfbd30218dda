/**
 * What one agency's due keys need at one instant (docs/spec.md §4 rules 1, 2, 5, 6 and 7), as plain data:
 * `planAgency` reads nothing and writes nothing, so every rule of the scheduler can be tested without a
 * database. The scheduler reads the keys, their cycle events and watch rows inside its transaction,
 * calls `planAgency`, then writes what the plan says in the same transaction.
 *
 * `decide()` (core/lifecycle.ts) says what is due for one key; the plan groups those decisions the way
 * the product sends them — one notification per account, lead and actionAt; one digest per actionAt —
 * and lists every record that makes each of them happen exactly once (cycle events, watch rows, audit
 * entries, the first-warning mark on the key).
 */
import { newId } from "../core/ids.js";
import {
  type Decision,
  daysInactive,
  decide,
  type InactivityAction,
  type KeyCycleState,
} from "../core/lifecycle.js";
import type { Agency, ApiKey, AuditEntry, Location, User } from "../core/model.js";
import { lifetimeFirst, NEVER_AT } from "../core/two-endings.js";
import { digestEmail, warningText } from "../notify/messages.js";
import { accountAdmins, digestRecipients, type EffectivePolicy } from "../service/lifecycle.js";
import type { CycleEvent, NewNotification, WatchRow } from "../store/lifecycle-store.js";
import type { OutgoingEmail } from "../store/outbox.js";

export interface TickWarning {
  agencyId: string;
  accountId: string;
  leadDays: number;
  actionAt: number;
  keyIds: string[];
  /** Recipients' e-mail addresses, sorted. */
  to: string[];
  notificationId: string;
}

export interface TickEmail {
  agencyId: string;
  actionAt: number;
  keyIds: string[];
  to: string[];
  /** Null when no admin receives the digest: no recipient, no e-mail. */
  emailId: string | null;
}

export interface TickAction {
  keyId: string;
  agencyId: string;
  accountId: string;
  action: InactivityAction;
}

/** One agency's keys that the scheduler looked at, and the people its messages go to. */
export interface AgencyKeys {
  agency: Agency;
  /** Every candidate key id of the agency (due by the index or by its watch row), active or not. */
  candidates: readonly string[];
  /** The candidates that are still active, as read (and locked) in the deciding transaction. */
  active: readonly ApiKey[];
  users: readonly User[];
  locations: readonly Location[];
}

/** What is recorded of the keys' current cycles: events per key id, and watch rows per key id. */
export interface KeyEvents {
  events: ReadonlyMap<string, readonly CycleEvent[]>;
  watch: ReadonlyMap<string, WatchRow>;
}

export interface PlanOptions {
  /** A first warning this late still counts as on time (see DecideOptions). Default 0. */
  onTimeWithinMs?: number;
  /** Links in the digest e-mail. */
  publicUrl?: string | undefined;
}

export type NewAuditEntry = Omit<AuditEntry, "seq">;

/**
 * A sweep action, to take only if the key is still active when the writer acts on it: its event,
 * audit entry and report line are recorded for the keys actually acted on, and their watch rows go.
 */
export interface PlannedAction {
  keyId: string;
  event: CycleEvent;
  audit: NewAuditEntry;
  outcome: TickAction;
}

export interface AgencyPlan {
  /** The policy's action, for `actions`. */
  action: InactivityAction;
  actions: PlannedAction[];
  /** First warnings: the instant recorded on the key (`warned_at`) → key ids. */
  warned: Map<number, string[]>;
  notifications: NewNotification[];
  /** Digest e-mails to queue (only those with a recipient), with the id the events and audit name. */
  emails: (OutgoingEmail & { id: string })[];
  /** Cycle events of warnings (issued or skipped) and digests, besides the actions'. */
  events: CycleEvent[];
  /** Audit entries of warnings and digests, written after the actions'. */
  audits: NewAuditEntry[];
  watchUpserts: WatchRow[];
  /** Watch rows to drop (keys spared, revoked or gone), besides the acted-on keys'. */
  watchDeletes: string[];
  /** Keys whose cache entries must go after commit (warned: their next use is written through). */
  invalidate: string[];
  /** For the tick report. */
  warnings: TickWarning[];
  digests: TickEmail[];
}

const byId = (a: ApiKey, b: ApiKey) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The plan of one agency's due keys at `now` (see the file comment). Pure: no I/O, no clock. */
export function planAgency(
  keys: AgencyKeys,
  events: KeyEvents,
  ep: EffectivePolicy,
  now: number,
  opts: PlanOptions = {},
): AgencyPlan {
  const { agency } = keys;
  const agencyId = agency.id;
  const { policy } = ep;
  const { watch } = events;
  const active = [...keys.active].sort(byId);
  const activeIds = new Set(active.map((k) => k.id));

  const plan: AgencyPlan = {
    action: policy.action,
    actions: [],
    warned: new Map(),
    notifications: [],
    emails: [],
    events: [],
    audits: [],
    watchUpserts: [],
    watchDeletes: [],
    invalidate: [],
    warnings: [],
    digests: [],
  };
  const watchDeletes = new Set<string>();
  const toAct: ApiKey[] = [];
  const warnGroups = new Map<
    string,
    { accountId: string; leadDays: number; actionAt: number; keys: ApiKey[]; at: number[] }
  >();
  const emailGroups = new Map<number, ApiKey[]>();

  for (const id of keys.candidates) if (!activeIds.has(id) && watch.has(id)) watchDeletes.add(id); // acted on or revoked
  for (const k of active) {
    const ev = events.events.get(k.id) ?? [];
    if (ev.some((e) => e.kind === "action")) continue;
    const state = cycleState(k, ev);
    const d: Decision = decide(state, now, policy, ep.cron, { onTimeWithinMs: opts.onTimeWithinMs ?? 0 });
    const accountId = k.locationId ?? k.agencyId;
    if (lifetimeFirst(k.expiresAt, d.actionAt)) {
      // Its lifetime ends first: that ending is announced and acted on, not this one. A warned key's
      // row waits, with no next look, for an edit of its lifetime (LifetimeStore.clearWarnings).
      const w = watch.get(k.id);
      if (w && w.nextAt !== NEVER_AT) plan.watchUpserts.push({ ...w, nextAt: NEVER_AT });
      continue;
    }
    const firstAt = state.firstWarningAt ?? d.firstWarningAt ?? null;
    if (firstAt === null) {
      // Not warned in this cycle (spared since its watch row was written, or not due yet).
      if (watch.has(k.id)) watchDeletes.add(k.id);
      continue;
    }
    for (const due of d.due) {
      if (due.type === "action") toAct.push(k);
      else if (due.type === "email") {
        const list = emailGroups.get(d.actionAt) ?? [];
        list.push(k);
        emailGroups.set(d.actionAt, list);
      } else {
        const at = due.first ? firstAt : now;
        if (due.first) {
          const l = plan.warned.get(firstAt) ?? [];
          l.push(k.id);
          plan.warned.set(firstAt, l);
        }
        const gk = `${accountId}\u0000${due.leadDays}\u0000${d.actionAt}`;
        const g = warnGroups.get(gk) ?? {
          accountId,
          leadDays: due.leadDays,
          actionAt: d.actionAt,
          keys: [],
          at: [],
        };
        warnGroups.set(gk, g);
        g.keys.push(k);
        g.at.push(at);
      }
    }
    for (const lead of d.skippedLeads)
      plan.events.push(event(k, "warning", lead, now, d.actionAt, true, null));
    if (d.due.some((x) => x.type === "action")) continue;
    const w = watch.get(k.id);
    const row: WatchRow = {
      keyId: k.id,
      agencyId: k.agencyId,
      accountId,
      cycleAt: k.activityAt,
      firstWarningAt: firstAt,
      actionAt: d.actionAt,
      nextAt: d.nextAt ?? d.actionAt,
    };
    if (!w || JSON.stringify(w) !== JSON.stringify(row)) plan.watchUpserts.push(row);
  }

  const needPeople = warnGroups.size > 0 || emailGroups.size > 0;
  const users = needPeople ? keys.users : [];
  const locations = needPeople ? keys.locations : [];
  const accountName = (id: string) =>
    id === agencyId ? agency.name : (locations.find((l) => l.id === id)?.name ?? id);
  const audit = (
    action: string,
    targetType: string,
    targetId: string | null,
    extra: Partial<NewAuditEntry> = {},
  ): NewAuditEntry => ({
    id: newId("audit"),
    at: now,
    agencyId,
    actorType: "system",
    actorId: "lifecycle",
    ip: null,
    userAgent: null,
    action,
    targetType,
    targetId,
    before: null,
    after: null,
    ...extra,
  });

  // Sweep actions: a tombstone keeps the row. The cycle's actionAt is its watch row's (now if none).
  for (const k of toAct) {
    const w = watch.get(k.id);
    const actionAt = w?.cycleAt === k.activityAt ? w.actionAt : now;
    const inactiveDays = daysInactive(k.activityAt, now);
    plan.actions.push({
      keyId: k.id,
      event: event(k, "action", 0, now, actionAt, false, null),
      audit: audit(policy.action === "delete" ? "key.deleted" : "key.expired", "key", k.id, {
        before: { status: "active" },
        after: {
          status: policy.action === "delete" ? "deleted" : "expired",
          reason: "inactivity",
          inactiveDays,
          lastActivityAt: new Date(k.activityAt).toISOString(),
        },
      }),
      outcome: { keyId: k.id, agencyId, accountId: k.locationId ?? agencyId, action: policy.action },
    });
  }

  // First warnings: recorded on the key so that its next use is written through (docs/spec.md §3).
  for (const keyIds of plan.warned.values()) plan.invalidate.push(...keyIds);

  // In-app warnings: one notification per account, lead and actionAt, to the account's admins.
  const warningEvents: CycleEvent[] = [];
  for (const g of [...warnGroups.values()].sort(
    (a, b) => a.accountId.localeCompare(b.accountId) || b.leadDays - a.leadDays,
  )) {
    const id = newId("notification");
    const admins = accountAdmins(users, agencyId, g.accountId);
    const keyIds = g.keys.map((k) => k.id).sort();
    const text = warningText({
      accountName: accountName(g.accountId),
      keys: g.keys,
      leadDays: g.leadDays,
      actionAt: g.actionAt,
      action: policy.action,
      inactivityDays: policy.inactivityDays,
      now,
    });
    plan.notifications.push({
      id,
      agencyId,
      accountId: g.accountId,
      type: "inactivity_warning",
      leadDays: g.leadDays,
      actionAt: g.actionAt,
      keyIds,
      title: text.title,
      body: text.body,
      createdAt: now,
      recipients: admins.map((u) => u.id),
    });
    g.keys.forEach((k, i) => {
      warningEvents.push(event(k, "warning", g.leadDays, g.at[i]!, g.actionAt, false, id));
    });
    const to = admins.map((u) => u.email).sort();
    plan.warnings.push({
      agencyId,
      accountId: g.accountId,
      leadDays: g.leadDays,
      actionAt: g.actionAt,
      keyIds,
      to,
      notificationId: id,
    });
    plan.audits.push(
      audit("lifecycle.warning_issued", "notification", id, {
        after: {
          accountId: g.accountId,
          leadDays: g.leadDays,
          actionAt: new Date(g.actionAt).toISOString(),
          action: policy.action,
          keyIds,
          recipients: to.length,
        },
      }),
    );
  }

  // Digest e-mails: one per actionAt for the agency and its locations, to subscribed agency admins.
  const emailEvents: CycleEvent[] = [];
  if (emailGroups.size > 0) {
    const to = digestRecipients(users)
      .map((u) => u.email)
      .sort();
    for (const [actionAt, ks] of [...emailGroups.entries()].sort((a, b) => a[0] - b[0])) {
      const keyIds = ks.map((k) => k.id).sort();
      let emailId: string | null = null;
      if (to.length > 0) {
        const accounts = new Map<string, ApiKey[]>();
        for (const k of ks) {
          const a = k.locationId ?? agencyId;
          accounts.set(a, [...(accounts.get(a) ?? []), k]);
        }
        const mail = digestEmail({
          agencyName: agency.name,
          accounts: [...accounts.entries()].map(([accountId, list]) => ({
            accountId,
            accountName: accountName(accountId),
            kind: accountId === agencyId ? "agency" : "location",
            keys: list.map((k) => ({
              id: k.id,
              name: k.name,
              kind: k.kind,
              createdAt: k.createdAt,
              lastUsedAt: k.lastUsedAt,
            })),
          })),
          actionAt,
          action: policy.action,
          inactivityDays: policy.inactivityDays,
          consoleUrl: opts.publicUrl,
        });
        emailId = newId("email");
        plan.emails.push({
          id: emailId,
          agencyId,
          kind: "inactivity_digest",
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
        });
        plan.audits.push(
          audit("lifecycle.digest_queued", "email", emailId, {
            after: { to, keyIds, actionAt: new Date(actionAt).toISOString() },
          }),
        );
      } else {
        plan.audits.push(
          audit("lifecycle.digest_skipped", "agency", agencyId, {
            after: {
              reason: "no agency admin receives the digest",
              keyIds,
              actionAt: new Date(actionAt).toISOString(),
            },
          }),
        );
      }
      for (const k of ks)
        emailEvents.push(event(k, "email", policy.emailLeadDays, now, actionAt, false, emailId));
      plan.digests.push({ agencyId, actionAt, keyIds, to, emailId });
    }
  }

  plan.events.push(...warningEvents, ...emailEvents);
  const upserted = new Set(plan.watchUpserts.map((x) => x.keyId));
  plan.watchDeletes = [...watchDeletes].filter((id) => !upserted.has(id));
  return plan;
}

/** The key's current cycle as `decide()` sees it, from its recorded events. */
export function cycleState(k: ApiKey, ev: readonly CycleEvent[]): KeyCycleState {
  let firstWarningAt: number | null = null;
  const issuedLeads: number[] = [];
  for (const e of ev) {
    if (e.kind !== "warning") continue;
    issuedLeads.push(e.leadDays);
    if (!e.skipped && (firstWarningAt === null || e.issuedAt < firstWarningAt)) firstWarningAt = e.issuedAt;
  }
  return {
    lastActivity: k.activityAt,
    firstWarningAt,
    issuedLeads,
    emailIssued: ev.some((e) => e.kind === "email"),
  };
}

function event(
  k: ApiKey,
  kind: CycleEvent["kind"],
  leadDays: number,
  issuedAt: number,
  actionAt: number,
  skipped: boolean,
  refId: string | null,
): CycleEvent {
  return { keyId: k.id, cycleAt: k.activityAt, kind, leadDays, issuedAt, actionAt, skipped, refId };
}
