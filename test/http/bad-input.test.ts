/**
 * Bad input on every endpoint that takes a body (management, service and platform API): malformed
 * JSON, wrong content type, wrong types, unknown fields, oversize bodies, bad names, unknown and
 * wrong-level scopes, a grace period over 7 days, bad queries and ids. Each answer is a 4xx
 * problem+json with a code and a message, and the database is exactly as before.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

const MAX_BODY = 2048;
let h: Harness;
let w: World;
let admin: Client;
let agencyToken = "";
let keyId = "";
let userId = "";

const TABLES = [
  "agencies",
  "locations",
  "users",
  "user_locations",
  "sessions",
  "api_keys",
  "key_tokens",
  "usage_daily",
  "audit_log",
];

/** Every row of every core table: "nothing changed" means this is identical. */
async function fingerprint(): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const t of TABLES) out[t] = (await sql`select * from ${sql.table(t)}`.execute(h.kw.store.db)).rows;
  return JSON.stringify(out);
}

type Auth = "session" | "service" | "key" | "none";
interface Endpoint {
  method: string;
  path: () => string;
  auth: Auth;
  valid: () => Record<string, unknown>;
  /** Fields holding a name (≤200 characters, no control characters). */
  names?: string[];
  /** Fields that may be null. */
  nullable?: string[];
}

const ENDPOINTS: Endpoint[] = [
  {
    method: "POST",
    path: () => "/api/auth/login",
    auth: "none",
    valid: () => ({ email: w.owner, password: "x" }),
  },
  {
    method: "POST",
    path: () => `/api/accounts/${w.loc1}/keys`,
    auth: "session",
    valid: () => ({ name: "k", description: "d", scopes: ["users.readonly"], kind: "private_integration" }),
    names: ["name"],
  },
  {
    method: "POST",
    path: () => `/api/accounts/${w.loc1}/keys/import`,
    auth: "session",
    valid: () => ({ name: "k", kind: "private_integration", token: "foreign-token-123456", scopes: [] }),
    names: ["name"],
  },
  {
    method: "PATCH",
    path: () => `/api/keys/${keyId}`,
    auth: "session",
    valid: () => ({ name: "k2", description: "d", scopes: [] }),
    names: ["name"],
  },
  {
    method: "POST",
    path: () => `/api/keys/${keyId}/rotate`,
    auth: "session",
    valid: () => ({ expireOldAfterSeconds: 60 }),
  },
  {
    method: "PATCH",
    path: () => `/api/agencies/${w.agencyId}`,
    auth: "session",
    valid: () => ({ name: "Acme 2", plan: "agency_pro" }),
    names: ["name"],
  },
  {
    method: "PUT",
    path: () => `/api/agencies/${w.agencyId}/plan`,
    auth: "service",
    valid: () => ({ plan: "agency_pro" }),
  },
  {
    method: "PATCH",
    path: () => `/api/agencies/${w.agencyId}/settings`,
    auth: "session",
    valid: () => ({ enhancedSecurity: true, legacyCreation: "disabled" }),
  },
  {
    method: "POST",
    path: () => `/api/agencies/${w.agencyId}/locations`,
    auth: "session",
    valid: () => ({ name: "L", email: "l@x.test", phone: "+1 555 0100", timezone: "Europe/Paris" }),
    names: ["name"],
    nullable: ["email", "phone", "timezone"],
  },
  {
    method: "PATCH",
    path: () => `/api/locations/${w.loc2}`,
    auth: "session",
    valid: () => ({ name: "L2", timezone: "UTC" }),
    names: ["name"],
    nullable: ["timezone"],
  },
  {
    method: "POST",
    path: () => `/api/agencies/${w.agencyId}/users`,
    auth: "session",
    valid: () => ({ email: "n@x.test", name: "N", type: "account", role: "user", locationIds: [w.loc1] }),
    names: ["name"],
  },
  {
    method: "PATCH",
    path: () => `/api/users/${userId}`,
    auth: "session",
    valid: () => ({ name: "Staff", canManageKeys: true }),
    names: ["name"],
  },
  {
    method: "POST",
    path: () => "/api/agencies",
    auth: "service",
    valid: () => ({ name: "New", plan: "starter", owner: { email: "o@new.test", name: "O" } }),
    names: ["name"],
  },
  {
    method: "POST",
    path: () => "/api/verify",
    auth: "service",
    valid: () => ({ token: "x", requiredScopes: ["users.readonly"], locationId: w.loc1 }),
  },
  { method: "POST", path: () => "/v2/locations", auth: "key", valid: () => ({ name: "V" }), names: ["name"] },
  {
    method: "PUT",
    path: () => `/v2/locations/${w.loc2}`,
    auth: "key",
    valid: () => ({ name: "V2" }),
    names: ["name"],
  },
  {
    method: "POST",
    path: () => "/v2/users",
    auth: "key",
    valid: () => ({ email: "v@x.test", name: "V", type: "account", role: "user", locationIds: [w.loc1] }),
    names: ["name"],
  },
  {
    method: "PUT",
    path: () => `/v2/users/${userId}`,
    auth: "key",
    valid: () => ({ name: "V" }),
    names: ["name"],
  },
];

