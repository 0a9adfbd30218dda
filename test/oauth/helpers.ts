/** Shared steps of the OAuth tests: an app registered, PKCE, the consent, the token endpoint. */
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Client, Harness } from "../helpers/harness.js";

export const REDIRECT = "http://127.0.0.1:9/callback";

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface RegisteredApp {
  id: string;
  clientId: string;
  clientSecret: string | undefined;
  body: any;
}

export async function registerApp(
  dev: Client,
  agencyId: string,
  extra: Record<string, unknown> = {},
): Promise<RegisteredApp> {
  const r = await dev.post(`/api/agencies/${agencyId}/apps`, {
    name: "Sync Pro",
    redirectUris: [REDIRECT],
    scopes: ["locations.readonly", "users.readonly"],
    distribution: "agency",
    visibility: "public",
    ...extra,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return {
    id: r.body.app.id,
    clientId: r.body.app.clientId,
    clientSecret: r.body.clientSecret,
    body: r.body,
  };
}

/** GET /oauth/authorize without following the redirect. */
export async function authorize(h: Harness, params: Record<string, string>) {
  const res = await fetch(`${h.url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual" });
  return {
    status: res.status,
    location: res.headers.get("location"),
    text: await res.text(),
    headers: res.headers,
  };
}

/** Starts the flow and answers the consent as `user`; returns the code (and state) the app receives. */
export async function consent(
  h: Harness,
  user: Client,
  app: RegisteredApp,
  decision: Record<string, unknown>,
  opts: { scope?: string; challenge?: string; state?: string } = {},
): Promise<{ code: string | null; state: string | null; redirectTo: string; requestId: string }> {
  const params: Record<string, string> = {
    response_type: "code",
    client_id: app.clientId,
    redirect_uri: REDIRECT,
    state: opts.state ?? "xyz",
  };
  if (opts.scope) params.scope = opts.scope;
  if (opts.challenge) {
    params.code_challenge = opts.challenge;
    params.code_challenge_method = "S256";
  }
  const a = await authorize(h, params);
  expect(a.status, a.text).toBe(302);
  expect(a.location).toMatch(/^\/oauth\/consent\?request=oar_/);
  const requestId = new URL(a.location!, h.url).searchParams.get("request")!;
  const d = await user.post(`/api/oauth/requests/${requestId}/decision`, decision);
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  const u = new URL(d.body.redirectTo);
  return {
    code: u.searchParams.get("code"),
    state: u.searchParams.get("state"),
    redirectTo: d.body.redirectTo,
    requestId,
  };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

export async function tokenRequest(
  h: Harness,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Code for tokens, as a confidential client with HTTP Basic. */
export async function exchange(h: Harness, app: RegisteredApp, code: string, verifier?: string) {
  const form: Record<string, string> = { grant_type: "authorization_code", code, redirect_uri: REDIRECT };
  if (verifier) form.code_verifier = verifier;
  return tokenRequest(
    h,
    form,
    app.clientSecret ? { authorization: basic(app.clientId, app.clientSecret) } : {},
  );
}

export async function refresh(h: Harness, app: RegisteredApp, refreshToken: string) {
  return tokenRequest(
    h,
    { grant_type: "refresh_token", refresh_token: refreshToken },
    { authorization: basic(app.clientId, app.clientSecret!) },
  );
}

export async function formPost(
  h: Harness,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(h.url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body, headers: res.headers };
}
