import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  seedWorld,
  setPlan,
  startHarness,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

describe("the owner's account cannot be taken over by another admin", () => {
  it("refuses another admin changing the owner's e-mail or password, and allows the owner", async () => {
    const admin = await new Client(h).login(w.agencyAdmin);
    const owner = await new Client(h).login(w.owner);
    const me = (await owner.get("/api/me")).body.user;
    for (const patch of [{ email: "thief@acme.test" }, { password: "a brand new password" }]) {
      const r = await admin.patch(`/api/users/${me.id}`, patch);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("permission_denied");
    }
    expect((await owner.get("/api/me")).body.user.email).toBe(w.owner);
    const self = await owner.patch(`/api/users/${me.id}`, { name: "Olive O." });
    expect(self.status).toBe(200);
  });
});

describe("a downgrade shows agency keys as suspended", () => {
  it("flags agency keys while the plan does not allow them, and clears the flag on upgrade", async () => {
    const owner = await new Client(h).login(w.owner);
    const created = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Agency reporting" });
    expect(created.body.key.suspended).toBe(false);
    expect((await setPlan(h, w.agencyId, "starter")).status).toBe(200);
    const key = (await owner.get(`/api/keys/${created.body.key.id}`)).body;
    expect(key.suspended).toBe(true);
    expect((await withKey(h, created.body.token, "GET", "/v2/token")).body.code).toBe("plan_required");
    await setPlan(h, w.agencyId, "agency_pro");
    expect((await owner.get(`/api/keys/${created.body.key.id}`)).body.suspended).toBe(false);
    expect((await withKey(h, created.body.token, "GET", "/v2/token")).status).toBe(200);
  });
});

describe("a deleted location", () => {
  it("is no longer reachable by an agency key that reached it before", async () => {
    const owner = await new Client(h).login(w.owner);
    const loc = (await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Short-lived" })).body;
    const { token } = (
      await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Reader", scopes: ["locations.readonly"] })
    ).body;
    expect((await withKey(h, token, "GET", `/v2/locations/${loc.id}`)).status).toBe(200);
    expect((await owner.delete(`/api/locations/${loc.id}`)).status).toBe(204);
    const after = await withKey(h, token, "GET", `/v2/locations/${loc.id}`);
    expect(after.status).toBe(403);
    expect(after.body.code).toBe("location_forbidden");
  });
});
