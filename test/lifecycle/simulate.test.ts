/**
 * docs/spec.md §4, rule by rule, as exact event lists of `keyward simulate` (run in-process: the real
 * services, scheduler and store on a temporary SQLite database under a virtual clock).
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/cli/simulate.js";
import { ApiError } from "../../src/core/errors.js";
import { parseScenario, ScenarioError, type SimEvent } from "../../src/scheduler/simulate.js";

const OWNER = "owner@ag1.test";
const BOSS = "boss@loc1.test";

function world(extra: Record<string, unknown> = {}) {
  return {
    start: "2026-01-01T00:00:00Z",
    end: "2026-05-01T00:00:00Z",
    agencies: [
      {
        id: "ag1",
        admins: [OWNER],
        users: ["staff@ag1.test"],
        locations: [{ id: "loc1", admins: [BOSS], users: ["clerk@loc1.test"] }],
      },
    ],
    ...extra,
  };
}

async function run(scenario: unknown): Promise<SimEvent[]> {
  return (await simulate(parseScenario(scenario))).events;
}

// Shorthands for expected events.
const W = (
  at: string,
  account: string,
  leadDays: number,
  actionAt: string,
  keys: string[],
  to: string[],
) => ({
  at,
  type: "warning",
  account,
  leadDays,
  actionAt,
  keys,
  to,
});
const E = (at: string, agency: string, actionAt: string, keys: string[], to: string[]) => ({
  at,
  type: "email",
  agency,
  actionAt,
  keys,
  to,
});
const ON = (at: string, account: string, actionAt: string, keys: string[]) => ({
  at,
  type: "banner_on",
  account,
  actionAt,
  keys,
});
const OFF = (at: string, account: string, actionAt: string) => ({
  at,
  type: "banner_off",
  account,
  actionAt,
});
const DEL = (at: string, key: string) => ({ at, type: "deleted", key });
const EXP = (at: string, key: string) => ({ at, type: "expired", key });

const APR1 = "2026-04-01T00:00:00Z";
const JUL1 = "2026-07-01T00:00:00Z";

/** A loc1 key created at start, never used: due 1 April, the quarterly sweep of 1 April. */
const onTime = [
  W("2026-03-17T00:00:00Z", "loc1", 15, APR1, ["k1"], [BOSS]),
  E("2026-03-17T00:00:00Z", "ag1", APR1, ["k1"], [OWNER]),
  W("2026-03-25T00:00:00Z", "loc1", 7, APR1, ["k1"], [BOSS]),
  W("2026-03-31T00:00:00Z", "loc1", 1, APR1, ["k1"], [BOSS]),
  ON("2026-03-31T00:00:00Z", "loc1", APR1, ["k1"]),
  DEL(APR1, "k1"),
  OFF(APR1, "loc1", APR1),
];

const k1 = (extra: Record<string, unknown> = {}) => ({
  id: "k1",
  owner: "loc1",
  createdAt: "2026-01-01T00:00:00Z",
  ...extra,
});

describe("on time (rules 1, 2, 3, 5)", () => {
  it("quarterly sweep: warnings at 15, 7 and 1 days, the digest with the first, the banner, the deletion", async () => {
    expect(await run(world({ keys: [k1()] }))).toEqual(onTime);
  });

  it("the spec's own example (docs/spec.md §4): used, then revoked before any warning — nothing happens", async () => {
    expect(
      await run({
        ...world({ end: "2027-01-01T00:00:00Z" }),
        keys: [k1({ createdAt: "2025-12-01T00:00:00Z", uses: ["2026-02-10T09:30:00Z"] })],
        actions: [{ at: "2026-05-01T00:00:00Z", type: "revoke", key: "k1" }],
        outages: [{ from: "2026-03-10T00:00:00Z", to: "2026-03-20T00:00:00Z" }],
      }),
    ).toEqual([]);
  });

  it("daily sweep at 03:00 with a 10-day period, leads 3 and 1, a 6-hour banner", async () => {
    const daily = {
      inactivityDays: 10,
      action: "delete",
      sweep: "0 3 * * *",
      inAppLeadsDays: [3, 1],
      emailLeadDays: 3,
      bannerHours: 6,
    };
    const at = "2026-01-11T03:00:00Z";
    expect(await run(world({ policy: daily, end: "2026-01-20T00:00:00Z", keys: [k1()] }))).toEqual([
      W("2026-01-08T03:00:00Z", "loc1", 3, at, ["k1"], [BOSS]),
      E("2026-01-08T03:00:00Z", "ag1", at, ["k1"], [OWNER]),
      W("2026-01-10T03:00:00Z", "loc1", 1, at, ["k1"], [BOSS]),
      ON("2026-01-10T21:00:00Z", "loc1", at, ["k1"]),
      DEL(at, "k1"),
      OFF(at, "loc1", at),
    ]);
  });
});

