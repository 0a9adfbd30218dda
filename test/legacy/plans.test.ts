/**
 * Plan tiers (docs/spec.md §1): agency keys are an agency_pro feature, at creation and at verification.
 * A downgrade suspends agency keys (they verify as plan_required), an upgrade brings them back;
 * legacy keys and private integration tokens alike, through the verification cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  setPlan,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { call, keySnapshot, seedKey } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

const verify = (token: string) =>
  call(h, SERVICE_TOKEN, "POST", "/api/verify", { token }).then(
    (r) => r.body as { valid: boolean; code: string },
  );

describe("plans", () => {
  it("below agency_pro, agency keys cannot be created (PIT and legacy alike); location keys can", async () => {
    const w2 = await seedWorld(h.kw, "starter", "-starter");
    const o = await new Client(h).login(w2.owner);
    await seedKey(h, w2.agencyId, null, "Old agency v1"); // so the legacy rule is not what refuses
    for (const body of [
      { name: "PIT", scopes: ["locations.readonly"] },
      { name: "Legacy", kind: "legacy_v1" },
    ]) {
      const r = await o.post(`/api/accounts/${w2.agencyId}/keys`, body);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("plan_required");
      expect(r.body.detail).toMatch(/agency_pro/);
    }
    const imported = await o.post(`/api/accounts/${w2.agencyId}/keys/import`, {
      name: "Imported",
      kind: "private_integration",
      sha256: "a".repeat(64),
    });
    expect(imported.body.code).toBe("plan_required");
    const loc = await o.post(`/api/accounts/${w2.loc1}/keys`, {
      name: "Location PIT",
      scopes: ["locations.readonly"],
    });
    expect(loc.status).toBe(201);
    expect((await call(h, loc.body.token, "GET", `/v2/locations/${w2.loc1}`)).status).toBe(200);
  });

  it("a downgrade suspends agency keys, an upgrade restores them; location keys are untouched", async () => {
    const agencyPit = (
      await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name: "Agency PIT",
        scopes: ["locations.readonly"],
      })
    ).body.token as string;
    const agencyV1 = await seedKey(h, w.agencyId, null, "Agency v1");
    const locationPit = (
      await owner.post(`/api/accounts/${w.loc1}/keys`, {
        name: "Location PIT",
        scopes: ["locations.readonly"],
      })
    ).body.token as string;
    const locationV1 = await seedKey(h, w.agencyId, w.loc1, "Location v1");

    // Verified once, so every key sits in the verification cache.
    expect((await call(h, agencyPit, "GET", "/v2/locations")).status).toBe(200);
    expect((await call(h, agencyV1.token, "GET", "/v1/locations")).status).toBe(200);
    const before = await keySnapshot(h, w.agencyId);

    for (const plan of ["unlimited", "starter"] as const) {
      const down = await setPlan(h, w.agencyId, plan);
      expect(down.status).toBe(200);
      expect(down.body.plan).toBe(plan);
      const pitR = await call(h, agencyPit, "GET", "/v2/locations");
      expect(pitR.status).toBe(403);
      expect(pitR.body.code).toBe("plan_required");
      const v1R = await call(h, agencyV1.token, "GET", "/v1/locations");
      expect(v1R.status).toBe(403);
      expect(v1R.body.code).toBe("plan_required");
      expect(v1R.headers.get("deprecation")).not.toBeNull();
      expect((await verify(agencyPit)).code).toBe("plan_required");
      expect((await verify(agencyV1.token)).code).toBe("plan_required");
      expect((await call(h, locationPit, "GET", `/v2/locations/${w.loc1}`)).status).toBe(200);
      expect((await call(h, locationV1.token, "GET", `/v1/locations/${w.loc1}`)).status).toBe(200);
      const refused = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "New", scopes: [] });
      expect(refused.body.code).toBe("plan_required");
    }
    // Suspended, not revoked: nothing about the keys changed.
    expect(await keySnapshot(h, w.agencyId)).toEqual(before);

    const up = await setPlan(h, w.agencyId, "agency_pro");
    expect(up.status).toBe(200);
    expect((await call(h, agencyPit, "GET", "/v2/locations")).status).toBe(200);
    expect((await call(h, agencyV1.token, "GET", "/v1/locations")).status).toBe(200);
    expect((await verify(agencyPit)).valid).toBe(true);

    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=agency.plan_changed`);
    expect(audit.body.entries.map((e: any) => e.after.plan)).toEqual(["agency_pro", "starter", "unlimited"]);
  });

  it("nobody of the agency changes the plan, its admins and owner included", async () => {
    for (const who of [w.loc1Admin, w.agencyUser, w.agencyAdmin, w.owner]) {
      const c = await new Client(h).login(who);
      const r = await c.patch(`/api/agencies/${w.agencyId}`, { plan: "starter" });
      expect(r.status).toBe(403);
    }
    expect((await owner.get(`/api/agencies/${w.agencyId}`)).body.plan).toBe("agency_pro");
  });
});
