/**
 * Issue 10, item 13: the headers every response carries. `nosniff` everywhere; `no-store` on what
 * carries account or operational data (/api, /v1, /v2, /healthz, /readyz, /metrics, errors); the
 * docs page framed by nobody, with a CSP; HSTS on every response served over https (a trusted
 * proxy's X-Forwarded-Proto, or an https public URL) and on none served over plain http.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { seedKey } from "../legacy/helpers.js";

interface Setup {
  h: Harness;
  w: World;
  cookie: string;
  v2: string;
  v1: string;
}

async function setup(env: Record<string, string> = {}, origin?: string): Promise<Setup> {
  const h = await startHarness({ env });
  const w = await seedWorld(h.kw);
  const owner = await new Client(h, origin ? { origin } : {}).login(w.owner);
  const r = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "Reader",
    scopes: ["locations.readonly"],
  });
  expect(r.status).toBe(201);
  return { h, w, cookie: owner.cookie, v2: r.body.token, v1: (await seedKey(h, w.agencyId, null)).token };
}

/** One request of every route family, hot path and errors included: [label, path, headers]. */
function families(s: Setup): [string, string, Record<string, string>][] {
  const key = (t: string) => ({ authorization: `Bearer ${t}` });
  return [
    ["GET /v2/token", "/v2/token", key(s.v2)],
    ["GET /v2/token without a key", "/v2/token", {}],
    ["GET /v2/locations", "/v2/locations", key(s.v2)],
    ["GET /v2/locations/{id}", `/v2/locations/${s.w.loc1}`, key(s.v2)],
    ["GET /v1/locations", "/v1/locations", key(s.v1)],
    ["GET /v1/locations with a v2 key", "/v1/locations", key(s.v2)],
    ["GET /api/me", "/api/me", { cookie: s.cookie }],
    ["GET /api/me signed out", "/api/me", {}],
    ["GET /api/agencies/{id}/settings", `/api/agencies/${s.w.agencyId}/settings`, { cookie: s.cookie }],
    ["GET /healthz", "/healthz", {}],
    ["GET /readyz", "/readyz", {}],
    ["GET /metrics", "/metrics", {}],
    ["GET /openapi.json", "/openapi.json", {}],
    ["GET /docs", "/docs", {}],
    ["GET /v2/nothing-here", "/v2/nothing-here", {}],
    ["GET / (the console)", "/", {}],
  ];
}

const NO_STORE = new Set([
  "GET /v2/token",
  "GET /v2/token without a key",
  "GET /v2/locations",
  "GET /v2/locations/{id}",
  "GET /v1/locations",
  "GET /v1/locations with a v2 key",
  "GET /api/me",
  "GET /api/me signed out",
  "GET /api/agencies/{id}/settings",
  "GET /healthz",
  "GET /readyz",
  "GET /metrics",
  "GET /v2/nothing-here",
]);

async function headersOf(s: Setup, extra: Record<string, string> = {}) {
  const out: { label: string; status: number; headers: Headers }[] = [];
  for (const [label, path, headers] of families(s)) {
    const res = await fetch(s.h.url + path, { headers: { ...headers, ...extra } });
    await res.arrayBuffer();
    out.push({ label, status: res.status, headers: res.headers });
  }
  return out;
}

describe("over plain http", () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s.h.close());

  it("every response is nosniff, account data is no-store, and none carries HSTS", async () => {
    for (const { label, status, headers } of await headersOf(s)) {
      expect(headers.get("x-content-type-options"), label).toBe("nosniff");
      expect(headers.get("strict-transport-security"), `${label} (${status})`).toBeNull();
      if (NO_STORE.has(label)) expect(headers.get("cache-control"), label).toBe("no-store");
      // (The console answers 200 when web/dist is built, 503 when it is not.)
      if (/without|signed out|nothing|v2 key/.test(label)) expect(status, label).toBeGreaterThanOrEqual(400);
      else if (!label.includes("console")) expect(status, label).toBe(200);
    }
  });

  it("the docs page has a CSP, cannot be framed, and loads nothing", async () => {
    const r = await fetch(`${s.h.url}/docs`);
    expect(r.status).toBe(200);
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("the v2 hot path answers its usual body beside the headers", async () => {
    const r = await fetch(`${s.h.url}/v2/token`, { headers: { authorization: `Bearer ${s.v2}` } });
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(((await r.json()) as { scopes: string[] }).scopes).toEqual(["locations.readonly"]);
  });
});

describe("over https", () => {
  it("behind a trusted proxy: HSTS on every response that came over https, and only those", async () => {
    const s = await setup({ KEYWARD_TRUST_PROXY: "true" });
    try {
      for (const { label, headers } of await headersOf(s, { "x-forwarded-proto": "https" })) {
        expect(headers.get("strict-transport-security"), label).toMatch(/^max-age=\d{7,}/);
        expect(headers.get("x-content-type-options"), label).toBe("nosniff");
      }
      for (const { label, headers } of await headersOf(s, { "x-forwarded-proto": "http" }))
        expect(headers.get("strict-transport-security"), label).toBeNull();
    } finally {
      await s.h.close();
    }
  });

  it("an untrusted X-Forwarded-Proto is ignored", async () => {
    const s = await setup();
    try {
      for (const { label, headers } of await headersOf(s, { "x-forwarded-proto": "https" }))
        expect(headers.get("strict-transport-security"), label).toBeNull();
    } finally {
      await s.h.close();
    }
  });

  it("with an https public URL: HSTS on every response", async () => {
    const publicUrl = "https://keys.example.test";
    const s = await setup({ KEYWARD_PUBLIC_URL: publicUrl }, publicUrl);
    try {
      for (const { label, headers } of await headersOf(s))
        expect(headers.get("strict-transport-security"), label).toMatch(/^max-age=\d{7,}/);
    } finally {
      await s.h.close();
    }
  });
});
