/**
 * The inactivity lifecycle as people see it (docs/spec.md §4): each agency's effective policy, the next action
 * of every key in listings, the banner, the forecast, in-app notifications, the outbox, and the policy
 * and digest fields of the agency settings. Everything here is derived from stored state and the
 * clock, so it is right whether or not the scheduler is running. The scheduler (src/scheduler/) is
 * what issues warnings and acts; both share `decide()` from core.
 */
import { ConfigError } from "../config.js";
import type { Clock } from "../core/clock.js";
import { DAY, humanDate, isoSecond, MONTH_NAMES } from "../core/clock.js";
import type { Cron } from "../core/cron.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import {
  type BannerKey,
  bannerActive,
  daysInactive,
  decide,
  dueAt,
  type InactivityAction,
  type LifecyclePolicy,
  maxLead,
  mergePolicy,
  sweepAtOrAfter,
  validatePolicy,
} from "../core/lifecycle.js";
import type { Agency, ApiKey, User } from "../core/model.js";
import { type Actor, canChangeAgencySettings } from "../core/permissions.js";
import { lifetimeFirst } from "../core/two-endings.js";
import { LifecycleStore, type OutboxStatus, type WatchRow } from "../store/lifecycle-store.js";
import type { Store } from "../store/store.js";
import { requireActor, resolveAccount } from "./access.js";
import type { Ctx } from "./context.js";
import type { LifecycleView, NextAction } from "./keys.js";
import type { SettingsExtension, SettingsPatchInput } from "./settings.js";

export interface EffectivePolicy {
  policy: LifecyclePolicy;
  cron: Cron;
}

const iso = (t: number | null) => (t === null ? null : isoSecond(t));

