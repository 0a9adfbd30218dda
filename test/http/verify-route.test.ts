/**
 * Issue 12 §1: `POST /api/verify` made fast without changing what it does. This file pins what the
 * route answered before (it passes on the code before the change too): the answer of every kind,
 * byte for byte where it is cached; the headers of `/api/*` (Hono's secureHeaders set, now added by
 * ResponseHeaders instead of that middleware) on answers and errors — since, not on the machine
 * paths, this route among them (headers.ts `isMachinePath`); the problem+json code of each bad body;
 * the metrics and the use recording.
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SECURE_HEADERS } from "../../src/http/headers.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let admin: Client;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_MAX_BODY_BYTES: "2048" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
});
afterAll(async () => {
  await h.close();
});

async function createKey(account: string, body: Record<string, unknown> = {}) {
  const r = await admin.post(`/api/accounts/${account}/keys`, { name: "k", ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

/** POST /api/verify with a raw body; the answer's text kept as sent. */
async function verifyRaw(
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json, headers: res.headers };
}

const verify = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  verifyRaw(JSON.stringify(body), headers);

/** What Hono's secureHeaders middleware, as Keyward configured it on /api/*, sets. */
async function honoSecureHeaders(): Promise<Record<string, string>> {
  const app = new Hono();
  app.use("*", secureHeaders({ strictTransportSecurity: false }));
  app.get("/", (c) => c.text(""));
  const res = await app.request("/");
  const out: Record<string, string> = {};
  for (const [name, value] of res.headers) if (name !== "content-type") out[name] = value;
  return out;
}

function expectApiHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(API_SECURE_HEADERS)) expect(headers.get(name), name).toBe(value);
  expectJsonHeaders(headers);
}

/** What every JSON answer carries, the machine paths' included (over plain http: no HSTS). */
function expectJsonHeaders(headers: Headers): void {
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("cache-control")).toBe("no-store");
  expect(headers.get("strict-transport-security")).toBeNull(); // plain http
}

/** A machine path's answer: the JSON set, none of the browser-only ones. */
function expectMachineHeaders(headers: Headers): void {
  expectJsonHeaders(headers);
  for (const name of Object.keys(API_SECURE_HEADERS))
    if (name !== "x-content-type-options") expect(headers.get(name), name).toBeNull();
}

describe("POST /api/verify answers", () => {
  it("a valid key: the same bytes every time, in the documented shape, counted as a use", async () => {
    const k = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    const first = await verify({ token: k.token, clientIp: "10.1.2.3" }, { "x-client-user-agent": "gw/1" });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    expect(first.text).toBe(
      JSON.stringify({
        valid: true,
        code: "valid",
        key: {
          id: k.id,
          name: "k",
          kind: "private_integration",
          owner: { type: "location", id: w.loc1 },
          agencyId: w.agencyId,
          scopes: ["locations.readonly"],
        },
      }),
    );
    const again = await verify({ token: k.token, clientIp: "10.1.2.3" });
    expect(again.text).toBe(first.text);
    await h.kw.usage.flush();
    const key = (await h.kw.store.getKey(k.id))!;
    expect(key.lastUsedAt).toBe(h.clock.now());
    expect(key.lastUsedIp).toBe("10.1.2.3");
  });

  it("an edited key answers its new name and scopes (a serialised answer never outlives the key's state)", async () => {
    const k = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    expect((await verify({ token: k.token })).json.key.name).toBe("k");
    expect(
      (await admin.patch(`/api/keys/${k.id}`, { name: "Renamed", scopes: ["users.readonly"] })).status,
    ).toBe(200);
    const r = await verify({ token: k.token });
    expect(r.json.key).toMatchObject({ name: "Renamed", scopes: ["users.readonly"] });
    expect((await admin.post(`/api/keys/${k.id}/revoke`, {})).status).toBe(200);
    const revoked = await verify({ token: k.token });
    expect(revoked.json).toMatchObject({ valid: false, code: "revoked" });
    expect(revoked.json.message).toMatch(/revoked/);
  });

  it("refusals keep their message and, where the key is known, the key", async () => {
    const k = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    const scope = await verify({ token: k.token, requiredScopes: ["users.write"] });
    expect(Object.keys(scope.json)).toEqual(["valid", "code", "message", "key", "missingScopes"]);
    expect(scope.json).toMatchObject({
      valid: false,
      code: "insufficient_scope",
      key: { id: k.id },
      missingScopes: ["users.write"],
    });
    const elsewhere = await verify({ token: k.token, locationId: w.loc2 });
    expect(elsewhere.json).toMatchObject({ valid: false, code: "location_forbidden", key: { id: k.id } });
    const here = await verify({ token: k.token, locationId: w.loc1, requiredScopes: ["locations.readonly"] });
    expect(here.json.code).toBe("valid");
    const unknown = await verify({ token: "nonsense" });
    expect(Object.keys(unknown.json)).toEqual(["valid", "code", "message"]);
    expect(unknown.json).toMatchObject({ valid: false, code: "malformed" });
  });

  it("records the verification duration and outcome in /metrics", async () => {
    const k = await createKey(w.loc1);
    const count = async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
      return {
        latency: n(/^keyward_verification_duration_seconds_count (\d+)/m),
        valid: n(/^keyward_verifications_total\{code="valid"\} (\d+)/m),
        malformed: n(/^keyward_verifications_total\{code="malformed"\} (\d+)/m),
      };
    };
    const before = await count();
    await verify({ token: k.token });
    await verify({ token: k.token });
    await verify({ token: "nonsense" });
    const after = await count();
    expect(after.latency - before.latency).toBe(3);
    expect(after.valid - before.valid).toBe(2);
    expect(after.malformed - before.malformed).toBe(1);
  });
});