describe("sparing (rule 4): a use starts a new cycle", () => {
  it("before the first warning: the cycle restarts from the use", async () => {
    expect(
      await run(world({ end: "2026-07-02T00:00:00Z", keys: [k1({ uses: ["2026-03-01T10:00:00Z"] })] })),
    ).toEqual([
      W("2026-06-16T00:00:00Z", "loc1", 15, JUL1, ["k1"], [BOSS]),
      E("2026-06-16T00:00:00Z", "ag1", JUL1, ["k1"], [OWNER]),
      W("2026-06-24T00:00:00Z", "loc1", 7, JUL1, ["k1"], [BOSS]),
      W("2026-06-30T00:00:00Z", "loc1", 1, JUL1, ["k1"], [BOSS]),
      ON("2026-06-30T00:00:00Z", "loc1", JUL1, ["k1"]),
      DEL(JUL1, "k1"),
      OFF(JUL1, "loc1", JUL1),
    ]);
  });

  it("between leads: what was still to come is cancelled", async () => {
    expect(await run(world({ keys: [k1({ uses: ["2026-03-20T12:00:00Z"] })] }))).toEqual(onTime.slice(0, 2));
  });

  it("inside the banner window: the banner goes at the use, nothing is deleted", async () => {
    expect(await run(world({ keys: [k1({ uses: ["2026-03-31T12:00:00Z"] })] }))).toEqual([
      ...onTime.slice(0, 5),
      OFF("2026-03-31T12:00:00Z", "loc1", APR1),
    ]);
  });

  it("at the very instant of the sweep: uses count first, the key is spared", async () => {
    expect(await run(world({ keys: [k1({ uses: [APR1] })] }))).toEqual([
      ...onTime.slice(0, 5),
      OFF(APR1, "loc1", APR1),
    ]);
  });

  it("by rotation: the same key, a new token, a new cycle", async () => {
    expect(
      await run(
        world({ keys: [k1()], actions: [{ at: "2026-03-26T00:00:00Z", type: "rotate", key: "k1" }] }),
      ),
    ).toEqual(onTime.slice(0, 3));
  });
});

describe("revoke during warnings", () => {
  it("stops what was to come, and the banner goes at the revocation", async () => {
    expect(
      await run(
        world({ keys: [k1()], actions: [{ at: "2026-03-31T06:00:00Z", type: "revoke", key: "k1" }] }),
      ),
    ).toEqual([...onTime.slice(0, 5), OFF("2026-03-31T06:00:00Z", "loc1", APR1)]);
  });
});

describe("expire policy, then refresh, then a new cycle", () => {
  it("expires at the sweep; uses of the expired key fail; a refresh restarts the lifecycle", async () => {
    const OCT1 = "2026-10-01T00:00:00Z";
    expect(
      await run(
        world({
          policy: { action: "expire" },
          end: "2026-10-02T00:00:00Z",
          keys: [k1({ uses: ["2026-04-05T00:00:00Z"] })],
          actions: [{ at: "2026-04-10T00:00:00Z", type: "refresh", key: "k1" }],
        }),
      ),
    ).toEqual([
      ...onTime.slice(0, 5),
      EXP(APR1, "k1"),
      OFF(APR1, "loc1", APR1),
      // Refreshed on 10 April: due 9 July, so the sweep of 1 October.
      W("2026-09-16T00:00:00Z", "loc1", 15, OCT1, ["k1"], [BOSS]),
      E("2026-09-16T00:00:00Z", "ag1", OCT1, ["k1"], [OWNER]),
      W("2026-09-24T00:00:00Z", "loc1", 7, OCT1, ["k1"], [BOSS]),
      W("2026-09-30T00:00:00Z", "loc1", 1, OCT1, ["k1"], [BOSS]),
      ON("2026-09-30T00:00:00Z", "loc1", OCT1, ["k1"]),
      EXP(OCT1, "k1"),
      OFF(OCT1, "loc1", OCT1),
    ]);
  });
});

