/**
 * createApp(deps): the HTTP face of one Keyward instance. Handlers are thin: parse, call a service,
 * serialise. Every error leaves through one mapper as problem+json; nothing unexpected leaks.
 */
import { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../core/errors.js";
import { storageFailure } from "../store/storage-errors.js";
import { AccessLog } from "./access-log.js";
import { guards, serviceGuard } from "./auth.js";
import type { AppEnv, Deps } from "./env.js";
import { fastGet } from "./fast-get.js";
import { type FastPath, fastVerify } from "./fast-verify.js";
import { ResponseHeaders } from "./headers.js";
import { errorToProblem, problemResponse } from "./problem.js";
import { type BodyLimit, Router } from "./route.js";
import { accountRoutes } from "./routes/accounts.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { keyRoutes } from "./routes/keys.js";
import { leakRoutes } from "./routes/leaks.js";
import { locationSettingsRoutes } from "./routes/location-settings.js";
import { oauthRoutes } from "./routes/oauth.js";
import { oauthAppRoutes } from "./routes/oauth-apps.js";
import { peopleRoutes } from "./routes/people.js";
import { platformRoutes } from "./routes/platform.js";
import { provisioningRoutes } from "./routes/provisioning.js";
import { rateLimitRoutes } from "./routes/rate-limits.js";
import { serviceKeyRoutes } from "./routes/service-keys.js";
import { systemRoutes } from "./routes/system.js";
import { verification, verifyRoutes } from "./routes/verify.js";
import { verifySdkRoutes } from "./routes/verify-sdk.js";

const fastPaths = new WeakMap<Hono<AppEnv>, FastPath>();

/** The requests an app answers from node:http directly, before Hono (http/server.ts offers it each). */
export function fastPathOf(app: Hono<AppEnv>): FastPath | undefined {
  return fastPaths.get(app);
}

/** Capabilities that bring their own routes register them through this hook. */
export type RouteModule = (r: Router, deps: Deps) => void;

export interface AppOptions {
  extraRoutes?: RouteModule[];
  /**
   * Serves the admin console's static files (added by the console module): asked for any request
   * no route answers, it returns null for what is not the console's, which then gets the API's 404.
   */
  staticSite?: (c: Context<AppEnv>) => Promise<Response | null>;
}

export function createApp(deps: Deps, opts: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const registry = new OpenAPIRegistry();
  const headers = new ResponseHeaders(deps);

  const problemOf = (err: unknown, method: string, path: string, incoming: Incoming): Response => {
    if (err instanceof ApiError) return errorToProblem(err, path);
    if (err instanceof HTTPException) {
      if (err.status === 413)
        return problemResponse(
          "payload_too_large",
          `The body is larger than ${deps.config.maxBodyBytes} bytes.`,
        );
      if (err.status === 400)
        return problemResponse("invalid_json", err.message || "The request could not be read.");
      return problemResponse("validation_failed", err.message);
    }
    // Before the storage check: a client's reset (ECONNRESET) must not pass for a lost database.
    if (clientWentAway(incoming, err)) {
      // Reading the body failed because the client closed the connection: nothing of ours broke,
      // and nobody will read this answer.
      deps.logger.info(
        { method, path, reason: (err as Error).message },
        "the connection closed before the whole request arrived (the client left, or took too long)",
      );
      return problemResponse("invalid_json", "The request ended before its body did.");
    }
    const storage = storageFailure(err);
    if (storage) {
      deps.storage.noteFailure(storage);
      deps.logger.warn({ err, method, path }, `storage unavailable: ${storage}`);
      const res = problemResponse(
        "storage_unavailable",
        `The database is unavailable (${storage}). Try again shortly.`,
      );
      res.headers.set("retry-after", "5");
      return res;
    }
    deps.logger.error({ err, method, path }, "unhandled error");
    return problemResponse("internal_error", "Something went wrong on our side; it has been logged.");
  };
  app.onError((err, c) => headers.apply(c, problemOf(err, c.req.method, c.req.path, c.env?.incoming)));
  const routeNotFound = (c: Context<AppEnv>) =>
    problemResponse(
      "route_not_found",
      `There is no endpoint ${c.req.method} ${c.req.path}: see /docs for the API.`,
    );
  const site = opts.staticSite;
  // The console is served from here rather than by a catch-all GET route: a second handler
  // matching every path would put Hono's composed dispatch in front of every API route.
  app.notFound(async (c) => headers.apply(c, (site ? await site(c) : null) ?? routeNotFound(c)));

  const tooLarge = (): never => {
    throw new ApiError(
      "payload_too_large",
      `The body is larger than ${deps.config.maxBodyBytes} bytes: send less.`,
    );
  };
  const bodyLimited = bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: tooLarge });
  // What bodyLimit does, without asking for `.body` when the headers suffice: that builds a full web
  // Request in @hono/node-server (its lightweight request otherwise reads the body directly), which
  // tripled the cost of a verification (bench/verify-http.ts). A declared Content-Length without
  // Transfer-Encoding is checked as bodyLimit checks it; anything else (chunked bodies) goes through
  // bodyLimit, which reads the body up to the limit before the route runs.
  // Not async when the headers suffice (one step less per request; a throw reaches onError all the same).
  const limitBody: BodyLimit = (c, run) => {
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (Number.parseInt(length || "0", 10) > deps.config.maxBodyBytes) tooLarge();
      return run();
    }
    let res: Response | undefined;
    return bodyLimited(c, async () => {
      res = await run();
    }).then(() => res!);
  };
  const access = new AccessLog(deps.logger, deps.config.accessLog);
  const router = new Router(app, registry, limitBody, guards(deps), headers, access);

  // `/api/*` but its machine paths carries Hono's secureHeaders set, added by ResponseHeaders where
  // answers are built (API_SECURE_HEADERS) rather than by that middleware: as a middleware it
  // composed every API route's dispatch, a third of a cached POST /api/verify (bench/verify-http.ts).

  systemRoutes(app, deps, registry, headers);
  authRoutes(router, deps);
  keyRoutes(router, deps);
  leakRoutes(router, deps);
  accountRoutes(router, deps);
  peopleRoutes(router, deps);
  auditRoutes(router, deps);
  locationSettingsRoutes(router, deps);
  platformRoutes(router, deps);
  verifySdkRoutes(router, deps);
  verifyRoutes(router, deps);
  serviceKeyRoutes(router, deps);
  provisioningRoutes(router, deps);
  rateLimitRoutes(router, deps);
  oauthAppRoutes(router, deps);
  oauthRoutes(router, deps);
  for (const mod of opts.extraRoutes ?? []) mod(router, deps);

  // POST /api/verify and GET /v2/token below the framework, for the Node server (http/server.ts;
  // see fast-verify.ts and fast-get.ts).
  const verifyFast = fastVerify({
    deps,
    headers,
    access,
    guard: serviceGuard(deps),
    verify: verification(deps),
    problemOf,
    tooLarge,
  });
  const token = router.plainGets.get("/v2/token");
  const getFast = fastGet({
    deps,
    headers,
    access,
    handlers: new Map(token ? [["/v2/token", token]] : []),
    problemOf,
  });
  fastPaths.set(app, (req, res) => verifyFast(req, res) || getFast(req, res));

  // Responses are counted around Hono's fetch rather than by a middleware (see ResponseHeaders):
  // one array increment per response, handed to prom-client when /metrics is read.
  const honoFetch = app.fetch;
  const counted = (res: Response): Response => {
    deps.metrics.countResponse(res.status);
    return res;
  };
  app.fetch = !access.enabled
    ? (req, env, ctx) => {
        const res = honoFetch(req, env, ctx);
        return res instanceof Promise ? res.then(counted) : counted(res);
      }
    : (req, env, ctx) => {
        const started = performance.now();
        const logged = (r: Response): Response => {
          access.done(req, r, started);
          return counted(r);
        };
        const res = honoFetch(req, env, ctx);
        return res instanceof Promise ? res.then(logged) : logged(res);
      };
  return app;
}

/** The Node request under a Hono context, as far as the error mapper looks at it. */
type Incoming = { destroyed?: boolean; readableAborted?: boolean } | undefined;

/** Whether the client closed its connection (mid-body) before the request could be answered. */
function clientWentAway(incoming: Incoming, err: unknown): boolean {
  if (incoming?.destroyed !== true && incoming?.readableAborted !== true) return false;
  // Only the failure of reading the request is the client's doing: a bug met after it left is ours.
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : "";
  return (
    code === "ECONNRESET" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    code === "ABORT_ERR" ||
    (err instanceof Error && err.name === "AbortError") ||
    /aborted|premature close|closed|terminated/i.test(message)
  );
}
