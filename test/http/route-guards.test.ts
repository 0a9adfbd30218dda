/**
 * A route declares its guard (RouteSpec.auth): the Router installs it in front of the handler, and
 * the same declaration is the route's documented security. A route without one cannot be added,
 * and a route anywhere (not only below the paths the old middleware covered) is guarded.
 */
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Context } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../../src/app/keyward.js";
import type { RouteModule } from "../../src/http/app.js";
import type { AppEnv } from "../../src/http/env.js";
import type { Router } from "../../src/http/route.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { seedKey } from "../legacy/helpers.js";

let h: Harness;
let w: World;
let owner: Client;
/** An agency private integration token without any scope, and a legacy v1 key of the agency. */
let bareToken: string;
let v1Token: string;

beforeAll(async () => {
  // Every route is called with wrong credentials, from one address: more failures than a minute allows.
  h = await startHarness({ env: { KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "0" } });
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  const k = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "no scopes", scopes: [] });
  bareToken = k.body.token;
  v1Token = (await seedKey(h, w.agencyId, null)).token;
});
afterAll(() => h.close());

const Answer = z.object({ actorType: z.string(), actorId: z.string().nullable() });

describe("registering a route", () => {
  const register = async (mod: RouteModule) => {
    return () => buildApp(h.kw, [mod]);
  };

  it("is refused without a guard, with a guard that does not exist, and with scopes a guard ignores", async () => {
    const noGuard = await register((r) =>
      r.add(
        // @ts-expect-error: a spec without `auth` does not type-check
        { method: "get", path: "/api/unguarded", summary: "x", tags: ["Test"], responses: {} },
        (c, _, reply) => reply.empty(c, 204 as never),
      ),
    );
    expect(noGuard).toThrow(/GET \/api\/unguarded declares no guard: set its auth to one of none, session/);

    const unknown = await register((r) =>
      r.add(
        {
          method: "get",
          path: "/api/cookie-guarded",
          summary: "x",
          tags: ["Test"],
          // @ts-expect-error: only the guards of RouteSpec's Auth exist
          auth: "cookie",
          responses: { 204: { description: "Nothing" } },
        },
        (c, _, reply) => reply.empty(c, 204),
      ),
    );
    expect(unknown).toThrow(/declares no guard/);

    const scopedSession = await register((r) =>
      r.add(
        {
          method: "get",
          path: "/api/scoped-session",
          summary: "x",
          tags: ["Test"],
          auth: "session",
          scopes: ["locations.readonly"],
          responses: { 204: { description: "Nothing" } },
        },
        (c, _, reply) => reply.empty(c, 204),
      ),
    );
    expect(scopedSession).toThrow(/scopes are required of API keys only/);
  });

  it("anywhere installs its guard: a session route and a key route outside the usual paths", async () => {
    const answer = (c: Context<AppEnv>) => ({
      actorType: c.get("ctx").actorType,
      actorId: c.get("ctx").actorId,
    });
    const mod: RouteModule = (r) => {
      r.add(
        {
          method: "get",
          path: "/elsewhere/me",
          summary: "Who am I (test)",
          tags: ["Test"],
          auth: "session",
          responses: { 200: { description: "Me", schema: Answer } },
        },
        (c, { user }, reply) => reply.json(c, 200, { ...answer(c), actorId: user.id }),
      );
      r.add(
        {
          method: "post",
          path: "/elsewhere/locations/{locationId}/touch",
          summary: "A key route (test)",
          tags: ["Test"],
          auth: "key",
          scopes: ["locations.write"],
          params: z.object({ locationId: z.string() }),
          responses: { 200: { description: "The key", schema: Answer } },
        },
        (c, { key }, reply) => reply.json(c, 200, { ...answer(c), actorId: key.keyId }),
      );
    };
    const app = (await register(mod))();
    const server: ServerType = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const anon = await fetch(`${url}/elsewhere/me`);
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as any).code).toBe("unauthenticated");
      const me = await fetch(`${url}/elsewhere/me`, { headers: { cookie: owner.cookie } });
      expect(me.status).toBe(200);
      const users = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users as any[];
      const ownerId = users.find((u) => u.email === w.owner).id;
      expect(await me.json()).toEqual({ actorType: "user", actorId: ownerId });

      const touch = (token: string | null, locationId = w.loc1) =>
        fetch(`${url}/elsewhere/locations/${locationId}/touch`, {
          method: "POST",
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      expect(((await (await touch(null)).json()) as any).code).toBe("malformed");
      const unscoped = await touch(bareToken);
      expect(unscoped.status).toBe(403);
      expect(((await unscoped.json()) as any).code).toBe("insufficient_scope");
      const created = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name: "writer",
        scopes: ["locations.write"],
      });
      const ok = await touch(created.body.token);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ actorType: "key", actorId: created.body.key.id });
      // The route's {locationId} is checked against the key's reach.
      expect(((await (await touch(created.body.token, w.otherLoc)).json()) as any).code).toBe(
        "location_forbidden",
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("a handler's answers", () => {
  it("are of the statuses and shapes its route declares (the errors expected below are tsc's)", async () => {
    const app = buildApp(h.kw, [typedRoutes]);
    const one = await app.request("/typed?a=1");
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ n: 1 });
    expect((await app.request("/typed")).status).toBe(204);
  });
});

