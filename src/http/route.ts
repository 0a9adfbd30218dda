/**
 * Routes are declared once: the same declaration installs the route's guard (who may call it), its
 * zod schemas validate the request and type the handler's answers, and all of it describes the
 * route in the OpenAPI document (`/openapi.json`) and the readable docs (`/docs`).
 */
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../core/errors.js";
import type { User } from "../core/model.js";
import type { ServiceScope } from "../service/context.js";
import type { VerifiedKey } from "../service/verify.js";
import type { AccessLog } from "./access-log.js";
import type { AppEnv } from "./env.js";
import type { ResponseHeaders } from "./headers.js";

/**
 * Who may call a route: the guard of that name (http/auth.ts) runs in front of its handler.
 * `none` is public; `session` a signed-in person (and a state-changing request from our own
 * pages); `service` the platform's services (a service credential with the route's
 * `serviceScope`); `sessionOrService` either of those two (the console's owner or the operator);
 * `key` an API key with the route's `scopes`; `legacyKey` a legacy v1 key only.
 */
export type Auth = "none" | "session" | "service" | "sessionOrService" | "key" | "legacyKey";
type Method = "get" | "post" | "put" | "patch" | "delete";

/** What each guard tells the handler of the caller it let through. */
export interface Callers {
  none: Record<never, never>;
  session: { user: User };
  service: Record<never, never>;
  /** A signed-in person, or none when a service credential called (it is on `c.get("service")`). */
  sessionOrService: { user: User | undefined };
  key: { key: VerifiedKey };
  legacyKey: { key: VerifiedKey };
}

/** Any guard's answer. */
type Caller = { user?: User; key?: VerifiedKey };

/** What a guard knows of the route it guards. */
export interface GuardedRoute {
  /** As use recording names it: `GET /v2/locations/:id`. */
  endpoint: string;
  scopes: string[] | undefined;
  /** Service routes: the scope a service credential needs. */
  serviceScope: ServiceScope | undefined;
  /** Service routes: only the operator's credentials (not an agency's). */
  operatorOnly: boolean;
}

export interface Guard<A extends Auth> {
  /** The route's OpenAPI security requirement: what this guard enforces, documented. */
  security(scopes: string[] | undefined): Record<string, string[]>[];
  /** Whether the route may declare scopes (which the guard then requires). */
  scoped?: boolean;
  /**
   * Lets the caller through, saying who it is, or throws the problem. Answers without a promise
   * when it can (a cached key): the route's handler is then called without an extra async step.
   */
  check(c: Context<AppEnv>, route: GuardedRoute, params: unknown): Callers[A] | Promise<Callers[A]>;
}

export type Guards = { [A in Auth]: Guard<A> };

type Responses = Record<number, { description: string; schema?: z.ZodType }>;

export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
  A extends Auth = Auth,
  R extends Responses = Responses,
  D extends boolean = false,
