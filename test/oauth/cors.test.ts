/**
 * CORS on the OAuth endpoints a browser app calls itself — `/oauth/token`, `/oauth/revoke` and the
 * metadata document — and on no other (docs/oauth.md, "Browser apps"). Over HTTP: the preflight's
 * answer and the headers of real answers. In chromium: a public client (PKCE, no secret) served from
 * another origin exchanges its code, refreshes, revokes and reads the metadata with `fetch`; a
 * request that needs a preflight (HTTP Basic) gets through and can read `WWW-Authenticate`; cookies
 * (`credentials: "include"`) and the other endpoints are refused by the browser.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../browser/browser.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { basic, consent, pkce, REDIRECT, type RegisteredApp, registerApp } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let publicApp: RegisteredApp;
let privateApp: RegisteredApp;

const ORIGIN = "https://spa.example";
const CORS_PATHS = [
  ["/oauth/token", "POST"],
  ["/oauth/revoke", "POST"],
  ["/.well-known/oauth-authorization-server", "GET"],
] as const;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  publicApp = await registerApp(owner, w.agencyId, { name: "Browser app", public: true });
  privateApp = await registerApp(owner, w.agencyId, { name: "Server app" });
});
afterAll(async () => h?.close());

function preflight(path: string, method: string, requestHeaders = "authorization, content-type") {
  return fetch(h.url + path, {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": method,
      "access-control-request-headers": requestHeaders,
    },
  });
}

describe("over HTTP", () => {
  it.each(CORS_PATHS)("%s answers a preflight: any origin, %s, no credentials", async (path, method) => {
    const res = await preflight(path, method);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe(method);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("authorization,content-type");
    expect(res.headers.get("access-control-max-age")).toBe("7200");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(await res.text()).toBe("");
  });

  it("their answers, refusals included, carry the CORS headers and never allow credentials", async () => {
    const answers = [
      await fetch(`${h.url}/.well-known/oauth-authorization-server`, { headers: { origin: ORIGIN } }),
      // A bad request, a failed client authentication, a malformed body: readable by the app too.
      await fetch(`${h.url}/oauth/token`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
        body: `grant_type=authorization_code&code=nope&client_id=${publicApp.clientId}`,
      }),
      await fetch(`${h.url}/oauth/token`, {
        method: "POST",
        headers: {
          origin: ORIGIN,
          "content-type": "application/x-www-form-urlencoded",
          authorization: basic(privateApp.clientId, "kw_cs_wrong"),
        },
        body: "grant_type=client_credentials",
      }),
      await fetch(`${h.url}/oauth/revoke`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: "{}",
      }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 400, 401, 400]);
    for (const res of answers) {
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toBe(
        "www-authenticate,retry-after",
      );
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
    expect(answers[2]!.headers.get("www-authenticate")).toMatch(/^Basic/);
  });

  it("no other endpoint answers cross-origin: the API, /oauth/authorize, /oauth/introspect, /oauth/locationToken", async () => {
    for (const [path, method] of [
      ["/oauth/introspect", "POST"],
      ["/oauth/locationToken", "POST"],
      ["/oauth/authorize", "GET"],
      ["/api/me", "GET"],
      ["/api/verify", "POST"],
    ] as const) {
      const pre = await preflight(path, method);
      expect(pre.headers.get("access-control-allow-origin"), path).toBeNull();
      expect(pre.headers.get("access-control-allow-methods"), path).toBeNull();
    }
    const introspect = await fetch(`${h.url}/oauth/introspect`, {
      method: "POST",
      headers: {
        origin: ORIGIN,
        authorization: `Bearer ${SERVICE_TOKEN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "token=nope",
    });
    expect(introspect.status).toBe(200);
    expect(introspect.headers.get("access-control-allow-origin")).toBeNull();
    const me = await owner.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("in chromium, a public client on another origin", () => {
  let browser: Browser;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>The app</title>");
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    // localhost, not 127.0.0.1: another origin than Keyward's whatever the ports.
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => site?.close(r));
  });

  it("exchanges its code, refreshes, revokes and reads the metadata; cookies and other endpoints are refused", async () => {
    expect(new URL(siteUrl).origin).not.toBe(new URL(h.url).origin);
    const { verifier, challenge } = pkce();
    const { code } = await consent(h, owner, publicApp, { allow: true, locationIds: "all" }, { challenge });
    expect(code).toBeTruthy();

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(siteUrl);
      const seen = await page.evaluate(
        async ({ keyward, clientId, privateId, code, verifier, redirect }) => {
          const form = (o: Record<string, string>) => ({
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(o).toString(),
          });
          const json = async (p: Promise<Response>) => {
            try {
              const r = await p;
              return {
                status: r.status,
                body: await r.json(),
                wwwAuthenticate: r.headers.get("www-authenticate"),
              };
            } catch (e) {
              return { refused: String(e) };
            }
          };
          const metadata = await json(fetch(`${keyward}/.well-known/oauth-authorization-server`));
          const tokens = await json(
            fetch(
              `${keyward}/oauth/token`,
              form({
                grant_type: "authorization_code",
                code,
                redirect_uri: redirect,
                client_id: clientId,
                code_verifier: verifier,
              }),
            ),
          );
          const refreshed = await json(
            fetch(
              `${keyward}/oauth/token`,
              form({
                grant_type: "refresh_token",
                refresh_token: (tokens as any).body.refresh_token,
                client_id: clientId,
              }),
            ),
          );
          const revoked = await fetch(
            `${keyward}/oauth/revoke`,
            form({ token: (refreshed as any).body.access_token, client_id: clientId }),
          ).then((r) => r.status);
          // HTTP Basic needs a preflight (Authorization is not a simple header); the refusal is readable.
          const basicAuth = await json(
            fetch(`${keyward}/oauth/token`, {
              ...form({ grant_type: "client_credentials" }),
              headers: {
                "content-type": "application/x-www-form-urlencoded",
                authorization: `Basic ${btoa(`${privateId}:kw_cs_wrong`)}`,
              },
            }),
          );
          // Cookies: a credentialed request to a `*` origin is refused by the browser.
          const withCookies = await json(
            fetch(`${keyward}/.well-known/oauth-authorization-server`, { credentials: "include" }),
          );
          const introspect = await json(fetch(`${keyward}/oauth/introspect`, form({ token: "x" })));
          const api = await json(fetch(`${keyward}/api/me`));
          return { metadata, tokens, refreshed, revoked, basicAuth, withCookies, introspect, api };
        },
        {
          keyward: h.url,
          clientId: publicApp.clientId,
          privateId: privateApp.clientId,
          code: code!,
          verifier,
          redirect: REDIRECT,
        },
      );
      expect(seen.metadata).toMatchObject({ status: 200, body: { token_endpoint: `${h.url}/oauth/token` } });
      expect(seen.tokens, JSON.stringify(seen.tokens)).toMatchObject({
        status: 200,
        body: { token_type: "Bearer", access_token: expect.stringMatching(/^kw_oat_/) },
      });
      expect(seen.refreshed, JSON.stringify(seen.refreshed)).toMatchObject({
        status: 200,
        body: { refresh_token: expect.stringMatching(/^kw_ort_/) },
      });
      expect(seen.revoked).toBe(200);
      expect(seen.basicAuth).toMatchObject({
        status: 401,
        body: { error: "invalid_client" },
        wwwAuthenticate: expect.stringMatching(/^Basic/),
      });
      for (const refused of [seen.withCookies, seen.introspect, seen.api])
        expect(refused).toEqual({ refused: expect.stringMatching(/TypeError: Failed to fetch/) });
      // The access token the page revoked is revoked.
      const introspected = await fetch(`${h.url}/oauth/introspect`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${SERVICE_TOKEN}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token: (seen.refreshed as any).body.access_token }).toString(),
      });
      expect(await introspected.json()).toEqual({ active: false });
    } finally {
      await context.close();
    }
  });
});
