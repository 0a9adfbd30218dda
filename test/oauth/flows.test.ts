/**
 * OAuth apps end to end over HTTP on a real SQLite file (docs/oauth.md): registration, the code flow
 * with PKCE through the consent API, API calls with the access token, location tokens, refresh
 * (rotation, a concurrent race, a reuse attack), client_credentials, revocation, introspection and
 * metadata. Expiries are reached by moving the injected clock.
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
  withKey,
} from "../helpers/harness.js";
import {
  authorize,
  basic,
  consent,
  exchange,
  formPost,
  pkce,
  REDIRECT,
  type RegisteredApp,
  refresh,
  registerApp,
  tokenRequest,
} from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let app: RegisteredApp;

beforeAll(async () => {
  h = await startHarness(
    process.env.OAUTH_DEBUG ? { logger: (await import("../../src/logger.js")).createLogger("error") } : {},
  );
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  app = await registerApp(owner, w.agencyId);
});
afterAll(async () => h?.close());

/** A fresh agency install (all locations) and its first token pair. */
async function installed(decision: Record<string, unknown> = { allow: true, locationIds: "all" }) {
  // Tests move the clock by days: a fresh sign-in each time.
  owner = await new Client(h).login(w.owner);
  const { verifier, challenge } = pkce();
  const { code } = await consent(h, owner, app, decision, { challenge });
  const t = await exchange(h, app, code!, verifier);
  expect(t.status, JSON.stringify(t.body)).toBe(200);
  return t.body as {
    access_token: string;
    refresh_token: string;
    install_id: string;
    scope: string;
    expires_in: number;
  };
}

