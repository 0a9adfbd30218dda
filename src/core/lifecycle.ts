/**
 * The inactivity lifecycle of docs/spec.md §4, as pure functions of stored state and `now`.
 *
 * Why it is built this way: the product's promise is *no surprise* — no key is deleted or expired with
 * less notice than the policy promises, whatever happened in between (downtime, a policy change, a key
 * imported already dormant). So every instant (first warning, other leads, e-mail digest, banner, action)
 * is derived from what was actually issued, never from a fixed calendar: a late first warning moves
 * the action to a later sweep, and the action is impossible before the first warning exists. Because
 * everything is recomputed from stored state, a crash loses nothing, and the scheduler, `simulate`
 * and the forecast all share `decide()`.
 *
 * No I/O, no clock: times are epoch milliseconds (UTC), passed in.
 */
import { DAY, HOUR } from "./clock.js";
import { type Cron, CronError, parseCron } from "./cron.js";

/** What the sweep does to a key inactive past the policy: delete it, or expire it (kept, unusable). */
export const INACTIVITY_ACTIONS = ["delete", "expire"] as const;
export type InactivityAction = (typeof INACTIVITY_ACTIONS)[number];

export interface LifecyclePolicy {
  /** Days without activity after which a key is due for the action. */
  inactivityDays: number;
  action: InactivityAction;
  /** When actions happen: a cron expression in UTC. */
  sweep: string;
  /** In-app warning leads, in days before the action; distinct, sorted descending once validated. */
  inAppLeadsDays: number[];
  /** The e-mail digest's lead, in days before the action; at most the longest in-app lead. */
  emailLeadDays: number;
  /** How long before the action the banner shows. */
  bannerHours: number;
}

export const DEFAULT_POLICY: LifecyclePolicy = Object.freeze({
  inactivityDays: 90,
  action: "delete",
  sweep: "0 0 1 1,4,7,10 *",
  inAppLeadsDays: Object.freeze([15, 7, 1]) as number[],
  emailLeadDays: 15,
  bannerHours: 24,
});

// ---------------------------------------------------------------------------------------------------
// Validation

export interface PolicyError {
  /** The policy field at fault, e.g. "sweep" or "inAppLeadsDays[1]"; "policy" for the whole. */
  field: string;
  message: string;
}

export type PolicyValidation =
  | { ok: true; policy: LifecyclePolicy; cron: Cron }
  | { ok: false; errors: PolicyError[] };

const POLICY_FIELDS = [
  "inactivityDays",
  "action",
  "sweep",
  "inAppLeadsDays",
  "emailLeadDays",
  "bannerHours",
] as const;

const MAX_INACTIVITY_DAYS = 3650;
const MAX_BANNER_HOURS = 8760;

/**
 * Checks a complete policy (e.g. `mergePolicy(deploymentDefault, agencyOverride)`). Unknown fields are
 * refused so that a misspelt override is not silently ignored. On success the policy is a frozen copy
 * with the in-app leads sorted descending, and `cron` is its parsed sweep schedule.
 */