async function send(
  e: Endpoint,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) {
  const all: Record<string, string> = { ...headers };
  if (e.auth === "session") {
    all.cookie = admin.cookie;
    all.origin = h.origin;
  } else if (e.auth === "none") all.origin = h.origin;
  else if (e.auth === "service") all.authorization = `Bearer ${SERVICE_TOKEN}`;
  else all.authorization = `Bearer ${agencyToken}`;
  const res = await fetch(h.url + e.path(), { method: e.method, headers: all, body });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, type: res.headers.get("content-type") };
}

function expectProblem(r: Awaited<ReturnType<typeof send>>, status: number, code: string, label: string) {
  expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(status);
  expect(r.type, label).toBe("application/problem+json");
  expect(r.body.code, label).toBe(code);
  expect(typeof r.body.detail, label).toBe("string");
  expect(r.body.detail.length, label).toBeGreaterThan(10);
}

/** A value of another JSON type than the one given. */
function wrongType(v: unknown): unknown[] {
  if (typeof v === "string") return [42, true, null, ["x"], { a: 1 }];
  if (typeof v === "number") return ["60", true, null, [1]];
  if (typeof v === "boolean") return ["true", 1, null];
  if (Array.isArray(v)) return ["users.readonly", 1, { a: 1 }, [1, 2]];
  return ["x", 1];
}

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_MAX_BODY_BYTES: String(MAX_BODY) } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
  const k = await admin.post(`/api/accounts/${w.loc1}/keys`, { name: "target", scopes: ["users.readonly"] });
  keyId = k.body.key.id;
  const ak = await admin.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "platform",
    scopes: ["locations.readonly", "locations.write", "users.readonly", "users.write"],
  });
  agencyToken = ak.body.token;
  const users = await admin.get(`/api/agencies/${w.agencyId}/users`);
  userId = users.body.users.find((u: any) => u.email === w.agencyUser).id;
});
afterAll(() => h.close());

describe.each(ENDPOINTS)("$method $path", (e) => {
  it("refuses malformed JSON, other content types, non-objects, unknown fields and wrong types", async () => {
    const label = `${e.method} ${e.path()}`;
    const before = await fingerprint();
    const valid = e.valid();
    for (const text of ['{"name":', "{name: 1}", "{'a':1}", "[1,", "nul", '{"a":1}}'])
      expectProblem(await send(e, text), 400, "invalid_json", `${label} ${text}`);
    expectProblem(
      await send(e, JSON.stringify(valid), { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
      label,
    );
    expectProblem(
      await send(e, "name=x", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
      label,
    );
    for (const v of [[], [valid], "x", 1, true, null])
      expectProblem(
        await send(e, JSON.stringify(v)),
        400,
        "validation_failed",
        `${label} ${JSON.stringify(v)}`,
      );
    const unknown = await send(e, JSON.stringify({ ...valid, isAdmin: true }));
    expectProblem(unknown, 400, "validation_failed", label);
    expect(unknown.body.issues).toContainEqual({ field: "(body)", message: "unknown field: isAdmin" });
    for (const [field, v] of Object.entries(valid))
      for (const bad of wrongType(v).filter((x) => x !== null || !e.nullable?.includes(field))) {
        const r = await send(e, JSON.stringify({ ...valid, [field]: bad }));
        expectProblem(r, 400, "validation_failed", `${label} ${field}=${JSON.stringify(bad)}`);
        expect(
          r.body.issues.some((i: any) => i.field.startsWith(field)),
          `${label} ${field}: ${JSON.stringify(r.body.issues)}`,
        ).toBe(true);
      }
    expect(await fingerprint()).toBe(before);
  });

  it("refuses oversize bodies, with and without a Content-Length", async () => {
    const before = await fingerprint();
    const big = JSON.stringify({ ...e.valid(), name: "a".repeat(MAX_BODY) });
    const r = await send(e, big);
    expectProblem(r, 413, "payload_too_large", e.path());
    expect(r.body.detail).toContain(String(MAX_BODY));
    // Chunked: no Content-Length, the limit still holds while reading.
    const headers: Record<string, string> = { "content-type": "application/json", origin: h.origin };
    if (e.auth === "session") headers.cookie = admin.cookie;
    if (e.auth === "service") headers.authorization = `Bearer ${SERVICE_TOKEN}`;
    if (e.auth === "key") headers.authorization = `Bearer ${agencyToken}`;
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 512) c.enqueue(bytes.slice(i, i + 512));
        c.close();
      },
    });
    const res = await fetch(h.url + e.path(), {
      method: e.method,
      headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).code).toBe("payload_too_large");
    expect(await fingerprint()).toBe(before);
  });

  it.skipIf(!e.names)("refuses empty, too long and control-character names", async () => {
    const before = await fingerprint();
    for (const field of e.names ?? [])
      for (const bad of [
        "",
        "   ",
        "a".repeat(201),
        "a\u0000b",
        "line\nbreak",
        "tab\there",
        "bell\u0007",
        "del\u007f",
      ]) {
        const r = await send(e, JSON.stringify({ ...e.valid(), [field]: bad }));
        expectProblem(r, 400, "validation_failed", `${field}=${JSON.stringify(bad)}`);
        expect(r.body.issues[0].field).toBe(field);
      }
    expect(await fingerprint()).toBe(before);
  });
});

