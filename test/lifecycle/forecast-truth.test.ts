/**
 * The inventory tells the truth and warnings count the same everywhere (issue 16 items 7 and 8), on
 * the injected clock: the forecast's next sweep is the schedule's next instant, a key used minutes
 * ago is not in it, each key says why it is where it is, and the scheduler then does exactly what
 * the forecast said. The banner, the account's "upcoming" count, the inventory's next sweep and the
 * digest count the same keys, and say whose they are.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextCalendarInstant } from "../../src/core/lifecycle.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

const AUG3 = Date.parse("2026-08-03T00:00:00Z");
const NOW = Date.parse("2026-11-29T11:00:00Z");
const JAN1 = "2027-01-01T00:00:00Z";
const APR1 = "2027-04-01T00:00:00Z";

let h: Harness;
let w: World;
let owner: Client;
const ids: Record<string, string> = {};
let orphanLoc = "";

async function verify(token: string) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return ((await res.json()) as { code: string }).code;
}

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2160" } });
  w = await seedWorld(h.kw);
  h.clock.set(AUG3);
  owner = await new Client(h).login(w.owner);
  const loc = (await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "No admin here" })).body;
  orphanLoc = loc.location?.id ?? loc.id;
  // Only this test's keys: the locations' legacy keys made with them go.
  for (const k of (await owner.get(`/api/accounts/${w.agencyId}/keys?includeLocations=true&limit=200`)).body
    .keys)
    expect((await owner.post(`/api/keys/${k.id}/revoke`)).status).toBe(200);
  // Unused since 3 Aug: one agency key and eight location keys, in three locations (one without admin).
  const make = async (account: string, name: string) => {
    const r = await owner.post(`/api/accounts/${account}/keys`, { name });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ids[name] = r.body.key.id;
    return r.body.token as string;
  };
  await make(w.agencyId, "agency-old");
  for (let i = 0; i < 4; i++) await make(w.loc1, `downtown-${i}`);
  for (let i = 0; i < 2; i++) await make(w.loc2, `uptown-${i}`);
  for (let i = 0; i < 2; i++) await make(orphanLoc, `orphan-${i}`);
  const fresh = await make(w.loc1, "used-minutes-ago");
  h.clock.set(NOW - 5 * 60_000);
  expect(await verify(fresh)).toBe("valid");
  await h.kw.usage.flush();
  h.clock.set(NOW);
  await owner.login(w.owner);
}, 60_000);
afterAll(() => h.close());

const old = () =>
  Object.entries(ids)
    .filter(([n]) => n !== "used-minutes-ago")
    .map(([, id]) => id)
    .sort();

describe("the forecast (inventory) tells the truth", () => {
  it("names the schedule's next sweep, and keeps a key used minutes ago out of it, with the reason of each key", async () => {
    const f = (await owner.get(`/api/agencies/${w.agencyId}/forecast`)).body;
    expect(f.nextSweepAt).toBe(JAN1);
    const jan = f.sweeps.find((s: { at: string }) => s.at === JAN1);
    expect(jan.keys.map((k: { id: string }) => k.id).sort()).toEqual(old());
    const apr = f.sweeps.find((s: { at: string }) => s.at === APR1);
    expect(apr.keys.map((k: { id: string }) => k.id)).toEqual([ids["used-minutes-ago"]]);
    const one = jan.keys.find((k: { id: string }) => k.id === ids["agency-old"]);
    expect(one.reason).toBe(
      "Unused since 3 August 2026; 90 days reached on 1 November 2026; deleted at the sweep of 1 January 2027.",
    );
    expect(one.dueAt).toBe("2026-11-01T00:00:00Z");
    expect(one.firstWarningAt).toBe("2026-12-17T00:00:00Z");
    const listed = (await owner.get(`/api/keys/${ids["used-minutes-ago"]}`)).body;
    expect(listed.lastActivityAt).toBe("2026-11-29T10:55:00.000Z");
    expect(listed.nextAction.at).toBe("2027-04-01T00:00:00.000Z");
  });

  it("a late first warning moves the action a sweep later, and the reason says so", async () => {
    // The same key seen as if the scheduler had been down until 20 Dec: too late for 15 days' notice.
    const agency = (await h.kw.store.getAgency(w.agencyId))!;
    const f = await h.kw.lifecycle.forecastOf(agency, Date.parse("2026-12-20T00:00:00Z"), 4);
    expect(f.nextSweepAt).toBe(JAN1);
    const apr = f.sweeps.find((s) => s.at === APR1)!;
    const k = apr.keys.find((x) => x.id === ids["agency-old"])!;
    expect(k.reason).toBe(
      "Unused since 3 August 2026; 90 days reached on 1 November 2026; its first warning goes out on 20 December 2026, too late for 15 days' notice before the sweep of 1 January 2027; deleted at the sweep of 1 April 2027.",
    );
  });

  it("banner, upcoming count, inventory and digest count the same nine keys, saying whose they are", async () => {
    // Tick through the calendar, as a live scheduler would, up to the first warning of 17 Dec.
    const ep = h.kw.lifecycle.policyOf((await h.kw.store.getAgency(w.agencyId))!);
    const digests: string[][] = [];
    for (
      let t = nextCalendarInstant(ep.policy, ep.cron, NOW);
      t <= Date.parse("2026-12-31T00:00:00Z");
      t = nextCalendarInstant(ep.policy, ep.cron, t)
    ) {
      h.clock.set(t);
      const r = await h.kw.scheduler.tick();
      for (const e of r.emails) if (e.agencyId === w.agencyId) digests.push([...e.keyIds].sort());
    }
    expect(digests).toEqual([old()]);
    h.clock.set(Date.parse("2026-12-31T06:00:00Z")); // within the banner's 24 hours
    await owner.login(w.owner);

    const banner = (await owner.get(`/api/accounts/${w.agencyId}/banner`)).body;
    expect(banner.count).toBe(9);
    expect(banner.keyIds).toEqual(old());
    expect(banner.scope).toBe("account_and_locations");
    expect(banner.message).toContain(
      "9 API keys of Acme Agency and its locations have not been used for 90 days",
    );
    const upcoming = (await owner.get(`/api/accounts/${w.agencyId}/upcoming`)).body;
    expect([upcoming.count, upcoming.warned, upcoming.actionAt]).toEqual([9, 9, JAN1]);
    expect(upcoming.keyIds).toEqual(old());
    expect(upcoming.scopeWords).toBe("of Acme Agency and its locations");
    const f = (await owner.get(`/api/agencies/${w.agencyId}/forecast`)).body;
    expect(f.sweeps.find((s: { at: string }) => s.at === f.nextSweepAt).keys).toHaveLength(9);
    const warned = (await owner.get(`/api/accounts/${w.agencyId}/keys?includeLocations=true&warned=true`))
      .body;
    expect(warned.keys.map((k: { id: string }) => k.id).sort()).toEqual(old());

    // A location counts its own keys, and says so.
    const boss = await new Client(h).login(w.loc1Admin);
    const locBanner = (await boss.get(`/api/accounts/${w.loc1}/banner`)).body;
    expect([locBanner.count, locBanner.scope]).toEqual([4, "account"]);
    expect(locBanner.message).toMatch(/^4 API keys of Downtown have not been used for 90 days\./);
    const locUpcoming = (await boss.get(`/api/accounts/${w.loc1}/upcoming`)).body;
    expect([locUpcoming.count, locUpcoming.scopeWords]).toEqual([4, "of Downtown"]);
  });

  it("a location without an admin: its keys' in-app warnings go to the agency admins", async () => {
    const admin = await new Client(h).login(w.agencyAdmin);
    const inbox = (await admin.get("/api/me/notifications")).body;
    const orphan = inbox.notifications.filter((n: { accountId: string }) => n.accountId === orphanLoc);
    expect(orphan.length).toBeGreaterThan(0);
    expect(orphan[0].keyIds.sort()).toEqual([ids["orphan-0"], ids["orphan-1"]].sort());
    const boss = await new Client(h).login(w.loc1Admin);
    const theirs = (await boss.get("/api/me/notifications")).body.notifications;
    expect(theirs.every((n: { accountId: string }) => n.accountId === w.loc1)).toBe(true);
  });

  it("the scheduler then does what the forecast said: the nine at 1 Jan, the fresh key kept", async () => {
    h.clock.set(Date.parse(JAN1));
    const r = await h.kw.scheduler.tick();
    const acted = r.actions
      .filter((a) => a.agencyId === w.agencyId)
      .map((a) => a.keyId)
      .sort();
    expect(acted).toEqual(old());
    expect((await h.kw.store.getKey(ids["used-minutes-ago"]!))!.status).toBe("active");
  });
});
