/**
 * The HTTP server `keyward serve` runs: clients that send slowly are cut off, and a shutdown
 * takes a bounded time whatever the clients do.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import { getRequestListener, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import { fastPathOf } from "./app.js";
import type { AppEnv } from "./env.js";

/** Headers must arrive within this (or the request timeout, if shorter): a slow-headers client holds nothing long. */
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * The Node request listener of an app: each request is offered to the app's fast path first
 * (`POST /api/verify` from node:http, http/fast-verify.ts), and whatever it leaves goes to Hono
 * through its Node adapter — as `serve` from @hono/node-server would run it.
 */
export function requestListener(app: Hono<AppEnv>, hostname?: string): RequestListener {
  const hono = getRequestListener(app.fetch, hostname === undefined ? {} : { hostname });
  const fast = fastPathOf(app);
  if (!fast) return hono;
  return (req, res) => {
    if (!fast(req, res)) void hono(req, res);
  };
}

export function listen(
  app: Hono<AppEnv>,
  config: Pick<Config, "port" | "host" | "requestTimeoutMs">,
  onListening: (port: number) => void,
): Server {
  const server = createServer(
    {
      // The whole request, body included; Node answers 408 and closes the connection after it.
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
      // How often Node looks for requests over those limits (its default is 30 s).
      connectionsCheckingInterval: 1_000,
    },
    requestListener(app, config.host),
  );
  server.listen(config.port, config.host, () => {
    const address = server.address();
    onListening(typeof address === "object" && address ? address.port : config.port);
  });
  return server;
}

/**
 * Stops accepting connections at once (idle keep-alive connections close with it), lets requests
 * in progress finish for up to `timeoutMs`, then closes whatever connections are still open — a
 * client sending its body slowly cannot keep the process alive. Resolves true when it had to.
 */
export function closeServer(server: ServerType, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(forced);
    });
  });
}
