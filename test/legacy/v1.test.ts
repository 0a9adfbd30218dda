/**
 * The legacy v1 API over real HTTP: deprecation headers on every response (errors included),
 * legacy keys only, a location's key confined to its location, and the legacy creation rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../src/core/token.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { call, type Raw, seedKey } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let agencyV1: { id: string; token: string };
let loc1V1: { id: string; token: string };
let otherV1: { id: string; token: string };
let pit: string;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  agencyV1 = await seedKey(h, w.agencyId, null, "Agency v1");
  loc1V1 = await seedKey(h, w.agencyId, w.loc1, "Downtown v1");
  otherV1 = await seedKey(h, w.otherAgencyId, null, "Other agency v1");
  pit = (
    await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "PIT", scopes: ["locations.readonly"] })
  ).body.token;
});
afterAll(() => h.close());

// 2024-12-31T00:00:00Z: by default, deprecation is announced a year before the end of support.
const DEPRECATION = `@${Date.parse("2024-12-31T00:00:00Z") / 1000}`;
// 2025-12-31T00:00:00Z, the default end of support.
const SUNSET = "Wed, 31 Dec 2025 00:00:00 GMT";

function expectDeprecated(r: Raw, deprecation = DEPRECATION, sunset = SUNSET) {
  expect(r.headers.get("deprecation")).toBe(deprecation);
  expect(r.headers.get("sunset")).toBe(sunset);
  expect(r.headers.get("link")).toContain(`${h.url}/docs#v1>; rel="deprecation"`);
}

describe("v1 headers", () => {
  it("every v1 response carries Deprecation, Sunset and a Link to the docs, errors included", async () => {
    const cases: [string | null, string, string, unknown, number][] = [
      [agencyV1.token, "GET", "/v1/locations", undefined, 200],
      [agencyV1.token, "GET", `/v1/locations/${w.loc1}`, undefined, 200],
      [null, "GET", "/v1/locations", undefined, 401],
      // The last character changed (to one it is not), so the checksum no longer matches.
      [
        `${agencyV1.token.slice(0, -1)}${agencyV1.token.endsWith("x") ? "y" : "x"}`,
        "GET",
        "/v1/locations",
        undefined,
        401,
      ],
      [generateToken("kw", "legacy_v1"), "GET", "/v1/locations", undefined, 401],
      [pit, "GET", "/v1/locations", undefined, 403],
      [loc1V1.token, "GET", `/v1/locations/${w.loc2}`, undefined, 403],
      [agencyV1.token, "PUT", `/v1/locations/${w.loc1}`, { nope: 1 }, 400],
      [agencyV1.token, "PUT", `/v1/locations/${w.loc1}`, "{not json", 400],
      // The body limit holds on v1 too (it reads its bodies itself).
      [agencyV1.token, "PUT", `/v1/locations/${w.loc1}`, { name: "a".repeat(h.kw.config.maxBodyBytes) }, 413],
      [agencyV1.token, "POST", "/v1/users", { email: "a@b.test", name: "A" }, 403],
      [agencyV1.token, "GET", "/v1/nothing-here", undefined, 404],
    ];
    for (const [token, method, path, body, status] of cases) {
      const r = await call(h, token, method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
      expectDeprecated(r);
      if (status >= 400) expect(r.headers.get("content-type")).toMatch(/problem\+json/);
    }
    // Not on v2 or the management API.
    const v2 = await call(h, pit, "GET", "/v2/locations");
    expect(v2.status).toBe(200);
    expect(v2.headers.get("deprecation")).toBeNull();
    expect(v2.headers.get("sunset")).toBeNull();
  });

  it("the docs have the #v1 anchor the Link points to", async () => {
    const docs = await fetch(`${h.url}/docs`).then((r) => r.text());
    expect(docs).toContain('id="v1"');
  });

  it("Sunset follows the end-of-support setting, Deprecation the date deprecation was announced", async () => {
    const h2 = await startHarness({
      env: { KEYWARD_LEGACY_END_OF_SUPPORT: "2026-06-30", KEYWARD_LEGACY_DEPRECATED_SINCE: "2025-09-15" },
    });
    try {
      const r = await call(h2, null, "GET", "/v1/locations");
      expect(r.status).toBe(401);
      expect(r.headers.get("sunset")).toBe("Tue, 30 Jun 2026 00:00:00 GMT");
      expect(r.headers.get("deprecation")).toBe(`@${Date.parse("2025-09-15T00:00:00Z") / 1000}`);
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    } finally {
      await h2.close();
    }
  });
});

describe("v1 authentication and reach", () => {
  it("only legacy keys authenticate; a private integration token is told to use v2, without counting a use", async () => {
    await h.kw.usage.flush();
    const lastUse = async () =>
      (
        await h.kw.store.listKeys({ agencyId: w.agencyId, locationIds: null, kind: "private_integration" })
      )[0]!.lastUsedAt;
    const before = await lastUse();
    h.clock.advance(60_000);
    const r = await call(h, pit, "GET", "/v1/locations");
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("legacy_key_required");
    expect(r.body.detail).toMatch(/v2/);
    await h.kw.usage.flush();
    expect(await lastUse()).toBe(before);
  });

  it("an agency key sees its agency's locations, never another agency's", async () => {
    const list = await call(h, agencyV1.token, "GET", "/v1/locations");
    expect(list.body.locations.map((l: any) => l.id).sort()).toEqual([w.loc1, w.loc2].sort());
    const other = await call(h, agencyV1.token, "GET", `/v1/locations/${w.otherLoc}`);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("location_forbidden");
    const theirs = await call(h, otherV1.token, "PUT", `/v1/locations/${w.loc1}`, { name: "Hijacked" });
    expect(theirs.body.code).toBe("location_forbidden");
    const del = await call(h, otherV1.token, "DELETE", `/v1/locations/${w.loc2}`);
    expect(del.body.code).toBe("location_forbidden");
    expect((await call(h, agencyV1.token, "GET", `/v1/locations/${w.loc1}`)).body.name).toBe("Downtown");
  });

  it("a location's legacy key reaches its own location and no other", async () => {
    const list = await call(h, loc1V1.token, "GET", "/v1/locations");
    expect(list.body.locations.map((l: any) => l.id)).toEqual([w.loc1]);
    expect((await call(h, loc1V1.token, "GET", `/v1/locations/${w.loc1}`)).status).toBe(200);
    const renamed = await call(h, loc1V1.token, "PUT", `/v1/locations/${w.loc1}`, { name: "Downtown HQ" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Downtown HQ");
    for (const [method, path, body] of [
      ["GET", `/v1/locations/${w.loc2}`, undefined],
      ["PUT", `/v1/locations/${w.loc2}`, { name: "Mine now" }],
      ["DELETE", `/v1/locations/${w.loc2}`, undefined],
      ["GET", `/v1/locations/${w.otherLoc}`, undefined],
      ["POST", "/v1/locations", { name: "New" }],
      ["DELETE", `/v1/locations/${w.loc1}`, undefined],
    ] as const) {
      const r = await call(h, loc1V1.token, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("location_forbidden");
    }
    expect((await owner.get(`/api/locations/${w.loc2}`)).body.name).toBe("Uptown");
  });

  it("an agency key creates and deletes locations; the deleted location's keys are revoked with it", async () => {
    const created = await call(h, agencyV1.token, "POST", "/v1/locations", { name: "Pop-up" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const locKey = await seedKey(h, w.agencyId, id, "Pop-up v1");
    expect((await call(h, locKey.token, "GET", `/v1/locations/${id}`)).status).toBe(200);
    const del = await call(h, agencyV1.token, "DELETE", `/v1/locations/${id}`);
    expect(del.status).toBe(200);
    const after = await call(h, locKey.token, "GET", `/v1/locations/${id}`);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("revoked");
    // A deleted location is out of every key's reach (the same answer as an unknown one).
    expect((await call(h, agencyV1.token, "GET", `/v1/locations/${id}`)).body.code).toBe(
      "location_forbidden",
    );
  });
});

describe("the legacy creation rule", () => {
  const createLegacy = (c: Client, account: string) =>
    c.post(`/api/accounts/${account}/keys`, { name: "Another v1", kind: "legacy_v1" });

  it("existing_users (default): only an account with an active legacy key may create another", async () => {
    expect((await owner.get(`/api/agencies/${w.agencyId}/settings`)).body.legacyCreation).toBe(
      "existing_users",
    );
    // loc2 has no legacy key.
    const refused = await createLegacy(owner, w.loc2);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("legacy_creation_disabled");
    expect(refused.body.detail).toMatch(/private integration token/);
    // loc1 and the agency have one.
    const boss = await new Client(h).login(w.loc1Admin);
    const ok = await createLegacy(boss, w.loc1);
    expect(ok.status).toBe(201);
    expect(ok.body.token).toMatch(/^kw_v1_/);
    expect((await createLegacy(owner, w.agencyId)).status).toBe(201);
    // Once an account's legacy keys are all revoked, it cannot make new ones.
    for (const id of [loc1V1.id, ok.body.key.id])
      expect((await owner.post(`/api/keys/${id}/revoke`)).status).toBe(200);
    expect((await createLegacy(boss, w.loc1)).body.code).toBe("legacy_creation_disabled");
    // Importing an existing legacy key is not creating one.
    const imported = await owner.post(`/api/accounts/${w.loc2}/keys/import`, {
      name: "Imported v1",
      kind: "legacy_v1",
      token: generateToken("kw", "legacy_v1"),
    });
    expect(imported.status).toBe(201);
  });

  it("disabled: no account may create one, existing keys keep working", async () => {
    const set = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { legacyCreation: "disabled" });
    expect(set.status).toBe(200);
    expect(set.body.legacyCreation).toBe("disabled");
    const refused = await createLegacy(owner, w.agencyId);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("legacy_creation_disabled");
    expect((await call(h, agencyV1.token, "GET", "/v1/locations")).status).toBe(200);
    // While EAS is off, new locations get no legacy key under this rule either.
    await owner.patch(`/api/agencies/${w.agencyId}/settings`, { enhancedSecurity: false, confirm: true });
    const loc = await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "No key" });
    expect(loc.status).toBe(201);
    expect(loc.body).not.toHaveProperty("apiKey");
    await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
      enhancedSecurity: true,
      legacyCreation: "existing_users",
    });
    expect((await createLegacy(owner, w.agencyId)).status).toBe(201);
  });

  it("the deployment default comes from KEYWARD_LEGACY_CREATION; an agency may set its own", async () => {
    const h2 = await startHarness({ env: { KEYWARD_LEGACY_CREATION: "disabled" } });
    try {
      const w2 = await seedWorld(h2.kw);
      await seedKey(h2, w2.agencyId, null);
      const o = await new Client(h2).login(w2.owner);
      expect((await o.get(`/api/agencies/${w2.agencyId}/settings`)).body.legacyCreation).toBe("disabled");
      expect((await createLegacy(o, w2.agencyId)).body.code).toBe("legacy_creation_disabled");
      await o.patch(`/api/agencies/${w2.agencyId}/settings`, { legacyCreation: "existing_users" });
      expect((await createLegacy(o, w2.agencyId)).status).toBe(201);
    } finally {
      await h2.close();
    }
  });
});
