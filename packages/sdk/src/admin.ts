/**
 * `KeywardAdmin`: a small fetch-based client of Keyward's management API, typed by the paths of its
 * OpenAPI document (api-types.ts, generated from /openapi.json: the console's types, too). Paths,
 * parameters, bodies and answers are checked by the compiler:
 *
 *   const admin = new KeywardAdmin({ baseUrl, credential });
 *   const { key, token } = await admin.post("/api/accounts/{accountId}/keys", {
 *     params: { accountId: agencyId }, body: { name: "zapier" } });
 *
 * A refusal throws `KeywardApiError` with Keyward's problem (`code`, `detail`, `status`).
 */
import type { paths } from "./api-types.js";

type Method = "get" | "put" | "post" | "patch" | "delete";

/** The paths that have an operation for the method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];

type Op<P extends keyof paths, M extends Method> = Extract<paths[P][M], { responses: unknown }>;
type Params<O> = O extends { parameters: { path: infer X } } ? X : never;
type Query<O> = O extends { parameters: { query?: infer X } } ? X : never;
type Body<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? B | undefined
    : never;
type Success<R> = R extends { 200: infer A }
  ? A
  : R extends { 201: infer A }
    ? A
    : R extends { 204: unknown }
      ? undefined
      : unknown;
type Json<A> = A extends { content: { "application/json": infer J } } ? J : undefined;

/** What an operation returns when it succeeds. */
export type Answer<P extends keyof paths, M extends Method> = Json<Success<Op<P, M>["responses"]>>;

/** Path parameters (when the path has some), query and body, as the operation declares them. */
export type RequestInit_<P extends keyof paths, M extends Method> = ([Params<Op<P, M>>] extends [never]
  ? { params?: undefined }
  : { params: Params<Op<P, M>> }) &
  ([Query<Op<P, M>>] extends [never] ? { query?: undefined } : { query?: Query<Op<P, M>> }) &
  ([Body<Op<P, M>>] extends [never] ? { body?: undefined } : { body: Body<Op<P, M>> });

export interface KeywardAdminOptions {
  baseUrl: string;
  /** A service credential with the scopes the calls need (`provision`, `keys:manage`). */
  credential: string;
  /**
   * With a `keys:manage` credential: the person the calls act for (their id or external id), sent as
   * `Keyward-Acting-User`; their permissions and audit trail apply.
   */
  actingUser?: string;
  timeoutMs?: number;
}

export class KeywardApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(`${status} ${code}: ${String(problem.detail ?? "")}`);
    this.name = "KeywardApiError";
  }
}

export class KeywardAdmin {
  private readonly baseUrl: string;

  constructor(private readonly opts: KeywardAdminOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  /** The same client acting for another person. */
  actingAs(user: string): KeywardAdmin {
    return new KeywardAdmin({ ...this.opts, actingUser: user });
  }

  async request<M extends Method, P extends PathsWith<M>>(
    method: M,
    path: P,
    init: RequestInit_<P, M>,
  ): Promise<Answer<P, M>> {
    const { params, query, body } = init as { params?: object; query?: object; body?: unknown };
    let url = path as string;
    for (const [k, v] of Object.entries(params ?? {}))
      url = url.replace(`{${k}}`, encodeURIComponent(String(v)));
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.credential}` };
    if (this.opts.actingUser) headers["keyward-acting-user"] = this.opts.actingUser;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.baseUrl}${url}${qs.size > 0 ? `?${qs}` : ""}`, {
      method: method.toUpperCase(),
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const p = (json ?? {}) as Record<string, unknown>;
      throw new KeywardApiError(res.status, String(p.code ?? "unknown"), p);
    }
    return json as Answer<P, M>;
  }

  get<P extends PathsWith<"get">>(path: P, init: RequestInit_<P, "get">): Promise<Answer<P, "get">> {
    return this.request("get", path, init);
  }
  post<P extends PathsWith<"post">>(path: P, init: RequestInit_<P, "post">): Promise<Answer<P, "post">> {
    return this.request("post", path, init);
  }
  put<P extends PathsWith<"put">>(path: P, init: RequestInit_<P, "put">): Promise<Answer<P, "put">> {
    return this.request("put", path, init);
  }
  patch<P extends PathsWith<"patch">>(path: P, init: RequestInit_<P, "patch">): Promise<Answer<P, "patch">> {
    return this.request("patch", path, init);
  }
  delete<P extends PathsWith<"delete">>(
    path: P,
    init: RequestInit_<P, "delete">,
  ): Promise<Answer<P, "delete">> {
    return this.request("delete", path, init);
  }
}
