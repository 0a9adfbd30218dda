/**
 * Fastify plugin: `await app.register(keyward(kw))`; handlers read `request.keyward`. It applies to
 * the routes of the scope it is registered in (not encapsulated: registered at the root, every
 * route). A refused request gets Keyward's problem+json (401/403/429/503) and never reaches them.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from "fastify";
import type { Keyward } from "./keyward.js";
import { authenticate, type KeywardCaller, type MiddlewareOptions, problemOf } from "./problem.js";

export type { KeywardCaller, MiddlewareOptions } from "./problem.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified key, set by @keyward/sdk/fastify. */
    keyward: KeywardCaller | null;
  }
}

export function keyward(kw: Keyward, opts: MiddlewareOptions<FastifyRequest> = {}): FastifyPluginCallback {
  const plugin: FastifyPluginCallback = (app: FastifyInstance, _o, done) => {
    app.decorateRequest("keyward", null);
    app.addHook("onRequest", async (request, reply) => {
      const clientIp = opts.clientIp ? opts.clientIp(request) : request.ip;
      const locationId = opts.locationId?.(request);
      const userAgent = request.headers["user-agent"];
      const r = await authenticate(kw, request.headers.authorization, {
        ...(opts.requiredScopes ? { requiredScopes: opts.requiredScopes } : {}),
        ...(locationId !== undefined ? { locationId } : {}),
        ...(clientIp !== undefined ? { clientIp } : {}),
        ...(userAgent !== undefined ? { userAgent } : {}),
        endpoint: `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`,
      });
      if (!r.ok) {
        const p = problemOf(r.answer, kw.baseUrl, request.url.split("?")[0]);
        return reply.code(p.status).headers(p.headers).send(JSON.stringify(p.body));
      }
      request.keyward = r.caller;
    });
    done();
  };
  // Not encapsulated (what fastify-plugin does): the hook applies to the scope that registers it.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
  return plugin;
}
