/**
 * The HTTP server `keyward serve` runs: clients that send slowly are cut off, and a shutdown
 * takes a bounded time whatever the clients do.
 */
import type { Server } from "node:http";
import { type ServerType, serve } from "@hono/node-server";
import type { Config } from "../config.js";

/** Headers must arrive within this (or the request timeout, if shorter): a slow-headers client holds nothing long. */
const HEADERS_TIMEOUT_MS = 10_000;

export function listen(
  fetch: Parameters<typeof serve>[0]["fetch"],
  config: Pick<Config, "port" | "host" | "requestTimeoutMs">,
  onListening: (port: number) => void,
): Server {
  const server = serve(
    {
      fetch,
      port: config.port,
      hostname: config.host,
      serverOptions: {
        // The whole request, body included; Node answers 408 and closes the connection after it.
        requestTimeout: config.requestTimeoutMs,
        headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
        // How often Node looks for requests over those limits (its default is 30 s).
        connectionsCheckingInterval: 1_000,
      },
    },
    (info) => onListening(info.port),
  );
  return server as Server;
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