> {
  method: Method;
  /** OpenAPI style: `/api/keys/{keyId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Required: the guard the route is installed behind, and its documented security. */
  auth: A;
  /** For key-authenticated routes: the scopes a private integration token needs. */
  scopes?: string[];
  /**
   * For service routes: the scope a service credential needs (403 insufficient_service_scope
   * naming it otherwise). A service route that declares none is the operator's alone.
   */
  serviceScope?: ServiceScope;
  /** For service routes: an agency's credential is refused (403 operator_credential_required). */
  operatorOnly?: boolean;
  body?: B;
  /**
   * The handler reads the body itself, by calling `input.body()`, once its own checks have passed
   * (the v1 API answers why a caller is refused before what is wrong with its body).
   */
  deferBody?: D;
  query?: Q;
  params?: P;
  responses: R;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export type Input<B, Q, P, A extends Auth = Auth, D extends boolean = false> = {
  body: D extends true ? () => Promise<Infer<B>> : Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
} & Callers[A];

declare const DECLARED: unique symbol;
/** A response of one of the route's declared shapes: only its `reply` helpers (Replies) make one. */
export type Reply = Response & { readonly [DECLARED]: true };

declare const SERIALIZED: unique symbol;
/** JSON text of a value of type T, serialised ahead of time (see `serialize`). */
export type Serialized<T> = string & { readonly [SERIALIZED]: T };

/** JSON.stringify that keeps the type of what it serialised, for `Reply.serialized`. */
export function serialize<T>(value: T): Serialized<T> {
  return JSON.stringify(value) as Serialized<T>;
}

type JsonStatus<R> = { [S in keyof R]: R[S] extends { schema: z.ZodType } ? S : never }[keyof R] & number;
type EmptyStatus<R> = Exclude<keyof R & number, JsonStatus<R>>;
type BodyOf<R, S extends keyof R> = R[S] extends { schema: infer Z extends z.ZodType } ? z.input<Z> : never;

/**
 * How a handler answers: with a status its route declares, and for a status with a schema, a body
 * of that schema's type (checked by tsc, not at run time).
 */
export interface Replies<R> {
  json<S extends JsonStatus<R>>(c: Context<AppEnv>, status: S, body: BodyOf<R, S>): Reply;
  /** A body serialised beforehand (GET /v2/token keeps one per key). */
  serialized<S extends JsonStatus<R>>(c: Context<AppEnv>, status: S, text: Serialized<BodyOf<R, S>>): Reply;
  empty<S extends EmptyStatus<R>>(c: Context<AppEnv>, status: S): Reply;
  /** A download streamed as it is produced (an export in another format than the JSON declared). */
  stream<S extends JsonStatus<R>>(
    c: Context<AppEnv>,
    status: S,
    body: ReadableStream<Uint8Array>,
    download: { type: string; filename: string },
  ): Reply;
}

/**
 * The reply helpers: one object for every route (the types differ per route, what it does does
 * not). Each response carries the common headers (ResponseHeaders) from the start, so nothing is
 * added after the handler. A serialised body takes the shared header object as it is, with no
 * `Headers` built per response (GET /v2/token is hot); it carries no header set on `c` before.
 */
function repliesWith(headers: ResponseHeaders): Replies<Responses> {
  return {
    json: (c, status, body) => headers.apply(c, c.json(body, status as 200)) as Reply,
    serialized: (c, status, text) => {
      const h = headers.json(c);
      // Served from node:http (http/fast-get.ts): the parts are written as they are.
      (c as { serialized?: SerializedSink }).serialized?.(status, h, text);
      return new Response(text, { status, headers: h }) as Reply;
    },
    empty: (c, status) => headers.apply(c, c.body(null, status as 204)) as Reply,
    stream: (c, status, body, d) =>
      headers.apply(
        c,
        new Response(body, {
          status,
          headers: { "content-type": d.type, "content-disposition": `attachment; filename="${d.filename}"` },
        }),
      ) as Reply,
  };
}

/** Told a serialised answer's parts, where the context offers it (http/fast-get.ts's does). */
export type SerializedSink = (
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
) => void;

/** zod issues as field messages that say what to fix. */
export function issuesOf(err: z.ZodError): { field: string; message: string }[] {
  return err.issues.map((i) => {
    const field = i.path.map(String).join(".") || "(body)";
    let message = i.message;
    if (i.code === "unrecognized_keys")
      message = `unknown field${i.keys.length > 1 ? "s" : ""}: ${i.keys.join(", ")}`;
    return { field, message };
  });
}

export function validation(issues: { field: string; message: string }[]): ApiError {
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new ApiError("validation_failed", `The request is not valid: ${summary}.`, { issues });
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validation(
    issuesOf(r.error).map((i) => ({ ...i, field: where === "body" ? i.field : `${where}.${i.field}` })),
  );
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body as text. Bytes that are not UTF-8 (a lone surrogate encoded as ED A0 80, Latin-1 text)
 * are refused: decoding them leniently would store U+FFFD in their place, silently.
 */
export function readText(c: Context): Promise<string> {
  // `then` rather than `async`/`await`: one promise fewer per request (POST /api/verify is hot).
  return c.req.arrayBuffer().then(decodeUtf8);
}

export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The body is not valid UTF-8: send the JSON encoded as UTF-8.");
  }
}

/**
 * The deepest nesting of objects and arrays a request body may have. No endpoint takes more than a
 * few levels; a deeper body would only reach the recursive code behind validation (merging,
 * comparing, serialising) and overflow its stack.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `text` nests objects and arrays deeper than `max`: one pass over the characters, without
 * recursion, before anything parses it. Brackets inside strings do not count.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  // Nesting deeper than `max` takes more than `max` opening brackets: counting them with indexOf
  // (native) clears a small body, as most are, in a fraction of the character loop below.
  if (opensAtMost(text, max)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; an unescaped quote ends the string.
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

/** Whether `text` has at most `max` `{` and `[` in all (inside strings too). */
function opensAtMost(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++n > max) return false;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++n > max) return false;
  return true;
}