describe("rules beyond shape", () => {
  it("unknown scopes, scopes of the wrong level, scopes on a legacy key", async () => {
    const before = await fingerprint();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        `/api/accounts/${w.loc1}/keys`,
        { name: "x", scopes: ["contacts.readonly"] },
        /Unknown scope "contacts.readonly"/,
      ],
      [
        `/api/accounts/${w.loc1}/keys`,
        { name: "x", scopes: ["locations.write"] },
        /Scope "locations.write" is agency-level only and cannot be given to a location key/,
      ],
      [`/api/accounts/${w.agencyId}/keys`, { name: "x", scopes: ["nope.nope"] }, /Unknown scope/],
      [
        `/api/accounts/${w.loc1}/keys`,
        { name: "x", kind: "legacy_v1", scopes: ["users.readonly"] },
        /take no scopes/,
      ],
      [
        `/api/accounts/${w.loc1}/keys/import`,
        { name: "x", kind: "private_integration", token: "abcdefghijkl", scopes: ["locations.write"] },
        /agency-level only/,
      ],
    ];
    for (const [path, body, msg] of cases) {
      const r = await admin.post(path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.detail).toMatch(msg);
      expect(r.body.issues[0].field).toBe("scopes");
    }
    const edit = await admin.patch(`/api/keys/${keyId}`, { scopes: ["locations.write"] });
    expect(edit.status).toBe(400);
    expect(edit.body.detail).toMatch(/agency-level only/);
    const tooMany = await admin.post(`/api/accounts/${w.loc1}/keys`, {
      name: "x",
      scopes: Array.from({ length: 101 }, (_, i) => `a.b${i}`),
    });
    expect(tooMany.status).toBe(400);
    expect(await fingerprint()).toBe(before);
  });

  it("a grace period over 7 days, negative or fractional", async () => {
    const before = await fingerprint();
    for (const s of [604_801, 10 ** 9, -5, 0.5, Number.MAX_SAFE_INTEGER + 2]) {
      const r = await admin.post(`/api/keys/${keyId}/rotate`, { expireOldAfterSeconds: s });
      expect(r.status, String(s)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
    }
    const over = await admin.post(`/api/keys/${keyId}/rotate`, { expireOldAfterSeconds: 604_801 });
    expect(over.body.detail).toMatch(/at most 604800 \(7 days\)/);
    expect(await fingerprint()).toBe(before);
  });

  it("bad queries and ids", async () => {
    const before = await fingerprint();
    for (const path of [
      `/api/accounts/${w.loc1}/keys?status=bogus`,
      `/api/accounts/${w.loc1}/keys?includeLocations=maybe`,
      `/api/keys/${keyId}/usage?days=0`,
      `/api/keys/${keyId}/usage?days=abc`,
      `/api/agencies/${w.agencyId}/audit?since=yesterday`,
      `/api/agencies/${w.agencyId}/audit?limit=100000`,
      `/api/agencies/${w.agencyId}/audit?before=-1`,
      `/api/keys/${"k".repeat(65)}`,
      "/api/scopes?level=galaxy",
    ]) {
      const r = await admin.get(path);
      expect(r.status, path).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.issues.length).toBeGreaterThan(0);
    }
    const nope = await admin.get("/api/nowhere");
    expect(nope.status).toBe(404);
    expect(nope.body.code).toBe("route_not_found");
    expect(await fingerprint()).toBe(before);
  });

  it("bodies on endpoints that take none are refused, and nothing happens", async () => {
    const before = await fingerprint();
    for (const path of [`/api/keys/${keyId}/revoke`, `/api/keys/${keyId}/refresh`, "/api/auth/logout"]) {
      const junk = await admin.request("POST", path, '{"oops":', { "content-type": "application/json" });
      expect(junk.status, path).toBe(400);
      expect(junk.body.code).toBe("invalid_json");
      const unknown = await admin.post(path, { force: true });
      expect(unknown.status, path).toBe(400);
      expect(unknown.body.code).toBe("validation_failed");
    }
    expect(await fingerprint()).toBe(before);
    expect((await admin.get("/api/me")).status).toBe(200);
  });
});