export function validatePolicy(input: unknown): PolicyValidation {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ field: "policy", message: `must be an object with the fields ${POLICY_FIELDS.join(", ")}` }],
    };
  }
  const o = input as Record<string, unknown>;
  const errors: PolicyError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });

  for (const k of Object.keys(o)) {
    if (!(POLICY_FIELDS as readonly string[]).includes(k)) {
      err(k, `is not a policy field; the fields are ${POLICY_FIELDS.join(", ")}`);
    }
  }

  const inactivityDays = integerField(o, "inactivityDays", 1, MAX_INACTIVITY_DAYS, "days", err);
  const bannerHours = integerField(o, "bannerHours", 1, MAX_BANNER_HOURS, "hours", err);

  const action = o["action"];
  if (action !== "delete" && action !== "expire") {
    err("action", `must be "delete" or "expire", got ${show(action)}`);
  }

  let cron: Cron | undefined;
  const sweep = o["sweep"];
  if (typeof sweep !== "string") {
    err("sweep", `must be a cron expression in UTC such as "${DEFAULT_POLICY.sweep}", got ${show(sweep)}`);
  } else {
    try {
      cron = parseCron(sweep);
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      err("sweep", `"${sweep.trim()}" is not a valid sweep schedule: ${e.message}`);
    }
  }

  let leads: number[] | undefined;
  const rawLeads = o["inAppLeadsDays"];
  if (!Array.isArray(rawLeads)) {
    err(
      "inAppLeadsDays",
      `must be a list of days before the action, such as [15, 7, 1], got ${show(rawLeads)}`,
    );
  } else if (rawLeads.length === 0) {
    err(
      "inAppLeadsDays",
      "must list at least one lead (the first warning carries the longest), e.g. [15, 7, 1]",
    );
  } else {
    const seen = new Set<number>();
    let good = true;
    rawLeads.forEach((v: unknown, i) => {
      const field = `inAppLeadsDays[${i}]`;
      if (!isInteger(v) || v < 1) {
        err(field, `must be a positive whole number of days, got ${show(v)}`);
        good = false;
      } else if (seen.has(v)) {
        err(field, `${v} is listed twice; each lead is given once`);
        good = false;
      } else {
        seen.add(v);
        if (inactivityDays === undefined && v > MAX_INACTIVITY_DAYS) {
          err(field, `a lead of ${v} days is longer than any inactivityDays allows (${MAX_INACTIVITY_DAYS})`);
          good = false;
        } else if (inactivityDays !== undefined && v > inactivityDays) {
          err(
            field,
            `a lead of ${v} days is longer than inactivityDays (${inactivityDays}): a key would be warned ` +
              `before it is inactive; shorten the lead to at most ${inactivityDays} or raise inactivityDays`,
          );
          good = false;
        }
      }
    });
    if (good) leads = [...seen].sort((a, b) => b - a);
  }

  const emailLeadDays = o["emailLeadDays"];
  if (!isInteger(emailLeadDays) || emailLeadDays < 1) {
    err("emailLeadDays", `must be a positive whole number of days, got ${show(emailLeadDays)}`);
  } else if (leads !== undefined && emailLeadDays > leads[0]!) {
    err(
      "emailLeadDays",
      `an e-mail lead of ${emailLeadDays} days is longer than the longest in-app lead (${leads[0]} days): ` +
        `the digest would come before the first warning; make it at most ${leads[0]} or add a longer in-app lead`,
    );
  }

  if (errors.length > 0 || cron === undefined || leads === undefined) return { ok: false, errors };
  const policy: LifecyclePolicy = Object.freeze({
    inactivityDays: inactivityDays!,
    action: action as LifecyclePolicy["action"],
    sweep: cron.expr,
    inAppLeadsDays: Object.freeze(leads) as number[],
    emailLeadDays: emailLeadDays as number,
    bannerHours: bannerHours!,
  });
  return { ok: true, policy, cron };
}

/**
 * An agency's override on top of a base policy. Fields the override leaves out (undefined or null) come
 * from the base; anything else, unknown fields included, is taken as is for `validatePolicy` to judge.
 */
export function mergePolicy(base: LifecyclePolicy, override: Partial<LifecyclePolicy>): LifecyclePolicy {
  const merged: Record<string, unknown> = { ...base, inAppLeadsDays: [...base.inAppLeadsDays] };
  for (const [k, v] of Object.entries(override ?? {})) {
    if (v === undefined || v === null) continue;
    merged[k] = Array.isArray(v) ? [...v] : v;
  }
  return merged as unknown as LifecyclePolicy;
}

function integerField(
  o: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  unit: string,
  err: (field: string, message: string) => void,
): number | undefined {
  const v = o[field];
  if (isInteger(v) && v >= min && v <= max) return v;
  err(field, `must be a whole number of ${unit} from ${min} to ${max}, got ${show(v)}`);
  return undefined;
}

function isInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---------------------------------------------------------------------------------------------------
// Definitions (docs/spec.md §4)

/** The longest in-app lead, in days: the lead the first warning carries. */
export function longestInAppLead(p: LifecyclePolicy): number {
  return Math.max(...p.inAppLeadsDays);
}

/** The longest of the in-app and e-mail leads, in milliseconds. */
export function maxLead(p: LifecyclePolicy): number {
  return Math.max(longestInAppLead(p), p.emailLeadDays) * DAY;
}

/**
 * Whole days a key has gone without use (its last activity: a use, its creation, a refresh), as
 * listings, the lifecycle view, the scheduler's audit entries and verification messages print it.
 * The store's bulk expiry computes the same in SQL (`lifecycle-store.ts` `actOn`).
 */
export function daysInactive(activityAt: number, now: number): number {
  return Math.max(0, Math.floor((now - activityAt) / DAY));
}

/** `lastActivity` + `inactivityDays`. */
export function dueAt(lastActivity: number, p: LifecyclePolicy): number {
  return lastActivity + p.inactivityDays * DAY;
}

/** The first sweep instant ≥ t. A validated schedule always has one; no sweep at all is a bug. */
export function sweepAtOrAfter(cron: Cron, t: number): number {
  const s = cron.nextAtOrAfter(t);
  if (s === null) throw new Error(`sweep schedule "${cron.expr}" has no instant after ${t}`);
  return s;
}

