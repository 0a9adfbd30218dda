/**
 * OAuth access tokens and the inactivity lifecycle (docs/oauth.md): never swept nor warned (they end
 * by themselves within a day); an install unused for 90 days is listed for the inventory. Its own
 * instance, so the scheduler meets only what this test made.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { consent, exchange, pkce, type RegisteredApp, registerApp } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let app: RegisteredApp;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  app = await registerApp(owner, w.agencyId);
});
afterAll(async () => h?.close());

async function installed() {
  const { verifier, challenge } = pkce();
  const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" }, { challenge });
  const t = await exchange(h, app, code!, verifier);
  expect(t.status).toBe(200);
  return t.body as { access_token: string; install_id: string };
}

describe("lifecycle", () => {
  it("an install unused for 90 days is listed for the inventory; its tokens are never swept or warned", async () => {
    const t = await installed();
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).status).toBe(200);
    await h.kw.usage.flush();
    const fresh = await owner.get(`/api/agencies/${w.agencyId}/installs?unused=true`);
    expect(fresh.body.installs.some((i: any) => i.id === t.install_id)).toBe(false);
    // The scheduler's sweeps and warnings pass over access tokens (they end by themselves in a day).
    const pit = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "control", scopes: [] });
    expect(pit.status).toBe(201);
    await h.kw.scheduler.tick(h.clock.now());
    h.clock.advance(90 * 24 * 3_600_000);
    await h.kw.scheduler.tick(h.clock.now());
    owner = await new Client(h).login(w.owner);
    const stale = await owner.get(`/api/agencies/${w.agencyId}/installs?unused=true`);
    const mine = stale.body.installs.find((i: any) => i.id === t.install_id);
    expect(mine.unusedDays).toBe(90);
    expect(mine.lastUsedAt).not.toBeNull();
    // Untouched by the inactivity lifecycle: never expired or deleted by a sweep (revoked by other
    // tests at most; the others ended by their lifetime alone, still "active"), never warned.
    const tokens = await h.kw.store.listKeys({ agencyId: w.agencyId, kind: "oauth" });
    expect(tokens.length).toBeGreaterThan(0);
    for (const k of tokens) {
      expect(["active", "revoked"]).toContain(k.status);
      expect([k.warnedAt, k.lifetimeWarnedAt ?? null]).toEqual([null, null]);
    }
    // A key of the same age that is not an app's was warned or acted on: the sweep did run.
    const control = (await h.kw.store.getKey(pit.body.key.id))!;
    expect(control.warnedAt !== null || control.status !== "active").toBe(true);
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=lifecycle.`);
    expect(JSON.stringify(audit.body)).not.toContain(t.install_id);
    const notes = await owner.get("/api/me/notifications");
    expect(JSON.stringify(notes.body)).not.toContain("Sync Pro");
    expect((await owner.get(`/api/agencies/${w.agencyId}/installs?unused=maybe`)).status).toBe(400);
  });
});