/**
 * Reads a request body as JSON: empty is `{}`; otherwise it must be declared JSON, nest at most
 * MAX_JSON_DEPTH levels and parse. Its size was already bounded by the route's body limit.
 */
export function readJson(c: Context): Promise<unknown> {
  return readText(c).then((text) => parseJson(c, text));
}

function parseJson(c: Context, text: string): unknown {
  return jsonOf(text, c.req.header("content-type"));
}

/** `readJson` from the body's text and its Content-Type (the raw `POST /api/verify` path calls it too). */
export function jsonOf(text: string, contentType: string | undefined): unknown {
  if (text.trim() === "") return {};
  const type = contentType ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
    throw new ApiError(
      "unsupported_media_type",
      "Send the body as JSON with Content-Type: application/json.",
    );
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new ApiError(
      "invalid_json",
      `The body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep: no endpoint takes that; send the fields it documents.`,
    );
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError("invalid_json", `The body is not valid JSON: ${(e as Error).message}.`);
  }
}

const NoBody = z.strictObject({});

/**
 * A management endpoint that takes no body accepts none, or `{}`: anything else (broken JSON,
 * fields it does not know) is refused before anything happens, rather than silently ignored.
 */
async function refuseStrayBody(c: Context, path: string): Promise<undefined> {
  if (!path.startsWith("/api/") || c.req.method === "GET" || c.req.method === "HEAD") return undefined;
  parseWith(NoBody, await readJson(c), "body");
  return undefined;
}

/**
 * The handler's input, of one shape whatever the guard (an object spread of the guard's answer
 * cost GET /v2/token a tenth of its time): the caller's slots are undefined where it has none.
 */
function inputOf(who: Caller, body: unknown, query: unknown, params: unknown) {
  return { body, query, params, user: who.user, key: who.key };
}

export function toHonoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** Runs a handler that may read the request body, within the deployment's body size limit. */
export type BodyLimit = (
  c: Context<AppEnv>,
  run: () => Promise<Response> | Response,
) => Promise<Response> | Response;

export class Router {
  constructor(
    readonly app: Hono<AppEnv>,
    readonly registry: OpenAPIRegistry,
    private readonly limitBody: BodyLimit,
    private readonly guards: Guards,
    /** The headers every response carries (nosniff, no-store, HSTS over https), added by `reply`. */
    readonly headers: ResponseHeaders,
    /** Told which route answers each request, for the access log's line. */
    private readonly access?: AccessLog,
  ) {
    this.replies = repliesWith(headers);
  }

  private readonly replies: Replies<Responses>;

  /**
   * The Hono handler of each GET route with nothing to parse (no parameters, query or body), by
   * its path: the raw fast path (http/fast-get.ts) calls the one of `GET /v2/token` itself.
   */
  readonly plainGets = new Map<string, (c: Context<AppEnv>) => Response | Promise<Response>>();

