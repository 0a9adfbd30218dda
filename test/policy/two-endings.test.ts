/**
 * A key due for both endings — its lifetime and the inactivity lifecycle's action — is announced and
 * acted on for the earlier one only (core/two-endings.ts, docs/traffic-policy.md "Two endings"): the
 * scheduler's warnings and sweep, the lifetime warnings, key views' nextAction, upcoming, the
 * forecast and the banner agree, on the injected clock. Default policy: 90 days, quarterly sweeps,
 * warnings 15, 7 and 1 day before; keys made on 1 January are acted on on 1 April.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, T0, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
let admin: Client;
const at = (s: string) => Date.parse(`${s}Z`);
const APRIL_1 = "2026-04-01T00:00:00.000Z";

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2160" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
});
afterAll(async () => {
  await h?.close();
});

async function newKey(name: string, expiresAt?: string) {
  const r = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name,
    scopes: [],
    ...(expiresAt ? { expiresAt: `${expiresAt}Z` } : {}),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.key.id as string;
}

async function tick(t: string) {
  h.clock.set(at(t));
  const r = await h.kw.scheduler.tick(at(t));
  return {
    warned: [...new Set(r.warnings.flatMap((x) => x.keyIds))].sort(),
    acted: r.actions.map((x) => x.keyId).sort(),
    lifetime: (r.lifetimeWarnings ?? []).map((x) => x.keyId).sort(),
  };
}

/** The clock moves by months: sign in again when the session has lapsed. */
async function fresh(): Promise<Client> {
  if ((await admin.get("/api/me")).status === 401) admin = await new Client(h).login(w.owner);
  return admin;
}

const view = async (id: string) => (await (await fresh()).get(`/api/keys/${id}`)).body;

it("the earlier ending is the one announced and acted on, everywhere", async () => {
  h.clock.set(T0);
  const a = await newKey("lifetime first", "2026-03-20T00:00:00"); // before 1 April
  const b = await newKey("inactivity first", "2026-05-01T00:00:00");
  const c = await newKey("no lifetime");
  const d = await newKey("inactivity first, lifetime soon after", "2026-04-05T00:00:00");
  const e = await newKey("shortened after its warning");
  const f = await newKey("inactivity first, lifetime hours after", "2026-04-01T12:00:00");
  const sorted = (...ids: string[]) => [...ids].sort();

  // 13 March: A's lifetime ends within 7 days (warned); D's is 23 days away.
  expect(await tick("2026-03-13T00:00:00")).toEqual({ warned: [], acted: [], lifetime: [a] });

  // 17 March: the inactivity warnings (15 days before 1 April) leave A out.
  expect(await tick("2026-03-17T00:00:00")).toEqual({
    warned: sorted(b, c, d, e, f),
    acted: [],
    lifetime: [],
  });
  expect((await view(a)).nextAction).toBeNull();
  expect((await view(b)).nextAction).toMatchObject({ action: "delete" });
  expect(Date.parse((await view(b)).nextAction.at)).toBe(Date.parse(APRIL_1));
  const upcoming = (await admin.get(`/api/accounts/${w.loc1}/upcoming`)).body;
  expect(Date.parse(upcoming.actionAt)).toBe(Date.parse(APRIL_1));
  expect(upcoming.keyIds).toEqual(sorted(b, c, d, e, f));
  const forecast = (await admin.get(`/api/agencies/${w.agencyId}/forecast`)).body;
  const inSweep = forecast.sweeps
    .find((s: { at: string }) => Date.parse(s.at) === Date.parse(APRIL_1))
    .keys.map((k: { id: string }) => k.id);
  expect(inSweep.sort()).toEqual(sorted(b, c, d, e, f));

  // E, already warned, gets a lifetime ending before 1 April: the lifetime is now its ending.
  const shortened = await admin.patch(`/api/keys/${e}`, { expiresAt: "2026-03-25T00:00:00Z" });
  expect(shortened.status, JSON.stringify(shortened.body)).toBe(200);
  expect((await view(e)).nextAction).toBeNull();
  expect(await tick("2026-03-18T00:00:00")).toEqual({ warned: [], acted: [], lifetime: [e] });

  // The lifetime banner, on 19 March at noon: A's lifetime ends within 24 h.
  h.clock.set(at("2026-03-19T12:00:00"));
  expect((await (await fresh()).get(`/api/accounts/${w.loc1}/lifetime-banner`)).body.keyIds).toEqual([a]);

  // 29 March: D's lifetime is within 7 days, but its inactivity action (1 April) comes first.
  expect((await tick("2026-03-29T00:00:00")).lifetime).not.toContain(d);

  // The banner, 12 hours before 1 April, counts B, C, D and F only. F's lifetime ends within 24 h
  // too, but its inactivity action comes first: no lifetime banner.
  h.clock.set(at("2026-03-31T12:00:00"));
  await fresh();
  const banner = (await admin.get(`/api/accounts/${w.loc1}/banner`)).body;
  expect(banner.keyIds).toEqual(sorted(b, c, d, f));
  const upcomingLate = (await admin.get(`/api/accounts/${w.loc1}/upcoming`)).body;
  expect(upcomingLate.keyIds).toEqual(sorted(b, c, d, f));
  expect((await admin.get(`/api/accounts/${w.loc1}/lifetime-banner`)).status).toBe(204);

  // 1 April: B, C, D and F are deleted; A and E, whose lifetimes ended first, are left as they are.
  expect((await tick("2026-04-01T00:00:00")).acted).toEqual(sorted(b, c, d, f));
  for (const id of [a, e]) expect(await view(id)).toMatchObject({ status: "active", lifetimeEnded: true });

  // Extended past 1 April, E's overdue inactivity action is now the earlier ending: acted on.
  await fresh();
  const extendE = await admin.patch(`/api/keys/${e}`, { expiresAt: "2026-12-31T00:00:00Z" });
  expect(extendE.status).toBe(200);
  expect((await tick("2026-04-01T00:01:00")).acted).toEqual([e]);
  // A, never warned for inactivity, is warned now (its first warning is never skipped).
  const extendA = await admin.patch(`/api/keys/${a}`, { expiresAt: "2026-12-31T00:00:00Z" });
  expect(extendA.status).toBe(200);
  expect((await tick("2026-04-02T00:00:00")).warned).toEqual([a]);
  expect((await view(a)).nextAction).not.toBeNull();
});
