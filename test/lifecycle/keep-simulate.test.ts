/**
 * Keep in `keyward simulate` (issue 14): `{"at", "type": "keep", "key"}` spares a warned key and starts
 * a new cycle from the Keep's instant, printing `kept`; with nothing pending it changes nothing. Exact
 * event lists, as test/lifecycle/simulate.test.ts does for the other rules.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/cli/simulate.js";
import { parseScenario, ScenarioError, type SimEvent } from "../../src/scheduler/simulate.js";

const OWNER = "owner@ag1.test";
const BOSS = "boss@loc1.test";
const APR1 = "2026-04-01T00:00:00Z";
const JUL1 = "2026-07-01T00:00:00Z";

function world(extra: Record<string, unknown> = {}) {
  return {
    start: "2026-01-01T00:00:00Z",
    end: "2026-05-01T00:00:00Z",
    agencies: [{ id: "ag1", admins: [OWNER], locations: [{ id: "loc1", admins: [BOSS] }] }],
    keys: [{ id: "k1", owner: "loc1", createdAt: "2026-01-01T00:00:00Z" }],
    ...extra,
  };
}

const keep = (at: string, key = "k1") => ({ at, type: "keep", key });

async function run(scenario: unknown): Promise<SimEvent[]> {
  return (await simulate(parseScenario(scenario))).events;
}

const W = (at: string, leadDays: number, actionAt: string) => ({
  at,
  type: "warning",
  account: "loc1",
  leadDays,
  actionAt,
  keys: ["k1"],
  to: [BOSS],
});
const E = (at: string, actionAt: string) => ({
  at,
  type: "email",
  agency: "ag1",
  actionAt,
  keys: ["k1"],
  to: [OWNER],
});
const ON = (at: string, actionAt: string) => ({
  at,
  type: "banner_on",
  account: "loc1",
  actionAt,
  keys: ["k1"],
});
const OFF = (at: string, actionAt: string) => ({ at, type: "banner_off", account: "loc1", actionAt });
const DEL = (at: string) => ({ at, type: "deleted", key: "k1" });
const KEPT = (at: string) => ({ at, type: "kept", key: "k1" });

/** k1, created at start and never used: warned from 17 March, deleted at the 1 April sweep. */
const onTime = [
  W("2026-03-17T00:00:00Z", 15, APR1),
  E("2026-03-17T00:00:00Z", APR1),
  W("2026-03-25T00:00:00Z", 7, APR1),
  W("2026-03-31T00:00:00Z", 1, APR1),
  ON("2026-03-31T00:00:00Z", APR1),
  DEL(APR1),
  OFF(APR1, APR1),
];

describe("keep in simulate", () => {
  it("before the first warning: nothing is pending, nothing changes, nothing is printed", async () => {
    expect(await run(world({ actions: [keep("2026-03-01T00:00:00Z")] }))).toEqual(onTime);
  });

  it("after a warning: spared; the new cycle runs from the Keep's instant and warns again on schedule", async () => {
    // lastActivity 20 March 12:00 → due 18 June 12:00 → the 1 July sweep; first warning 16 June.
    expect(
      await run(world({ end: "2026-07-02T00:00:00Z", actions: [keep("2026-03-20T12:00:00Z")] })),
    ).toEqual([
      ...onTime.slice(0, 2),
      KEPT("2026-03-20T12:00:00Z"),
      W("2026-06-16T00:00:00Z", 15, JUL1),
      E("2026-06-16T00:00:00Z", JUL1),
      W("2026-06-24T00:00:00Z", 7, JUL1),
      W("2026-06-30T00:00:00Z", 1, JUL1),
      ON("2026-06-30T00:00:00Z", JUL1),
      DEL(JUL1),
      OFF(JUL1, JUL1),
    ]);
  });

  it("inside the banner window: the banner goes at the Keep", async () => {
    expect(await run(world({ actions: [keep("2026-03-31T12:00:00Z")] }))).toEqual([
      ...onTime.slice(0, 5),
      KEPT("2026-03-31T12:00:00Z"),
      OFF("2026-03-31T12:00:00Z", APR1),
    ]);
  });

  it("at the very instant of the sweep: actions count first, the key is spared", async () => {
    expect(await run(world({ actions: [keep(APR1)] }))).toEqual([
      ...onTime.slice(0, 5),
      KEPT(APR1),
      OFF(APR1, APR1),
    ]);
  });

  it("a second Keep in the new cycle, before its first warning, changes nothing", async () => {
    expect(
      await run(world({ actions: [keep("2026-03-20T12:00:00Z"), keep("2026-03-21T00:00:00Z")] })),
    ).toEqual([...onTime.slice(0, 2), KEPT("2026-03-20T12:00:00Z")]);
  });

  it("after the action, or on a revoked key: nothing is pending, nothing changes", async () => {
    expect(await run(world({ actions: [keep("2026-04-02T00:00:00Z")] }))).toEqual(onTime);
    expect(
      await run(
        world({
          actions: [{ at: "2026-03-20T00:00:00Z", type: "revoke", key: "k1" }, keep("2026-03-21T00:00:00Z")],
        }),
      ),
    ).toEqual(onTime.slice(0, 2));
  });

  it("an unknown action type is refused, the message listing keep among the types", () => {
    expect(() => parseScenario(world({ actions: [{ at: APR1, type: "spare", key: "k1" }] }))).toThrow(
      ScenarioError,
    );
    expect(() => parseScenario(world({ actions: [{ at: APR1, type: "spare", key: "k1" }] }))).toThrow(/keep/);
  });
});