describe("catch-up (rule 6)", () => {
  it("a key already dormant when the service starts is warned at once, and gets the full notice", async () => {
    expect(
      await run(
        world({
          start: "2026-03-25T00:00:00Z",
          end: "2026-07-02T00:00:00Z",
          keys: [k1({ createdAt: "2025-06-01T00:00:00Z" })],
        }),
      ),
    ).toEqual([
      // Due long ago; 1 April is less than 15 days away, so the action moves to 1 July.
      W("2026-03-25T00:00:00Z", "loc1", 15, JUL1, ["k1"], [BOSS]),
      E("2026-03-25T00:00:00Z", "ag1", JUL1, ["k1"], [OWNER]),
      W("2026-06-24T00:00:00Z", "loc1", 7, JUL1, ["k1"], [BOSS]),
      W("2026-06-30T00:00:00Z", "loc1", 1, JUL1, ["k1"], [BOSS]),
      ON("2026-06-30T00:00:00Z", "loc1", JUL1, ["k1"]),
      DEL(JUL1, "k1"),
      OFF(JUL1, "loc1", JUL1),
    ]);
  });

  it("an outage over the first lead: the first warning comes late and moves the action", async () => {
    expect(
      await run(
        world({
          end: "2026-07-02T00:00:00Z",
          keys: [k1()],
          outages: [{ from: "2026-03-10T00:00:00Z", to: "2026-03-20T00:00:00Z" }],
        }),
      ),
    ).toEqual([
      W("2026-03-20T00:00:00Z", "loc1", 15, JUL1, ["k1"], [BOSS]),
      E("2026-03-20T00:00:00Z", "ag1", JUL1, ["k1"], [OWNER]),
      W("2026-06-24T00:00:00Z", "loc1", 7, JUL1, ["k1"], [BOSS]),
      W("2026-06-30T00:00:00Z", "loc1", 1, JUL1, ["k1"], [BOSS]),
      ON("2026-06-30T00:00:00Z", "loc1", JUL1, ["k1"]),
      DEL(JUL1, "k1"),
      OFF(JUL1, "loc1", JUL1),
    ]);
  });

  it("an outage over later leads: only the smallest overdue lead is issued, late; the banner still comes on", async () => {
    expect(
      await run(
        world({ keys: [k1()], outages: [{ from: "2026-03-24T00:00:00Z", to: "2026-03-31T12:00:00Z" }] }),
      ),
    ).toEqual([
      ...onTime.slice(0, 2),
      ON("2026-03-31T00:00:00Z", "loc1", APR1, ["k1"]),
      W("2026-03-31T12:00:00Z", "loc1", 1, APR1, ["k1"], [BOSS]),
      DEL(APR1, "k1"),
      OFF(APR1, "loc1", APR1),
    ]);
  });

  it("an outage over the sweep: acted on when the scheduler runs again, with no further warning", async () => {
    expect(
      await run(
        world({ keys: [k1()], outages: [{ from: "2026-03-30T00:00:00Z", to: "2026-04-03T00:00:00Z" }] }),
      ),
    ).toEqual([
      ...onTime.slice(0, 3),
      ON("2026-03-31T00:00:00Z", "loc1", APR1, ["k1"]),
      DEL("2026-04-03T00:00:00Z", "k1"),
      OFF("2026-04-03T00:00:00Z", "loc1", APR1),
    ]);
  });
});

describe("grouping, recipients", () => {
  it("one notification per account, one digest per agency listing every key, to the right people", async () => {
    const events = await run({
      start: "2026-01-01T00:00:00Z",
      end: "2026-03-18T00:00:00Z",
      agencies: [
        {
          id: "ag1",
          admins: [OWNER, "second@ag1.test"],
          users: ["staff@ag1.test"],
          locations: [
            { id: "loc1", admins: [BOSS, "deputy@loc1.test"], users: ["clerk@loc1.test"] },
            { id: "loc2", admins: ["boss@loc2.test"] },
          ],
        },
        { id: "ag2", admins: ["owner@ag2.test"], locations: [{ id: "loc3", admins: ["boss@loc3.test"] }] },
      ],
      keys: [
        { id: "k2", owner: "loc1", createdAt: "2026-01-01T00:00:00Z" },
        { id: "k1", owner: "loc1", createdAt: "2026-01-01T00:00:00Z" },
        { id: "k3", owner: "ag1", createdAt: "2026-01-01T00:00:00Z" },
        { id: "k4", owner: "loc2", createdAt: "2026-01-01T00:00:00Z" },
        { id: "k5", owner: "loc3", createdAt: "2026-01-01T00:00:00Z" },
        // Due half a day earlier: the same sweep, so the same instants and the same groups.
        { id: "k6", owner: "loc1", createdAt: "2025-12-31T12:00:00Z" },
      ],
    });
    const at = "2026-03-17T00:00:00Z";
    expect(events).toEqual([
      W(at, "ag1", 15, APR1, ["k3"], [OWNER, "second@ag1.test"]),
      W(at, "loc1", 15, APR1, ["k1", "k2", "k6"], [BOSS, "deputy@loc1.test"]),
      W(at, "loc2", 15, APR1, ["k4"], ["boss@loc2.test"]),
      W(at, "loc3", 15, APR1, ["k5"], ["boss@loc3.test"]),
      E(at, "ag1", APR1, ["k1", "k2", "k3", "k4", "k6"], [OWNER, "second@ag1.test"]),
      E(at, "ag2", APR1, ["k5"], ["owner@ag2.test"]),
    ]);
  });

  it("an account without admins still gets its notification; an agency without admins gets no e-mail", async () => {
    const events = await run({
      start: "2026-01-01T00:00:00Z",
      end: "2026-03-18T00:00:00Z",
      agencies: [{ id: "lonely", locations: [{ id: "empty" }] }],
      keys: [
        { id: "k1", owner: "empty", createdAt: "2026-01-01T00:00:00Z" },
        { id: "k2", owner: "lonely", createdAt: "2026-01-01T00:00:00Z" },
      ],
    });
    expect(events).toEqual([
      W("2026-03-17T00:00:00Z", "empty", 15, APR1, ["k1"], []),
      W("2026-03-17T00:00:00Z", "lonely", 15, APR1, ["k2"], []),
    ]);
  });
});

