/**
 * The console's only way to the server: the public HTTP API, with the session cookie. Same-origin
 * fetches carry an Origin header on state-changing requests, which the API requires.
 */

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

export type Kind = "private_integration" | "legacy_v1";
export type KeyStatus = "active" | "expired" | "revoked" | "deleted";

export interface Key {
  id: string;
  name: string;
  description: string;
  kind: Kind;
  owner: { type: "agency" | "location"; id: string };
  agencyId: string;
  locationId: string | null;
  scopes: string[];
  token: string;
  status: KeyStatus;
  imported: boolean;
  createdAt: string;
  createdBy: { id: string; name: string; email: string } | null;
  lastUsed: { at: string; ip: string | null; userAgent: string | null } | null;
  daysInactive: number;
  nextAction: { action: "delete" | "expire"; at: string } | null;
  rotation: {
    pending: true;
    oldToken: string;
    oldTokenExpiresAt: string;
    oldTokenLastUsedAt: string | null;
  } | null;
  revokedAt: string | null;
  expiredAt: string | null;
  deletedAt: string | null;
  /** An agency key the plan does not allow: it verifies as plan_required until an upgrade. */
  suspended?: boolean;
}

export interface User {
  id: string;
  agencyId: string;
  email: string;
  name: string;
  type: "agency" | "account";
  role: "admin" | "user";
  isOwner: boolean;
  canManageKeys: boolean;
  digestOptOut: boolean;
  locationIds: string[];
  createdAt: string;
  disabled: boolean;
}

export interface Location {
  id: string;
  agencyId: string;
  name: string;
}

export interface Agency {
  id: string;
  name: string;
  plan: string;
  enhancedSecurity: boolean;
}

export interface Me {
  user: User;
  agency: Agency;
  locations: Location[];
  permissions: {
    seeAgencyKeys: boolean;
    manageAgencyKeys: boolean;
    manageLocationKeys: string[];
    changeAgencySettings: boolean;
  };
}

export interface Scope {
  name: string;
  levels: string[];
  description: string;
}

export interface Notification {
  id: string;
  type: string;
  agencyId: string;
  accountId: string;
  title: string;
  body: string;
  leadDays: number | null;
  actionAt: string | null;
  keyIds: string[];
  createdAt: string;
  readAt: string | null;
  link: string | null;
}

export interface Banner {
  accountId: string;
  actionAt: string;
  action: "delete" | "expire";
  keyIds: string[];
  count: number;
  message: string;
  link: string | null;
}

export interface Policy {
  inactivityDays: number;
  action: "delete" | "expire";
  sweep: string;
  inAppLeadsDays: number[];
  emailLeadDays: number;
  bannerHours: number;
}

export interface Settings {
  enhancedSecurity: boolean;
  legacyCreation: "existing_users" | "disabled";
  legacyEndOfSupport: string;
  policy?: Policy;
  digest?: { subscribedAdmins: number | unknown[]; noSubscriber: boolean };
  [k: string]: unknown;
}

export interface ForecastKey {
  id: string;
  name: string;
  kind: Kind;
  accountId: string;
  lastActivityAt: string;
  daysInactive: number;
  warned: boolean;
}

export interface Forecast {
  generatedAt: string;
  policy: Policy;
  sweeps: { at: string; action: "delete" | "expire"; keys: ForecastKey[] }[];
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actorType: "user" | "key" | "system" | "service";
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

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
