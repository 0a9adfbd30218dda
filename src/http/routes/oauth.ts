/**
 * The OAuth 2.0 protocol endpoints (docs/oauth.md). They speak OAuth, not problem+json: form-encoded
 * requests, `{error, error_description}` answers (RFC 6749 §5.2), an HTML error page where the
 * browser must not be sent back to an unverified redirect URI. They are plain Hono routes (the
 * Router's guards and JSON bodies are not theirs), described here in the same OpenAPI document.
 */

import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "../../core/errors.js";
import type { OAuthAnswer } from "../../service/oauth-server.js";
import { bearer, clientOf, guards, isHttps } from "../auth.js";
import type { AppEnv, Deps } from "../env.js";
import { oauthCors } from "../oauth-cors.js";
import type { Router } from "../route.js";

const Tags = ["OAuth 2.0"];

const FORM = "application/x-www-form-urlencoded";

const ERROR_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );

function errorPage(status: number, message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorization failed</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>This app's request cannot be authorized</h1><p>${escapeHtml(message)}</p><p>Nothing was shared with the app. Go back to it and try again, or tell its developer.</p></body></html>`;
  return new Response(html, { status, headers: ERROR_PAGE_HEADERS });
}

function answer(a: OAuthAnswer): Response {
  const headers = new Headers(a.headers);
  if (a.body === null) return new Response(null, { status: a.status, headers });
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(a.body), { status: a.status, headers });
}

const oauthError = (status: number, error: string, description: string): OAuthAnswer => ({
  status,
  headers: { "cache-control": "no-store" },
  body: { error, error_description: description },
});

/** A form-encoded body as name → value; a repeated parameter is refused (RFC 6749 §3.2). */
async function readForm(
  c: Context<AppEnv>,
  deps: Deps,
  alsoJson = false,
): Promise<Record<string, string> | OAuthAnswer> {
  const length = c.req.header("content-length");
  if (length !== undefined && Number.parseInt(length || "0", 10) > deps.config.maxBodyBytes)
    return oauthError(413, "invalid_request", `The body is larger than ${deps.config.maxBodyBytes} bytes.`);
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const text = await c.req.text();
  if (text.length > deps.config.maxBodyBytes)
    return oauthError(413, "invalid_request", `The body is larger than ${deps.config.maxBodyBytes} bytes.`);
  if (alsoJson && type.startsWith("application/json")) {
    try {
      const v = text.trim() === "" ? {} : JSON.parse(text);
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
      return out;
    } catch {
      return oauthError(400, "invalid_request", "The body is not a JSON object.");
    }
  }
  if (!type.startsWith(FORM) && text !== "")
    return oauthError(400, "invalid_request", `Send the parameters as ${FORM}${alsoJson ? " or JSON" : ""}.`);
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (Object.hasOwn(out, k)) return oauthError(400, "invalid_request", `The parameter ${k} is repeated.`);
    out[k] = v;
  }
  return out;
}

function issuerOf(c: Context<AppEnv>, deps: Deps): string {
  if (deps.config.publicUrl) return deps.config.publicUrl.replace(/\/$/, "");
  return `${isHttps(c, deps) ? "https" : "http"}://${c.req.header("host") ?? "localhost"}`;
}

