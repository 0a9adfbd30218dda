/**
 * `POST /api/verify` answered below the framework: a platform's gateway calls it on every request,
 * and on one core the route through Hono and its Node adapter (a web Request per request, the
 * router, the context, a Response turned back into Node's) cost half its throughput
 * (bench/verify-http.ts). The server (http/server.ts) offers each request to this first; it takes
 * exactly `POST /api/verify` with a Content-Length body and answers it from node:http, and leaves
 * everything else — another path, a query string, a chunked body — to Hono.
 *
 * It is the same route, not a second one: the same guard (`serviceGuard`: the service credential,
 * its `verify` scope, the address limiter), the same body limit, UTF-8, JSON depth and schema
 * checks (`jsonOf`, `parseWith`), the same work (`verification`: metrics, use recording, the
 * answer's text), the same error mapper (app.ts) and headers (ResponseHeaders), the same access log
 * line and response count — and it writes them as @hono/node-server writes the Response the route
 * would have made. test/http/fast-verify.test.ts compares the two, byte for byte, request by request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceCredential } from "../service/context.js";
import type { AccessLog } from "./access-log.js";
import type { serviceGuard } from "./auth.js";
import { clientIp } from "./auth.js";
import type { Deps } from "./env.js";
import type { ResponseHeaders } from "./headers.js";
import { encrypted, joinedHeader, writePlain, writeProblem } from "./node-answer.js";
import { decodeUtf8, type GuardedRoute, jsonOf, parseWith } from "./route.js";
import type { Verification } from "./routes/verify.js";
import { VerifyBody } from "./schemas.js";
import { httpsOf } from "./scheme.js";

/** Answers the request and says true, or says false and leaves it untouched for Hono. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

const PATH = "/api/verify";
/** What the Router makes of the route's declaration (auth "service", serviceScope "verify"). */
const ROUTE: GuardedRoute = Object.freeze({
  endpoint: "POST /api/verify",
  scopes: undefined,
  serviceScope: "verify",
  operatorOnly: false,
});
/** The access log's caller once the guard let a service through (`{ caller: "service" }`). */
const SERVICE = Object.freeze({ actorType: "service", actorId: null });

export interface FastVerifyParts {
  deps: Deps;
  headers: ResponseHeaders;
  access: AccessLog;
  guard: ReturnType<typeof serviceGuard>;
  verify: Verification;
  /** The app's error mapper: the problem+json Hono's onError answers for what was thrown. */
  problemOf: (err: unknown, method: string, path: string, incoming: IncomingMessage) => Response;
  /** Throws the body limit's 413, as the Router's body limit does. */
  tooLarge: () => never;
}

export function fastVerify(p: FastVerifyParts): FastPath {
  const { deps, headers, access, guard, verify, problemOf, tooLarge } = p;
  const { config, metrics } = deps;

  /** Counts the response, logs its line, as app.ts does around Hono's fetch. */
  const done = (status: number, started: number, admitted: boolean) => {
    metrics.countResponse(status);
    if (access.enabled) access.line("POST", PATH, status, started, admitted ? SERVICE : undefined);
  };

  const fail = (
    req: IncomingMessage,
    res: ServerResponse,
    err: unknown,
    started: number,
    admitted: boolean,
  ) => {
    let problem: Response;
    try {
      problem = headers.applyTo(
        problemOf(err, "POST", PATH, req),
        httpsOf(encrypted(req), req.headers["x-forwarded-proto"] as string | undefined, deps),
        false, // a machine path (headers.ts isMachinePath)
      );
    } catch (e) {
      // The mapper itself failed: Hono would answer its own 500; nothing here should get this far.
      deps.logger.error({ err: e }, "unhandled error");
      res.writeHead(500, { "content-type": "text/plain; charset=UTF-8" }).end("Internal Server Error");
      done(500, started, admitted);
      return;
    }
    done(problem.status, started, admitted);
    problem.text().then(
      (text) => writeProblem(res, problem, text),
      (e) => res.destroy(e as Error),
    );
  };

  const answer = (res: ServerResponse, text: string, https: boolean, started: number) => {
    done(200, started, true);
    writePlain(res, 200, headers.machineJsonFlat(https), text);
  };

  /** The body, read whole (its size was checked against Content-Length), then the route's work. */
  const readAndVerify = (
    req: IncomingMessage,
    res: ServerResponse,
    credential: ServiceCredential,
    started: number,
  ) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.once("error", (err) => fail(req, res, err, started, true));
    req.once("end", () => {
      try {
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const h = req.headers;
        const body = bodyOf(jsonOf(decodeUtf8(bytes), joinedHeader(req, "content-type")));
        const https = httpsOf(encrypted(req), h["x-forwarded-proto"] as string | undefined, deps);
        const text = verify(
          body,
          credential.agencyId ?? undefined,
          h["x-client-ip"] as string | undefined,
          h["x-client-user-agent"] as string | undefined,
        );
        if (text instanceof Promise)
          text.then(
            (t) => answer(res, t, https, started),
            (err) => fail(req, res, err, started, true),
          );
        else answer(res, text, https, started);
      } catch (err) {
        fail(req, res, err, started, true);
      }
    });
  };

  const admitted = (
    req: IncomingMessage,
    res: ServerResponse,
    credential: ServiceCredential,
    length: string,
    started: number,
  ) => {
    try {
      // The Router's body limit, after the guard: a refused caller learns that first.
      if (Number.parseInt(length || "0", 10) > config.maxBodyBytes) tooLarge();
    } catch (err) {
      fail(req, res, err, started, true);
      return;
    }
    readAndVerify(req, res, credential, started);
  };

  return (req, res) => {
    if (req.method !== "POST" || req.url !== PATH) return false;
    const h = req.headers;
    const length = h["content-length"];
    // A chunked body is read by Hono's bodyLimit, up to the limit: that is Hono's to answer.
    if (length === undefined || h["transfer-encoding"] !== undefined) return false;
    const started = performance.now();
    try {
      const ip = clientIp(req.socket.remoteAddress ?? null, h["x-forwarded-for"] as string | undefined, deps);
      const credential = guard(ip, joinedHeader(req, "authorization"), ROUTE);
      if (credential instanceof Promise)
        credential.then(
          (c) => admitted(req, res, c, length, started),
          (err) => fail(req, res, err, started, false),
        );
      else admitted(req, res, credential, length, started);
    } catch (err) {
      fail(req, res, err, started, false);
    }
    return true;
  };
}

/**
 * The body as the route's schema reads it. `{"token": "…"}` alone — what a gateway sends — is what
 * the schema would answer for it; anything else goes through the schema.
 */
function bodyOf(raw: unknown) {
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    const token = (raw as { token?: unknown }).token;
    if (typeof token === "string" && token.length <= 1024) {
      let n = 0;
      for (const _ in raw) n++;
      if (n === 1 && Object.getPrototypeOf(raw) === Object.prototype) return { token };
    }
  }
  return parseWith(VerifyBody, raw, "body");
}
