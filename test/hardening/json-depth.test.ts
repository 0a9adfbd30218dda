/**
 * Issue 10, item 10: a body nested 20,000 levels deep answered 500 (a stack overflow behind
 * validation). Every JSON body is now refused before validation when it nests objects or arrays
 * deeper than MAX_JSON_DEPTH: a 400 invalid_json saying so, on the management API, the v2 platform
 * API and the legacy v1 API alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/http/route.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { call, seedKey } from "../legacy/helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let v2Key = "";
let v1Key = "";

/** `{"policy":{"inAppLeadsDays":[[…]]}}` nesting `depth` levels in all (the outer object is one). */
function deepPolicy(depth: number): string {
  const arrays = depth - 2;
  return `{"policy":{"inAppLeadsDays":${"[".repeat(arrays)}1${"]".repeat(arrays)}}}`;
}

/** `{"name":"x","extra":[[…]]}`, `depth` levels in all. */
function deepBody(depth: number): string {
  const arrays = depth - 1;
  return `{"name":"x","extra":${"[".repeat(arrays)}${"]".repeat(arrays)}}`;
}

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  const r = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "All",
    scopes: ["locations.readonly", "locations.write", "users.readonly", "users.write"],
  });
  expect(r.status).toBe(201);
  v2Key = r.body.token;
  v1Key = (await seedKey(h, w.agencyId, null)).token;
});
afterAll(() => h.close());

function expectTooDeep(r: { status: number; body: any; headers: Headers }) {
  expect(r.status).toBe(400);
  expect(r.headers.get("content-type")).toContain("application/problem+json");
  expect(r.body.code).toBe("invalid_json");
  expect(r.body.detail).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
}

describe("JSON nesting limit", () => {
  it("a policy nested 20,000 levels deep is a 400, not a 500", async () => {
    const r = await owner.request("PATCH", `/api/agencies/${w.agencyId}/settings`, deepPolicy(20_000));
    expectTooDeep(r);
  });

  it("one level over the limit is refused; at the limit the body reaches validation", async () => {
    const over = await owner.request(
      "PATCH",
      `/api/agencies/${w.agencyId}/settings`,
      deepPolicy(MAX_JSON_DEPTH + 1),
    );
    expectTooDeep(over);
    const at = await owner.request(
      "PATCH",
      `/api/agencies/${w.agencyId}/settings`,
      deepPolicy(MAX_JSON_DEPTH),
    );
    expect(at.status).toBe(400);
    expect(at.body.code).toBe("validation_failed");
  });

  it("holds on the v2 platform API", async () => {
    for (const depth of [20_000, MAX_JSON_DEPTH + 1]) {
      expectTooDeep(await call(h, v2Key, "POST", "/v2/locations", deepBody(depth)));
      expectTooDeep(await call(h, v2Key, "PUT", `/v2/locations/${w.loc1}`, deepBody(depth)));
    }
    expect((await call(h, v2Key, "PUT", `/v2/locations/${w.loc1}`, deepBody(MAX_JSON_DEPTH))).body.code).toBe(
      "validation_failed",
    );
  });

  it("holds on the legacy v1 API", async () => {
    for (const depth of [20_000, MAX_JSON_DEPTH + 1]) {
      expectTooDeep(await call(h, v1Key, "POST", "/v1/locations", deepBody(depth)));
      expectTooDeep(await call(h, v1Key, "PUT", `/v1/locations/${w.loc1}`, deepBody(depth)));
    }
  });

  it("holds on the service API", async () => {
    const r = await call(
      h,
      "test-service-token-0123456789abcdefghijklmnop",
      "POST",
      "/api/verify",
      deepBody(20_000),
    );
    expectTooDeep(r);
  });

  it("brackets inside strings do not count", async () => {
    const name = `${"[{".repeat(40)}\\"]`;
    const r = await call(h, v2Key, "POST", "/v2/locations", `{"name":"${name}"}`);
    expect(r.status).toBe(201);
    expect(r.body.name).toBe(`${"[{".repeat(40)}"]`);
    expect(nestsDeeperThan(`["\\\\",${"[".repeat(40)}]`, 32)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${"[".repeat(100)}"}`, 1)).toBe(false);
  });
});
