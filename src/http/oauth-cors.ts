/**
 * CORS for the OAuth endpoints a browser app calls itself (docs/oauth.md, "Browser apps"): a public
 * client — a single-page app with PKCE and no secret — exchanges its code and refreshes at
 * `/oauth/token`, revokes at `/oauth/revoke` and reads the metadata document, from its own origin.
 * Any origin may (`*`): these endpoints authenticate by what the request carries (code and verifier,
 * refresh token, client credentials), never by a cookie, so no credentials mode is allowed — a
 * browser then sends no cookies and refuses `credentials: "include"`. Every other route (the console's
 * API with its session cookie, `/oauth/authorize`, `/oauth/introspect` for resource servers) stays
 * same-origin only.
 */
import type { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./env.js";

/** The paths and the method each answers, besides the preflight. */
export const OAUTH_CORS_PATHS: Readonly<Record<string, "GET" | "POST">> = {
  "/oauth/token": "POST",
  "/oauth/revoke": "POST",
  "/.well-known/oauth-authorization-server": "GET",
};

/** How long a browser may keep a preflight's answer (Chromium keeps at most 2 hours). */
export const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/** Registers the CORS middleware (and so the preflight) of each path; call before their routes. */
export function oauthCors(app: Hono<AppEnv>): void {
  for (const [path, method] of Object.entries(OAUTH_CORS_PATHS))
    app.use(
      path,
      cors({
        origin: "*",
        allowMethods: [method],
        // Authorization: HTTP Basic client authentication, which a client may use from a browser too.
        allowHeaders: ["Authorization", "Content-Type"],
        // What a refusal tells the app beyond its body: how to authenticate, and when to come back.
        exposeHeaders: ["WWW-Authenticate", "Retry-After"],
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
        credentials: false,
      }),
    );
}