/** While no first warning has been issued: when it will be, max(now, firstSweep(≥ due) − maxLead). */
export function plannedFirstWarningAt(
  lastActivity: number,
  now: number,
  p: LifecyclePolicy,
  cron: Cron,
): number {
  return Math.max(now, sweepAtOrAfter(cron, dueAt(lastActivity, p)) - maxLead(p));
}

/** The first sweep s with s ≥ due and s ≥ firstWarningAt + maxLead: never less notice than promised. */
export function actionAtFor(
  lastActivity: number,
  firstWarningAt: number,
  p: LifecyclePolicy,
  cron: Cron,
): number {
  return sweepAtOrAfter(cron, Math.max(dueAt(lastActivity, p), firstWarningAt + maxLead(p)));
}

// ---------------------------------------------------------------------------------------------------
// The decision

/** What is stored for one active key in its current cycle (the cycle is identified by `lastActivity`). */
export interface KeyCycleState {
  lastActivity: number;
  /** When the first warning of this cycle was issued; null while none has been. */
  firstWarningAt: number | null;
  /** In-app leads (days) issued or recorded as skipped in this cycle; the first warning's may be included. */
  issuedLeads: readonly number[];
  emailIssued: boolean;
}

export type Due =
  /** `leadDays` is the lead's nominal value, even when issued late. `first` for the cycle's first warning. */
  | { type: "warning"; leadDays: number; first: boolean }
  | { type: "email" }
  | { type: "action"; action: InactivityAction };

export interface Decision {
  /**
   * The key's action instant: with the first warning issued (or being issued now), final for this cycle;
   * before that, what it will be if the first warning goes out on time.
   */
  actionAt: number;
  /** What to issue now, in this order: warning, e-mail; or the action alone. */
  due: Due[];
  /** Overdue leads passed over because a smaller one is issued now: record them as done (skipped). */
  skippedLeads: number[];
  /** The next instant (> now) at which `decide` will have something new for this key if it is not used. */
  nextAt: number | null;
  /**
   * Present when the cycle's first warning is due now: the instant to record as its issue time. That is
   * `now`, or the planned instant when `now` is within `onTimeWithinMs` of it (a live scheduler ticks up
   * to a minute after an instant; a few seconds' delay must not move the action by a whole sweep).
   */
  firstWarningAt?: number;
}

export interface DecideOptions {
  /** A first warning issued at most this long after its planned instant counts as on time. Default 0. */
  onTimeWithinMs?: number;
}

/**
 * What is due now for one active key, and when the next thing will be (docs/spec.md §4 rules 1, 2, 5 and 6).
 * The caller records `due` and `skippedLeads` in one transaction, then calls again at `nextAt`. Uses,
 * refreshes and rotations are not its business: they change `lastActivity`, which starts a new cycle.
 */
export function decide(
  state: KeyCycleState,
  now: number,
  p: LifecyclePolicy,
  cron: Cron,
  opts: DecideOptions = {},
): Decision {
  const longest = longestInAppLead(p);
  if (state.firstWarningAt === null) {
    const planned = sweepAtOrAfter(cron, dueAt(state.lastActivity, p)) - maxLead(p);
    if (planned > now) {
      return {
        actionAt: actionAtFor(state.lastActivity, planned, p, cron),
        due: [],
        skippedLeads: [],
        nextAt: planned,
      };
    }
    // The first warning is never skipped; issued now (late or not), it fixes actionAt.
    const issuedAt = now - planned <= (opts.onTimeWithinMs ?? 0) ? planned : now;
    const emailNow = p.emailLeadDays === longest && !state.emailIssued;
    const actionAt = actionAtFor(state.lastActivity, issuedAt, p, cron);
    const rest = afterFirstWarning(
      state.issuedLeads,
      state.emailIssued || emailNow,
      issuedAt,
      now,
      actionAt,
      p,
    );
    const due: Due[] = [{ type: "warning", leadDays: longest, first: true }];
    if (emailNow) due.push({ type: "email" });
    return {
      actionAt,
      due: [...due, ...rest.due],
      skippedLeads: rest.skippedLeads,
      nextAt: rest.nextAt,
      firstWarningAt: issuedAt,
    };
  }
  const actionAt = actionAtFor(state.lastActivity, state.firstWarningAt, p, cron);
  return {
    actionAt,
    ...afterFirstWarning(state.issuedLeads, state.emailIssued, state.firstWarningAt, now, actionAt, p),
  };
}

