import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cron } from "../../src/core/cron.js";
import {
  actionAtFor,
  bannerActive,
  bannerWindow,
  DEFAULT_POLICY,
  type Decision,
  daysInactive,
  decide,
  dueAt,
  type KeyCycleState,
  type LifecyclePolicy,
  longestInAppLead,
  maxLead,
  mergePolicy,
  nextBannerChange,
  nextCalendarInstant,
  type PolicyError,
  plannedFirstWarningAt,
  validatePolicy,
} from "../../src/core/lifecycle.js";

const at = (iso: string): number => Date.parse(iso);
const iso = (t: number | null): string | null =>
  t === null ? null : new Date(t).toISOString().replace(".000Z", "Z");
const DAY = 86_400_000;

function policy(override: Partial<LifecyclePolicy> = {}): { p: LifecyclePolicy; cron: Cron } {
  const v = validatePolicy(mergePolicy(DEFAULT_POLICY, override));
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { p: v.policy, cron: v.cron };
}

function fresh(lastActivity: string): KeyCycleState {
  return { lastActivity: at(lastActivity), firstWarningAt: null, issuedLeads: [], emailIssued: false };
}

/** A decision with its instants as ISO strings, for readable assertions. */
function show(d: Decision) {
  return { actionAt: iso(d.actionAt), due: d.due, skippedLeads: d.skippedLeads, nextAt: iso(d.nextAt) };
}

/**
 * A minimal scheduler: calls decide() at each nextAt (or when an outage ends), records what is due as the
 * real scheduler would, and returns the events. It also checks that decide() is idempotent: once what was
 * due is recorded, asking again at the same instant yields nothing.
 */
function run(
  state0: KeyCycleState,
  start: string,
  end: string,
  p: LifecyclePolicy,
  cron: Cron,
  outages: [string, string][] = [],
): string[] {
  const state = { ...state0, issuedLeads: [...state0.issuedLeads] };
  const events: string[] = [];
  let now = at(start);
  for (let steps = 0; steps < 100; steps++) {
    for (const [from, to] of outages) if (now >= at(from) && now < at(to)) now = at(to);
    if (now >= at(end)) return events;
    const d = decide(state, now, p, cron);
    for (const due of d.due) {
      if (due.type === "warning") {
        events.push(`${iso(now)} warning ${due.leadDays}${due.first ? " first" : ""} for ${iso(d.actionAt)}`);
        if (due.first) state.firstWarningAt = now;
        state.issuedLeads.push(due.leadDays);
      } else if (due.type === "email") {
        events.push(`${iso(now)} email for ${iso(d.actionAt)}`);
        state.emailIssued = true;
      } else {
        events.push(`${iso(now)} ${due.action}`);
        return events;
      }
    }
    for (const lead of d.skippedLeads) {
      events.push(`${iso(now)} skipped ${lead}`);
      state.issuedLeads.push(lead);
    }
    if (d.due.length > 0) {
      const again = decide(state, now, p, cron);
      expect(again.due).toEqual([]);
      expect(again.skippedLeads).toEqual([]);
      expect(again.actionAt).toBe(d.actionAt);
      expect(again.nextAt).toBe(d.nextAt);
    }
    if (d.nextAt === null) return events;
    expect(d.nextAt).toBeGreaterThan(now);
    now = d.nextAt;
  }
  throw new Error("no end");
}

