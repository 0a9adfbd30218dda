/**
 * The headers every response carries, added where responses are built (the Router, the error and
 * not-found handlers, the system routes) rather than by a global middleware: one `app.use("*")`
 * would put Hono's composed, promise-returning dispatch in front of the hot `GET /v2/token` and cost
 * 10–20 % of its throughput. That route takes a precomputed header object instead (`json`).
 *
 *  - `X-Content-Type-Options: nosniff` on everything;
 *  - `Cache-Control: no-store` unless the response chose its own (API answers carry account data;
 *    the docs and the console's files set theirs);
 *  - `Strict-Transport-Security` only when the request came over https (see `isHttps`): over plain
 *    http it means nothing to a browser and would only mislead;
 *  - on `/api/*`, the set Hono's `secureHeaders` middleware sends (API_SECURE_HEADERS, without its
 *    HSTS). It was that middleware once; as one it put the composed dispatch and ten `Headers.set`s
 *    per answer in front of every API route, `POST /api/verify` included (bench/verify-http.ts).
 *    Not on the machine paths (`isMachinePath`: the verification family and provisioning), which
 *    only a platform's service credential calls: their JSON is never a document a browser renders or
 *    frames, so that set's nine headers besides `nosniff` protect nothing there (OWASP's REST cheat
 *    sheet: they "may not be necessary" when an API never returns HTML), and on the gateway's
 *    hottest route they were about a tenth of Node's work per answer (a bare node:http handler
 *    measured with and without them).
 */
import type { Context } from "hono";
import type { Policy } from "../service/rate-limits.js";
import type { AppEnv, Deps } from "./env.js";
import { isHttps } from "./scheme.js";

export const HSTS = "max-age=31536000; includeSubDomains";

/**
 * What Hono's `secureHeaders({ strictTransportSecurity: false })` sets, with its defaults, on every
 * `/api/*` answer (test/hardening/headers.test.ts compares the two). Overwrites, as it did.
 */
export const API_SECURE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
});
const API_SECURE_ENTRIES = Object.entries(API_SECURE_HEADERS);

/** Whether a request's path is under `/api` (where Hono's `/api/*` pattern matched). */
export function isApiPath(path: string): boolean {
  return path.startsWith("/api/") || path === "/api";
}

/**
 * The paths only a platform's service credential calls, machine to machine: `POST /api/verify` and
 * the SDK's routes under it, and `/api/provision/*`. Their answers carry the JSON set (content type,
 * nosniff, no-store, HSTS over https) without the browser-only API_SECURE_HEADERS.
 */
export function isMachinePath(path: string): boolean {
  return path.startsWith("/api/verify")
    ? path.length === 11 || path.charCodeAt(11) === 47 /* "/" */
    : path.startsWith("/api/provision/");
}

/** Whether a path's answers carry API_SECURE_HEADERS: `/api/*` but the machine paths. */
function takesApiSecureHeaders(path: string): boolean {
  return isApiPath(path) && !isMachinePath(path);
}

export class ResponseHeaders {
  private readonly plainJson: Readonly<Record<string, string>>;
  private readonly httpsJson: Readonly<Record<string, string>>;
  private readonly plainApiJson: Readonly<Record<string, string>>;
  private readonly httpsApiJson: Readonly<Record<string, string>>;
  private readonly plainFlat: readonly string[];
  private readonly httpsFlat: readonly string[];

  constructor(private readonly deps: Deps) {
    const json = {
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    };
    this.plainJson = Object.freeze(json);
    this.httpsJson = Object.freeze({ ...json, "strict-transport-security": HSTS });
    this.plainApiJson = Object.freeze({ ...this.plainJson, ...API_SECURE_HEADERS });
    this.httpsApiJson = Object.freeze({ ...this.httpsJson, ...API_SECURE_HEADERS });
    this.plainFlat = Object.freeze(Object.entries(this.plainJson).flat());
    this.httpsFlat = Object.freeze(Object.entries(this.httpsJson).flat());
  }

  /**
   * A machine path's JSON answer's headers without rate limits (`json` of `POST /api/verify`), as the
   * flat [name, value, …] list `writeHead` takes: for the raw route (fast-verify.ts), in the order
   * the Node adapter writes `json`'s object.
   */
  machineJsonFlat(https: boolean): readonly string[] {
    return https ? this.httpsFlat : this.plainFlat;
  }

  https(c: Context<AppEnv>): boolean {
    return isHttps(c, this.deps);
  }

  /**
   * A JSON answer's headers as one shared plain object, for `new Response(body, { headers })`: the
   * Node adapter writes it as it is, where `c.json`/`c.body` with more than one header would build
   * a `Headers` per request.
   */
  json(c: Context<AppEnv>): Readonly<Record<string, string>> {
    const base = takesApiSecureHeaders(c.req.path)
      ? this.https(c)
        ? this.httpsApiJson
        : this.plainApiJson
      : this.https(c)
        ? this.httpsJson
        : this.plainJson;
    // A key's answer describes its rate limits (docs/traffic-policy.md): those headers are its own.
    const limits = c.get("rateLimit");
    return limits ? this.deps.limits.headersInto({ ...base }, limits) : base;
  }

  /** Adds the headers to a response built elsewhere, keeping a Cache-Control it set itself. */
  apply(c: Context<AppEnv>, res: Response): Response {
    return this.applyTo(
      res,
      this.https(c),
      takesApiSecureHeaders(c.req.path),
      c.get("rateLimit"),
      c.get("rateLimited") ?? -1,
    );
  }

  /** `apply` from the request's parts (the raw `POST /api/verify` path answers without a context). */
  applyTo(res: Response, https: boolean, apiSecure: boolean, limits?: Policy, refusedIndex = -1): Response {
    const h = res.headers;
    h.set("x-content-type-options", "nosniff");
    if (!h.has("cache-control")) h.set("cache-control", "no-store");
    if (https) h.set("strict-transport-security", HSTS);
    if (apiSecure) for (const [name, value] of API_SECURE_ENTRIES) h.set(name, value);
    if (limits)
      for (const [k, v] of Object.entries(this.deps.limits.headers(limits, refusedIndex))) h.set(k, v);
    return res;
  }
}
