/**
 * `planAgency` without a database: the scheduler's rules (docs/spec.md §4 rules 1, 2, 5, 6, 7) as plain data.
 * Each test feeds the keys, their recorded cycle events and watch rows as the store would return them
 * (events of the current cycle only), and checks what the plan says to issue and record.
 */
import { describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/core/clock.js";
import { DEFAULT_POLICY, type LifecyclePolicy, validatePolicy } from "../../src/core/lifecycle.js";
import type { Agency, ApiKey, Location, User } from "../../src/core/model.js";
import { type AgencyKeys, type AgencyPlan, planAgency } from "../../src/scheduler/plan.js";
import type { EffectivePolicy } from "../../src/service/lifecycle.js";
import type { CycleEvent, WatchRow } from "../../src/store/lifecycle-store.js";

const T = (iso: string) => Date.parse(iso);
const CREATED = T("2026-01-01T00:00:00Z");
// Default policy: due 2026-04-01, which is a sweep instant; first warning (and digest) 15 days before.
const ACTION_AT = T("2026-04-01T00:00:00Z");
const FIRST = ACTION_AT - 15 * DAY; // 2026-03-17
const LEAD7 = ACTION_AT - 7 * DAY;
const LEAD1 = ACTION_AT - 1 * DAY;

function policy(over: Partial<LifecyclePolicy> = {}): EffectivePolicy {
  const v = validatePolicy({ ...DEFAULT_POLICY, ...over });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { policy: v.policy, cron: v.cron };
}

const agency: Agency = {
  id: "ag1",
  name: "Agency One",
  plan: "agency_pro",
  enhancedSecurity: true,
  legacyCreation: null,
  policyOverride: null,
  createdAt: 0,
  updatedAt: 0,
};
const location: Location = {
  id: "loc1",
  agencyId: "ag1",
  name: "Location One",
  email: null,
  phone: null,
  timezone: null,
  createdAt: 0,
  updatedAt: 0,
  deletedAt: null,
};
function user(id: string, email: string, over: Partial<User>): User {
  return {
    id,
    agencyId: "ag1",
    email,
    name: id,
    passwordHash: null,
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: true,
    digestOptOut: false,
    locationIds: [],
    createdAt: 0,
    updatedAt: 0,
    disabledAt: null,
    ...over,
  };
}
const owner = user("u_owner", "owner@ag1.test", {});
const boss = user("u_boss", "boss@loc1.test", { type: "account", locationIds: ["loc1"] });
const staff = user("u_staff", "staff@ag1.test", { role: "user" });

function key(id: string, over: Partial<ApiKey> = {}): ApiKey {
  return {
    id,
    agencyId: "ag1",
    locationId: "loc1",
    kind: "private_integration",
    name: `name of ${id}`,
    description: "",
    scopes: [],
    status: "active",
    imported: false,
    createdAt: CREATED,
    createdBy: null,
    updatedAt: CREATED,
    activityAt: CREATED,
    lastUsedAt: null,
    lastUsedIp: null,
    lastUsedUa: null,
    revokedAt: null,
    expiredAt: null,
    deletedAt: null,
    inactiveDays: null,
    warnedAt: null,
    secretEnc: null,
    locationIds: null,
    ipAllowlist: null,
    ...over,
  };
}

/** What the store holds after some plans were written: events of each key's cycle, watch rows. */
class Recorded {
  events = new Map<string, CycleEvent[]>();
  watch = new Map<string, WatchRow>();

  /** Writes a plan as the scheduler does when every planned action takes effect. */
  apply(plan: AgencyPlan): this {
    for (const e of [...plan.actions.map((a) => a.event), ...plan.events])
      this.events.set(e.keyId, [...(this.events.get(e.keyId) ?? []), e]);
    for (const id of [...plan.watchDeletes, ...plan.actions.map((a) => a.keyId)]) this.watch.delete(id);
    for (const w of plan.watchUpserts) this.watch.set(w.keyId, w);
    return this;
  }

  /** The store returns only the events of each key's current cycle (cycle_at = activity_at). */
  of(keys: readonly ApiKey[]) {
    const events = new Map<string, CycleEvent[]>();
    for (const k of keys)
      events.set(
        k.id,
        (this.events.get(k.id) ?? []).filter((e) => e.cycleAt === k.activityAt),
      );
    return { events, watch: this.watch };
  }
}

function input(keys: ApiKey[], candidates = keys.map((k) => k.id)): AgencyKeys {
  return {
    agency,
    candidates,
    active: keys.filter((k) => k.status === "active"),
    users: [owner, boss, staff],
    locations: [location],
  };
}

/** Plans at `now` and records the plan, like one scheduler tick for this agency. */
function tick(rec: Recorded, keys: ApiKey[], now: number, ep = policy()): AgencyPlan {
  const plan = planAgency(input(keys), rec.of(keys), ep, now);
  rec.apply(plan);
  return plan;
}

const nothing = (p: AgencyPlan) =>
  p.warnings.length + p.digests.length + p.actions.length + p.notifications.length + p.events.length;

describe("planAgency", () => {
  it("plans nothing before the first warning's instant, and the first warning with the digest exactly on it", () => {
    const k = key("k1");
    const before = planAgency(input([k]), new Recorded().of([k]), policy(), FIRST - 1);
    expect(nothing(before)).toBe(0);
    expect(before.watchUpserts).toEqual([]);

    const p = planAgency(input([k]), new Recorded().of([k]), policy(), FIRST);
    expect(p.warnings).toEqual([
      {
        agencyId: "ag1",
        accountId: "loc1",
        leadDays: 15,
        actionAt: ACTION_AT,
        keyIds: ["k1"],
        to: ["boss@loc1.test"],
        notificationId: p.notifications[0]!.id,
      },
    ]);
    expect(p.notifications).toHaveLength(1);
    expect(p.notifications[0]).toMatchObject({
      accountId: "loc1",
      type: "inactivity_warning",
      leadDays: 15,
      actionAt: ACTION_AT,
      keyIds: ["k1"],
      recipients: ["u_boss"],
      createdAt: FIRST,
    });
    // The digest goes with the first warning (e-mail lead = longest in-app lead), to agency admins.
    expect(p.emails).toHaveLength(1);
    expect(p.emails[0]).toMatchObject({ agencyId: "ag1", kind: "inactivity_digest", to: ["owner@ag1.test"] });
    expect(p.digests).toEqual([
      {
        agencyId: "ag1",
        actionAt: ACTION_AT,
        keyIds: ["k1"],
        to: ["owner@ag1.test"],
        emailId: p.emails[0]!.id,
      },
    ]);
    expect(p.events).toEqual([
      {
        keyId: "k1",
        cycleAt: CREATED,
        kind: "warning",
        leadDays: 15,
        issuedAt: FIRST,
        actionAt: ACTION_AT,
        skipped: false,
        refId: p.notifications[0]!.id,
      },
      {
        keyId: "k1",
        cycleAt: CREATED,
        kind: "email",
        leadDays: 15,
        issuedAt: FIRST,
        actionAt: ACTION_AT,
        skipped: false,
        refId: p.emails[0]!.id,
      },
    ]);
    expect(p.audits.map((a) => [a.action, a.targetId])).toEqual([
      ["lifecycle.warning_issued", p.notifications[0]!.id],
      ["lifecycle.digest_queued", p.emails[0]!.id],
    ]);
    // The first warning is marked on the key (its next use is written through) and its cache entry goes.
    expect([...p.warned]).toEqual([[FIRST, ["k1"]]]);
    expect(p.invalidate).toEqual(["k1"]);
    expect(p.watchUpserts).toEqual([
      {
        keyId: "k1",
        agencyId: "ag1",
        accountId: "loc1",
        cycleAt: CREATED,
        firstWarningAt: FIRST,
        actionAt: ACTION_AT,
        nextAt: LEAD7,
      },
    ]);
    expect(p.actions).toEqual([]);
  });

  it("issues the 7- and 1-day leads exactly on their instants and deletes at actionAt, each once", () => {
    const k = key("k1");
    const rec = new Recorded();
    tick(rec, [k], FIRST);
    // Nothing twice: the same instant again, and any instant before the next lead, plan nothing.
    expect(nothing(tick(rec, [k], FIRST))).toBe(0);
    expect(nothing(tick(rec, [k], LEAD7 - 1))).toBe(0);

    const p7 = tick(rec, [k], LEAD7);
    expect(p7.warnings.map((w) => [w.leadDays, w.actionAt, w.keyIds])).toEqual([[7, ACTION_AT, ["k1"]]]);
    expect(p7.digests).toEqual([]);
    expect(p7.warned.size).toBe(0);
    expect(p7.watchUpserts.map((w) => w.nextAt)).toEqual([LEAD1]);
    expect(nothing(tick(rec, [k], LEAD7))).toBe(0);

    const p1 = tick(rec, [k], LEAD1);
    expect(p1.warnings.map((w) => w.leadDays)).toEqual([1]);
    expect(p1.watchUpserts.map((w) => w.nextAt)).toEqual([ACTION_AT]);

    expect(nothing(tick(rec, [k], ACTION_AT - 1))).toBe(0);
    const act = tick(rec, [k], ACTION_AT);
    expect(act.action).toBe("delete");
    expect(act.actions).toHaveLength(1);
    expect(act.actions[0]!.outcome).toEqual({
      keyId: "k1",
      agencyId: "ag1",
      accountId: "loc1",
      action: "delete",
    });
    expect(act.actions[0]!.event).toMatchObject({ kind: "action", issuedAt: ACTION_AT, actionAt: ACTION_AT });
    expect(act.actions[0]!.audit).toMatchObject({
      action: "key.deleted",
      targetId: "k1",
      actorType: "system",
      actorId: "lifecycle",
      before: { status: "active" },
      after: { status: "deleted", reason: "inactivity", inactiveDays: 90 },
    });
    expect(act.warnings).toEqual([]);
    // An action already recorded (a second scheduler, a retried batch) is not planned again.
    expect(nothing(tick(rec, [k], ACTION_AT))).toBe(0);
  });

  it("expires instead of deleting under the expire policy", () => {
    const ep = policy({ action: "expire" });
    const k = key("k1");
    const rec = new Recorded();
    for (const t of [FIRST, LEAD7, LEAD1]) tick(rec, [k], t, ep);
    const act = tick(rec, [k], ACTION_AT, ep);
    expect(act.action).toBe("expire");
    expect(act.actions.map((a) => a.outcome.action)).toEqual(["expire"]);
    expect(act.actions[0]!.audit).toMatchObject({ action: "key.expired", after: { status: "expired" } });
  });

  it("starts a new cycle for a key used after a warning: its watch row goes, the next warning follows the new due date", () => {
    const rec = new Recorded();
    tick(rec, [key("k1")], FIRST);
    const used = T("2026-03-20T10:00:00Z");
    const k = key("k1", { activityAt: used, lastUsedAt: used });
    // The old cycle's events do not count; the key is not due yet: nothing issued, the stale watch row goes.
    const p = tick(rec, [k], LEAD7);
    expect(nothing(p)).toBe(0);
    expect(p.watchDeletes).toEqual(["k1"]);
    expect(rec.watch.size).toBe(0);
    // due 2026-06-18T10:00 → sweep 2026-07-01 → first warning 2026-06-16.
    const nextAction = T("2026-07-01T00:00:00Z");
    expect(nothing(tick(rec, [k], nextAction - 15 * DAY - 1))).toBe(0);
    const again = tick(rec, [k], nextAction - 15 * DAY);
    expect(again.warnings.map((w) => [w.leadDays, w.actionAt])).toEqual([[15, nextAction]]);
    expect(again.events.every((e) => e.cycleAt === used)).toBe(true);
  });

  it("groups several keys: one notification per account and lead, one digest for the agency and its locations", () => {
    const keys = [
      key("k2"),
      key("k1"),
      key("a1", { locationId: null }),
      key("k3", { activityAt: CREATED + DAY }),
    ];
    const p = planAgency(input(keys), new Recorded().of(keys), policy(), FIRST);
    // k3 became inactive a day later: its due date is 2026-04-02, so its action is at the next sweep.
    expect(p.warnings.map((w) => [w.accountId, w.leadDays, w.keyIds, w.to])).toEqual([
      ["ag1", 15, ["a1"], ["owner@ag1.test"]],
      ["loc1", 15, ["k1", "k2"], ["boss@loc1.test"]],
    ]);
    expect(p.digests).toEqual([
      {
        agencyId: "ag1",
        actionAt: ACTION_AT,
        keyIds: ["a1", "k1", "k2"],
        to: ["owner@ag1.test"],
        emailId: p.emails[0]!.id,
      },
    ]);
    expect(p.emails).toHaveLength(1);
    expect(p.emails[0]!.text).toContain("Location One");
    expect(p.watchUpserts.map((w) => w.keyId)).toEqual(["a1", "k1", "k2"]);
    expect([...p.warned]).toEqual([[FIRST, ["a1", "k1", "k2"]]]);
  });

  it("issues a late first warning at once and moves the action to a later sweep (catch-up, rule 6)", () => {
    const k = key("k1");
    const late = FIRST + HOUR;
    const p = planAgency(input([k]), new Recorded().of([k]), policy(), late);
    const july = T("2026-07-01T00:00:00Z");
    expect(p.warnings.map((w) => [w.leadDays, w.actionAt])).toEqual([[15, july]]);
    expect([...p.warned]).toEqual([[late, ["k1"]]]);
    // Within onTimeWithinMs of its instant, it counts as on time: recorded at the planned instant.
    const onTime = planAgency(input([k]), new Recorded().of([k]), policy(), FIRST + 30_000, {
      onTimeWithinMs: 60_000,
    });
    expect(onTime.warnings.map((w) => w.actionAt)).toEqual([ACTION_AT]);
    expect([...onTime.warned]).toEqual([[FIRST, ["k1"]]]);
  });

  it("issues only the smallest of several overdue leads and records the others as skipped", () => {
    const k = key("k1");
    const rec = new Recorded();
    tick(rec, [k], FIRST);
    const p = tick(rec, [k], LEAD1 + HOUR);
    expect(p.warnings.map((w) => w.leadDays)).toEqual([1]);
    expect(p.events.filter((e) => e.skipped).map((e) => e.leadDays)).toEqual([7]);
    expect(nothing(tick(rec, [k], LEAD1 + 2 * HOUR))).toBe(0);
  });

  it("acts at once on a key whose actionAt passed while warned, with no further warning", () => {
    const k = key("k1");
    const rec = new Recorded();
    tick(rec, [k], FIRST);
    const p = tick(rec, [k], ACTION_AT + DAY);
    expect(p.warnings).toEqual([]);
    expect(p.actions.map((a) => [a.keyId, a.event.actionAt])).toEqual([["k1", ACTION_AT]]);
  });

  it("without a digest recipient sends no e-mail but records the digest as skipped", () => {
    const k = key("k1");
    const p = planAgency(
      { ...input([k]), users: [boss, user("u_out", "out@ag1.test", { digestOptOut: true })] },
      new Recorded().of([k]),
      policy(),
      FIRST,
    );
    expect(p.emails).toEqual([]);
    expect(p.digests).toEqual([
      { agencyId: "ag1", actionAt: ACTION_AT, keyIds: ["k1"], to: [], emailId: null },
    ]);
    expect(p.audits.map((a) => a.action)).toEqual(["lifecycle.warning_issued", "lifecycle.digest_skipped"]);
    expect(p.events.find((e) => e.kind === "email")?.refId).toBeNull();
  });

  it("drops the watch rows of candidates no longer active (revoked, acted on elsewhere)", () => {
    const rec = new Recorded();
    tick(rec, [key("k1"), key("k2")], FIRST);
    const p = planAgency(
      { ...input([key("k2")]), candidates: ["k1", "k2"] },
      rec.of([key("k2")]),
      policy(),
      LEAD7,
    );
    expect(p.watchDeletes).toEqual(["k1"]);
    expect(p.warnings.map((w) => w.keyIds)).toEqual([["k2"]]);
  });
});
