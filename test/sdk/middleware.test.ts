/**
 * The SDK's middleware for Hono, Express and Fastify, each in a real server of that framework on
 * loopback in front of a real Keyward: a valid key reaches the handler with its id, owner and
 * scopes; a refused one gets Keyward's own problem+json and WWW-Authenticate — the very answer
 * Keyward's API gives the same token.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyward as expressKeyward } from "../../packages/sdk/src/express.js";
import { keyward as fastifyKeyward } from "../../packages/sdk/src/fastify.js";
import { keyward as honoKeyward, type KeywardVariables } from "../../packages/sdk/src/hono.js";
import { Keyward } from "../../packages/sdk/src/index.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { ManualTimers } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let kw: Keyward;
const stops: (() => Promise<void>)[] = [];
const WRITE = ["users.write"];

async function honoApp(): Promise<string> {
  const app = new Hono<{ Variables: KeywardVariables }>();
  app.use("/api/write", honoKeyward(kw, { requiredScopes: WRITE }));
  app.use("/api/*", honoKeyward(kw));
  app.get("/api/whoami", (c) => c.json(c.get("keyward")));
  app.get("/api/write", (c) => c.json(c.get("keyward")));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  stops.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function expressApp(): Promise<string> {
  const app = express();
  app.get("/api/write", expressKeyward(kw, { requiredScopes: WRITE }), (req, res) => {
    res.json(req.keyward);
  });
  app.use("/api", expressKeyward(kw));
  app.get("/api/whoami", (req, res) => {
    res.json(req.keyward);
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  stops.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fastifyApp(): Promise<string> {
  const app = Fastify();
  await app.register(async (scope) => {
    await scope.register(fastifyKeyward(kw));
    scope.get("/api/whoami", async (request) => request.keyward);
  });
  await app.register(async (scope) => {
    await scope.register(fastifyKeyward(kw, { requiredScopes: WRITE }));
    scope.get("/api/write", async (request) => request.keyward);
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  stops.push(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function call(base: string, path: string, token?: string) {
  const res = await fetch(base + path, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function newKey(accountId: string, name: string, scopes: string[]) {
  const r = await owner.post(`/api/accounts/${accountId}/keys`, { name, scopes });
  expect(r.status).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  kw = new Keyward({ baseUrl: h.url, credential: SERVICE_TOKEN, clock: h.clock, timers: new ManualTimers() });
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await kw?.close();
  await h?.close();
});

describe.each([
  ["hono", honoApp],
  ["express", expressApp],
  ["fastify", fastifyApp],
])("%s middleware", (_name, start) => {
  let base: string;
  beforeAll(async () => {
    base = await start();
  });

  it("hands the handler the key's id, owner and scopes", async () => {
    const k = await newKey(w.loc1, "middleware", ["users.readonly", "users.write"]);
    for (const path of ["/api/whoami", "/api/write"]) {
      const r = await call(base, path, k.token);
      expect(r.status, path).toBe(200);
      expect(r.body).toEqual({
        keyId: k.id,
        name: "middleware",
        kind: "private_integration",
        owner: { type: "location", id: w.loc1 },
        agencyId: w.agencyId,
        scopes: ["users.readonly", "users.write"],
      });
    }
  });

  it("answers a missing or malformed token 401 with Keyward's problem and WWW-Authenticate", async () => {
    const none = await call(base, "/api/whoami");
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ code: "malformed", status: 401, title: "Malformed token" });
    expect(none.headers.get("www-authenticate")).toMatch(
      /^Bearer error="invalid_token", error_description="No token/,
    );
    const basic = await fetch(`${base}/api/whoami`, { headers: { authorization: "Basic abc" } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as any).detail).toMatch(/Bearer <token>/);
  });

  it("refuses a revoked key exactly as Keyward's own API does", async () => {
    const k = await newKey(w.loc1, "revoked for middleware", ["users.readonly"]);
    expect((await call(base, "/api/whoami", k.token)).status).toBe(200);
    await owner.post(`/api/keys/${k.id}/revoke`);
    const ours = await call(base, "/api/whoami", k.token);
    const theirs = await fetch(`${h.url}/v2/token`, { headers: { authorization: `Bearer ${k.token}` } });
    const theirBody = (await theirs.json()) as Record<string, unknown>;
    expect(ours.status).toBe(theirs.status);
    const pick = (b: Record<string, unknown>) => ({
      code: b.code,
      title: b.title,
      status: b.status,
      detail: b.detail,
    });
    expect(pick(ours.body)).toEqual(pick(theirBody));
    expect(ours.body.code).toBe("revoked");
    expect(ours.headers.get("www-authenticate")).toBe(theirs.headers.get("www-authenticate"));
    expect(ours.body.type).toBe(`${h.url}/docs#error-revoked`);
  });

  it("answers a missing scope 403 insufficient_scope naming it", async () => {
    const k = await newKey(w.loc1, "read only", ["users.readonly"]);
    const r = await call(base, "/api/write", k.token);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "insufficient_scope", missingScopes: ["users.write"] });
    expect(r.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="users.write"');
    expect((await call(base, "/api/whoami", k.token)).status).toBe(200);
  });
});

describe("with Keyward unreachable", () => {
  it("answers 503 unavailable (failMode closed)", async () => {
    const down = new Keyward({
      baseUrl: "http://127.0.0.1:9",
      credential: "x",
      stream: false,
      timers: new ManualTimers(),
    });
    const app = new Hono();
    app.use("*", honoKeyward(down));
    app.get("/", (c) => c.text("never"));
    const res = await app.request("/", { headers: { authorization: "Bearer kw_pit_whatever" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as any).code).toBe("unavailable");
    await down.close();
  });
});