describe("registration", () => {
  it("answers the app with a client id and a kw_cs_ secret shown once", async () => {
    expect(app.clientSecret).toMatch(/^kw_cs_[0-9A-Za-z]{38}$/);
    expect(app.body.app).toMatchObject({
      distribution: "agency",
      visibility: "public",
      public: false,
      installCount: 0,
    });
    const got = await owner.get(`/api/apps/${app.id}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(app.clientSecret!);
    expect(got.body.secret.display).toBe(`kw_cs_…${app.clientSecret!.slice(-4)}`);
    const list = await owner.get(`/api/agencies/${w.agencyId}/apps`);
    expect(list.body.apps.map((a: any) => a.id)).toContain(app.id);
  });

  it("a public client gets no secret", async () => {
    const pub = await registerApp(owner, w.agencyId, { name: "Mobile", public: true });
    expect(pub.clientSecret).toBeUndefined();
    expect(pub.body.app.public).toBe(true);
  });
});

describe("authorization code with PKCE", () => {
  it("installs, exchanges the code, and the access token works on the API as kind oauth", async () => {
    const { verifier, challenge } = pkce();
    const c = await consent(h, owner, app, { allow: true, locationIds: "all" }, { challenge, state: "s-1" });
    expect(c.state).toBe("s-1");
    expect(c.redirectTo.startsWith(`${REDIRECT}?`)).toBe(true);
    const t = await exchange(h, app, c.code!, verifier);
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body.access_token).toMatch(/^kw_oat_/);
    expect(t.body.refresh_token).toMatch(/^kw_ort_/);
    expect(t.body.token_type).toBe("Bearer");
    // 24 h, counted by the library on the real clock from Keyward's answer plus 999 ms to spare: a
    // second's stall between the two (a loaded machine) makes it 86399.
    expect(t.body.expires_in).toBeGreaterThanOrEqual(86_399);
    expect(t.body.expires_in).toBeLessThanOrEqual(86_400);
    expect(t.body.scope).toBe("locations.readonly users.readonly");
    expect(t.headers.get("cache-control")).toContain("no-store");
    const locs = await withKey(h, t.body.access_token, "GET", "/v2/locations");
    expect(locs.status).toBe(200);
    // A scope the install lacks is refused like any key's.
    const write = await withKey(h, t.body.access_token, "POST", "/v2/locations", { name: "New" });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe("insufficient_scope");
    // /api/verify names the app and the install.
    const v = await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ token: t.body.access_token }),
    }).then((r) => r.json());
    expect(v).toMatchObject({
      valid: true,
      key: { kind: "oauth", app: { id: app.id, name: "Sync Pro" }, install: { id: t.body.install_id } },
    });
  });

  it("the token expires after 24 hours (the injected clock): expired", async () => {
    const t = await installed();
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).status).toBe(200);
    h.clock.advance(24 * 3_600_000);
    const r = await withKey(h, t.access_token, "GET", "/v2/locations");
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("expired");
  });

  it("access tokens are not API keys in the listings, and the install is listed instead", async () => {
    const t = await installed();
    const keys = await owner.get(`/api/accounts/${w.agencyId}/keys`);
    expect(JSON.stringify(keys.body)).not.toContain('"oauth"');
    const installs = await owner.get(`/api/agencies/${w.agencyId}/installs`);
    expect(installs.status).toBe(200);
    const mine = installs.body.installs.find((i: any) => i.id === t.install_id);
    expect(mine).toMatchObject({
      app: { id: app.id, name: "Sync Pro" },
      locationIds: "all",
      status: "active",
      locationId: null,
    });
  });
});

describe("location tokens", () => {
  it("an agency install's token gets a location token for a location it covers, not for others", async () => {
    const t = await installed({ allow: true, locationIds: [w.loc1] });
    const ok = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.loc1 },
      { authorization: `Bearer ${t.access_token}` },
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.access_token).toMatch(/^kw_oat_/);
    expect(ok.body.location_id).toBe(w.loc1);
    expect(ok.body.refresh_token).toBeUndefined();
    const loc = await withKey(h, ok.body.access_token, "GET", `/v2/locations/${w.loc1}`);
    expect(loc.status).toBe(200);
    // JSON works too; a location outside the install is refused in OAuth's format.
    const res = await fetch(`${h.url}/oauth/locationToken`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ locationId: w.loc2 }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "access_denied" });
    // Another agency's location: the same.
    const other = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.otherLoc },
      { authorization: `Bearer ${t.access_token}` },
    );
    expect(other.status).toBe(403);
    // A location token cannot mint another.
    const again = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.loc1 },
      { authorization: `Bearer ${ok.body.access_token}` },
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toBe("invalid_request");
  });
});

describe("refresh tokens", () => {
  it("rotate on every use; the new pair works, the old access token keeps its day", async () => {
    const t = await installed();
    const r1 = await refresh(h, app, t.refresh_token);
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh_token);
    expect(r1.body.access_token).not.toBe(t.access_token);
    expect((await withKey(h, r1.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    const r2 = await refresh(h, app, r1.body.refresh_token);
    expect(r2.status).toBe(200);
  });

  it("a concurrent refresh race answers both callers the same new pair", async () => {
    const t = await installed();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => refresh(h, app, t.refresh_token)));
    for (const r of [a!, b!, c!]) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(b!.body.access_token).toBe(a!.body.access_token);
    expect(c!.body.refresh_token).toBe(a!.body.refresh_token);
    // Within 30 s by the clock: still the same pair.
    h.clock.advance(29_000);
    const d = await refresh(h, app, t.refresh_token);
    expect(d.body.refresh_token).toBe(a!.body.refresh_token);
    expect((await withKey(h, a!.body.access_token, "GET", "/v2/locations")).status).toBe(200);
  });

  it("a reuse attack (after the window) revokes the whole install's token family", async () => {
    const t = await installed();
    const r1 = await refresh(h, app, t.refresh_token);
    expect(r1.status).toBe(200);
    h.clock.advance(31_000);
    const attack = await refresh(h, app, t.refresh_token);
    expect(attack.status).toBe(400);
    expect(attack.body.error).toBe("invalid_grant");
    expect(attack.body.error_description).toMatch(/already used/);
    // Everything of the family is gone: the new access token, the original one, the new refresh token.
    expect((await withKey(h, r1.body.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    const next = await refresh(h, app, r1.body.refresh_token);
    expect(next.status).toBe(400);
    expect(next.body.error).toBe("invalid_grant");
  });

  it("a refresh token expires after a year", async () => {
    const t = await installed();
    h.clock.advance(366 * 24 * 3_600_000);
    const r = await refresh(h, app, t.refresh_token);
    expect(r.status).toBe(400);
    expect(r.body.error_description).toMatch(/expired/);
  });
});

describe("client_credentials", () => {
  it("an app acts for its own agency (an install made on first use)", async () => {
    const r = await tokenRequest(
      h,
      { grant_type: "client_credentials", scope: "locations.readonly" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.refresh_token).toBeUndefined();
    expect(r.body.scope).toBe("locations.readonly");
    expect(r.body.agency_id).toBe(w.agencyId);
    expect((await withKey(h, r.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    // The secret in the form works too (RFC 6749 §2.3.1).
    const form = await tokenRequest(h, {
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: app.clientSecret!,
    });
    expect(form.status).toBe(200);
  });
});

describe("revocation, introspection, metadata", () => {
  it("introspection with a service credential describes an active token, and inactive ones", async () => {
    const t = await installed();
    const auth = { authorization: `Bearer ${SERVICE_TOKEN}` };
    const on = await formPost(h, "/oauth/introspect", { token: t.access_token }, auth);
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({
      active: true,
      client_id: app.clientId,
      token_type: "Bearer",
      install_id: t.install_id,
      agency_id: w.agencyId,
    });
    expect(on.body.exp - on.body.iat).toBe(86400);
    const rt = await formPost(h, "/oauth/introspect", { token: t.refresh_token }, auth);
    expect(rt.body).toMatchObject({ active: true, token_type: "refresh_token" });
    const junk = await formPost(h, "/oauth/introspect", { token: "kw_oat_nope" }, auth);
    expect(junk.body).toEqual({ active: false });
    const noCred = await formPost(h, "/oauth/introspect", { token: t.access_token });
    expect(noCred.status).toBe(401);
    expect(noCred.body.error).toBe("invalid_client");
  });

  it("RFC 7009: the app revoking its refresh token uninstalls it; tokens are refused at once", async () => {
    const t = await installed();
    const r = await formPost(
      h,
      "/oauth/revoke",
      { token: t.refresh_token, token_type_hint: "refresh_token" },
      {
        authorization: basic(app.clientId, app.clientSecret!),
      },
    );
    expect(r.status).toBe(200);
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    const installs = await owner.get(`/api/agencies/${w.agencyId}/installs`);
    expect(installs.body.installs.some((i: any) => i.id === t.install_id)).toBe(false);
    // Unknown tokens: 200 all the same; a wrong secret: 401 invalid_client.
    expect(
      (
        await formPost(
          h,
          "/oauth/revoke",
          { token: "whatever" },
          { authorization: basic(app.clientId, app.clientSecret!) },
        )
      ).status,
    ).toBe(200);
    const bad = await formPost(
      h,
      "/oauth/revoke",
      { token: "whatever" },
      { authorization: basic(app.clientId, "kw_cs_wrong") },
    );
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe("invalid_client");
  });

  it("revoking an access token ends that token only", async () => {
    const t = await installed();
    const r = await formPost(
      h,
      "/oauth/revoke",
      { token: t.access_token },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.status).toBe(200);
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    expect((await refresh(h, app, t.refresh_token)).status).toBe(200);
  });

  it("uninstall through the API refuses every token of the install", async () => {
    const t = await installed();
    const lt = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.loc1 },
      { authorization: `Bearer ${t.access_token}` },
    );
    expect(lt.status).toBe(200);
    const del = await owner.delete(`/api/installs/${t.install_id}`);
    expect(del.status).toBe(204);
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    expect((await withKey(h, lt.body.access_token, "GET", `/v2/locations/${w.loc1}`)).body.code).toBe(
      "revoked",
    );
    expect((await refresh(h, app, t.refresh_token)).status).toBe(400);
    expect((await owner.delete(`/api/installs/${t.install_id}`)).status).toBe(404);
  });

  it("metadata (RFC 8414) names the endpoints and methods", async () => {
    const m: any = await fetch(`${h.url}/.well-known/oauth-authorization-server`).then((r) => r.json());
    expect(m).toMatchObject({
      issuer: h.url,
      authorization_endpoint: `${h.url}/oauth/authorize`,
      token_endpoint: `${h.url}/oauth/token`,
      revocation_endpoint: `${h.url}/oauth/revoke`,
      introspection_endpoint: `${h.url}/oauth/introspect`,
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    });
    expect(m.scopes_supported).toContain("locations.readonly");
  });
});

describe("plan downgrade", () => {
  it("suspends agency installs with plan_required, and an upgrade restores them", async () => {
    const t = await installed();
    expect((await setPlan(h, w.agencyId, "unlimited")).status).toBe(200);
    const r = await withKey(h, t.access_token, "GET", `/v2/locations/${w.loc1}`);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("plan_required");
    const installs = await owner.get(`/api/agencies/${w.agencyId}/installs`);
    expect(installs.body.installs.find((i: any) => i.id === t.install_id)).toMatchObject({
      status: "suspended",
      suspendedReason: "plan_required",
    });
    const refused = await refresh(h, app, t.refresh_token);
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/plan_required/);
    expect((await setPlan(h, w.agencyId, "agency_pro")).status).toBe(200);
    expect((await withKey(h, t.access_token, "GET", "/v2/locations")).status).toBe(200);
  });
});

it("an unknown grant_type is unsupported_grant_type", async () => {
  const r = await tokenRequest(
    h,
    { grant_type: "magic_link" },
    { authorization: basic(app.clientId, app.clientSecret!) },
  );
  expect(r.status).toBe(400);
  expect(r.body.error).toBe("unsupported_grant_type");
  void authorize;
});

describe("the migration report proposes a successor per legacy v1 key", () => {
  it("one location: private integration; an agency key serving several: OAuth app", async () => {
    const { proposeSuccessor } = await import("../../src/core/oauth.js");
    expect(proposeSuccessor("location", 1).kind).toBe("private_integration");
    expect(proposeSuccessor("agency", 2).kind).toBe("oauth_app");
    expect(proposeSuccessor("agency", 1).kind).toBe("private_integration");
    // Two legacy keys as an import would leave them: a location's and the agency's (two locations).
    const now = h.clock.now();
    const row = (id: string, locationId: string | null) => ({
      id,
      agencyId: w.agencyId,
      locationId,
      kind: "legacy_v1" as const,
      name: id,
      description: "",
      scopes: [],
      status: "active" as const,
      imported: true,
      createdAt: now,
      createdBy: null,
      updatedAt: now,
      activityAt: now,
      lastUsedAt: null,
      lastUsedIp: null,
      lastUsedUa: null,
      revokedAt: null,
      expiredAt: null,
      deletedAt: null,
      inactiveDays: null,
      warnedAt: null,
      secretEnc: null,
      locationIds: null,
      ipAllowlist: null,
    });
    await h.kw.store.insertKey(row("key_legacyloc", w.loc1));
    await h.kw.store.insertKey(row("key_legacyagency", null));
    const report = await h.kw.legacyReports.build(w.agencyId);
    const of = (id: string) => report.keys.find((e) => e.key.id === id)!.successor;
    expect(of("key_legacyloc").kind).toBe("private_integration");
    expect(of("key_legacyagency")).toMatchObject({ kind: "oauth_app" });
    expect(of("key_legacyagency").reason).toMatch(/2 locations/);
  });
});

describe("Enhanced Account Security", () => {
  it("applies to an app's token as to any key: no admin made through the API", async () => {
    owner = await new Client(h).login(w.owner);
    const usersApp = await registerApp(owner, w.agencyId, {
      name: "Directory sync",
      scopes: ["users.readonly", "users.write"],
    });
    const { code } = await consent(h, owner, usersApp, { allow: true, locationIds: "all" });
    const t = await exchange(h, usersApp, code!);
    expect(t.status).toBe(200);
    const admin = await withKey(h, t.body.access_token, "POST", "/v2/users", {
      email: "eas-admin@acme.test",
      name: "Would be admin",
      role: "admin",
      locationIds: [w.loc1],
    });
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("disabled_by_security");
    const plain = await withKey(h, t.body.access_token, "POST", "/v2/users", {
      email: "eas-user@acme.test",
      name: "Plain user",
      locationIds: [w.loc1],
    });
    expect(plain.status).toBe(201);
  });
});