export function oauthRoutes(r: Router, deps: Deps): void {
  const app = r.app;
  const serviceGuard = guards(deps).service;
  const send = (c: Context<AppEnv>, res: Response) => r.headers.apply(c, res);
  // Before the routes: a browser app calls the token and revoke endpoints and the metadata itself.
  oauthCors(app);

  /**
   * The brute-force limit every credential check shares (KEYWARD_FAILED_AUTH_*): an address with too
   * many failed client authentications is refused for a while, in OAuth's format.
   */
  const limited = async (c: Context<AppEnv>, run: () => Promise<OAuthAnswer>): Promise<Response> => {
    const { ip } = clientOf(c, deps);
    try {
      deps.attempts.refuseBlockedAddress(ip);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const a = oauthError(429, "too_many_failures", e.message);
      const retryAfter = e.extra.retryAfter;
      if (typeof retryAfter === "number") a.headers["retry-after"] = String(retryAfter);
      return send(c, answer(a));
    }
    const res = await run();
    if (res.status === 401) deps.attempts.failedAuthFrom(ip, "token");
    return send(c, answer(res));
  };

  app.get("/oauth/authorize", async (c) => {
    const outcome = await deps.oauthProtocol.startAuthorization(c.req.query());
    if ("page" in outcome) return send(c, errorPage(outcome.page.status, outcome.page.message));
    return send(
      c,
      new Response(null, {
        status: 302,
        headers: { location: outcome.redirect, "cache-control": "no-store" },
      }),
    );
  });

  app.post("/oauth/token", async (c) => {
    const form = await readForm(c, deps);
    if ("status" in form && "headers" in form && typeof form.status === "number")
      return send(c, answer(form as OAuthAnswer));
    const body = form as Record<string, string>;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => {
      headers[k] = v;
    });
    // The library reads the body's type from the headers (and wants a length to believe there is one).
    headers["content-length"] ??= String(new URLSearchParams(body).toString().length);
    return limited(c, () => deps.oauthProtocol.token(headers, body));
  });

  app.post("/oauth/locationToken", async (c) => {
    const form = await readForm(c, deps, true);
    if (typeof (form as OAuthAnswer).status === "number" && "headers" in form)
      return send(c, answer(form as OAuthAnswer));
    const { ip, userAgent } = clientOf(c, deps);
    const res = await deps.oauthProtocol.locationToken(
      bearer(c),
      (form as Record<string, string>).locationId,
      {
        ip,
        userAgent,
        endpoint: "POST /oauth/locationToken",
      },
    );
    return send(c, answer(res));
  });

  app.post("/oauth/revoke", async (c) => {
    const form = await readForm(c, deps);
    if (typeof (form as OAuthAnswer).status === "number" && "headers" in form)
      return send(c, answer(form as OAuthAnswer));
    return limited(c, () =>
      deps.oauthProtocol.revoke(c.req.header("authorization"), form as Record<string, string>),
    );
  });

  app.post("/oauth/introspect", async (c) => {
    try {
      await serviceGuard.check(
        c,
        {
          endpoint: "POST /oauth/introspect",
          scopes: undefined,
          serviceScope: "verify",
          operatorOnly: false,
        },
        undefined,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const a = oauthError(401, "invalid_client", e.message);
      a.headers["www-authenticate"] = 'Bearer realm="keyward"';
      return send(c, answer(a));
    }
    const form = await readForm(c, deps);
    if (typeof (form as OAuthAnswer).status === "number" && "headers" in form)
      return send(c, answer(form as OAuthAnswer));
    const agencyId = c.get("ctx").credential?.agencyId ?? null;
    return send(
      c,
      answer(await deps.oauthProtocol.introspect((form as Record<string, string>).token, agencyId)),
    );
  });

  app.get("/.well-known/oauth-authorization-server", (c) =>
    send(
      c,
      new Response(JSON.stringify(deps.oauthProtocol.metadata(issuerOf(c, deps))), {
        status: 200,
        // Built from the request's Host when no public URL is set: then never one answer for all
        // in a shared cache (a forged Host would name the token endpoint apps send secrets to).
        headers: deps.config.publicUrl
          ? { "content-type": "application/json", "cache-control": "public, max-age=300" }
          : { "content-type": "application/json", "cache-control": "private, max-age=300", vary: "Host" },
      }),
    ),
  );

  document(r);
}

const OAuthErrorBody = z
  .object({ error: z.string(), error_description: z.string().optional() })
  .meta({ id: "OAuthError" });
const TokenAnswer = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number(),
    refresh_token: z.string().optional(),
    scope: z.string(),
    install_id: z.string(),
    agency_id: z.string(),
    location_id: z.string().nullable(),
  })
  .meta({ id: "OAuthToken" });