describe("every route's documented security is the guard it runs behind", () => {
  const GUARD_CODES = ["unauthenticated", "invalid_service_token", "malformed"];

  it("is what a caller without credentials, or with another kind, is told", async () => {
    const doc = (await owner.get("/openapi.json")).body;
    // Credentials of the right kind meet ids that do not exist (nothing is changed), except a key,
    // which is checked against the location it addresses: its own agency's.
    const ids: Record<string, string> = { locationId: w.loc1 };
    let checked = 0;
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(item)) {
        const call = async (headers: Record<string, string>, real = false) => {
          const url = h.url + path.replace(/\{(\w+)\}/g, (_, name: string) => (real && ids[name]) || "x");
          const abort = new AbortController();
          const res = await fetch(url, {
            method: method.toUpperCase(),
            headers: { origin: h.origin, ...headers },
            signal: abort.signal,
          });
          // An event stream (GET /api/verify/events) never ends: its status says it was let through.
          // (Aborted rather than cancelled: undici may otherwise hand the socket to the next request.)
          if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
            abort.abort();
            return { status: res.status, code: "" };
          }
          return { status: res.status, code: ((await res.json().catch(() => ({}))) as any).code as string };
        };
        const label = `${method.toUpperCase()} ${path}`;
        const schemes = (op.security as Record<string, string[]>[]).flatMap((s) => Object.entries(s));
        // One scheme, or the sessionOrService guard's two (a signed-in person, or a service credential).
        const either = schemes.map(([name]) => name).join(",") === "session,serviceToken";
        expect(schemes.length, label).toBeLessThanOrEqual(either ? 2 : 1);
        const [scheme, scopes] = either ? ["sessionOrService", []] : (schemes[0] ?? ["none", []]);
        const cookie = { cookie: owner.cookie };
        const service = { authorization: `Bearer ${SERVICE_TOKEN}` };
        const key = { authorization: `Bearer ${path.startsWith("/v1/") ? v1Token : bareToken}` };
        // Signing out with the owner's cookie would end the session the other checks use.
        const signOut = path === "/api/auth/logout";
        if (scheme === "none") {
          const r = await call({});
          expect(GUARD_CODES, label).not.toContain(r.code);
        } else if (scheme === "session") {
          for (const other of [{}, service, key])
            expect(await call(other), label).toEqual({ status: 401, code: "unauthenticated" });
          if (!signOut) expect(GUARD_CODES, label).not.toContain((await call(cookie)).code);
        } else if (scheme === "sessionOrService") {
          // Neither credential: sign in. A credential that is not a service's: refused as one.
          expect(await call({}), label).toEqual({ status: 401, code: "unauthenticated" });
          expect(await call(key), label).toEqual({ status: 401, code: "invalid_service_token" });
          for (const good of [cookie, service])
            expect(GUARD_CODES, label).not.toContain((await call(good)).code);
        } else if (scheme === "serviceToken") {
          for (const other of [{}, cookie, key])
            expect(await call(other), label).toEqual({ status: 401, code: "invalid_service_token" });
          expect(GUARD_CODES, label).not.toContain((await call(service)).code);
        } else if (scheme === "metricsToken") {
          // Documented as optional ([{}, {metricsToken}]): open while KEYWARD_METRICS_TOKEN is unset, as here.
          expect(op.security, label).toContainEqual({});
          expect((await call({})).status, label).toBe(200);
        } else {
          expect(scheme, label).toBe("apiKey");
          for (const other of [{}, cookie])
            expect(await call(other), label).toEqual({ status: 401, code: "malformed" });
          const r = await call(key, true);
          if (scopes!.length > 0) expect(r, label).toEqual({ status: 403, code: "insufficient_scope" });
          else expect(GUARD_CODES, label).not.toContain(r.code);
        }
        checked++;
      }
    expect(checked).toBeGreaterThan(40);
  });
});

/**
 * What a handler answers is checked against its route's declared responses by tsc (`npm run
 * typecheck` fails when an expected error below is not one).
 */
function typedRoutes(r: Router): void {
  r.add(
    {
      method: "get",
      path: "/typed",
      summary: "x",
      tags: ["Test"],
      auth: "none",
      responses: {
        200: { description: "A count", schema: z.object({ n: z.number() }) },
        204: { description: "Nothing" },
      },
    },
    (c, _, reply) => {
      if (c.req.query("a")) return reply.json(c, 200, { n: 1 });
      // @ts-expect-error: n is a number
      if (c.req.query("b")) return reply.json(c, 200, { n: "one" });
      // @ts-expect-error: a field the schema does not declare
      if (c.req.query("c")) return reply.json(c, 200, { n: 1, secret: "x" });
      // @ts-expect-error: 201 is not a declared status
      if (c.req.query("d")) return reply.json(c, 201, { n: 1 });
      // @ts-expect-error: 204 has no body
      if (c.req.query("e")) return reply.json(c, 204, { n: 1 });
      // @ts-expect-error: 200 has one
      if (c.req.query("f")) return reply.empty(c, 200);
      return reply.empty(c, 204);
    },
  );
  const spec = {
    method: "get",
    path: "/untyped",
    summary: "x",
    tags: ["Test"],
    auth: "none",
    responses: { 200: { description: "A count", schema: z.object({ n: z.number() }) } },
  } as const;
  // @ts-expect-error: a response made around the declaration (not by `reply`) is refused
  r.add(spec, (c) => c.json({ n: 1 }));
}
