/**
 * Hono middleware: `app.use("/api/*", keyward(kw))`; handlers read `c.get("keyward")`.
 * A refused request gets Keyward's problem+json (401/403/429/503) and never reaches them.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Keyward } from "./keyward.js";
import { authenticate, type KeywardCaller, type MiddlewareOptions, problemOf } from "./problem.js";

export type { KeywardCaller, MiddlewareOptions } from "./problem.js";

/** Add to your app's Variables to type `c.get("keyward")`. */
export interface KeywardVariables {
  keyward: KeywardCaller;
}

export function keyward(
  kw: Keyward,
  opts: MiddlewareOptions<Context> = {},
): MiddlewareHandler<{ Variables: KeywardVariables }> {
  return async (c, next) => {
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    const clientIp = opts.clientIp ? opts.clientIp(c) : env?.incoming?.socket?.remoteAddress;
    const locationId = opts.locationId?.(c);
    const userAgent = c.req.header("user-agent");
    const r = await authenticate(kw, c.req.header("authorization"), {
      ...(opts.requiredScopes ? { requiredScopes: opts.requiredScopes } : {}),
      ...(locationId !== undefined ? { locationId } : {}),
      ...(clientIp !== undefined ? { clientIp } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
      endpoint: `${c.req.method} ${c.req.path}`,
    });
    if (!r.ok) {
      const p = problemOf(r.answer, kw.baseUrl, c.req.path);
      return new Response(JSON.stringify(p.body), { status: p.status, headers: p.headers });
    }
    c.set("keyward", r.caller);
    await next();
  };
}