  /**
   * Registers a route behind the guard its spec names. A spec without one does not type-check,
   * and is refused here at run time (a route without a guard would run with no caller at all).
   *
   * Order: the path parameters (a key guard checks the `{locationId}` among them), the guard,
   * then the body limit, the query and the body. A refused caller is answered before its body is
   * read, and learns that it is refused rather than what is wrong with its request.
   */
  add<
    A extends Auth,
    R extends Responses,
    B extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    P extends z.ZodType | undefined = undefined,
    D extends boolean = false,
  >(
    spec: RouteSpec<B, Q, P, A, R, D>,
    handler: (c: Context<AppEnv>, input: Input<B, Q, P, A, D>, reply: Replies<R>) => Promise<Reply> | Reply,
  ): void {
    const guard = this.guardOf(spec);
    this.document(spec, guard);
    const method = spec.method.toUpperCase();
    const path = toHonoPath(spec.path);
    const route: GuardedRoute = {
      endpoint: `${method} ${spec.path.replace(/\{\w+\}/g, ":id")}`,
      scopes: spec.scopes,
      serviceScope: spec.serviceScope,
      // Without a declared scope, a service route stays what it was: the operator's alone.
      operatorOnly: spec.operatorOnly ?? spec.serviceScope === undefined,
    };
    const reply = this.replies as Replies<R>;
    const call = handler as (c: Context<AppEnv>, input: object, reply: Replies<R>) => Promise<Reply> | Reply;
    if (spec.method === "get" && !spec.params && !spec.query && !spec.body) {
      // Nothing to parse and no body: guard and handler are Hono's one handler for the path, called
      // without an extra async step when the guard needs none (GET /v2/token is hot).
      const plain = (c: Context<AppEnv>): Response | Promise<Response> => {
        this.access?.route(c, spec.path);
        const who = guard.check(c, route, undefined);
        return who instanceof Promise
          ? who.then((w) => call(c, inputOf(w, undefined, undefined, undefined), reply))
          : call(c, inputOf(who, undefined, undefined, undefined), reply);
      };
      this.plainGets.set(spec.path, plain);
      this.app.on(method, path, plain);
      return;
    }
    // Promise chains rather than `async`/`await`: each await is a step more per request.
    const read = (c: Context<AppEnv>, params: unknown, who: Caller): Promise<Response> | Response => {
      const query = spec.query ? parseWith(spec.query, c.req.query(), "query") : undefined;
      const bodySchema = spec.body;
      if (!bodySchema)
        return refuseStrayBody(c, spec.path).then((none) =>
          call(c, inputOf(who, none, query, params), reply),
        );
      if (spec.deferBody) {
        const body = () => readJson(c).then((raw) => parseWith(bodySchema, raw, "body"));
        return call(c, inputOf(who, body, query, params), reply);
      }
      return readJson(c).then((raw) =>
        call(c, inputOf(who, parseWith(bodySchema, raw, "body"), query, params), reply),
      );
    };
    // The body limit is applied here, after the guard and the path's middleware (the v1 headers),
    // so that a refused body is answered like any other error of the route.
    const admitted = (c: Context<AppEnv>, params: unknown, who: Caller): Promise<Response> | Response =>
      spec.method === "get" ? read(c, params, who) : this.limitBody(c, () => read(c, params, who));
    // Not async: a guard that answers without a promise (the service token) costs no extra step;
    // what it throws reaches the error handler all the same (Hono catches a handler's throw).
    this.app.on(method, path, (c): Promise<Response> | Response => {
      this.access?.route(c, spec.path);
      const params = spec.params ? parseWith(spec.params, c.req.param(), "path") : undefined;
      const who = guard.check(c, route, params);
      return who instanceof Promise ? who.then((w) => admitted(c, params, w)) : admitted(c, params, who);
    });
  }

  private guardOf(spec: { auth?: unknown; scopes?: string[]; method: string; path: string }): Guard<Auth> {
    const name = spec.auth;
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    if (typeof name !== "string" || !Object.hasOwn(this.guards, name))
      throw new Error(
        `${where} declares no guard: set its auth to one of ${Object.keys(this.guards).join(", ")}.`,
      );
    const guard = this.guards[name as Auth] as Guard<Auth>;
    if (spec.scopes && !guard.scoped)
      throw new Error(`${where}: scopes are required of API keys only, and it is a "${name}" route.`);
    return guard;
  }

  private document(
    spec: RouteSpec<
      z.ZodType | undefined,
      z.ZodType | undefined,
      z.ZodType | undefined,
      Auth,
      Responses,
      boolean
    >,
    guard: Guard<Auth>,
  ): void {
    const security = guard.security(spec.scopes ?? (spec.serviceScope ? [spec.serviceScope] : undefined));
    const responses: RouteConfig["responses"] = {};
    for (const [status, r] of Object.entries(spec.responses))
      responses[status] = r.schema
        ? { description: r.description, content: { "application/json": { schema: r.schema } } }
        : { description: r.description };
    responses.default = { description: "An error, as application/problem+json (see the error catalogue)" };
    const request: RouteConfig["request"] = {};
    if (spec.params) request.params = spec.params as never;
    if (spec.query) request.query = spec.query as never;
    if (spec.body) request.body = { content: { "application/json": { schema: spec.body } }, required: true };
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      security,
      request,
      responses,
    });
  }
}

export function IdParam<K extends string>(name: K) {
  return z.object({ [name]: z.string().min(1).max(64) } as Record<K, z.ZodString>);
}