function document(r: Router): void {
  const reg = r.registry;
  const errors = {
    description: "OAuth error (RFC 6749 §5.2)",
    content: { "application/json": { schema: OAuthErrorBody } },
  };
  reg.registerPath({
    method: "get",
    path: "/oauth/authorize",
    summary: "Start the authorization code flow (PKCE)",
    description:
      "Redirects to the console's consent page (`/oauth/consent?request=…`). An unknown client_id or a redirect_uri not registered (exact match) is an HTML error page; other errors go back to redirect_uri with `error` and `state`.",
    tags: Tags,
    security: [],
    request: {
      query: z.object({
        response_type: z.literal("code"),
        client_id: z.string(),
        redirect_uri: z.string().optional(),
        scope: z.string().optional(),
        state: z.string().optional(),
        code_challenge: z.string().optional(),
        code_challenge_method: z.literal("S256").optional(),
      }),
    },
    responses: {
      302: { description: "To the consent page, or back to the app with an error" },
      400: { description: "HTML error page" },
    },
  });
  reg.registerPath({
    method: "post",
    path: "/oauth/token",
    summary: "Token endpoint: authorization_code, refresh_token, client_credentials",
    description:
      "Form-encoded (`application/x-www-form-urlencoded`): `grant_type` (`authorization_code` with `code`, `redirect_uri`, `code_verifier`; `refresh_token` with `refresh_token`; `client_credentials`), optional `scope`. Client authentication by HTTP Basic or `client_id`/`client_secret` in the form; public clients send `client_id` and the PKCE `code_verifier`. A refresh token is replaced at every use; the same one again within 30 s answers the same new pair, later it revokes the install's every token. Errors in OAuth's format (`invalid_client` is 401).",
    tags: Tags,
    security: [],
    responses: {
      200: { description: "Tokens", content: { "application/json": { schema: TokenAnswer } } },
      400: errors,
      401: errors,
    },
  });
  reg.registerPath({
    method: "post",
    path: "/oauth/locationToken",
    summary: "A location token from an agency install's access token",
    description:
      "Authorization: Bearer <the agency install's access token, kw_oat_…> (checked here, answered in OAuth's format: 401 `invalid_token`). Body (form or JSON): `locationId`, a location the install covers (403 `access_denied` otherwise). Not refreshable: ask again.",
    tags: Tags,
    // Authenticated by the endpoint itself, in OAuth's terms (no guard of the API's).
    security: [],
    responses: {
      200: {
        description: "A location access token",
        content: {
          "application/json": {
            schema: z.object({
              access_token: z.string(),
              token_type: z.literal("Bearer"),
              expires_in: z.number(),
              scope: z.string(),
              location_id: z.string(),
              install_id: z.string(),
            }),
          },
        },
      },
      401: errors,
      403: errors,
    },
  });
  reg.registerPath({
    method: "post",
    path: "/oauth/revoke",
    summary: "Revoke a token (RFC 7009), by the app",
    description:
      "Form-encoded: `token`, optional `token_type_hint`; client authentication as at the token endpoint. A refresh token uninstalls the app (every token of the install revoked, `app.uninstalled` sent); an access token ends that token. Unknown tokens: 200 all the same.",
    tags: Tags,
    security: [],
    responses: { 200: { description: "Revoked (or nothing to revoke)" }, 401: errors },
  });
  reg.registerPath({
    method: "post",
    path: "/oauth/introspect",
    summary: "Introspect a token (RFC 7662), for resource servers",
    description:
      "Authorization: Bearer <a service credential of the `verify` scope> (checked here, answered in OAuth's format: 401 `invalid_client`). Form-encoded: `token`. An agency's credential sees its agency's tokens only.",
    tags: Tags,
    // Authenticated by the endpoint itself, in OAuth's terms (no guard of the API's).
    security: [],
    responses: {
      200: {
        description: "`{active: false}` or the token's facts",
        content: { "application/json": { schema: z.object({ active: z.boolean() }).catchall(z.unknown()) } },
      },
      401: errors,
    },
  });
  reg.registerPath({
    method: "get",
    path: "/.well-known/oauth-authorization-server",
    summary: "Authorization server metadata (RFC 8414)",
    tags: Tags,
    security: [],
    responses: {
      200: {
        description: "Metadata",
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  });
}