describe("the definitions of docs/spec.md §4, on its example", () => {
  // Key created 2025-12-01, last used 2026-02-10T09:30Z, default policy (quarterly sweep).
  const { p, cron } = policy();
  const lastActivity = at("2026-02-10T09:30:00Z");

  it("due, maxLead, first warning and actionAt", () => {
    expect(maxLead(p)).toBe(15 * DAY);
    expect(longestInAppLead(p)).toBe(15);
    expect(iso(dueAt(lastActivity, p))).toBe("2026-05-11T09:30:00Z");
    expect(iso(cron.nextAtOrAfter(dueAt(lastActivity, p)))).toBe("2026-07-01T00:00:00Z");
    expect(iso(plannedFirstWarningAt(lastActivity, at("2026-03-01T00:00:00Z"), p, cron))).toBe(
      "2026-06-16T00:00:00Z",
    );
    // Later than planned: now.
    expect(iso(plannedFirstWarningAt(lastActivity, at("2026-06-20T08:00:00Z"), p, cron))).toBe(
      "2026-06-20T08:00:00Z",
    );
    expect(iso(actionAtFor(lastActivity, at("2026-06-16T00:00:00Z"), p, cron))).toBe("2026-07-01T00:00:00Z");
    // Warned a second late: 15 days of notice no longer fit before 1 July.
    expect(iso(actionAtFor(lastActivity, at("2026-06-16T00:00:01Z"), p, cron))).toBe("2026-10-01T00:00:00Z");
  });

  it("before the first warning: nothing due, next is the planned first warning", () => {
    expect(show(decide(fresh("2026-02-10T09:30:00Z"), at("2026-03-01T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [],
      skippedLeads: [],
      nextAt: "2026-06-16T00:00:00Z",
    });
    expect(show(decide(fresh("2026-02-10T09:30:00Z"), at("2026-06-15T23:59:59.999Z"), p, cron)).nextAt).toBe(
      "2026-06-16T00:00:00Z",
    );
  });

  it("at the planned instant: the first warning with lead 15, and the e-mail with it", () => {
    expect(show(decide(fresh("2026-02-10T09:30:00Z"), at("2026-06-16T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 15, first: true }, { type: "email" }],
      skippedLeads: [],
      nextAt: "2026-06-24T00:00:00Z",
    });
  });

  it("then lead 7, lead 1, and the action on 1 July", () => {
    const state: KeyCycleState = {
      lastActivity,
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15],
      emailIssued: true,
    };
    expect(show(decide(state, at("2026-06-20T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [],
      skippedLeads: [],
      nextAt: "2026-06-24T00:00:00Z",
    });
    expect(show(decide(state, at("2026-06-24T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 7, first: false }],
      skippedLeads: [],
      nextAt: "2026-06-30T00:00:00Z",
    });
    const after7 = { ...state, issuedLeads: [15, 7] };
    expect(show(decide(after7, at("2026-06-30T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 1, first: false }],
      skippedLeads: [],
      nextAt: "2026-07-01T00:00:00Z",
    });
    const after1 = { ...state, issuedLeads: [15, 7, 1] };
    expect(show(decide(after1, at("2026-06-30T23:59:59.999Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [],
      skippedLeads: [],
      nextAt: "2026-07-01T00:00:00Z",
    });
    expect(show(decide(after1, at("2026-07-01T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "action", action: "delete" }],
      skippedLeads: [],
      nextAt: null,
    });
  });

  it("the whole timeline, run as the scheduler would", () => {
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-16T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-24T00:00:00Z warning 7 for 2026-07-01T00:00:00Z",
      "2026-06-30T00:00:00Z warning 1 for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z delete",
    ]);
  });
});

describe("catch-up after downtime (rule 6)", () => {
  const { p, cron } = policy();
  const key = fresh("2026-02-10T09:30:00Z");

  it("a late first warning moves actionAt to the next sweep, and the other leads follow it", () => {
    expect(
      run(key, "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-10T00:00:00Z", "2026-06-20T10:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-20T10:00:00Z warning 15 first for 2026-10-01T00:00:00Z",
      "2026-06-20T10:00:00Z email for 2026-10-01T00:00:00Z",
      "2026-09-24T00:00:00Z warning 7 for 2026-10-01T00:00:00Z",
      "2026-09-30T00:00:00Z warning 1 for 2026-10-01T00:00:00Z",
      "2026-10-01T00:00:00Z delete",
    ]);
  });

  it("the first warning is never skipped, even when the planned action has passed", () => {
    const d = decide(key, at("2026-07-05T00:00:00Z"), p, cron);
    expect(show(d)).toEqual({
      actionAt: "2026-10-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 15, first: true }, { type: "email" }],
      skippedLeads: [],
      nextAt: "2026-09-24T00:00:00Z",
    });
  });

  it("only the smallest of several overdue leads is issued; the others are skipped", () => {
    expect(
      run(key, "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-20T00:00:00Z", "2026-06-30T12:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-16T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-30T12:00:00Z warning 1 for 2026-07-01T00:00:00Z",
      "2026-06-30T12:00:00Z skipped 7",
      "2026-07-01T00:00:00Z delete",
    ]);
    const state: KeyCycleState = {
      ...key,
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15],
      emailIssued: true,
    };
    expect(show(decide(state, at("2026-06-30T12:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 1, first: false }],
      skippedLeads: [7],
      nextAt: "2026-07-01T00:00:00Z",
    });
  });

  it("a single overdue lead is issued late", () => {
    expect(
      run(key, "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-20T00:00:00Z", "2026-06-27T00:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-16T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-27T00:00:00Z warning 7 for 2026-07-01T00:00:00Z",
      "2026-06-30T00:00:00Z warning 1 for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z delete",
    ]);
  });

  it("when actionAt passed during the downtime, the action happens at once with no further warning", () => {
    expect(
      run(key, "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-20T00:00:00Z", "2026-07-05T08:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-16T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-07-05T08:00:00Z delete",
    ]);
  });

  it("a key imported already dormant is warned at once and acted on a full lead later", () => {
    // Idle since 2025-01-01: due 2025-04-01T00:00Z, itself a sweep instant (s ≥ due holds with equality).
    const dormant = fresh("2025-01-01T00:00:00Z");
    expect(show(decide(dormant, at("2025-03-17T00:00:00Z") - 1, p, cron)).nextAt).toBe(
      "2025-03-17T00:00:00Z",
    );
    expect(run(dormant, "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z", p, cron)).toEqual([
      "2026-03-01T00:00:00Z warning 15 first for 2026-04-01T00:00:00Z",
      "2026-03-01T00:00:00Z email for 2026-04-01T00:00:00Z",
      "2026-03-25T00:00:00Z warning 7 for 2026-04-01T00:00:00Z",
      "2026-03-31T00:00:00Z warning 1 for 2026-04-01T00:00:00Z",
      "2026-04-01T00:00:00Z delete",
    ]);
  });

  it("an action needs the first warning: with none recorded, it is issued instead", () => {
    // Stored state as if the cycle were long past its sweep, but never warned.
    const d = decide(fresh("2025-06-01T00:00:00Z"), at("2026-06-30T23:00:00Z"), p, cron);
    expect(d.due).toEqual([{ type: "warning", leadDays: 15, first: true }, { type: "email" }]);
    expect(iso(d.actionAt)).toBe("2026-10-01T00:00:00Z");
  });
});

describe("other policies", () => {
  it("a daily sweep at 03:00 UTC", () => {
    const { p, cron } = policy({ sweep: "0 3 * * *" });
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron),
    ).toEqual([
      "2026-04-27T03:00:00Z warning 15 first for 2026-05-12T03:00:00Z",
      "2026-04-27T03:00:00Z email for 2026-05-12T03:00:00Z",
      "2026-05-05T03:00:00Z warning 7 for 2026-05-12T03:00:00Z",
      "2026-05-11T03:00:00Z warning 1 for 2026-05-12T03:00:00Z",
      "2026-05-12T03:00:00Z delete",
    ]);
    // Late by three days: the action moves by three days (to the first sweep a full 15 days on).
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-04-20T00:00:00Z", "2026-04-30T10:00:00Z"],
      ]),
    ).toEqual([
      "2026-04-30T10:00:00Z warning 15 first for 2026-05-16T03:00:00Z",
      "2026-04-30T10:00:00Z email for 2026-05-16T03:00:00Z",
      "2026-05-09T03:00:00Z warning 7 for 2026-05-16T03:00:00Z",
      "2026-05-15T03:00:00Z warning 1 for 2026-05-16T03:00:00Z",
      "2026-05-16T03:00:00Z delete",
    ]);
  });

  it("custom leads (given unsorted), a shorter inactivity period, and expire instead of delete", () => {
    const { p, cron } = policy({
      inactivityDays: 60,
      inAppLeadsDays: [3, 30, 10],
      emailLeadDays: 30,
      action: "expire",
    });
    expect(p.inAppLeadsDays).toEqual([30, 10, 3]);
    // Due 2026-04-11T09:30Z; first sweep at or after it 2026-07-01; first warning 30 days before.
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron),
    ).toEqual([
      "2026-06-01T00:00:00Z warning 30 first for 2026-07-01T00:00:00Z",
      "2026-06-01T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-21T00:00:00Z warning 10 for 2026-07-01T00:00:00Z",
      "2026-06-28T00:00:00Z warning 3 for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z expire",
    ]);
  });

  it("a single lead: the first warning, then the action", () => {
    const { p, cron } = policy({ inAppLeadsDays: [5], emailLeadDays: 5 });
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron),
    ).toEqual([
      "2026-06-26T00:00:00Z warning 5 first for 2026-07-01T00:00:00Z",
      "2026-06-26T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z delete",
    ]);
  });

  it("an e-mail lead shorter than the longest in-app lead goes at its own lead", () => {
    const { p, cron } = policy({ emailLeadDays: 10 });
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-21T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-24T00:00:00Z warning 7 for 2026-07-01T00:00:00Z",
      "2026-06-30T00:00:00Z warning 1 for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z delete",
    ]);
    const first = decide(fresh("2026-02-10T09:30:00Z"), at("2026-06-16T00:00:00Z"), p, cron);
    expect(first.due).toEqual([{ type: "warning", leadDays: 15, first: true }]);
    expect(iso(first.nextAt)).toBe("2026-06-21T00:00:00Z");
    // Overdue together with lead 7 after downtime: both at once.
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-20T00:00:00Z", "2026-06-25T00:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-06-25T00:00:00Z warning 7 for 2026-07-01T00:00:00Z",
      "2026-06-25T00:00:00Z email for 2026-07-01T00:00:00Z",
      "2026-06-30T00:00:00Z warning 1 for 2026-07-01T00:00:00Z",
      "2026-07-01T00:00:00Z delete",
    ]);
    // But not once actionAt has passed.
    expect(
      run(fresh("2026-02-10T09:30:00Z"), "2026-02-10T09:30:00Z", "2027-01-01T00:00:00Z", p, cron, [
        ["2026-06-20T00:00:00Z", "2026-07-02T00:00:00Z"],
      ]),
    ).toEqual([
      "2026-06-16T00:00:00Z warning 15 first for 2026-07-01T00:00:00Z",
      "2026-07-02T00:00:00Z delete",
    ]);
  });

  it("an e-mail lead equal to another in-app lead goes with that warning", () => {
    const { p, cron } = policy({ emailLeadDays: 7 });
    const state: KeyCycleState = {
      ...fresh("2026-02-10T09:30:00Z"),
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15],
    };
    expect(show(decide(state, at("2026-06-24T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [{ type: "warning", leadDays: 7, first: false }, { type: "email" }],
      skippedLeads: [],
      nextAt: "2026-06-30T00:00:00Z",
    });
  });

  it("an e-mail still owed after the first warning (the policy changed) is sent at once", () => {
    const { p, cron } = policy();
    const state: KeyCycleState = {
      ...fresh("2026-02-10T09:30:00Z"),
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15],
    };
    expect(decide(state, at("2026-06-20T00:00:00Z"), p, cron).due).toEqual([{ type: "email" }]);
  });

  it("a longer lead added after the first warning moves the action, never shortening notice", () => {
    const { p, cron } = policy({ inAppLeadsDays: [30, 15, 7, 1] });
    const state: KeyCycleState = {
      lastActivity: at("2026-02-10T09:30:00Z"),
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15],
      emailIssued: true,
    };
    expect(show(decide(state, at("2026-06-20T00:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-10-01T00:00:00Z",
      due: [],
      skippedLeads: [],
      nextAt: "2026-09-24T00:00:00Z",
    });
  });

  it("leads issued or skipped are not issued again", () => {
    const { p, cron } = policy();
    const state: KeyCycleState = {
      lastActivity: at("2026-02-10T09:30:00Z"),
      firstWarningAt: at("2026-06-16T00:00:00Z"),
      issuedLeads: [15, 7, 1],
      emailIssued: true,
    };
    expect(show(decide(state, at("2026-06-30T12:00:00Z"), p, cron))).toEqual({
      actionAt: "2026-07-01T00:00:00Z",
      due: [],
      skippedLeads: [],
      nextAt: "2026-07-01T00:00:00Z",
    });
  });
});

