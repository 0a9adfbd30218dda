/**
 * Issue 10, item 14: with KEYWARD_PUBLIC_URL set, the service's origin is that URL's and nothing
 * else. The request's own Host (which the client chooses) no longer counts as an origin of ours,
 * and the v1 `Link` header names the public URL whatever Host the request carried.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { seedKey } from "../legacy/helpers.js";
import { rawRequest } from "./raw.js";

const PUBLIC = "https://keys.example.test";
let h: Harness;
let w: World;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_PUBLIC_URL: PUBLIC } });
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

const login = (headers: Record<string, string>) =>
  rawRequest(
    h.url,
    "POST",
    "/api/auth/login",
    { "content-type": "application/json", ...headers },
    JSON.stringify({ email: w.owner, password: PASSWORD }),
  );

describe("Origin check with a public URL", () => {
  it("accepts the public URL's origin", async () => {
    const r = await login({ origin: PUBLIC });
    expect(r.status).toBe(200);
  });

  it("refuses the request's own Host as an origin, on sign-in and on session routes", async () => {
    const host = new URL(h.url).host;
    for (const origin of [`https://${host}`, `http://${host}`]) {
      const r = await login({ origin });
      expect(r.status, origin).toBe(403);
      expect(r.body.code).toBe("origin_mismatch");
    }
    // A Host the client made up, with the Origin to match it.
    const spoofed = await login({ host: "evil.example", origin: "https://evil.example" });
    expect(spoofed.status).toBe(403);
    expect(spoofed.body.code).toBe("origin_mismatch");

    const owner = await new Client(h, { origin: PUBLIC }).login(w.owner);
    const created = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "From the console" });
    expect(created.status).toBe(201);
    const refused = await owner.request(
      "POST",
      `/api/accounts/${w.loc1}/keys`,
      { name: "From elsewhere" },
      { origin: `https://${host}` },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("origin_mismatch");
  });

  it("the v1 Link header names the public URL, not the request's Host", async () => {
    const { token } = await seedKey(h, w.agencyId, null);
    const r = await rawRequest(h.url, "GET", "/v1/locations", {
      host: "evil.example",
      authorization: `Bearer ${token}`,
    });
    expect(r.status).toBe(200);
    const link = String(r.headers.link);
    expect(link).toContain(`<${PUBLIC}/docs#v1>; rel="deprecation"`);
    expect(link).not.toContain("evil.example");
  });
});
