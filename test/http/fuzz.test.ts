/**
 * The OpenAPI document is valid 3.1 and /docs renders every path; then a fast-check fuzz test
 * throws random bodies, path values, methods and headers at every endpoint of that document, signed
 * in and not, and at random paths: no answer is ever a 500, and every error is problem+json.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
let doc: any;
let realIds: string[] = [];
let tokens: string[] = [];

beforeAll(async () => {
  // Random tokens are failures from one address: with the per-address limit on, the fuzz would soon
  // meet only 429s and stop reaching the handlers (test/http/brute-force.test.ts covers the limit).
  h = await startHarness({
    env: { KEYWARD_MAX_BODY_BYTES: "4096", KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "0" },
  });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
  const k = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name: "fuzz",
    scopes: ["locations.readonly"],
  });
  const ak = await admin.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "fuzz agency",
    scopes: ["locations.readonly", "locations.write", "users.readonly", "users.write"],
  });
  tokens = [k.body.token, ak.body.token];
  const users = (await admin.get(`/api/agencies/${w.agencyId}/users`)).body.users.map((u: any) => u.id);
  realIds = [
    w.agencyId,
    w.loc1,
    w.loc2,
    w.otherAgencyId,
    w.otherLoc,
    k.body.key.id,
    ak.body.key.id,
    ...users,
  ];
  doc = (await admin.get("/openapi.json")).body;
});
afterAll(() => h.close());

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with paths and components, and every reference resolves", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Keyward", version: expect.any(String) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(5);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(
      expect.arrayContaining(["apiKey", "serviceToken", "session"]),
    );
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/([a-zA-Z]+)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, kind, name] of refs)
      expect(doc.components[kind!]?.[name!], `${kind}/${name}`).toBeDefined();
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries<any>(item)) {
        expect(METHODS as readonly string[]).toContain(method);
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, r] of Object.entries<any>(op.responses)) {
          expect(status === "default" || /^[1-5]\d\d$/.test(status)).toBe(true);
          expect(r.description).toBeTruthy();
        }
        const pathParams = (op.parameters ?? []).filter((p: any) => p.in === "path");
        expect(pathParams.map((p: any) => p.name).sort(), `${method} ${path}`).toEqual(templated);
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const s of op.security ?? [])
          for (const name of Object.keys(s)) expect(doc.components.securitySchemes[name]).toBeDefined();
        if (op.requestBody) expect(op.requestBody.content["application/json"].schema).toBeDefined();
        if (op.operationId) {
          expect(operationIds.has(op.operationId)).toBe(false);
          operationIds.add(op.operationId);
        }
      }
    }
  });

  it("documents the core API", () => {
    for (const p of [
      "/api/auth/login",
      "/api/auth/logout",
      "/api/me",
      "/api/accounts/{accountId}/keys",
      "/api/accounts/{accountId}/keys/import",
      "/api/keys/{keyId}",
      "/api/keys/{keyId}/revoke",
      "/api/keys/{keyId}/rotate",
      "/api/keys/{keyId}/rotation/cancel",
      "/api/keys/{keyId}/rotation/expire-now",
      "/api/keys/{keyId}/refresh",
      "/api/verify",
      "/v2/locations",
      "/v2/locations/{locationId}",
      "/v2/users",
      "/v2/users/{userId}",
      "/api/agencies/{agencyId}/audit",
    ])
      expect(doc.paths[p], p).toBeDefined();
    expect(doc.paths["/api/keys/{keyId}/rotate"].post.requestBody).toBeDefined();
  });

  it("/docs renders every path and method", async () => {
    const res = await fetch(`${h.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const method of Object.keys(item))
        expect(html, `${method} ${path}`).toContain(
          `<span class="m ${method}">${method.toUpperCase()}</span> <code>${path}</code>`,
        );
    expect(html).toContain('id="error-insufficient_scope"');
  });
});

describe("fuzz", () => {
  const ascii = (max: number) => fc.string({ unit: "grapheme-ascii", maxLength: max });

  function operations(): { method: string; path: string; props: string[] }[] {
    const out: { method: string; path: string; props: string[] }[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(item)) {
        let schema = op.requestBody?.content?.["application/json"]?.schema;
        if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split("/").pop()];
        out.push({ method, path, props: Object.keys(schema?.properties ?? {}) });
      }
    return out;
  }

  function request(signedIn: boolean) {
    const ops = operations();
    const pathValue = fc.oneof(
      fc.constantFrom(...realIds),
      ascii(80),
      fc.string({ maxLength: 20 }),
      fc.constantFrom("..", "%", "0", "-1", "null", "a".repeat(65)),
    );
    const value: fc.Arbitrary<unknown> = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        ...realIds,
        "locations.readonly",
        "legacy_v1",
        604_801,
        -1,
        "",
        "\u0000",
        "x".repeat(300),
      ),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 60 }),
      fc.constantFrom("{", "[]", "null", '{"a":1}}', "\u0000"),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(...tokens.map((t) => `Bearer ${t}`), `Bearer ${SERVICE_TOKEN}`, "Bearer", "Basic abc"),
      ascii(60).map((s) => `Bearer ${s}`),
    );
    const contentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/problem+json",
      "text/plain",
      "multipart/form-data; boundary=x",
      undefined,
    );
    const origin = fc.constantFrom(h.origin, "https://evil.example", "null", undefined);
    return fc
      .record({
        opIndex: fc.nat(ops.length - 1),
        method: fc.oneof(
          fc.constant(null),
          fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        ),
        params: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
        fields: fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 4 }),
        useFields: fc.boolean(),
        body,
        authorization,
        contentType,
        origin,
        query: fc.dictionary(
          fc.constantFrom("status", "days", "limit", "before", "since", "level", "includeLocations", "x"),
          ascii(20),
          { maxKeys: 3 },
        ),
      })
      .map((r) => {
        const op = ops[r.opIndex]!;
        let i = 0;
        const path = op.path.replace(/\{\w+\}/g, () => encodeURIComponent(String(r.params[i++] ?? "x")));
        const qs = new URLSearchParams(r.query as Record<string, string>).toString();
        let payload = r.body;
        if (r.useFields) {
          const obj: Record<string, unknown> = { ...r.fields };
          for (const [j, p] of op.props.entries())
            if (j % 2 === 0 || r.params[0] === realIds[0]) obj[p] = r.fields[p] ?? r.params[j % 3];
          payload = JSON.stringify(obj);
        }
        const method = r.method ?? op.method.toUpperCase();
        const headers: Record<string, string> = {};
        if (r.authorization) headers.authorization = r.authorization;
        if (r.contentType) headers["content-type"] = r.contentType;
        if (r.origin) headers.origin = r.origin;
        if (signedIn) headers.cookie = admin.cookie;
        return { method, url: `${h.url}${path}${qs ? `?${qs}` : ""}`, headers, payload };
      });
  }

  async function check(req: {
    method: string;
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }) {
    const hasBody = req.payload !== undefined && req.method !== "GET" && req.method !== "HEAD";
    const abort = new AbortController();
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? req.payload : null,
      signal: abort.signal,
    });
    // An event stream (GET /api/verify/events, let through) never ends: its 200 is its answer.
    // Aborted rather than cancelled: undici may otherwise hand the socket to the next request.
    if (res.status === 200 && res.headers.get("content-type")?.startsWith("text/event-stream")) {
      abort.abort();
      return;
    }
    const text = await res.text();
    if (res.status >= 500) throw new Error(`${res.status} for ${req.method} ${req.url}: ${text}`);
    // The API answers problem+json; the console's static files may answer a plain 404.
    if (res.status >= 400 && /^\/(api|v\d)\//.test(new URL(req.url).pathname)) {
      expect(res.headers.get("content-type"), `${req.method} ${req.url}`).toBe("application/problem+json");
      const p = JSON.parse(text);
      expect(typeof p.code).toBe("string");
      expect(typeof p.detail).toBe("string");
    }
    // Keep the signed-in runs signed in.
    if (req.headers.cookie && req.url.includes("/api/auth/logout") && res.status === 204)
      await admin.login(w.owner);
  }

  it("finds no 500 on any documented endpoint, signed in", async () => {
    await fc.assert(fc.asyncProperty(request(true), check), { numRuns: 700 });
  });

  it("finds no 500 on any documented endpoint, not signed in", async () => {
    await fc.assert(fc.asyncProperty(request(false), check), { numRuns: 500 });
  });

  it("finds no 500 on random paths and methods", async () => {
    const arb = fc.record({
      path: fc.webPath({ size: "small" }),
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
      payload: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(arb, (r) =>
        check({
          method: r.method,
          url: h.url + (r.path.startsWith("/") ? r.path : `/${r.path}`),
          headers: { cookie: admin.cookie, origin: h.origin, "content-type": "application/json" },
          ...(r.payload !== undefined ? { payload: r.payload } : {}),
        }),
      ),
      { numRuns: 300 },
    );
  });
});
