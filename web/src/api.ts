/**
 * The console's only way to the server: the public HTTP API, with the session cookie. Same-origin
 * fetches carry an Origin header on state-changing requests, which the API requires.
 */
import type { components, paths } from "./api-types";

export interface FieldIssue {
  field: string;
  message: string;
}

/** A problem+json answer, or a network failure, in words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly issues: FieldIssue[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  /** The message for one field (`name`, `policy.inactivityDays` …), if the server named it. */
  field(name: string): string | undefined {
    const hit = this.issues.find(
      (i) => i.field === name || i.field.startsWith(`${name}.`) || i.field.startsWith(`${name}[`),
    );
    return hit?.message;
  }

  /** True when the server named any field, so the message belongs next to a field, not in a banner. */
  get hasFields(): boolean {
    return this.issues.length > 0;
  }
}

/*
 * The API's shapes are generated from its OpenAPI document (`npm run gen:api` writes api-types.ts;
 * a test fails while it is stale): the console names them here and restates none.
 */
type Schemas = components["schemas"];

/** The JSON body of a path's successful answer (200 or 201), as the API declares it. */
export type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { "application/json": infer B } } }
    ? B
    : R extends { 201: { content: { "application/json": infer B } } }
      ? B
      : never
  : never;

export type Key = Schemas["Key"];
export type ServiceKey = Schemas["ServiceKey"];
export type Kind = Key["kind"];
export type KeyStatus = Key["status"];
export type User = Schemas["User"];
export type Location = Schemas["Location"];
export type Agency = Schemas["Agency"];
export type Me = Schemas["Me"];
export type Scope = Ok<"/api/scopes", "get">["scopes"][number];
export type Notification = Schemas["Notification"];
export type Banner = Schemas["Banner"];
/** Keys whose lifetime ends within the banner window (GET /api/accounts/{id}/lifetime-banner). */
export type LifetimeBanner = Schemas["LifetimeBanner"];
/** The next inactivity action on an account's keys, counted as the banner and the digest count them. */
export type Upcoming = Schemas["Upcoming"];
export type Policy = Schemas["Policy"];
/** What the sweep does to an inactive key: "delete" or "expire". */
export type InactivityAction = Policy["action"];
export type Settings = Schemas["Settings"];
/** Who may still create legacy v1 keys. */
export type LegacyCreation = Settings["legacyCreation"];
export type Forecast = Schemas["Forecast"];
export type ForecastKey = Forecast["sweeps"][number]["keys"][number];
export type AuditEntry = Schemas["AuditEntry"];
export type Invitation = Schemas["Invitation"];
export type LocationSummary = Schemas["LocationSummary"];
export type SessionInfo = Schemas["Session"];
export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type WebhookDelivery = Schemas["WebhookDelivery"];

/** Called when the server says the session is gone, so the app can show the sign-in page. */
export type OnSignedOut = () => void;

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "Keyward could not be reached. Check your connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const p = (parsed ?? {}) as Record<string, unknown>;
    const detail =
      typeof p.detail === "string"
        ? p.detail
        : `The server answered ${`${res.status} ${res.statusText || ""}`.trim()}.`;
    const issues = Array.isArray(p.issues) ? (p.issues as FieldIssue[]) : [];
    const err = new ApiError(
      res.status,
      typeof p.code === "string" ? p.code : "http_error",
      detail,
      issues,
      p,
    );
    if (res.status === 401 && err.code === "unauthenticated")
      window.dispatchEvent(new Event("keyward:signed-out"));
    throw err;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
};

export function qs(params: Record<string, string | number | undefined | null | false>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== false && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}

/** Turns any thrown value into an ApiError so every error can be shown in words. */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, "client_error", e instanceof Error ? e.message : String(e));
}

/**
 * Every user of an agency the viewer sees (the listing answers a page at a time), by name; `q`
 * narrows by name or e-mail.
 */
export async function allUsers(agencyId: string, q = ""): Promise<User[]> {
  const out: User[] = [];
  let cursor: string | null = null;
  do {
    const page: { users: User[]; nextCursor: string | null } = await api.get(
      `/api/agencies/${encodeURIComponent(agencyId)}/users${qs({ q: q.trim(), limit: 200, cursor })}`,
    );
    out.push(...page.users);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Every active and expired key of an agency and its locations (the listing answers a page at a time). */
export async function allKeys(agencyId: string): Promise<Key[]> {
  const out: Key[] = [];
  let cursor: string | null = null;
  do {
    const page: { keys: Key[]; nextCursor: string | null } = await api.get(
      `/api/accounts/${encodeURIComponent(agencyId)}/keys${qs({ includeLocations: "true", limit: 200, cursor })}`,
    );
    out.push(...page.keys);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
