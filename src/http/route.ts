/**
 * Routes are declared once: the same zod schemas validate the request and describe it in the
 * OpenAPI document (`/openapi.json`) and the readable docs (`/docs`).
 */
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../core/errors.js";
import type { AppEnv } from "./env.js";
import type { ResponseHeaders } from "./headers.js";

export type Auth = "none" | "session" | "service" | "key";
type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
> {
  method: Method;
  /** OpenAPI style: `/api/keys/{keyId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: Auth;
  /** For key-authenticated routes: the scopes a private integration token needs. */
  scopes?: string[];
  body?: B;
  query?: Q;
  params?: P;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /**
   * The handler builds its responses with `ResponseHeaders.json` itself, so the Router does not
   * add the common headers afterwards (which would make a `Headers` object per response): for the
   * hot `GET /v2/token` only.
   */
  ownHeaders?: boolean;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface Input<B, Q, P> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
}

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

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
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
export async function readText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
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

/**
 * Reads a request body as JSON: empty is `{}`; otherwise it must be declared JSON, nest at most
 * MAX_JSON_DEPTH levels and parse. Its size was already bounded by the route's body limit.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await readText(c);
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
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

const NO_INPUT = Object.freeze({ body: undefined, query: undefined, params: undefined });

export function toHonoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** Runs a handler that may read the request body, within the deployment's body size limit. */
export type BodyLimit = (c: Context<AppEnv>, run: () => Promise<Response>) => Promise<Response>;

export class Router {
  constructor(
    readonly app: Hono<AppEnv>,
    readonly registry: OpenAPIRegistry,
    private readonly limitBody: BodyLimit,
    /** The headers every response carries (nosniff, no-store, HSTS over https). */
    readonly headers: ResponseHeaders,
  ) {}

  add<
    B extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    P extends z.ZodType | undefined = undefined,
  >(
    spec: RouteSpec<B, Q, P>,
    handler: (c: Context<AppEnv>, input: Input<B, Q, P>) => Promise<Response> | Response,
  ): void {
    this.document(spec);
    const method = spec.method.toUpperCase();
    const path = toHonoPath(spec.path);
    if (spec.method === "get" && !spec.params && !spec.query && !spec.body) {
      // Nothing to parse and no body: the handler is Hono's one handler for the path, called
      // without an extra async step (GET /v2/token is hot).
      const input = NO_INPUT as Input<B, Q, P>;
      this.app.on(
        method,
        path,
        spec.ownHeaders ? (c) => handler(c, input) : (c) => this.headers.finish(c, handler(c, input)),
      );
      return;
    }
    const run = async (c: Context<AppEnv>) => {
      const params = spec.params ? parseWith(spec.params, c.req.param(), "path") : undefined;
      const query = spec.query ? parseWith(spec.query, c.req.query(), "query") : undefined;
      const body = spec.body
        ? parseWith(spec.body, await readJson(c), "body")
        : await refuseStrayBody(c, spec.path);
      return this.headers.apply(c, await handler(c, { body, query, params } as Input<B, Q, P>));
    };
    // The body limit is applied here, after the path's middleware (authentication, the v1
    // headers), so that a refused body is answered like any other error of the route.
    this.app.on(method, path, spec.method === "get" ? run : (c) => this.limitBody(c, () => run(c)));
  }

  private document(
    spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>,
  ): void {
    const security =
      spec.auth === "session"
        ? [{ session: [] }]
        : spec.auth === "service"
          ? [{ serviceToken: [] }]
          : spec.auth === "key"
            ? [{ apiKey: spec.scopes ?? [] }]
            : [];
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
