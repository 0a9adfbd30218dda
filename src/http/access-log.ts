/**
 * One structured line per request (`"msg":"request"`): method, the route's pattern (never the raw path,
 * which could carry an id a client pasted a token into), status, duration and who called — a key's id,
 * a user's id, `service` — never a token. At `info`, so `KEYWARD_LOG_LEVEL=warn` or
 * `KEYWARD_ACCESS_LOG=false` turns it off.
 *
 * Written around the app's fetch, where every response passes (the router's, the console's files,
 * the system routes, errors); the Router tells it which route matched and the context that knows
 * who called, keyed by the request object.
 */
import type { Context } from "hono";
import type { Logger } from "../logger.js";
import type { Ctx } from "../service/context.js";
import type { AppEnv } from "./env.js";

/** What the access log says for requests no route declared (the console's files, unknown paths). */
const NO_ROUTE = "(unrouted)";
/** Routes declared outside the Router (no guard of its kind): their path is their pattern. */
const SYSTEM_PATHS = new Set(["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]);

export class AccessLog {
  private readonly matched = new WeakMap<Request, { route: string; c: Context<AppEnv> }>();
  readonly enabled: boolean;

  constructor(
    private readonly logger: Logger,
    enabled: boolean,
  ) {
    this.enabled = enabled && logger.isLevelEnabled("info");
  }

  /** The route that answers this request (its declared pattern, e.g. `/api/keys/{keyId}`). */
  route(c: Context<AppEnv>, pattern: string): void {
    if (this.enabled) this.matched.set(c.req.raw, { route: pattern, c });
  }

  /** Logs the request once its response is known. */
  done(req: Request, res: Response, startedMs: number): void {
    const m = this.matched.get(req);
    const route =
      m?.route ?? (SYSTEM_PATHS.has(new URL(req.url).pathname) ? new URL(req.url).pathname : NO_ROUTE);
    this.line(req.method, route, res.status, startedMs, m?.c.get("ctx"));
  }

  /** The line itself, for a request answered outside Hono (the raw `POST /api/verify`, fast-verify.ts). */
  line(
    method: string,
    route: string,
    status: number,
    startedMs: number,
    ctx: Pick<Ctx, "actorType" | "actorId"> | undefined,
  ): void {
    this.logger.info(
      {
        method,
        route,
        status,
        ms: Math.round((performance.now() - startedMs) * 10) / 10,
        ...(ctx?.actorType === "key"
          ? { keyId: ctx.actorId }
          : ctx?.actorType === "user"
            ? { userId: ctx.actorId }
            : ctx
              ? { caller: ctx.actorType }
              : {}),
      },
      "request",
    );
  }
}
