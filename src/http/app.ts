/**
 * createApp(deps): the HTTP face of one Keyward instance. Handlers are thin: parse, call a service,
 * serialise. Every error leaves through one mapper as problem+json; nothing unexpected leaks.
 */
import { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { ApiError } from "../core/errors.js";
import { setClientInfo } from "./auth.js";
import type { AppEnv, Deps } from "./env.js";
import { errorToProblem, problemResponse } from "./problem.js";
import { Router } from "./route.js";
import { accountRoutes } from "./routes/accounts.js";
import { authRoutes } from "./routes/auth.js";
import { keyRoutes } from "./routes/keys.js";
import { platformRoutes } from "./routes/platform.js";
import { systemRoutes } from "./routes/system.js";

/** Capabilities that bring their own routes register them through this hook. */
export type RouteModule = (r: Router, deps: Deps) => void;

export interface AppOptions {
  extraRoutes?: RouteModule[];
  /** Serves the admin console's static files (added by the console module). */
  staticSite?: (app: Hono<AppEnv>) => void;
}

export function createApp(deps: Deps, opts: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const registry = new OpenAPIRegistry();
  const router = new Router(app, registry);

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorToProblem(err, c.req.path);
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
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return problemResponse("internal_error", "Something went wrong on our side; it has been logged.");
  });
  app.notFound((c) =>
    problemResponse(
      "route_not_found",
      `There is no endpoint ${c.req.method} ${c.req.path}: see /docs for the API.`,
    ),
  );

  const tooLarge = (): never => {
    throw new ApiError(
      "payload_too_large",
      `The body is larger than ${deps.config.maxBodyBytes} bytes: send less.`,
    );
  };
  const limitBody = bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: tooLarge });
  // What bodyLimit does, without asking for `.body` when the headers suffice: that builds a full web
  // Request in @hono/node-server (its lightweight request otherwise reads the body directly), which
  // tripled the cost of a verification (bench/verify-http.ts). GET and HEAD requests have no body;
  // a declared Content-Length without Transfer-Encoding is checked as bodyLimit checks it; anything
  // else (chunked bodies) goes through bodyLimit, which counts the bytes.
  // One global middleware, not async: the client's address and agent, then the body limit.
  app.use("*", (c, next) => {
    setClientInfo(c, deps);
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined)
      return Number.parseInt(length || "0", 10) > deps.config.maxBodyBytes ? tooLarge() : next();
    return limitBody(c, next);
  });
  app.use("/api/*", secureHeaders());

  systemRoutes(app, deps, registry);
  authRoutes(router, deps);
  keyRoutes(router, deps);
  accountRoutes(router, deps);
  platformRoutes(router, deps);
  for (const mod of opts.extraRoutes ?? []) mod(router, deps);
  opts.staticSite?.(app);
  return app;
}