function afterFirstWarning(
  issuedLeads: readonly number[],
  emailIssued: boolean,
  firstWarningAt: number,
  now: number,
  actionAt: number,
  p: LifecyclePolicy,
): Omit<Decision, "actionAt"> {
  // Acted on at once once actionAt has passed, with no further warning (rule 6).
  if (actionAt <= now) return { due: [{ type: "action", action: p.action }], skippedLeads: [], nextAt: null };

  const longest = longestInAppLead(p);
  const due: Due[] = [];
  let nextAt = actionAt;
  const overdue: number[] = [];
  for (const lead of p.inAppLeadsDays) {
    // The longest lead is the first warning's, which has been issued.
    if (lead >= longest || issuedLeads.includes(lead)) continue;
    const at = actionAt - lead * DAY;
    if (at <= now) overdue.push(lead);
    else if (at < nextAt) nextAt = at;
  }
  overdue.sort((a, b) => b - a);
  const smallest = overdue.pop();
  if (smallest !== undefined) due.push({ type: "warning", leadDays: smallest, first: false });

  if (!emailIssued) {
    // With the longest in-app lead, the digest goes with the first warning; otherwise at its own lead.
    const at = p.emailLeadDays === longest ? firstWarningAt : actionAt - p.emailLeadDays * DAY;
    if (at <= now) due.push({ type: "email" });
    else if (at < nextAt) nextAt = at;
  }
  return { due, skippedLeads: overdue, nextAt };
}

// ---------------------------------------------------------------------------------------------------
// Banner (derived state: it changes at these instants whether or not the scheduler runs)

export function bannerWindow(actionAt: number, p: LifecyclePolicy): { from: number; to: number } {
  return { from: actionAt - p.bannerHours * HOUR, to: actionAt };
}

export interface BannerKey {
  actionAt: number;
  firstWarningAt: number | null;
}

export interface Banner<K extends BannerKey> {
  actionAt: number;
  /** When this banner came on: max(actionAt − bannerHours, the earliest first warning). */
  from: number;
  /**
   * When it is expected to go off: the action. It stays on past that instant while a counted key is
   * still active (the scheduler was not running at the sweep and acts when it runs again).
   */
  to: number;
  /** The keys it counts: those with this actionAt whose first warning has been issued. */
  keys: K[];
}

/**
 * The banners on at `now` for one account's active keys, by actionAt ascending. A banner shows for an
 * actionAt while an active key with that actionAt has had its first warning, from actionAt − bannerHours
 * until no such key is left (docs/spec.md §4 rule 3: acted on, spared or revoked). Normally the sweep acts at
 * actionAt and the banner goes then; if the scheduler was down over the sweep, the banner stays until
 * it acts, since the keys are still there and still about to go.
 */
export function bannerActive<K extends BannerKey>(
  keys: readonly K[],
  now: number,
  p: LifecyclePolicy,
): Banner<K>[] {
  const groups = new Map<number, Banner<K>>();
  for (const k of keys) {
    if (k.firstWarningAt === null || k.firstWarningAt > now) continue;
    const w = bannerWindow(k.actionAt, p);
    if (now < w.from) continue;
    const g = groups.get(k.actionAt);
    const from = Math.max(w.from, k.firstWarningAt);
    if (g === undefined) groups.set(k.actionAt, { actionAt: k.actionAt, from, to: w.to, keys: [k] });
    else {
      g.keys.push(k);
      if (from < g.from) g.from = from;
    }
  }
  return [...groups.values()].sort((a, b) => a.actionAt - b.actionAt);
}

/**
 * The next instant (> now) at which `bannerActive` changes for these keys by time alone, or null. A
 * banner comes on by time alone; it goes off when its keys change (acted on, spared, revoked).
 */
export function nextBannerChange(keys: readonly BannerKey[], now: number, p: LifecyclePolicy): number | null {
  let next: number | null = null;
  for (const k of keys) {
    if (k.firstWarningAt === null) continue;
    const t = Math.max(bannerWindow(k.actionAt, p).from, k.firstWarningAt);
    if (t > now && (next === null || t < next)) next = t;
  }
  return next;
}

// ---------------------------------------------------------------------------------------------------
// The calendar: when anything can happen by time alone

/**
 * The first instant > `after` at which the lifecycle of some key under this policy can change by time
 * alone, whatever the keys: a sweep, a sweep minus a lead (in-app or e-mail), a sweep minus the banner.
 * Late first warnings happen when the scheduler starts again, which the caller knows. A scheduler that
 * wakes at these instants (and at start) never misses one; `keyward simulate` jumps between them.
 */
export function nextCalendarInstant(p: LifecyclePolicy, cron: Cron, after: number): number {
  const offsets = new Set<number>([0, p.bannerHours * HOUR, p.emailLeadDays * DAY]);
  for (const l of p.inAppLeadsDays) offsets.add(l * DAY);
  let next = Number.POSITIVE_INFINITY;
  for (const o of offsets) next = Math.min(next, sweepAtOrAfter(cron, after + 1 + o) - o);
  return next;
}