describe("the headers of /api/*", () => {
  it("are exactly what Hono's secureHeaders middleware set", async () => {
    expect(API_SECURE_HEADERS).toEqual(await honoSecureHeaders());
  });

  it("on answers, refusals and unknown API routes alike", async () => {
    expectApiHeaders((await admin.get("/api/me")).headers);
    expectApiHeaders((await new Client(h).get("/api/me")).headers);
    expectApiHeaders((await admin.get("/api/no-such-route")).headers);
  });

  it("stay off the machine paths (verification, provisioning): answers, refusals and bad bodies", async () => {
    const k = await createKey(w.loc1);
    expectMachineHeaders((await verify({ token: k.token })).headers);
    expectMachineHeaders((await verify({ token: "nonsense" })).headers);
    expectMachineHeaders((await verifyRaw("{", {})).headers);
    expectMachineHeaders((await verify({ token: k.token }, { authorization: "Bearer wrong" })).headers);
    const service = { authorization: `Bearer ${SERVICE_TOKEN}` };
    expectMachineHeaders((await fetch(`${h.url}/api/verify/nope`, { headers: service })).headers);
    expectMachineHeaders((await fetch(`${h.url}/api/provision/agencies/x`, { headers: service })).headers);
    // A path that only begins like one is not one.
    expectApiHeaders((await fetch(`${h.url}/api/verifyx`, { headers: service })).headers);
  });

  it("stay off the platform API (/v2), as before", async () => {
    const k = await createKey(w.loc1);
    const r = await fetch(`${h.url}/v2/token`, { headers: { authorization: `Bearer ${k.token}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-frame-options")).toBeNull();
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("bad bodies get the same problem+json as before", () => {
  const cases: [string, string | Uint8Array, Record<string, string>, number, string][] = [
    ["not JSON", "{token:", {}, 400, "invalid_json"],
    [
      "not UTF-8",
      new Uint8Array([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]),
      {},
      400,
      "invalid_json",
    ],
    ["an empty body (no token)", "", {}, 400, "validation_failed"],
    ["a JSON array", "[]", {}, 400, "validation_failed"],
    ["a string", '"kw_pit_x"', {}, 400, "validation_failed"],
    ["null", "null", {}, 400, "validation_failed"],
    ["no token", "{}", {}, 400, "validation_failed"],
    ["a token that is a number", '{"token":5}', {}, 400, "validation_failed"],
    ["a token of 1025 characters", JSON.stringify({ token: "x".repeat(1025) }), {}, 400, "validation_failed"],
    ["an unknown field", '{"token":"x","extra":1}', {}, 400, "validation_failed"],
    ["a clientIp that is no address", '{"token":"x","clientIp":"nope"}', {}, 400, "validation_failed"],
    ["an empty locationId", '{"token":"x","locationId":""}', {}, 400, "validation_failed"],
    ["requiredScopes not a list", '{"token":"x","requiredScopes":"a"}', {}, 400, "validation_failed"],
    [
      "a scope of 101 characters",
      JSON.stringify({ token: "x", requiredScopes: ["s".repeat(101)] }),
      {},
      400,
      "validation_failed",
    ],
    [
      "nested 40 deep",
      `{"token":"x","requiredScopes":${"[".repeat(40)}${"]".repeat(40)}}`,
      {},
      400,
      "invalid_json",
    ],
    [
      "form-encoded",
      "token=x",
      { "content-type": "application/x-www-form-urlencoded" },
      415,
      "unsupported_media_type",
    ],
    ["larger than the limit", JSON.stringify({ token: "x".repeat(3000) }), {}, 413, "payload_too_large"],
  ];
  for (const [label, body, headers, status, code] of cases)
    it(`${label}: ${status} ${code}`, async () => {
      const r = await verifyRaw(body, headers);
      expect(r.status, r.text).toBe(status);
      expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(r.json.code).toBe(code);
      expect(r.json.detail.length).toBeGreaterThan(10);
    });

  it("a validation problem names the field and says what to fix", async () => {
    const r = await verifyRaw('{"token":"x","clientIp":"nope"}');
    expect(r.json.issues).toEqual([
      { field: "clientIp", message: "must be the IPv4 or IPv6 address of the client that sent the token" },
    ]);
  });
});
