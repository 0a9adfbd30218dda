/**
 * Conformance with an independent client library: oauth4webapi (panva), as the app. It discovers
 * Keyward from its RFC 8414 metadata, runs the code flow with PKCE as a confidential client
 * (client_secret_basic) and as a public client (none), refreshes, uses client_credentials, and
 * introspects and revokes — each answer checked by the library's own response validation.
 */
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
  withKey,
} from "../helpers/harness.js";
import { authorize, REDIRECT, registerApp } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let as: oauth.AuthorizationServer;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  const issuer = new URL(h.url);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
  );
});
afterAll(async () => h?.close());

/** The browser's part: authorize, consent (as the agency owner), and the callback URL the app receives. */
async function browser(clientId: string, challenge: string, state: string): Promise<URL> {
  const url = new URL(as.authorization_endpoint!);
  const a = await authorize(h, {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: "locations.readonly",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  expect(url.pathname).toBe("/oauth/authorize");
  const requestId = new URL(a.location!, h.url).searchParams.get("request")!;
  const d = await owner.post(`/api/oauth/requests/${requestId}/decision`, {
    allow: true,
    locationIds: "all",
  });
  expect(d.status).toBe(200);
  return new URL(d.body.redirectTo);
}

it("discovers the metadata", () => {
  expect(as.issuer).toBe(h.url);
  expect(as.token_endpoint).toBe(`${h.url}/oauth/token`);
  expect(as.code_challenge_methods_supported).toEqual(["S256"]);
});

it("confidential client: code + PKCE, refresh, client_credentials, introspection, revocation", async () => {
  const reg = await registerApp(owner, w.agencyId, { name: "Conformance", scopes: ["locations.readonly"] });
  const client: oauth.Client = { client_id: reg.clientId };
  const auth = oauth.ClientSecretBasic(reg.clientSecret!);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const callback = await browser(reg.clientId, await oauth.calculatePKCECodeChallenge(verifier), state);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure),
  );
  expect(tokens.token_type).toBe("bearer");
  expect(tokens.access_token).toMatch(/^kw_oat_/);
  // 24 h, counted by the library on the real clock from Keyward's answer plus 999 ms to spare: a
  // second's stall between the two (a loaded machine) makes it 86399.
  expect(tokens.expires_in).toBeGreaterThanOrEqual(86_399);
  expect(tokens.expires_in).toBeLessThanOrEqual(86_400);
  expect((await withKey(h, tokens.access_token, "GET", "/v2/locations")).status).toBe(200);

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
  );
  expect(refreshed.refresh_token).toMatch(/^kw_ort_/);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

  const cc = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: "locations.readonly" }, insecure),
  );
  expect(cc.access_token).toMatch(/^kw_oat_/);

  // The resource server introspects with its service credential.
  const serviceAuth: oauth.ClientAuth = (_as, _client, _body, headers) => {
    headers.set("authorization", `Bearer ${SERVICE_TOKEN}`);
  };
  const info = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, serviceAuth, refreshed.access_token, insecure),
  );
  expect(info.active).toBe(true);
  expect(info.client_id).toBe(reg.clientId);

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, insecure),
  );
  expect((await withKey(h, refreshed.access_token, "GET", "/v2/locations")).body.code).toBe("revoked");
  const after = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, serviceAuth, refreshed.access_token, insecure),
  );
  expect(after.active).toBe(false);
});

it("public client: code + PKCE without a secret, and refresh", async () => {
  const reg = await registerApp(owner, w.agencyId, {
    name: "Public conformance",
    scopes: ["locations.readonly"],
    public: true,
  });
  const client: oauth.Client = { client_id: reg.clientId, token_endpoint_auth_method: "none" };
  const auth = oauth.None();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const callback = await browser(reg.clientId, await oauth.calculatePKCECodeChallenge(verifier), state);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure),
  );
  expect((await withKey(h, tokens.access_token, "GET", "/v2/locations")).status).toBe(200);
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
  );
  expect(refreshed.access_token).toMatch(/^kw_oat_/);
  // A wrong verifier is refused with the library seeing an OAuth error.
  const v2 = oauth.generateRandomCodeVerifier();
  const cb2 = await browser(reg.clientId, await oauth.calculatePKCECodeChallenge(v2), state);
  const p2 = oauth.validateAuthResponse(as, client, cb2, state);
  const bad = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    p2,
    REDIRECT,
    oauth.generateRandomCodeVerifier(),
    insecure,
  );
  await expect(oauth.processAuthorizationCodeResponse(as, client, bad)).rejects.toMatchObject({
    error: "invalid_grant",
  });
});
