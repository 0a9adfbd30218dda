import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

describe("a key's life over HTTP", () => {
  it("creates, verifies, rotates and revokes a location key", async () => {
    const admin = await new Client(h).login(w.owner);
    const created = await admin.post(`/api/accounts/${w.loc1}/keys`, {
      name: "Zapier",
      scopes: ["locations.readonly"],
    });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^kw_pit_[0-9A-Za-z]{38}$/);
    expect(created.body.key.token).toBe(`kw_pit_…${token.slice(-4)}`);

    const ok = await withKey(h, token, "GET", `/v2/locations/${w.loc1}`);
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(w.loc1);

    const other = await withKey(h, token, "GET", `/v2/locations/${w.loc2}`);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("location_forbidden");

    const rotated = await admin.post(`/api/keys/${created.body.key.id}/rotate`, { expireOldAfterSeconds: 0 });
    expect(rotated.status).toBe(200);
    const old = await withKey(h, token, "GET", "/v2/token");
    expect(old.status).toBe(401);
    expect(old.body.code).toBe("rotated");
    expect(old.headers.get("www-authenticate")).toMatch(
      /^Bearer error="invalid_token", error_description="This token was replaced by rotation on /,
    );

    const revoked = await admin.post(`/api/keys/${created.body.key.id}/revoke`);
    expect(revoked.status).toBe(200);
    const after = await withKey(h, rotated.body.token, "GET", "/v2/token");
    expect(after.body.code).toBe("revoked");
  });
});
