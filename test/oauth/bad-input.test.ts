/**
 * Every bad input of issue 15's list, and tenant isolation (docs/oauth.md): OAuth endpoints answer in
 * OAuth's format (or an HTML page where redirecting would be unsafe); the management routes in
 * problem+json. Nothing half-done is left behind a refusal.
 */
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
import {
  authorize,
  basic,
  consent,
  exchange,
  formPost,
  pkce,
  REDIRECT,
  type RegisteredApp,
  registerApp,
  tokenRequest,
} from "./helpers.js";

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

const base = () => ({ response_type: "code", client_id: app.clientId, redirect_uri: REDIRECT, state: "st" });
const errorOf = (location: string | null) => {
  const u = new URL(location!);
  return {
    error: u.searchParams.get("error"),
    state: u.searchParams.get("state"),
    description: u.searchParams.get("error_description"),
  };
};

describe("registration", () => {
  it.each([
    [{ redirectUris: ["http://app.example/cb"] }, /HTTPS/],
    [{ redirectUris: ["https://app.example/cb#frag"] }, /fragment/],
    [{ redirectUris: ["not a url"] }, /absolute/],
    [{ redirectUris: [] }, /redirect URI/],
    [{ scopes: ["contacts.everything"] }, /Unknown scope/],
    [{ distribution: "location", scopes: ["locations.write"] }, /agency-level only/],
    [{ distribution: "tenant" }, /agency/],
    [{ logoUrl: "http://cdn.example/logo.png" }, /https/],
    [{ clientSecret: "mine" }, /unknown field/],
  ])("refuses %j with validation_failed", async (patch, message) => {
    const before = (await owner.get(`/api/agencies/${w.agencyId}/apps`)).body.apps.length;
    const r = await owner.post(`/api/agencies/${w.agencyId}/apps`, {
      name: "Bad",
      redirectUris: [REDIRECT],
      scopes: ["locations.readonly"],
      distribution: "agency",
      ...patch,
    });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.code).toBe("validation_failed");
    expect(r.body.detail).toMatch(message);
    expect((await owner.get(`/api/agencies/${w.agencyId}/apps`)).body.apps.length).toBe(before);
  });

  it("a webhook URL reaching an internal address is refused (SSRF guard), and no app is made", async () => {
    const before = (await owner.get(`/api/agencies/${w.agencyId}/apps`)).body.apps.length;
    const r = await owner.post(`/api/agencies/${w.agencyId}/apps`, {
      name: "Hooked",
      redirectUris: [REDIRECT],
      scopes: ["locations.readonly"],
      distribution: "agency",
      webhookUrl: "https://127.0.0.1/hook",
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("webhook_url_forbidden");
    expect((await owner.get(`/api/agencies/${w.agencyId}/apps`)).body.apps.length).toBe(before);
  });

  it("only agency admins register apps; another agency's app is not found", async () => {
    const staff = await new Client(h).login(w.agencyUser);
    expect(
      (
        await staff.post(`/api/agencies/${w.agencyId}/apps`, {
          name: "x",
          redirectUris: [REDIRECT],
          scopes: [],
          distribution: "agency",
        })
      ).status,
    ).toBe(403);
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/apps/${app.id}`)).status).toBe(404);
    expect((await other.patch(`/api/apps/${app.id}`, { name: "Mine" })).status).toBe(404);
    expect((await other.post(`/api/apps/${app.id}/rotate-secret`, {})).status).toBe(404);
    expect((await other.delete(`/api/apps/${app.id}`)).status).toBe(404);
  });
});

describe("GET /oauth/authorize", () => {
  it("a redirect URI that does not match exactly is an error page, never a redirect", async () => {
    for (const redirect_uri of [
      `${REDIRECT}/`,
      "http://127.0.0.1:9/callback?x=1",
      "https://evil.example/cb",
    ]) {
      const r = await authorize(h, { ...base(), redirect_uri });
      expect(r.status).toBe(400);
      expect(r.location).toBeNull();
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.text).toContain("does not exactly match");
    }
  });

  it("an unknown client is an error page", async () => {
    const r = await authorize(h, { ...base(), client_id: "cid_nobody" });
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
    expect(r.text).toContain("unknown");
  });

  it("other problems go back to the app with error and state", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: "locations.readonly locations.write" }, "invalid_scope"],
      [{ code_challenge: pkce().challenge, code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "short" }, "invalid_request"],
    ];
    for (const [extra, error] of cases) {
      const r = await authorize(h, { ...base(), ...extra });
      expect(r.status).toBe(302);
      expect(r.location!.startsWith(REDIRECT)).toBe(true);
      expect(errorOf(r.location)).toMatchObject({ error, state: "st" });
    }
  });

  it("a public client must use PKCE", async () => {
    const pub = await registerApp(owner, w.agencyId, { name: "Public", public: true });
    const r = await authorize(h, { ...base(), client_id: pub.clientId });
    expect(errorOf(r.location).error).toBe("invalid_request");
    expect(errorOf(r.location).description).toMatch(/PKCE/);
  });
});

describe("the consent", () => {
  async function requestId(a = app): Promise<string> {
    const r = await authorize(h, {
      ...base(),
      client_id: a.clientId,
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    return new URL(r.location!, h.url).searchParams.get("request")!;
  }

  it("shows the request; a denial goes back with access_denied; a second answer is refused", async () => {
    const id = await requestId();
    const view = await owner.get(`/api/oauth/requests/${id}`);
    expect(view.status).toBe(200);
    expect(view.body.request.app).toMatchObject({ id: app.id, name: "Sync Pro", distribution: "agency" });
    expect(view.body.request.scopes.map((s: any) => s.name)).toEqual([
      "locations.readonly",
      "users.readonly",
    ]);
    expect(view.body.targets.agency).toMatchObject({ id: w.agencyId, allowed: true });
    const d = await owner.post(`/api/oauth/requests/${id}/decision`, { allow: false });
    expect(errorOf(d.body.redirectTo)).toMatchObject({ error: "access_denied", state: "st" });
    const again = await owner.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("oauth_request_not_found");
  });

  it("a request expires after 10 minutes", async () => {
    const id = await requestId();
    h.clock.advance(10 * 60_000);
    const r = await owner.get(`/api/oauth/requests/${id}`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("oauth_request_not_found");
  });

  it("a private app cannot be installed by another agency", async () => {
    const priv = await registerApp(owner, w.agencyId, { name: "Internal", visibility: "private" });
    const id = await requestId(priv);
    const other = await new Client(h).login(w.otherOwner);
    const view = await other.get(`/api/oauth/requests/${id}`);
    expect(view.status).toBe(403);
    expect(view.body.code).toBe("oauth_app_private");
    const d = await other.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" });
    expect(d.status).toBe(403);
    expect(d.body.code).toBe("oauth_app_private");
    // The developer's own agency may.
    expect(
      (await owner.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" })).status,
    ).toBe(200);
  });

  it("beyond the installer's rights: staff, a location admin, another agency's location", async () => {
    const staff = await new Client(h).login(w.agencyUser);
    const id1 = await requestId();
    const r1 = await staff.post(`/api/oauth/requests/${id1}/decision`, { allow: true, locationIds: "all" });
    expect(r1.status).toBe(403);
    const boss = await new Client(h).login(w.loc1Admin);
    const r2 = await boss.post(`/api/oauth/requests/${id1}/decision`, { allow: true, locationIds: [w.loc1] });
    expect(r2.status).toBe(403);
    const r3 = await owner.post(`/api/oauth/requests/${id1}/decision`, {
      allow: true,
      locationIds: [w.otherLoc],
    });
    expect(r3.status).toBe(404);
    // A location app: the location admin installs in their location, not in another.
    const locApp = await registerApp(owner, w.agencyId, {
      name: "Per location",
      distribution: "location",
      scopes: ["locations.readonly"],
    });
    const id2 = await requestId(locApp);
    const wrongShape = await boss.post(`/api/oauth/requests/${id2}/decision`, {
      allow: true,
      locationIds: "all",
    });
    expect(wrongShape.status).toBe(400);
    expect(
      (await boss.post(`/api/oauth/requests/${id2}/decision`, { allow: true, locationId: w.loc2 })).status,
    ).toBe(403);
    const ok = await boss.post(`/api/oauth/requests/${id2}/decision`, { allow: true, locationId: w.loc1 });
    expect(ok.status).toBe(200);
    expect(new URL(ok.body.redirectTo).searchParams.get("code")).toBeTruthy();
    // The location admin sees that install, not the agency's.
    const mine = await boss.get(`/api/agencies/${w.agencyId}/installs`);
    expect(mine.body.installs.length).toBeGreaterThan(0);
    expect(mine.body.installs.every((i: any) => i.locationId === w.loc1)).toBe(true);
    // Staff (no admin) see none; the agency's admins see the location's too.
    expect((await staff.get(`/api/agencies/${w.agencyId}/installs`)).body.installs).toEqual([]);
    const all = await owner.get(`/api/agencies/${w.agencyId}/installs`);
    expect(all.body.installs.some((i: any) => i.locationId === w.loc1)).toBe(true);
    // A location admin cannot uninstall the agency's install.
    const agencyInstall = all.body.installs.find((i: any) => i.locationId === null);
    expect((await boss.delete(`/api/installs/${agencyInstall.id}`)).status).toBe(403);
  });

  it("an agency app on a plan below Agency Pro: not allowed, 403 plan_required", async () => {
    const starter = await h.kw.accounts.createAgency(
      (await import("../../src/service/context.js")).systemCtx,
      {
        name: "Small Shop",
        plan: "starter",
        owner: { email: "small@shop.test", name: "Sam", password: "correct horse battery staple" },
      },
    );
    const sam = await new Client(h).login("small@shop.test");
    const id = await requestId();
    const view = await sam.get(`/api/oauth/requests/${id}`);
    expect(view.body.targets.agency).toMatchObject({ id: starter.agency.id, allowed: false });
    expect(view.body.targets.agency.reason).toMatch(/Agency Pro/);
    const d = await sam.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" });
    expect(d.status).toBe(403);
    expect(d.body.code).toBe("plan_required");
    void setPlan;
  });
});

describe("POST /oauth/token", () => {
  async function code(challenge?: string) {
    owner = await new Client(h).login(w.owner);
    return (await consent(h, owner, app, { allow: true, locationIds: "all" }, challenge ? { challenge } : {}))
      .code!;
  }

  it("a missing or wrong PKCE verifier is invalid_grant, and spends the code", async () => {
    const { verifier, challenge } = pkce();
    const c1 = await code(challenge);
    const missing = await exchange(h, app, c1);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_grant");
    const c2 = await code(challenge);
    const wrong = await exchange(h, app, c2, pkce().verifier);
    expect(wrong.body.error).toBe("invalid_grant");
    // Spent: the right verifier no longer helps.
    expect((await exchange(h, app, c2, verifier)).body.error).toBe("invalid_grant");
  });

  it("a reused code is refused and revokes what it issued", async () => {
    const c = await code();
    const first = await exchange(h, app, c);
    expect(first.status).toBe(200);
    const again = await exchange(h, app, c);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe("invalid_grant");
    expect(again.body.error_description).toMatch(/already used/);
    expect((await withKey(h, first.body.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
    const r = await tokenRequest(
      h,
      { grant_type: "refresh_token", refresh_token: first.body.refresh_token },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.body.error).toBe("invalid_grant");
  });

  it("two exchanges racing with one code: one wins, and the replay revokes what it issued", async () => {
    const c = await code();
    const [x, y] = await Promise.all([exchange(h, app, c), exchange(h, app, c)]);
    const statuses = [x.status, y.status].sort();
    expect(statuses).toEqual([200, 400]);
    const won = x.status === 200 ? x : y;
    // Revoked unless the winner committed after the loser's revocation (then it stands): either way
    // the loser got nothing.
    const lost = x.status === 200 ? y : x;
    expect(lost.body.error).toBe("invalid_grant");
    expect(won.body.access_token).toMatch(/^kw_oat_/);
  });

  it("an expired code is refused", async () => {
    const c = await code();
    h.clock.advance(2 * 60_000 + 1);
    const r = await exchange(h, app, c);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "invalid_grant" });
    expect(r.body.error_description).toMatch(/expired/);
  });

  it("a redirect_uri other than the code's is refused", async () => {
    const c = await code();
    const r = await tokenRequest(
      h,
      { grant_type: "authorization_code", code: c, redirect_uri: "http://127.0.0.1:9/other" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_request");
  });

  it("a wrong client secret is 401 invalid_client (WWW-Authenticate with Basic)", async () => {
    const c = await code();
    const viaBasic = await tokenRequest(
      h,
      { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT },
      { authorization: basic(app.clientId, "kw_cs_wrong") },
    );
    expect(viaBasic.status).toBe(401);
    expect(viaBasic.body.error).toBe("invalid_client");
    expect(viaBasic.headers.get("www-authenticate")).toMatch(/^Basic/);
    const viaForm = await tokenRequest(h, {
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: "kw_cs_wrong",
    });
    expect(viaForm.status).toBe(401);
    expect(viaForm.body.error).toBe("invalid_client");
    // A confidential client without its secret (PKCE is no substitute): invalid_client.
    const { verifier, challenge } = pkce();
    const c2 = await code(challenge);
    const noSecret = await tokenRequest(h, {
      grant_type: "authorization_code",
      code: c2,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: app.clientId,
    });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe("invalid_client");
  });

  it("scopes beyond the install at refresh or client_credentials are invalid_scope", async () => {
    const r = await tokenRequest(
      h,
      { grant_type: "client_credentials", scope: "locations.write" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_scope");
  });

  it("a rotated secret keeps working during its grace, not after", async () => {
    const own = await registerApp(owner, w.agencyId, { name: "Rotating" });
    const rot = await owner.post(`/api/apps/${own.id}/rotate-secret`, { graceSeconds: 60 });
    expect(rot.status).toBe(200);
    expect(rot.body.clientSecret).toMatch(/^kw_cs_/);
    expect(rot.body.app.secret.previousValidUntil).not.toBeNull();
    const cc = (secret: string) =>
      tokenRequest(h, { grant_type: "client_credentials" }, { authorization: basic(own.clientId, secret) });
    expect((await cc(own.clientSecret!)).status).toBe(200);
    expect((await cc(rot.body.clientSecret)).status).toBe(200);
    h.clock.advance(61_000);
    expect((await cc(own.clientSecret!)).status).toBe(401);
    expect((await cc(rot.body.clientSecret)).status).toBe(200);
    const bad = await owner.post(`/api/apps/${own.id}/rotate-secret`, { graceSeconds: -1 });
    expect(bad.status).toBe(400);
  });

  it("a body that is not a form, or repeats a parameter, is invalid_request", async () => {
    const json = await fetch(`${h.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as any).error).toBe("invalid_request");
    const twice = await fetch(`${h.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&grant_type=authorization_code",
    });
    expect(twice.status).toBe(400);
  });
});

describe("tenant isolation", () => {
  it("another agency neither sees nor uninstalls an install; its credential introspects nothing of ours", async () => {
    owner = await new Client(h).login(w.owner);
    const { code: c } = await consent(h, owner, app, { allow: true, locationIds: "all" });
    const t = await exchange(h, app, c!);
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/agencies/${w.agencyId}/installs`)).status).toBe(404);
    expect((await other.delete(`/api/installs/${t.body.install_id}`)).status).toBe(404);
    // An agency service credential of the other agency.
    const svc = await other.post("/api/service-keys", { name: "rs", scopes: ["verify"] });
    expect(svc.status, JSON.stringify(svc.body)).toBe(201);
    const r = await formPost(
      h,
      "/oauth/introspect",
      { token: t.body.access_token },
      { authorization: `Bearer ${svc.body.token}` },
    );
    expect(r.body).toEqual({ active: false });
    // The owner's own agency credential sees it.
    const mine = await owner.post("/api/service-keys", { name: "rs", scopes: ["verify"] });
    const seen = await formPost(
      h,
      "/oauth/introspect",
      { token: t.body.access_token },
      { authorization: `Bearer ${mine.body.token}` },
    );
    expect(seen.body.active).toBe(true);
    // The token still works for its own agency.
    expect((await withKey(h, t.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    // And reaches none of the other agency's locations.
    expect((await withKey(h, t.body.access_token, "GET", `/v2/locations/${w.otherLoc}`)).status).toBe(403);
  });
});

describe("malformed requests never reach a 500", () => {
  it.each([
    ["/oauth/token", { authorization: "Basic" }, "grant_type=client_credentials"],
    ["/oauth/token", { authorization: "Basic !!!not-base64" }, "grant_type=client_credentials"],
    [
      "/oauth/token",
      { authorization: `Basic ${Buffer.from("no-colon").toString("base64")}` },
      "grant_type=client_credentials",
    ],
    [
      "/oauth/token",
      { authorization: `Basic ${Buffer.from("%E0%A4%A:%zz").toString("base64")}` },
      "grant_type=client_credentials",
    ],
    ["/oauth/token", {}, "grant_type=authorization_code&code=%ZZ&client_id=cid_x"],
    ["/oauth/token", {}, ""],
    ["/oauth/token", {}, `grant_type=refresh_token&client_id=cid_x&refresh_token=${"x".repeat(5000)}`],
    ["/oauth/revoke", { authorization: "Basic !!!" }, "token=x"],
    ["/oauth/revoke", {}, "token=x&client_id=cid_nobody"],
    ["/oauth/introspect", { authorization: "Bearer nope" }, "token=x"],
    ["/oauth/locationToken", { authorization: "Bearer kw_oat_garbage" }, "locationId=loc_x"],
    ["/oauth/locationToken", { authorization: "Bearer" }, ""],
  ])("POST %s %j", async (path, headers, body) => {
    const r = await formPost(
      h,
      path,
      Object.fromEntries(new URLSearchParams(body)),
      headers as Record<string, string>,
    );
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(typeof r.body.error).toBe("string");
  });
});

describe("guessing client secrets", () => {
  it("an address with too many failed client authentications is refused for a while (429)", async () => {
    const g = await startHarness({ env: { KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "3" } });
    try {
      const gw = await seedWorld(g.kw);
      const dev = await new Client(g).login(gw.owner);
      const a = await registerApp(dev, gw.agencyId);
      const guess = () =>
        tokenRequest(
          g,
          { grant_type: "client_credentials" },
          { authorization: basic(a.clientId, "kw_cs_guess") },
        );
      for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401);
      const blocked = await guess();
      expect(blocked.status).toBe(429);
      expect(blocked.body.error).toBe("too_many_failures");
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      // Even the right secret waits; after the lock it works.
      expect(
        (
          await tokenRequest(
            g,
            { grant_type: "client_credentials" },
            { authorization: basic(a.clientId, a.clientSecret!) },
          )
        ).status,
      ).toBe(429);
      g.clock.advance(61_000);
      expect(
        (
          await tokenRequest(
            g,
            { grant_type: "client_credentials" },
            { authorization: basic(a.clientId, a.clientSecret!) },
          )
        ).status,
      ).toBe(200);
    } finally {
      await g.close();
    }
  });
});