describe("a custom policy (an agency's own)", () => {
  it("30 days, expire, weekly sweep on Mondays, leads 10 and 3, digest at 3, 48-hour banner; others keep the default", async () => {
    const events = await run({
      start: "2026-01-05T00:00:00Z", // a Monday
      end: "2026-02-10T00:00:00Z",
      agencies: [
        {
          id: "ag1",
          admins: [OWNER],
          policy: {
            inactivityDays: 30,
            action: "expire",
            sweep: "0 0 * * MON",
            inAppLeadsDays: [3, 10],
            emailLeadDays: 3,
            bannerHours: 48,
          },
          locations: [{ id: "loc1", admins: [BOSS] }],
        },
        { id: "ag2", admins: ["owner@ag2.test"] },
      ],
      keys: [
        { id: "k1", owner: "loc1", createdAt: "2026-01-05T00:00:00Z" },
        { id: "k2", owner: "ag2", createdAt: "2026-01-05T00:00:00Z" },
      ],
    });
    const at = "2026-02-09T00:00:00Z"; // due Wednesday 4 February: the next Monday
    expect(events).toEqual([
      W("2026-01-30T00:00:00Z", "loc1", 10, at, ["k1"], [BOSS]),
      W("2026-02-06T00:00:00Z", "loc1", 3, at, ["k1"], [BOSS]),
      E("2026-02-06T00:00:00Z", "ag1", at, ["k1"], [OWNER]),
      ON("2026-02-07T00:00:00Z", "loc1", at, ["k1"]),
      EXP(at, "k1"),
      OFF(at, "loc1", at),
    ]);
  });
});

describe("invalid scenarios", () => {
  it("are refused with messages that say what to fix", () => {
    const bad = (s: unknown) => {
      try {
        parseScenario(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        return (e as Error).message;
      }
      throw new Error("accepted");
    };
    expect(bad({ start: "yesterday", end: "2026-01-01T00:00:00Z" })).toMatch(/start: must be an ISO 8601/);
    expect(bad(world({ policy: { inAppLeadsDays: [100] } }))).toMatch(
      /policy.inAppLeadsDays\[0\]: a lead of 100 days/,
    );
    expect(bad(world({ policy: { sweep: "0 0 31 2 *" } }))).toMatch(/policy.sweep/);
    expect(bad(world({ keys: [k1({ owner: "nowhere" })] }))).toMatch(/keys\[0\].owner: "nowhere"/);
    expect(bad(world({ keys: [k1()], actions: [{ at: APR1, type: "explode", key: "k1" }] }))).toMatch(
      /actions\[0\].type/,
    );
    expect(bad({ ...world(), surprise: 1 })).toMatch(/unknown field surprise/);
  });
});

describe("keys are created through the key service's rules (issue 11 item 6)", () => {
  it("a key name the service refuses stops the run before any event, naming the key", async () => {
    const later = k1({ id: "k2", name: "tab\there", createdAt: "2026-03-01T00:00:00Z" });
    const seen: SimEvent[] = [];
    const refused = await simulate(parseScenario(world({ keys: [k1(), later] })), {
      onEvents: (events) => seen.push(...events),
    }).then(
      () => null,
      (e: unknown) => e as ApiError,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused!.code).toBe("validation_failed");
    expect(refused!.message).toMatch(/^Scenario key "k2": .*name: must not contain control characters/);
    expect(seen).toEqual([]);
  });
});
