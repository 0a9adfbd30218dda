/**
 * An adversary's review of the OAuth server (docs/oauth.md). Each `describe` is one finding: its
 * tests failed before the fix named in the commit that added them — code injection across clients,
 * racing code redemptions, a pending-request flood, RFC 7009's hint, RFC 8252's loopback ports,
 * RFC 6749 §4.1.3's redirect_uri, stale consents, app tokens edited through the keys API, installs
 * outliving a deleted location or a closed agency, the suspended status of client_credentials
 * installs, cacheable Host-built metadata — or a property checked sound and kept as a regression
 * (one app's grants are not another's; nothing secret at rest).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PENDING_REQUESTS_PER_APP, REQUEST_TTL_MS } from "../../src/core/oauth.js";
import { systemCtx } from "../../src/service/context.js";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
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

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(async () => h?.close());

async function installed(app: RegisteredApp) {
  const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" });
  const t = await exchange(h, app, code!);
  expect(t.status, JSON.stringify(t.body)).toBe(200);
  return { code: code!, tokens: t.body };
}

describe("code injection across clients", () => {
  it("a spent code presented by another app's client does not revoke the install it was issued for", async () => {
    const victim = await registerApp(owner, w.agencyId, { name: "Victim app" });
    const { code, tokens } = await installed(victim);
    // The attacker holds the spent code (a log, a Referer) but not the victim's secret: they present
    // it through a public client of their own, which needs no secret at the token endpoint.
    const mine = await registerApp(owner, w.agencyId, { name: "Attacker app", public: true });
    const r = await tokenRequest(h, {
      grant_type: "authorization_code",
      client_id: mine.clientId,
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_grant");
    // The victim's tokens are untouched: its refresh still works.
    const again = await refresh(h, victim, tokens.refresh_token);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it("the same spent code presented by its own client still revokes what it issued", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Replayed app" });
    const { code, tokens } = await installed(app);
    const replay = await exchange(h, app, code);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    expect((await refresh(h, app, tokens.refresh_token)).body.error).toBe("invalid_grant");
  });
});

describe("pending authorization requests", () => {
  it("an unauthenticated flood cannot grow the table without bound: a live cap per app, expired ones dropped", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Flooded app" });
    const q = {
      response_type: "code",
      client_id: app.clientId,
      redirect_uri: REDIRECT,
      state: "s",
    };
    const start = (extra: Record<string, string> = {}) =>
      h.kw.oauthProtocol.startAuthorization({ ...q, ...extra });
    for (let i = 0; i < MAX_PENDING_REQUESTS_PER_APP; i++) {
      const o = await start();
      expect("redirect" in o && o.redirect.startsWith("/oauth/consent?request=")).toBe(true);
    }
    const over = await authorize(h, q);
    expect(over.status).toBe(302);
    const back = new URL(over.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get("error")).toBe("temporarily_unavailable");
    expect(back.searchParams.get("state")).toBe("s");
    // Another app is not affected by this one's flood.
    const other = await registerApp(owner, w.agencyId, { name: "Quiet app" });
    expect((await authorize(h, { ...q, client_id: other.clientId })).location).toMatch(/^\/oauth\/consent/);
    // Once they expire, they are dropped (not kept a day) and the app is served again.
    h.clock.advance(REQUEST_TTL_MS + 1);
    expect((await authorize(h, q)).location).toMatch(/^\/oauth\/consent/);
    const rows = await h.kw.store.db
      .selectFrom("oauth_requests")
      .select((e) => e.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBeLessThanOrEqual(3);
  });
});

describe("RFC 7009 revocation", () => {
  it("a refresh token sent with token_type_hint=access_token is found all the same (§2.1: the hint is only a hint)", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Hinted app" });
    const { tokens } = await installed(app);
    const r = await formPost(
      h,
      "/oauth/revoke",
      { token: tokens.refresh_token, token_type_hint: "access_token" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(r.status).toBe(200);
    expect((await refresh(h, app, tokens.refresh_token)).body.error).toBe("invalid_grant");
    const installs = (await owner.get(`/api/agencies/${w.agencyId}/installs`)).body.installs;
    expect(installs.some((i: any) => i.app.id === app.id)).toBe(false);
  });
});

describe("nothing secret at rest", () => {
  it("no table holds an access token, refresh token, code, client secret or PKCE verifier in plaintext", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Stored app" });
    const { verifier, challenge } = pkce();
    const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" }, { challenge });
    const t = await exchange(h, app, code!, verifier);
    expect(t.status).toBe(200);
    const r = await refresh(h, app, t.body.refresh_token);
    expect(r.status).toBe(200);
    const loc = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.loc1 },
      { authorization: `Bearer ${r.body.access_token}` },
    );
    expect(loc.status).toBe(200);
    const secrets = [
      t.body.access_token,
      t.body.refresh_token,
      r.body.access_token,
      r.body.refresh_token,
      loc.body.access_token,
      code!,
      verifier,
      app.clientSecret!,
    ];
    const db = h.kw.store.db as any;
    const tables: { name: string }[] = (await db.introspection.getTables()).map((t: { name: string }) => ({
      name: t.name,
    }));
    const found: string[] = [];
    for (const { name } of tables) {
      const rows = await db.selectFrom(name).selectAll().execute();
      const text = JSON.stringify(rows);
      for (const s of secrets) if (text.includes(s)) found.push(`${name} holds ${s.slice(0, 10)}…`);
    }
    expect(tables.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});

describe("redirect URIs on a loopback address (RFC 8252 §7.3)", () => {
  it("any port on the registered loopback IP, path and query exact; no leeway anywhere else", async () => {
    // Registered: http://127.0.0.1:9/callback (REDIRECT).
    const app = await registerApp(owner, w.agencyId, { name: "Native app" });
    const q = { response_type: "code", client_id: app.clientId, state: "s" };
    const ephemeral = "http://127.0.0.1:53123/callback";
    const ok = await authorize(h, { ...q, redirect_uri: ephemeral });
    expect(ok.status, ok.text).toBe(302);
    expect(ok.location).toMatch(/^\/oauth\/consent\?request=/);
    const requestId = new URL(ok.location!, h.url).searchParams.get("request")!;
    const d = await owner.post(`/api/oauth/requests/${requestId}/decision`, {
      allow: true,
      locationIds: "all",
    });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const back = new URL(d.body.redirectTo);
    expect(`${back.origin}${back.pathname}`).toBe(ephemeral);
    const code = back.searchParams.get("code")!;
    // The token request names the URI the code was sent to; the registered one is not it.
    const wrong = await tokenRequest(
      h,
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(wrong.body.error).toBe("invalid_request");
    const again = await authorize(h, { ...q, redirect_uri: "http://127.0.0.1:40000/callback" });
    const id2 = new URL(again.location!, h.url).searchParams.get("request")!;
    const d2 = await owner.post(`/api/oauth/requests/${id2}/decision`, { allow: true, locationIds: "all" });
    const code2 = new URL(d2.body.redirectTo).searchParams.get("code")!;
    const t = await tokenRequest(
      h,
      { grant_type: "authorization_code", code: code2, redirect_uri: "http://127.0.0.1:40000/callback" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(t.status, JSON.stringify(t.body)).toBe(200);

    for (const redirect_uri of [
      "http://127.0.0.1:53123/callback/",
      "http://127.0.0.1:53123/callback?x=1",
      "http://127.0.0.1:53123/Callback",
      "http://127.0.0.1:99999/callback",
      "http://127.0.0.1:53123/callback#f",
      "http://localhost:53123/callback",
      "http://[::1]:53123/callback",
      "https://127.0.0.1:53123/callback",
      "http://127.0.0.1.evil.example:53123/callback",
      "http://user@127.0.0.1:53123/callback",
    ]) {
      const r = await authorize(h, { ...q, redirect_uri });
      expect(r.status, redirect_uri).toBe(400);
      expect(r.location).toBeNull();
    }
  });
});

describe("one app's grants are not another's", () => {
  it("codes, refresh tokens (in the idempotency window too) and revocation stay with the app they were issued to", async () => {
    const a = await registerApp(owner, w.agencyId, { name: "App A" });
    const b = await registerApp(owner, w.agencyId, { name: "App B" });
    const asB = { authorization: basic(b.clientId, b.clientSecret!) };
    // A's fresh code, presented by B with B's own secret: refused, and not spent — A still redeems it.
    const { code } = await consent(h, owner, a, { allow: true, locationIds: "all" });
    const stolen = await tokenRequest(
      h,
      { grant_type: "authorization_code", code: code!, redirect_uri: REDIRECT },
      asB,
    );
    expect(stolen.body.error).toBe("invalid_grant");
    const t = await exchange(h, a, code!);
    expect(t.status).toBe(200);
    // A's refresh token presented by B: refused, nothing of A's revoked.
    const rt = t.body.refresh_token;
    expect((await tokenRequest(h, { grant_type: "refresh_token", refresh_token: rt }, asB)).body.error).toBe(
      "invalid_grant",
    );
    const r1 = await refresh(h, a, rt);
    expect(r1.status).toBe(200);
    // Within the 30 s window the spent token answers the same pair — to A only.
    const inWindow = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: rt }, asB);
    expect(inWindow.status).toBe(400);
    expect(JSON.stringify(inWindow.body)).not.toContain(r1.body.access_token);
    expect((await refresh(h, a, rt)).body.access_token).toBe(r1.body.access_token);
    // B revoking A's tokens (RFC 7009 §2.1: the token must be the client's): 200, and nothing happens.
    for (const token of [r1.body.refresh_token, r1.body.access_token]) {
      const r = await formPost(h, "/oauth/revoke", { token }, asB);
      expect(r.status).toBe(200);
    }
    const v = await fetch(`${h.url}/v2/locations`, {
      headers: { authorization: `Bearer ${r1.body.access_token}` },
    });
    expect(v.status).toBe(200);
    expect((await refresh(h, a, r1.body.refresh_token)).status).toBe(200);
  });
});

describe("a pending request is judged against the app as it is now", () => {
  async function pending(app: RegisteredApp) {
    const a = await authorize(h, {
      response_type: "code",
      client_id: app.clientId,
      redirect_uri: REDIRECT,
      state: "s",
    });
    return new URL(a.location!, h.url).searchParams.get("request")!;
  }
  const installsOf = async (appId: string) =>
    (await owner.get(`/api/agencies/${w.agencyId}/installs`)).body.installs.filter(
      (i: any) => i.app.id === appId,
    );

  it("scopes the app no longer registers are not granted (was: an install with them, then a 500)", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Narrowed app" });
    const id = await pending(app);
    expect((await owner.patch(`/api/apps/${app.id}`, { scopes: ["locations.readonly"] })).status).toBe(200);
    const view = await owner.get(`/api/oauth/requests/${id}`);
    expect(view.status).toBe(404);
    expect(view.body.code).toBe("oauth_request_not_found");
    const d = await owner.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" });
    expect(d.status).toBe(404);
    expect(d.body.code).toBe("oauth_request_not_found");
    expect(d.body.detail).toMatch(/changed/);
    expect(await installsOf(app.id)).toEqual([]);
  });

  it("a redirect URI the app removed receives nothing, not even a denial", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Moved app" });
    const id = await pending(app);
    await owner.patch(`/api/apps/${app.id}`, { redirectUris: ["https://moved.example/cb"] });
    for (const decision of [{ allow: false }, { allow: true, locationIds: "all" }]) {
      const d = await owner.post(`/api/oauth/requests/${id}/decision`, decision);
      expect(d.status).toBe(404);
      expect(d.body.redirectTo).toBeUndefined();
    }
    expect(await installsOf(app.id)).toEqual([]);
  });
});

describe("plan downgrade", () => {
  it("a location app acting for its own agency (client_credentials) is refused below Agency Pro, and listed as suspended", async () => {
    const app = await registerApp(owner, w.agencyId, {
      name: "Location app, own agency",
      distribution: "location",
      scopes: ["locations.readonly"],
    });
    const asApp = { authorization: basic(app.clientId, app.clientSecret!) };
    const cc = await tokenRequest(h, { grant_type: "client_credentials" }, asApp);
    expect(cc.status, JSON.stringify(cc.body)).toBe(200);
    expect((await setPlan(h, w.agencyId, "unlimited")).status).toBe(200);
    try {
      const refused = await tokenRequest(h, { grant_type: "client_credentials" }, asApp);
      expect(refused.body.error_description).toMatch(/plan_required/);
      const r = await fetch(`${h.url}/v2/locations`, {
        headers: { authorization: `Bearer ${cc.body.access_token}` },
      });
      expect(r.status).toBe(403);
      const installs = (await owner.get(`/api/agencies/${w.agencyId}/installs`)).body.installs;
      expect(installs.find((i: any) => i.id === cc.body.install_id)).toMatchObject({
        status: "suspended",
        suspendedReason: "plan_required",
      });
    } finally {
      await setPlan(h, w.agencyId, "agency_pro");
    }
  });
});

describe("a code redeemed twice at the same moment", () => {
  it("the one that loses the race still revokes what the other got (RFC 6749 §4.1.2)", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Raced app" });
    const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" });
    // The race, made deterministic: the second redemption reads the code while it is unspent, and
    // the first (an attacker on another node, say) completes before the second spends it.
    const proto = Object.getPrototypeOf(h.kw.store.oauth());
    const getCode = proto.getCode;
    let first: Awaited<ReturnType<typeof exchange>> | null = null;
    proto.getCode = async function (this: unknown, hash: string) {
      const row = await getCode.call(this, hash);
      if (first === null) {
        proto.getCode = getCode;
        first = await exchange(h, app, code!);
      }
      return row;
    };
    let second: Awaited<ReturnType<typeof exchange>>;
    try {
      second = await exchange(h, app, code!);
    } finally {
      proto.getCode = getCode;
    }
    expect(first!.status).toBe(200);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect((await refresh(h, app, first!.body.refresh_token)).body.error).toBe("invalid_grant");
  });
});

describe("an app's access tokens are the install's, not keys people manage", () => {
  it("the keys API does not edit, rotate or lift the lifetime of an app's token, and uninstall revokes every one", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Managed elsewhere" });
    const { code } = await consent(h, owner, app, { allow: true, locationIds: [w.loc1] });
    const t = (await exchange(h, app, code!)).body;
    const bearer = { authorization: `Bearer ${t.access_token}` };
    const keyId = ((await (await fetch(`${h.url}/v2/token`, { headers: bearer })).json()) as any).keyId;
    expect(keyId).toMatch(/^key_/);
    // Was: 200 for each — a token without an end (which uninstall then missed), wider locations, a
    // fresh plaintext token under the app's name.
    expect((await owner.get(`/api/keys/${keyId}`)).status).toBe(404);
    const edit = await owner.patch(`/api/keys/${keyId}`, { expiresAt: null, locationIds: null });
    expect(edit.status).toBe(404);
    expect(edit.body.detail).toMatch(/install/);
    expect((await owner.post(`/api/keys/${keyId}/rotate`, {})).status).toBe(404);
    // Whatever ends up without an end of lifetime, uninstall still finds it.
    const second = await refresh(h, app, t.refresh_token);
    await h.kw.store.db
      .updateTable("api_keys")
      .set({ expires_at: null })
      .where("oauth_install_id", "=", t.install_id)
      .execute();
    expect((await owner.delete(`/api/installs/${t.install_id}`)).status).toBe(204);
    for (const token of [t.access_token, second.body.access_token]) {
      const r = await fetch(`${h.url}/v2/locations`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(401);
    }
  });
});

describe("a deleted location takes its installs with it", () => {
  it("the install is uninstalled, so its refresh token mints nothing for the deleted location", async () => {
    const loc = (await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Short-lived" })).body;
    const locationId = loc.location?.id ?? loc.id;
    expect(locationId).toMatch(/^loc_/);
    const app = await registerApp(owner, w.agencyId, {
      name: "Per-location app",
      distribution: "location",
      scopes: ["locations.readonly"],
    });
    const { code } = await consent(h, owner, app, { allow: true, locationId });
    const t = (await exchange(h, app, code!)).body;
    expect((await owner.delete(`/api/locations/${locationId}`)).status).toBe(204);
    // Was: 200 and a fresh, valid token for the deleted location, its install still listed.
    const r = await refresh(h, app, t.refresh_token);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_grant");
    const installs = (await owner.get(`/api/agencies/${w.agencyId}/installs`)).body.installs;
    expect(installs.some((i: any) => i.app.id === app.id)).toBe(false);
    const audit = await h.kw.store.db
      .selectFrom("audit_log")
      .select(["action", "target_id"])
      .where("target_id", "=", t.install_id)
      .execute();
    expect(audit.map((a: any) => a.action)).toContain("app.uninstalled");
  });
});

describe("a closed agency takes its installs with it", () => {
  it("closing an agency by the platform uninstalls its apps: no token nor refresh survives, nor comes back on reopening", async () => {
    const world = await seedWorld(h.kw, "agency_pro", "-closed");
    const admin = await new Client(h).login(world.owner);
    // Another agency's public app, installed in the agency about to close.
    const app = await registerApp(owner, w.agencyId, { name: "Outlives its agency?" });
    const { code } = await consent(h, admin, app, { allow: true, locationIds: "all" });
    const t = (await exchange(h, app, code!)).body;
    await h.kw.store.db
      .updateTable("agencies")
      .set({ external_id: "closed-agency" })
      .where("id", "=", world.agencyId)
      .execute();
    const operator = (
      await h.kw.serviceKeys.create(
        { ...systemCtx, actorId: "cli" },
        { agencyId: null, name: "crm", scopes: ["provision"] },
      )
    ).token;
    const closed = await fetch(`${h.url}/api/provision/agencies/closed-agency`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(closed.status).toBe(204);
    // Was: the app's agency token still worked and its refresh token minted new ones.
    const v = await fetch(`${h.url}/v2/token`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(v.status).toBe(401);
    expect((await refresh(h, app, t.refresh_token)).body.error).toBe("invalid_grant");
    const reopened = await fetch(`${h.url}/api/provision/agencies/closed-agency`, {
      method: "PUT",
      headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Reopened", plan: "agency_pro" }),
    });
    expect(reopened.status).toBe(200);
    expect((await refresh(h, app, t.refresh_token)).body.error).toBe("invalid_grant");
  });

  it("the apps a closed agency develops are deleted: client_credentials does not open a way back in", async () => {
    const world = await seedWorld(h.kw, "agency_pro", "-closed-dev");
    const admin = await new Client(h).login(world.owner);
    const app = await registerApp(admin, world.agencyId, {
      name: "Departed developer's app",
      scopes: ["locations.readonly", "locations.write", "users.write"],
    });
    // Installed elsewhere too (a public app).
    const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" });
    const elsewhere = (await exchange(h, app, code!)).body;
    const asApp = { authorization: basic(app.clientId, app.clientSecret!) };
    expect((await tokenRequest(h, { grant_type: "client_credentials" }, asApp)).status).toBe(200);
    await h.kw.store.db
      .updateTable("agencies")
      .set({ external_id: "closed-developer" })
      .where("id", "=", world.agencyId)
      .execute();
    const operator = (
      await h.kw.serviceKeys.create(
        { ...systemCtx, actorId: "cli" },
        { agencyId: null, name: "crm2", scopes: ["provision"] },
      )
    ).token;
    const closed = await fetch(`${h.url}/api/provision/agencies/closed-developer`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(closed.status).toBe(204);
    // Was: 200 — a fresh install and an agency token (locations.write, users.write) in the closed agency.
    const cc = await tokenRequest(h, { grant_type: "client_credentials" }, asApp);
    expect(cc.status).toBe(401);
    expect(cc.body.error).toBe("invalid_client");
    expect((await refresh(h, app, elsewhere.refresh_token)).status).toBe(401);
  });
});

describe("redirect_uri at the token endpoint (RFC 6749 §4.1.3)", () => {
  it("required when the authorization request had one, not when it had none", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "One callback" });
    const asApp = { authorization: basic(app.clientId, app.clientSecret!) };
    const start = async (params: Record<string, string>) => {
      const a = await authorize(h, { response_type: "code", client_id: app.clientId, ...params });
      const id = new URL(a.location!, h.url).searchParams.get("request")!;
      const d = await owner.post(`/api/oauth/requests/${id}/decision`, { allow: true, locationIds: "all" });
      expect(d.body.redirectTo.startsWith(REDIRECT)).toBe(true);
      return new URL(d.body.redirectTo).searchParams.get("code")!;
    };
    // Omitted at /oauth/authorize (the app has one redirect URI): the token request may omit it too.
    const omitted = await tokenRequest(h, { grant_type: "authorization_code", code: await start({}) }, asApp);
    expect(omitted.status, JSON.stringify(omitted.body)).toBe(200);
    // Given at /oauth/authorize: the token request must repeat it.
    const missing = await tokenRequest(
      h,
      { grant_type: "authorization_code", code: await start({ redirect_uri: REDIRECT }) },
      asApp,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_request");
  });
});

describe("metadata (RFC 8414) and the Host header", () => {
  it("built from the request's Host (no KEYWARD_PUBLIC_URL), it is not offered to shared caches", async () => {
    // Its endpoints name whatever host the request named: a shared cache keeping one answer for
    // everyone would hand a forged host's token endpoint (where apps send their secrets) to all.
    const res = await fetch(`${h.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).not.toMatch(/public/);
    expect(res.headers.get("vary")?.toLowerCase()).toContain("host");
    const pinned = await startHarness({ env: { KEYWARD_PUBLIC_URL: "https://keyward.example" } });
    try {
      const p = await fetch(`${pinned.url}/.well-known/oauth-authorization-server`);
      expect(((await p.json()) as any).token_endpoint).toBe("https://keyward.example/oauth/token");
      expect(p.headers.get("cache-control")).toMatch(/public/);
    } finally {
      await pinned.close();
    }
  });
});