export function keysLink(accountId: string, keyIds: readonly string[]): string {
  return `/accounts/${encodeURIComponent(accountId)}/keys?highlight=${keyIds.map(encodeURIComponent).join(",")}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface BannerView {
  accountId: string;
  scope: "account" | "account_and_locations";
  scopeWords: string;
  actionAt: string;
  action: InactivityAction;
  keyIds: string[];
  count: number;
  message: string;
  link: string;
}

/**
 * What the next sweep that touches an account's keys will do to them: the same set the banner, the
 * inventory and the digest count. On an agency, its own keys and every location's (the digest's
 * reach); on a location, that location's.
 */
export interface UpcomingView {
  accountId: string;
  scope: "account" | "account_and_locations";
  /** "of Downtown", "of Acme Agency and its locations": whose keys the count is of. */
  scopeWords: string;
  action: InactivityAction;
  /** The earliest action instant among the keys in scope; null when no active key is in scope. */
  actionAt: string | null;
  count: number;
  /** How many of them have had their first warning (their date is fixed). */
  warned: number;
  keyIds: string[];
  link: string;
}

export interface ForecastKey {
  id: string;
  name: string;
  kind: string;
  accountId: string;
  lastActivityAt: string;
  daysInactive: number;
  warned: boolean;
  dueAt: string;
  firstWarningAt: string;
  reason: string;
}

export interface Forecast {
  generatedAt: string;
  nextSweepAt: string;
  policy: LifecyclePolicy;
  sweeps: { at: string; action: InactivityAction; keys: ForecastKey[] }[];
}

export class LifecycleService implements LifecycleView {
  readonly lstore: LifecycleStore;
  readonly defaultPolicy: EffectivePolicy;
  private readonly parsed = new Map<string, EffectivePolicy>();

  constructor(
    readonly deps: {
      store: Store;
      clock: Clock;
      policy: LifecyclePolicy;
    },
  ) {
    this.lstore = new LifecycleStore(deps.store);
    const v = validatePolicy({ ...deps.policy });
    if (!v.ok)
      throw new ConfigError(
        `Invalid lifecycle policy (KEYWARD_INACTIVITY_DAYS, KEYWARD_SWEEP_CRON, …):\n${v.errors
          .map((e) => `  ${e.field}: ${e.message}`)
          .join("\n")}`,
      );
    this.defaultPolicy = { policy: v.policy, cron: v.cron };
  }

  // ── policy ──────────────────────────────────────────────────────────────

  /**
   * The agency's effective policy: its override over the deployment default. An override that no
   * longer validates against a changed default is ignored (the default applies) rather than guessed at.
   */
  policyOf(agency: Pick<Agency, "policyOverride">): EffectivePolicy {
    if (!agency.policyOverride) return this.defaultPolicy;
    const k = JSON.stringify(agency.policyOverride);
    let p = this.parsed.get(k);
    if (!p) {
      const v = validatePolicy(
        mergePolicy(this.defaultPolicy.policy, agency.policyOverride as Partial<LifecyclePolicy>),
      );
      p = v.ok ? { policy: v.policy, cron: v.cron } : this.defaultPolicy;
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(k, p);
    }
    return p;
  }

  policyOfJson(json: string | null): EffectivePolicy {
    return this.policyOf({ policyOverride: json ? (JSON.parse(json) as Record<string, unknown>) : null });
  }

  /** The distinct policies in use: the default and every agency override (for the scheduler). */
  async policiesInUse(): Promise<{ default: EffectivePolicy; byAgency: Map<string, EffectivePolicy> }> {
    const byAgency = new Map<string, EffectivePolicy>();
    for (const o of await this.lstore.policyOverrides()) byAgency.set(o.agencyId, this.policyOfJson(o.json));
    return { default: this.defaultPolicy, byAgency };
  }

  /**
   * A key's inactivity action instant, or null when its lifetime ends first (then that ending is the
   * one announced: core/two-endings.ts). What the listings, upcoming and forecast show.
   */
  inactivityAt(key: ApiKey, watch: WatchRow | undefined, ep: EffectivePolicy, now: number): number | null {
    const at = this.actionAtOf(key, watch, ep, now);
    return lifetimeFirst(key.expiresAt, at) ? null : at;
  }

  /**
   * The keys whose inactivity action comes before their lifetime ends (read in `store`, the caller's
   * transaction): their lifetime warnings wait, the inactivity lifecycle's are the ones announced.
   */
  async inactivityFirst(store: Store, keys: readonly ApiKey[], now: number): Promise<Set<string>> {
    const out = new Set<string>();
    if (keys.length === 0) return out;
    const agencies = await store.getAgencies([...new Set(keys.map((k) => k.agencyId))]);
    const watch = await new LifecycleStore(store).watchOf(keys.map((k) => k.id));
    for (const k of keys) {
      const agency = agencies.get(k.agencyId);
      if (!agency) continue;
      const at = this.actionAtOf(k, watch.get(k.id), this.policyOf(agency), now);
      if (!lifetimeFirst(k.expiresAt, at)) out.add(k.id);
    }
    return out;
  }

  /** A key's action instant: fixed once its first warning is out, else what it will be if not used. */
  actionAtOf(key: ApiKey, watch: WatchRow | undefined, ep: EffectivePolicy, now: number): number {
    if (watch && watch.cycleAt === key.activityAt) return watch.actionAt;
    return decide(
      { lastActivity: key.activityAt, firstWarningAt: null, issuedLeads: [], emailIssued: false },
      now,
      ep.policy,
      ep.cron,
    ).actionAt;
  }

  async nextActions(keys: ApiKey[], agency: Agency): Promise<Map<string, NextAction | null>> {
    const out = new Map<string, NextAction | null>();
    const active = keys.filter((k) => k.status === "active");
    if (active.length === 0) return out;
    const ep = this.policyOf(agency);
    const now = this.deps.clock.now();
    const watch = await this.lstore.watchOf(active.map((k) => k.id));
    for (const k of active) {
      const w = watch.get(k.id);
      const at = this.inactivityAt(k, w, ep, now);
      out.set(
        k.id,
        at === null
          ? null
          : { action: ep.policy.action, at, warned: w !== undefined && w.cycleAt === k.activityAt },
      );
    }
    return out;
  }

  // ── upcoming: the next action on an account's keys ──────────────────────

  async upcoming(ctx: Ctx, accountId: string): Promise<UpcomingView> {
    const actor = requireActor(ctx);
    const { agency, owner } = await resolveAccount(this.deps.store, actor, accountId);
    return this.upcomingOf(agency, owner.locationId, this.deps.clock.now());
  }

  /** `locationId` null: the agency's keys and every location's (what an agency's views show). */
  async upcomingOf(agency: Agency, locationId: string | null, now: number): Promise<UpcomingView> {
    const ep = this.policyOf(agency);
    const keys = await this.deps.store.listKeys({
      agencyId: agency.id,
      ...(locationId === null ? {} : { locationIds: [locationId] }),
      statuses: ["active"],
    });
    const watch = await this.lstore.watchOf(keys.map((k) => k.id));
    let first: number | null = null;
    let due: { id: string; warned: boolean }[] = [];
    for (const k of keys) {
      const w = watch.get(k.id);
      const at = this.inactivityAt(k, w, ep, now);
      if (at === null) continue;
      const item = { id: k.id, warned: w !== undefined && w.cycleAt === k.activityAt };
      if (first === null || at < first) {
        first = at;
        due = [item];
      } else if (at === first) due.push(item);
    }
    const accountId = locationId ?? agency.id;
    const keyIds = due.map((d) => d.id).sort();
    return {
      accountId,
      scope: locationId === null ? "account_and_locations" : "account",
      scopeWords: await this.scopeWords(agency, locationId),
      action: ep.policy.action,
      actionAt: iso(first),
      count: keyIds.length,
      warned: due.filter((d) => d.warned).length,
      keyIds,
      link: keysLink(accountId, keyIds),
    };
  }

  /** "of Downtown" or "of Acme Agency and its locations". */
  private async scopeWords(agency: Agency, locationId: string | null): Promise<string> {
    if (locationId === null) return `of ${agency.name} and its locations`;
    const loc = await this.deps.store.getLocation(locationId);
    return `of ${loc?.name ?? locationId}`;
  }

  // ── banner ──────────────────────────────────────────────────────────────

  /** The account's banner now (the earliest actionAt when there are several), or null. */
  async banner(ctx: Ctx, accountId: string): Promise<BannerView | null> {
    const actor = requireActor(ctx);
    const { agency, owner } = await resolveAccount(this.deps.store, actor, accountId);
    return this.bannerOf(agency, owner.locationId ?? owner.agencyId, this.deps.clock.now());
  }

  /**
   * On an agency, the banner counts its keys and every location's (as the digest and the inventory
   * do); on a location, that location's keys.
   */
  async bannerOf(agency: Agency, accountId: string, now: number): Promise<BannerView | null> {
    const ep = this.policyOf(agency);
    const agencyWide = accountId === agency.id;
    const rows = await this.lstore.warnedActive(agencyWide ? { agencyId: agency.id } : { accountId });
    const banners = bannerActive<BannerKey & { id: string }>(
      rows
        .filter((r) => !lifetimeFirst(r.expiresAt, r.actionAt))
        .map((r) => ({ id: r.keyId, actionAt: r.actionAt, firstWarningAt: r.firstWarningAt })),
      now,
      ep.policy,
    );
    const b = banners[0];
    if (!b) return null;
    const keyIds = b.keys.map((k) => k.id).sort();
    const scopeWords = await this.scopeWords(agency, agencyWide ? null : accountId);
    return {
      accountId,
      scope: agencyWide ? "account_and_locations" : "account",
      scopeWords,
      actionAt: iso(b.actionAt)!,
      action: ep.policy.action,
      keyIds,
      count: keyIds.length,
      message: bannerMessage(keyIds.length, scopeWords, ep.policy, b.actionAt, now),
      link: keysLink(accountId, keyIds),
    };
  }

  // ── forecast ────────────────────────────────────────────────────────────

  async forecast(ctx: Ctx, agencyId: string, sweeps = 4): Promise<Forecast> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (actor.type !== "agency")
      throw denied("The forecast covers every key of the agency: it is for agency users and admins.");
    const agency = await this.deps.store.getAgency(agencyId);
    if (!agency) throw notFound("Agency");
    return this.forecastOf(agency, this.deps.clock.now(), sweeps);
  }

  /** What the next `sweeps` sweep instants will do to the current data if no key is used meanwhile. */
  async forecastOf(agency: Agency, now: number, sweeps = 4): Promise<Forecast> {
    const ep = this.policyOf(agency);
    const keys = await this.deps.store.listKeys({ agencyId: agency.id, statuses: ["active"] });
    const watch = await this.lstore.watchOf(keys.map((k) => k.id));
    const instants: number[] = [];
    let t = now;
    for (let i = 0; i < sweeps; i++) {
      const s = sweepAtOrAfter(ep.cron, t);
      instants.push(s);
      t = s + 1;
    }
    const last = instants[instants.length - 1] ?? now;
    const groups = new Map<number, ForecastKey[]>(instants.map((s) => [s, []]));
    for (const k of keys) {
      const w = watch.get(k.id);
      const at = this.inactivityAt(k, w, ep, now);
      if (at === null || at > last) continue;
      const warned = w !== undefined && w.cycleAt === k.activityAt;
      const why = explainAction(k.activityAt, warned ? w.firstWarningAt : null, at, now, ep);
      const list = groups.get(at) ?? [];
      list.push({
        id: k.id,
        name: k.name,
        kind: k.kind,
        accountId: k.locationId ?? k.agencyId,
        lastActivityAt: iso(k.activityAt)!,
        daysInactive: daysInactive(k.activityAt, now),
        warned,
        dueAt: iso(why.dueAt)!,
        firstWarningAt: iso(why.firstWarningAt)!,
        reason: why.reason,
      });
      groups.set(at, list);
    }
    return {
      generatedAt: iso(now)!,
      nextSweepAt: iso(instants[0] ?? sweepAtOrAfter(ep.cron, now))!,
      policy: ep.policy,
      sweeps: [...groups.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([at, ks]) => ({
          at: iso(at)!,
          action: ep.policy.action,
          keys: ks.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.name.localeCompare(b.name)),
        })),
    };
  }

  // ── notifications ───────────────────────────────────────────────────────

  async notifications(user: User, limit = 100) {
    const rows = await this.lstore.notificationsOf(user.id, limit);
    return {
      unread: await this.lstore.unreadCount(user.id),
      notifications: rows.map((n) => ({
        id: n.id,
        type: n.type,
        agencyId: n.agencyId,
        accountId: n.accountId,
        title: n.title,
        body: n.body,
        leadDays: n.leadDays,
        actionAt: iso(n.actionAt),
        keyIds: n.keyIds,
        createdAt: iso(n.createdAt)!,
        readAt: iso(n.readAt),
        link: keysLink(n.accountId, n.keyIds),
      })),
    };
  }

  async markRead(user: User, notificationId: string): Promise<void> {
    if (!(await this.lstore.markRead(user.id, notificationId, this.deps.clock.now())))
      throw notFound("Notification");
  }

  // ── outbox ──────────────────────────────────────────────────────────────

  async outbox(ctx: Ctx, agencyId: string, status?: OutboxStatus) {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!isAgencyAdmin(actor)) throw denied("The e-mail outbox is for agency admins.");
    const rows = await this.lstore.listOutbox(agencyId, status, 200);
    return {
      emails: rows.map((m) => ({
        id: m.id,
        kind: m.kind,
        to: m.to,
        subject: m.subject,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: iso(m.createdAt)!,
        sentAt: iso(m.sentAt),
      })),
    };
  }

  // ── settings: policy and digest ─────────────────────────────────────────

  async digestInfo(agencyId: string): Promise<{ subscribedAdmins: number; noSubscriber: boolean }> {
    const users = await this.deps.store.listUsers(agencyId);
    const n = digestRecipients(users).length;
    return { subscribedAdmins: n, noSubscriber: n === 0 };
  }

  settingsExtension(): SettingsExtension {
    return {
      read: async (agency) => ({
        policy: this.policyOf(agency).policy,
        policyOverride: agency.policyOverride,
        digest: await this.digestInfo(agency.id),
      }),
      apply: (agency, patch) => this.applyPolicyPatch(agency, patch),
      after: async (_ctx, before, after) => {
        if (JSON.stringify(before.policyOverride) !== JSON.stringify(after.policyOverride))
          await this.lstore.rewatchAgency(after.id);
      },
    };
  }

  /**
   * `policy: {...}` merges into the agency's override (a field set to null goes back to the
   * deployment default); `policy: null` drops the override. The result must validate.
   */
  applyPolicyPatch(agency: Agency, patch: SettingsPatchInput): Agency {
    if (!("policy" in patch) || patch.policy === undefined) return agency;
    if (patch.policy === null) return { ...agency, policyOverride: null };
    if (typeof patch.policy !== "object" || Array.isArray(patch.policy))
      throw new ApiError(
        "validation_failed",
        "policy must be an object of policy fields, or null to reset.",
        {
          issues: [{ field: "policy", message: "must be an object or null" }],
        },
      );
    const next: Record<string, unknown> = { ...(agency.policyOverride ?? {}) };
    for (const [k, v] of Object.entries(patch.policy as Record<string, unknown>)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const v = validatePolicy(mergePolicy(this.defaultPolicy.policy, next as Partial<LifecyclePolicy>));
    if (!v.ok) {
      const issues = v.errors.map((e) => ({ field: `policy.${e.field}`, message: e.message }));
      throw new ApiError(
        "validation_failed",
        `The policy is not valid: ${issues.map((i) => `${i.field} ${i.message}`).join("; ")}.`,
        { issues },
      );
    }
    return { ...agency, policyOverride: Object.keys(next).length > 0 ? next : null };
  }
}

function isAgencyAdmin(a: Actor): boolean {
  return a.type === "agency" && a.role === "admin" && canChangeAgencySettings(a, a.agencyId);
}

/** Agency admins who receive the digest: enabled and not opted out. */
export function digestRecipients(users: readonly User[]): User[] {
  return users.filter(
    (u) => u.type === "agency" && u.role === "admin" && !u.digestOptOut && u.disabledAt === null,
  );
}

/**
 * Who gets an account's in-app warnings: agency admins for agency keys, the location's admins
 * otherwise — and the agency admins when the location has no admin (someone must hear of it).
 */
export function accountAdmins(users: readonly User[], agencyId: string, accountId: string): User[] {
  const enabledAdmins = users.filter((u) => u.role === "admin" && u.disabledAt === null);
  const agencyAdmins = enabledAdmins.filter((u) => u.type === "agency");
  if (accountId === agencyId) return agencyAdmins;
  const locationAdmins = enabledAdmins.filter(
    (u) => u.type === "account" && u.locationIds.includes(accountId),
  );
  return locationAdmins.length > 0 ? locationAdmins : agencyAdmins;
}

export function actionVerb(action: InactivityAction): string {
  return action === "delete" ? "deleted" : "expired";
}

/**
 * Why a key's action falls where it does, in words: "Unused since 3 Aug 2026; 90 days reached on
 * 1 Nov 2026; deleted at the sweep of 1 Jan 2027." When the first warning came (or comes) too late for
 * that sweep, the action moves to a later one so the warnings keep their notice, and it says so.
 */
export function explainAction(
  activityAt: number,
  firstWarningAt: number | null,
  actionAt: number,
  now: number,
  ep: EffectivePolicy,
): { dueAt: number; firstWarningAt: number; reason: string } {
  const p = ep.policy;
  const due = dueAt(activityAt, p);
  const firstSweep = sweepAtOrAfter(ep.cron, due);
  const warnedAt = firstWarningAt ?? Math.max(now, firstSweep - maxLead(p));
  const reached = due <= now ? "reached" : "reaches";
  const parts = [
    `Unused since ${dayOf(activityAt)}`,
    `${plural(p.inactivityDays, "day")} ${reached} on ${dayOf(due)}`,
  ];
  if (actionAt > firstSweep)
    parts.push(
      `its first warning ${firstWarningAt === null ? "goes out" : "went out"} on ${dayOf(warnedAt)}, too late for ${notice(Math.round(maxLead(p) / DAY))} notice before the sweep of ${dayOf(firstSweep)}`,
    );
  parts.push(`${actionVerb(p.action)} at the sweep of ${dayOf(actionAt)}`);
  return { dueAt: due, firstWarningAt: warnedAt, reason: `${parts.join("; ")}.` };
}

/** "3 August 2026" (UTC): the day is what matters for why a key is where it is. */
const dayOf = (t: number) => {
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

const notice = (days: number) => (days === 1 ? "1 day's" : `${days} days'`);

function bannerMessage(
  n: number,
  scopeWords: string,
  p: LifecyclePolicy,
  actionAt: number,
  now: number,
): string {
  const what = `${plural(n, "API key")} ${scopeWords} ${n === 1 ? "has" : "have"} not been used for ${plural(p.inactivityDays, "day")}`;
  const when =
    actionAt <= now
      ? `${n === 1 ? "It is" : "They are"} being ${actionVerb(p.action)} now (the sweep of ${humanDate(actionAt)} is being caught up).`
      : `${n === 1 ? "It" : "They"} will be ${actionVerb(p.action)} on ${humanDate(actionAt)} unless used before then.`;
  return `${what}. ${when}`;
}
