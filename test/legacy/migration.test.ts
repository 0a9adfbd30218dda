/**
 * The migration report and the guided migration (docs/spec.md §5), on a use history built with real
 * requests under the ManualClock: what each legacy key is still used for, what replaces it, the
 * legacy traffic falling to zero, and the revocation at the end.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/core/clock.js";
import { Client, type Harness, seedWorld, startHarness, T0, type World } from "../helpers/harness.js";
import { call, seedKey } from "./helpers.js";

const run = promisify(execFile);

let h: Harness;
let w: World;
let owner: Client;
let zapier: { id: string; token: string };
let website: { id: string; token: string };
let forgotten: { id: string; token: string };

const ZAPIER = { "user-agent": "Zapier/2.3 (+https://zapier.com)", "x-forwarded-for": "203.0.113.4" };
const CURL = { "user-agent": "curl/8.5.0", "x-forwarded-for": "198.51.100.7" };
const OLD = { "user-agent": "OldScript/0.1", "x-forwarded-for": "192.0.2.50" };

async function use(
  token: string,
  times: number,
  method: string,
  path: string,
  headers: Record<string, string>,
) {
  for (let i = 0; i < times; i++) {
    const r = await call(
      h,
      token,
      method,
      path,
      method === "PUT" ? { phone: "+1 555 0199" } : undefined,
      headers,
    );
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  }
}

const report = async () => {
  const r = await owner.get(`/api/agencies/${w.agencyId}/migration-report`);
  expect(r.status).toBe(200);
  return r.body;
};
const entryOf = (rep: any, id: string) => rep.keys.find((e: any) => e.key.id === id);

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_TRUST_PROXY: "true" } });
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  zapier = await seedKey(h, w.agencyId, null, "Zapier sync");
  website = await seedKey(h, w.agencyId, w.loc1, "Downtown website");
  forgotten = await seedKey(h, w.agencyId, w.loc2, "Forgotten script");
  await seedKey(h, w.otherAgencyId, null, "Another agency's key");
  await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Already v2", scopes: ["users.readonly"] });

  // History: uses long ago (outside the 90-day window), then five days of recent traffic.
  await use(zapier.token, 3, "GET", "/v1/locations", OLD);
  for (let d = 95; d < 100; d++) {
    h.clock.set(T0 + d * DAY + 9 * HOUR);
    await use(zapier.token, 3, "GET", "/v1/locations", ZAPIER);
    await use(zapier.token, 1, "GET", `/v1/locations/${w.loc1}`, ZAPIER);
    if (d === 97) await use(zapier.token, 1, "PUT", `/v1/locations/${w.loc1}`, ZAPIER);
    await use(website.token, 2, "GET", `/v1/locations/${w.loc1}`, CURL);
    if (d === 98) await use(website.token, 1, "PUT", `/v1/locations/${w.loc1}`, CURL);
  }
  await h.kw.usage.flush();
  h.clock.set(T0 + 100 * DAY + 8 * HOUR);
});
afterAll(() => h.close());
// Sessions last hours and this history spans months: sign in afresh at each step.
beforeEach(async () => {
  owner = await new Client(h).login(w.owner);
});

describe("the migration report", () => {
  it("lists every legacy key of the agency with its use over the last 90 days and its replacement", async () => {
    const rep = await report();
    expect(rep.windowDays).toBe(90);
    expect(rep.since).toBe("2026-01-12");
    expect(rep.keys.map((e: any) => e.key.id).sort()).toEqual([zapier.id, website.id, forgotten.id].sort());
    expect(rep.summary).toMatch(/3 legacy v1 keys: 2 used in the last 90 days, 1 unused/);

    const z = entryOf(rep, zapier.id);
    expect(z.owner).toEqual({ type: "agency", id: w.agencyId, name: "Acme Agency" });
    expect(z.usage.total).toBe(21); // the three old uses are outside the window
    expect(z.usage.endpoints).toEqual([
      { endpoint: "GET /v1/locations", count: 15, lastDay: "2026-04-10" },
      { endpoint: "GET /v1/locations/:id", count: 5, lastDay: "2026-04-10" },
      { endpoint: "PUT /v1/locations/:id", count: 1, lastDay: "2026-04-08" },
    ]);
    expect(z.usage.userAgents).toEqual([{ userAgent: "Zapier/2.3 (+https://zapier.com)", count: 21 }]);
    expect(z.usage.sourceAddresses).toEqual([{ ip: "203.0.113.4", count: 21 }]);
    expect(z.usage.byDay.map((d: any) => d.count)).toEqual([4, 4, 5, 4, 4]);
    expect(z.key.lastUsed).toMatchObject({
      ip: "203.0.113.4",
      userAgent: "Zapier/2.3 (+https://zapier.com)",
    });
    expect(z.suggestedScopes).toEqual(["locations.readonly", "locations.write"]);
    expect(z.advice).toBe(
      "Used 21 times in the last 90 days by Zapier from 203.0.113.4 to read locations and create, change or delete locations; replace with a private integration token with locations.readonly and locations.write.",
    );

    const site = entryOf(rep, website.id);
    expect(site.owner).toMatchObject({ type: "location", id: w.loc1 });
    expect(site.usage.total).toBe(11);
    // A location key only gets location-level scopes; what needs more is said plainly.
    expect(site.suggestedScopes).toEqual(["locations.readonly"]);
    expect(site.unavailableScopes).toEqual([
      { scope: "locations.write", purpose: "create, change or delete locations" },
    ]);
    expect(site.advice).toBe(
      "Used 11 times in the last 90 days by curl from 198.51.100.7 to read locations; replace with a private integration token with locations.readonly on this location. A location-level token cannot create, change or delete locations: use an agency token with locations.write for that part.",
    );

    const idle = entryOf(rep, forgotten.id);
    expect(idle.usage.total).toBe(0);
    expect(idle.suggestedScopes).toEqual([]);
    expect(idle.advice).toMatch(/^Not used in the last 90 days: nothing depends on it/);
    // Never key material.
    const text = JSON.stringify(rep);
    for (const t of [zapier.token, website.token, forgotten.token]) expect(text).not.toContain(t);
  });

  it("is for agency admins only", async () => {
    for (const who of [w.agencyUser, w.loc1Admin]) {
      const c = await new Client(h).login(who);
      expect((await c.get(`/api/agencies/${w.agencyId}/migration-report`)).status).toBe(403);
    }
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/agencies/${w.agencyId}/migration-report`)).status).toBe(404);
    expect((await new Client(h).get(`/api/agencies/${w.agencyId}/migration-report`)).status).toBe(401);
  });

  it("keyward migration-report prints the same, for people and as JSON", async () => {
    const env = { ...process.env, KEYWARD_DATA_DIR: h.dataDir, KEYWARD_LOG_LEVEL: "silent" };
    const json = await run("node", ["bin/keyward.js", "migration-report", "--agency", w.agencyId, "--json"], {
      env,
      timeout: 60_000,
    });
    const rep = JSON.parse(json.stdout.trim());
    expect(rep.agency.id).toBe(w.agencyId);
    expect(rep.keys.map((e: any) => e.key.id).sort()).toEqual([zapier.id, website.id, forgotten.id].sort());
    const text = await run("node", ["bin/keyward.js", "migration-report"], { env, timeout: 60_000 });
    expect(text.stdout).toContain("Acme Agency");
    expect(text.stdout).toContain("Other Agency");
    expect(text.stdout).toContain("Zapier sync");
    const bad = await run("node", ["bin/keyward.js", "migration-report", "--agency", "agy_nope"], {
      env,
      timeout: 60_000,
    }).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/No agency agy_nope/);
  });
});

describe("the guided migration", () => {
  let replacement: { id: string; token: string };

  it("creates the replacement token with the suggested scopes, once", async () => {
    const r = await owner.post(`/api/keys/${zapier.id}/migration`, {});
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^kw_pit_/);
    expect(r.body.scopes).toEqual(["locations.readonly", "locations.write"]);
    expect(r.body.key).toMatchObject({
      name: "Zapier sync (v2)",
      kind: "private_integration",
      locationId: null,
    });
    expect(r.body.next).toMatch(/migration\/complete/);
    replacement = { id: r.body.key.id, token: r.body.token };

    const again = await owner.post(`/api/keys/${zapier.id}/migration`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("conflict");
    expect((await owner.post(`/api/keys/${replacement.id}/migration`, {})).body.code).toBe("invalid_state");
    const idle = await owner.post(`/api/keys/${forgotten.id}/migration`, {});
    expect(idle.status).toBe(409);
    expect(idle.body.detail).toMatch(/not used in the last 90 days/);
    // Someone who cannot see the key gets a 404.
    const boss2 = await new Client(h).login(w.loc2Admin);
    expect((await boss2.post(`/api/keys/${website.id}/migration`, {})).status).toBe(404);

    expect((await call(h, replacement.token, "GET", "/v2/locations", undefined, ZAPIER)).status).toBe(200);
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.migration`);
    expect(audit.body.entries[0]).toMatchObject({
      targetId: zapier.id,
      after: { replacementKeyId: replacement.id },
    });
    expect(JSON.stringify(audit.body)).not.toContain(replacement.token);
  });

  it("refuses to revoke a legacy key used in the last 24 hours, and shows its traffic falling to zero", async () => {
    h.clock.advance(HOUR);
    await use(zapier.token, 1, "GET", "/v1/locations", ZAPIER); // a client not yet switched
    const refused = await owner.post(`/api/keys/${zapier.id}/migration/complete`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("legacy_key_in_use");
    expect(refused.body.detail).toMatch(/Zapier\/2\.3.*203\.0\.113\.4.*force: true/);

    for (let d = 101; d <= 103; d++) {
      h.clock.set(T0 + d * DAY + 10 * HOUR);
      await use(replacement.token, 3, "GET", "/v2/locations", ZAPIER);
    }
    await h.kw.usage.flush();
    owner = await new Client(h).login(w.owner);
    const z = entryOf(await report(), zapier.id);
    expect(z.migration.replacement).toMatchObject({ id: replacement.id, status: "active" });
    expect(z.migration.trafficByDay).toEqual([
      { day: "2026-04-11", legacy: 1, replacement: 1 },
      { day: "2026-04-12", legacy: 0, replacement: 3 },
      { day: "2026-04-13", legacy: 0, replacement: 3 },
      { day: "2026-04-14", legacy: 0, replacement: 3 },
    ]);
    expect(z.migration.legacyUsesSince).toBe(1);
    expect(z.advice).toMatch(
      /^Replacement “Zapier sync \(v2\)” created on 2026-04-11, but the legacy key was still used 1 time since/,
    );
  });

  it("completes once the legacy key has been quiet for a day: it is revoked, the replacement works", async () => {
    const done = await owner.post(`/api/keys/${zapier.id}/migration/complete`, {});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ replacementKeyId: replacement.id, forced: false });
    expect(done.body.legacyKey.status).toBe("revoked");
    const old = await call(h, zapier.token, "GET", "/v1/locations");
    expect(old.status).toBe(401);
    expect(old.body.code).toBe("revoked");
    expect((await call(h, replacement.token, "GET", "/v2/locations")).status).toBe(200);
    const rep = await report();
    expect(entryOf(rep, zapier.id)).toBeUndefined();
    expect((await owner.post(`/api/keys/${zapier.id}/migration/complete`, {})).body.code).toBe(
      "invalid_state",
    );
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.migration_completed`);
    expect(audit.body.entries[0]).toMatchObject({ targetId: zapier.id, after: { forced: false } });
  });

  it("a location admin migrates their location's key; force revokes a key still in use", async () => {
    const boss = await new Client(h).login(w.loc1Admin);
    const started = await boss.post(`/api/keys/${website.id}/migration`, { name: "Website (v2)" });
    expect(started.status).toBe(201);
    expect(started.body.scopes).toEqual(["locations.readonly"]);
    expect(started.body.key.locationId).toBe(w.loc1);
    await use(website.token, 1, "GET", `/v1/locations/${w.loc1}`, CURL);
    expect((await boss.post(`/api/keys/${website.id}/migration/complete`, {})).body.code).toBe(
      "legacy_key_in_use",
    );
    const forced = await boss.post(`/api/keys/${website.id}/migration/complete`, { force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.forced).toBe(true);
    expect((await call(h, website.token, "GET", `/v1/locations/${w.loc1}`)).body.code).toBe("revoked");
    // The unused key needs no replacement: completing revokes it.
    const idle = await owner.post(`/api/keys/${forgotten.id}/migration/complete`, {});
    expect(idle.status).toBe(200);
    expect(idle.body.replacementKeyId).toBeNull();
    const rep = await report();
    expect(rep.keys).toEqual([]);
    expect(rep.summary).toMatch(/no legacy v1 keys left/);
  });
});