describe("the no-surprise guarantee, for any policy, activity and downtime", () => {
  const crons = ["0 0 1 1,4,7,10 *", "0 3 * * *", "30 6 * * 1", "0 0 1 * *", "0 0 13 * 5", "0 0 29 2 *"];
  const arbPolicy = fc
    .record({
      inactivityDays: fc.integer({ min: 1, max: 200 }),
      sweep: fc.constantFrom(...crons),
      leads: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
      emailPick: fc.nat(),
      action: fc.constantFrom("delete" as const, "expire" as const),
    })
    .map(({ inactivityDays, sweep, leads, emailPick, action }) => {
      const inAppLeadsDays = leads.map((l) => Math.min(l, inactivityDays));
      const distinct = [...new Set(inAppLeadsDays)];
      const longest = Math.max(...distinct);
      return policy({
        inactivityDays,
        sweep,
        action,
        inAppLeadsDays: distinct,
        emailLeadDays: (emailPick % longest) + 1,
      });
    });
  const start = at("2026-01-01T00:00:00Z");

  it("warns first, gives the full notice, acts only at a sweep on or after due", () => {
    fc.assert(
      fc.property(
        arbPolicy,
        fc.integer({ min: -400 * DAY, max: 200 * DAY }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 800 * DAY }), fc.integer({ min: 1, max: 60 * DAY })), {
          maxLength: 3,
        }),
        ({ p, cron }, offset, outageSpecs) => {
          const lastActivity = start + offset;
          const outages = outageSpecs.map(([from, len]): [string, string] => [
            new Date(start + from).toISOString(),
            new Date(start + from + len).toISOString(),
          ]);
          const events = run(
            { lastActivity, firstWarningAt: null, issuedLeads: [], emailIssued: false },
            "2026-01-01T00:00:00Z",
            "2040-01-01T00:00:00Z",
            p,
            cron,
            outages,
          );
          const last = events.at(-1)!;
          expect(last).toMatch(new RegExp(`${p.action}$`));
          const actedAt = at(last.split(" ")[0]!);
          const first = events[0]!;
          expect(first).toMatch(new RegExp(`warning ${p.inAppLeadsDays[0]} first for `));
          const firstAt = at(first.split(" ")[0]!);
          const promised = at(first.split(" for ")[1]!);
          // Every warning names the same action date, and it is a sweep on or after due with full notice.
          for (const e of events.filter((e) => / (warning|email) /.test(e))) {
            expect(e.endsWith(`for ${iso(promised)}`)).toBe(true);
          }
          expect(cron.nextAtOrAfter(promised)).toBe(promised);
          expect(promised).toBeGreaterThanOrEqual(dueAt(lastActivity, p));
          expect(promised - firstAt).toBeGreaterThanOrEqual(maxLead(p));
          // Acted on at that sweep, or later if the service was down then; never earlier.
          expect(actedAt).toBeGreaterThanOrEqual(promised);
          // Each lead at most once; the e-mail exactly once unless the action came first.
          const leads = events.filter((e) => / warning /.test(e)).map((e) => Number(e.split(" ")[2]));
          expect(new Set(leads).size).toBe(leads.length);
          expect(events.filter((e) => / email /.test(e)).length).toBeLessThanOrEqual(1);
          if (outages.length === 0) {
            // Without downtime, everything is exactly on time.
            expect(actedAt).toBe(promised);
            expect(events.filter((e) => / skipped /.test(e))).toEqual([]);
            for (const lead of p.inAppLeadsDays.slice(1)) {
              expect(events).toContain(`${iso(promised - lead * DAY)} warning ${lead} for ${iso(promised)}`);
            }
            expect(events.filter((e) => / email /.test(e))).toEqual([
              `${iso(p.emailLeadDays === p.inAppLeadsDays[0] ? firstAt : promised - p.emailLeadDays * DAY)} email for ${iso(promised)}`,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("banner", () => {
  const { p } = policy();
  const july = at("2026-07-01T00:00:00Z");
  const october = at("2026-10-01T00:00:00Z");

  it("bannerWindow: bannerHours before the action", () => {
    expect(bannerWindow(july, p)).toEqual({ from: at("2026-06-30T00:00:00Z"), to: july });
    expect(bannerWindow(july, policy({ bannerHours: 36 }).p)).toEqual({
      from: at("2026-06-29T12:00:00Z"),
      to: july,
    });
  });

  const keys = [
    { id: "a", actionAt: july, firstWarningAt: at("2026-06-16T00:00:00Z") },
    { id: "b", actionAt: july, firstWarningAt: at("2026-06-16T00:00:00Z") },
    { id: "c", actionAt: july, firstWarningAt: null }, // not warned yet: not counted
    { id: "d", actionAt: october, firstWarningAt: at("2026-06-20T10:00:00Z") },
  ];

  it("is on from actionAt − bannerHours while warned keys of that actionAt remain, counting them", () => {
    expect(bannerActive(keys, at("2026-06-29T23:59:59.999Z"), p)).toEqual([]);
    expect(bannerActive(keys, at("2026-06-30T00:00:00Z"), p)).toEqual([
      { actionAt: july, from: at("2026-06-30T00:00:00Z"), to: july, keys: [keys[0], keys[1]] },
    ]);
    expect(bannerActive(keys, at("2026-06-30T23:59:59.999Z"), p).map((b) => b.keys.map((k) => k.id))).toEqual(
      [["a", "b"]],
    );
    // docs/spec.md §4 rule 3: the banner stays until no counted key is left. Past actionAt with the keys still
    // active (the scheduler was down over the sweep), it is still on; once they are acted on, it is off.
    expect(bannerActive(keys, july, p).map((b) => b.keys.map((k) => k.id))).toEqual([["a", "b"]]);
    expect(bannerActive([keys[3]!], july, p)).toEqual([]);
    expect(bannerActive([keys[3]!], at("2026-09-30T06:00:00Z"), p)).toEqual([
      { actionAt: october, from: at("2026-09-30T00:00:00Z"), to: october, keys: [keys[3]] },
    ]);
  });

  it("groups by actionAt, in order", () => {
    const long = policy({ bannerHours: 24 * 120 }).p;
    const banners = bannerActive(keys, at("2026-06-25T00:00:00Z"), long);
    expect(banners.map((b) => [iso(b.actionAt), iso(b.from), b.keys.map((k) => k.id)])).toEqual([
      // A banner longer than the warnings starts at the first warning, not before.
      ["2026-07-01T00:00:00Z", "2026-06-16T00:00:00Z", ["a", "b"]],
      ["2026-10-01T00:00:00Z", "2026-06-20T10:00:00Z", ["d"]],
    ]);
  });

  it("nextBannerChange: the next instant a banner comes on by time alone (it goes off when keys go)", () => {
    expect(iso(nextBannerChange(keys, at("2026-06-20T00:00:00Z"), p))).toBe("2026-06-30T00:00:00Z");
    expect(iso(nextBannerChange(keys, at("2026-06-30T00:00:00Z"), p))).toBe("2026-09-30T00:00:00Z");
    expect(iso(nextBannerChange(keys, july, p))).toBe("2026-09-30T00:00:00Z");
    expect(nextBannerChange(keys, october, p)).toBeNull();
    expect(nextBannerChange([], 0, p)).toBeNull();
  });
});

describe("validatePolicy", () => {
  const valid = {
    inactivityDays: 90,
    action: "delete",
    sweep: "0 0 1 1,4,7,10 *",
    inAppLeadsDays: [15, 7, 1],
    emailLeadDays: 15,
    bannerHours: 24,
  };
  const errorsOf = (input: unknown): PolicyError[] => {
    const v = validatePolicy(input);
    if (v.ok) throw new Error("accepted");
    return v.errors;
  };
  const refuse = (override: Record<string, unknown>) => errorsOf({ ...valid, ...override });

  it("accepts the default policy and returns a frozen copy with its parsed schedule", () => {
    const v = validatePolicy(DEFAULT_POLICY);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.policy).toEqual(valid);
    expect(v.policy).not.toBe(DEFAULT_POLICY);
    expect(Object.isFrozen(v.policy)).toBe(true);
    expect(Object.isFrozen(v.policy.inAppLeadsDays)).toBe(true);
    expect(v.cron.expr).toBe("0 0 1 1,4,7,10 *");
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
  });

  it("sorts the leads descending, trims the schedule, accepts the limits", () => {
    const v = validatePolicy({
      ...valid,
      inactivityDays: 3650,
      inAppLeadsDays: [1, 3650, 7],
      emailLeadDays: 3650,
      sweep: "  0 3 * * * ",
      bannerHours: 8760,
    });
    expect(v.ok && v.policy.inAppLeadsDays).toEqual([3650, 7, 1]);
    expect(v.ok && v.policy.sweep).toBe("0 3 * * *");
    expect(
      validatePolicy({ ...valid, inactivityDays: 1, inAppLeadsDays: [1], emailLeadDays: 1, bannerHours: 1 })
        .ok,
    ).toBe(true);
    // A rare but real schedule.
    expect(validatePolicy({ ...valid, sweep: "0 0 29 2 *" }).ok).toBe(true);
  });

  it("refuses what is not an object", () => {
    for (const input of [null, undefined, 42, "policy", [valid]]) {
      expect(errorsOf(input)).toEqual([
        {
          field: "policy",
          message:
            "must be an object with the fields inactivityDays, action, sweep, inAppLeadsDays, emailLeadDays, bannerHours",
        },
      ]);
    }
  });

  it("refuses unknown fields (a misspelt override is not ignored)", () => {
    expect(refuse({ inactivityDay: 30 })).toEqual([
      {
        field: "inactivityDay",
        message:
          "is not a policy field; the fields are inactivityDays, action, sweep, inAppLeadsDays, emailLeadDays, bannerHours",
      },
    ]);
  });

  it.each([
    [{ inactivityDays: 0 }, "inactivityDays", "must be a whole number of days from 1 to 3650, got 0"],
    [{ inactivityDays: 3651 }, "inactivityDays", "must be a whole number of days from 1 to 3650, got 3651"],
    [{ inactivityDays: 89.5 }, "inactivityDays", "must be a whole number of days from 1 to 3650, got 89.5"],
    [{ inactivityDays: "90" }, "inactivityDays", 'must be a whole number of days from 1 to 3650, got "90"'],
    [
      { inactivityDays: undefined },
      "inactivityDays",
      "must be a whole number of days from 1 to 3650, got nothing",
    ],
    [{ bannerHours: 0 }, "bannerHours", "must be a whole number of hours from 1 to 8760, got 0"],
    [{ bannerHours: 8761 }, "bannerHours", "must be a whole number of hours from 1 to 8760, got 8761"],
    [{ bannerHours: 1.5 }, "bannerHours", "must be a whole number of hours from 1 to 8760, got 1.5"],
    [{ action: "remove" }, "action", 'must be "delete" or "expire", got "remove"'],
    [{ action: undefined }, "action", 'must be "delete" or "expire", got nothing'],
    [{ sweep: 42 }, "sweep", 'must be a cron expression in UTC such as "0 0 1 1,4,7,10 *", got 42'],
    [
      { sweep: "0 25 * * *" },
      "sweep",
      '"0 25 * * *" is not a valid sweep schedule: field "hour": 25 is out of range 0-23',
    ],
    [
      { sweep: "0 0 30 2 *" },
      "sweep",
      '"0 0 30 2 *" is not a valid sweep schedule: never fires: day of month "30" does not occur in month "2" (February has at most 29 days)',
    ],
    [
      { sweep: "0 0 31 4 *" },
      "sweep",
      '"0 0 31 4 *" is not a valid sweep schedule: never fires: day of month "31" does not occur in month "4" (April has at most 30 days)',
    ],
    [
      { sweep: "quarterly" },
      "sweep",
      '"quarterly" is not a valid sweep schedule: expected 5 fields (minute hour day-of-month month day-of-week), got 1',
    ],
    [
      { inAppLeadsDays: 15 },
      "inAppLeadsDays",
      "must be a list of days before the action, such as [15, 7, 1], got 15",
    ],
    [
      { inAppLeadsDays: [] },
      "inAppLeadsDays",
      "must list at least one lead (the first warning carries the longest), e.g. [15, 7, 1]",
    ],
    [
      { inAppLeadsDays: [15, 0, 1], emailLeadDays: 1 },
      "inAppLeadsDays[1]",
      "must be a positive whole number of days, got 0",
    ],
    [{ inAppLeadsDays: [15, -7] }, "inAppLeadsDays[1]", "must be a positive whole number of days, got -7"],
    [{ inAppLeadsDays: [15, 1.5] }, "inAppLeadsDays[1]", "must be a positive whole number of days, got 1.5"],
    [{ inAppLeadsDays: [15, "7"] }, "inAppLeadsDays[1]", 'must be a positive whole number of days, got "7"'],
    [{ inAppLeadsDays: [15, 7, 7] }, "inAppLeadsDays[2]", "7 is listed twice; each lead is given once"],
    [
      { inAppLeadsDays: [120, 7, 1] },
      "inAppLeadsDays[0]",
      "a lead of 120 days is longer than inactivityDays (90): a key would be warned before it is inactive; " +
        "shorten the lead to at most 90 or raise inactivityDays",
    ],
    [{ emailLeadDays: 0 }, "emailLeadDays", "must be a positive whole number of days, got 0"],
    [{ emailLeadDays: "15" }, "emailLeadDays", 'must be a positive whole number of days, got "15"'],
    [
      { emailLeadDays: 20 },
      "emailLeadDays",
      "an e-mail lead of 20 days is longer than the longest in-app lead (15 days): the digest would come " +
        "before the first warning; make it at most 15 or add a longer in-app lead",
    ],
  ])("refuses %j", (override, field, message) => {
    expect(refuse(override)).toEqual([{ field, message }]);
  });

  it("a lead longer than any inactivity period is refused even when inactivityDays is invalid", () => {
    expect(refuse({ inactivityDays: 0, inAppLeadsDays: [4000] })).toEqual([
      { field: "inactivityDays", message: "must be a whole number of days from 1 to 3650, got 0" },
      {
        field: "inAppLeadsDays[0]",
        message: "a lead of 4000 days is longer than any inactivityDays allows (3650)",
      },
    ]);
  });

  it("reports every problem at once", () => {
    expect(
      errorsOf({ inactivityDays: 0, action: "nuke", sweep: "* *", inAppLeadsDays: [], bannerHours: -1 }).map(
        (e) => e.field,
      ),
    ).toEqual(["inactivityDays", "bannerHours", "action", "sweep", "inAppLeadsDays", "emailLeadDays"]);
  });
});

describe("mergePolicy", () => {
  it("overrides the fields given and keeps the rest; undefined and null mean 'not overridden'", () => {
    const merged = mergePolicy(DEFAULT_POLICY, {
      inactivityDays: 30,
      action: "expire",
      bannerHours: undefined,
      emailLeadDays: null as unknown as number,
    });
    expect(merged).toEqual({ ...DEFAULT_POLICY, inactivityDays: 30, action: "expire" });
    expect(validatePolicy(merged).ok).toBe(true);
  });

  it("copies the lead list so the base is never shared or changed", () => {
    const merged = mergePolicy(DEFAULT_POLICY, {});
    expect(merged.inAppLeadsDays).toEqual([15, 7, 1]);
    expect(merged.inAppLeadsDays).not.toBe(DEFAULT_POLICY.inAppLeadsDays);
    merged.inAppLeadsDays.push(3);
    expect(DEFAULT_POLICY.inAppLeadsDays).toEqual([15, 7, 1]);
    const leads = [30, 10];
    const withLeads = mergePolicy(DEFAULT_POLICY, { inAppLeadsDays: leads });
    expect(withLeads.inAppLeadsDays).not.toBe(leads);
  });

  it("lets validatePolicy judge the result, unknown fields included", () => {
    const merged = mergePolicy(DEFAULT_POLICY, {
      inAppLeadsDays: [100],
      color: "red",
    } as Partial<LifecyclePolicy>);
    const v = validatePolicy(merged);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.errors.map((e) => e.field)).toEqual(["color", "inAppLeadsDays[0]"]);
  });
});

describe("on-time first warnings and the calendar", () => {
  const { p, cron } = policy();

  it("a first warning issued within the tolerance counts as on time and keeps the planned action", () => {
    const k = fresh("2026-01-01T00:00:00Z"); // due 1 April, first warning planned 17 March
    const late = at("2026-03-17T00:00:40Z");
    const d = decide(k, late, p, cron, { onTimeWithinMs: 5 * 60_000 });
    expect(iso(d.firstWarningAt ?? null)).toBe("2026-03-17T00:00:00Z");
    expect(iso(d.actionAt)).toBe("2026-04-01T00:00:00Z");
    // Without tolerance, 40 s late is late: the action moves to the next sweep.
    const strict = decide(k, late, p, cron);
    expect(iso(strict.firstWarningAt ?? null)).toBe("2026-03-17T00:00:40Z");
    expect(iso(strict.actionAt)).toBe("2026-07-01T00:00:00Z");
  });

  it("nextCalendarInstant visits every sweep minus each lead, the banner and the sweep", () => {
    const seen: string[] = [];
    let t = at("2026-03-01T00:00:00Z");
    while (t < at("2026-04-02T00:00:00Z")) {
      t = nextCalendarInstant(p, cron, t);
      seen.push(iso(t)!);
    }
    expect(seen).toEqual([
      "2026-03-17T00:00:00Z",
      "2026-03-25T00:00:00Z",
      "2026-03-31T00:00:00Z",
      "2026-04-01T00:00:00Z",
      "2026-06-16T00:00:00Z",
    ]);
  });
});

describe("daysInactive (issue 11 item 2: one definition)", () => {
  const DAY = 86_400_000;
  it("counts whole days since the last activity, never less than zero", () => {
    const t = Date.parse("2026-03-01T12:00:00Z");
    expect(daysInactive(t, t)).toBe(0);
    expect(daysInactive(t, t + DAY - 1)).toBe(0);
    expect(daysInactive(t, t + DAY)).toBe(1);
    expect(daysInactive(t, t + 90 * DAY + 5)).toBe(90);
    expect(daysInactive(t + DAY, t)).toBe(0); // activity after "now" (a clock moved back)
  });
});
