/**
 * Pure rules of the legacy v1 surface (docs/spec.md §5): the deprecation headers, which private-integration
 * scopes replace what a legacy key was used for, and the plain-words advice of the migration report.
 * No I/O; the caller passes the key's recorded use.
 */

/** The instant the end-of-support date (`YYYY-MM-DD`) stands for: its first second, UTC. */
export function endOfSupportInstant(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** RFC 9745 `Deprecation`: a structured-field Date, `@<epoch seconds>`, of when deprecation was announced. */
export function deprecationHeader(deprecatedSince: string): string {
  return `@${Math.floor(endOfSupportInstant(deprecatedSince) / 1000)}`;
}

/** RFC 8594 `Sunset`: an HTTP-date. */
export function sunsetHeader(endOfSupport: string): string {
  return new Date(endOfSupportInstant(endOfSupport)).toUTCString();
}

/** What a recorded endpoint (`GET /v1/locations/:id`) was for, and the scope that covers it. */
export interface EndpointPurpose {
  /** Null: no scope needed (e.g. describing its own token) or none can be inferred. */
  scope: string | null;
  /** Words for the advice, e.g. "read locations". */
  purpose: string;
  /** False when nothing in the catalogue can be inferred (the platform's own endpoints). */
  known: boolean;
}

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function purposeOf(endpoint: string): EndpointPurpose {
  const [method = "", path = ""] = endpoint.split(" ");
  const m = /^\/v[12]\/(locations|users|token)(\/|$)/.exec(path);
  if (!m)
    return {
      scope: null,
      purpose: path === "/api/verify" ? "call your platform's own services" : `call ${endpoint}`,
      known: false,
    };
  const resource = m[1]!;
  if (resource === "token") return { scope: null, purpose: "check its own token", known: true };
  const write = WRITE.has(method.toUpperCase());
  if (resource === "locations")
    return write
      ? { scope: "locations.write", purpose: "create, change or delete locations", known: true }
      : { scope: "locations.readonly", purpose: "read locations", known: true };
  return write
    ? { scope: "users.write", purpose: "create, change or remove users", known: true }
    : { scope: "users.readonly", purpose: "read users", known: true };
}

export interface ScopeSuggestion {
  /** Scopes a replacement token of the key's level should hold, sorted. */
  scopes: string[];
  /** Purposes served, in order of use. */
  purposes: string[];
  /** Needed scopes that a token of this level cannot hold (e.g. locations.write on a location). */
  unavailable: { scope: string; purpose: string }[];
  /** Endpoints whose scope cannot be inferred (the platform's own, through /api/verify). */
  unmapped: string[];
}

/**
 * The scopes that would replace a legacy key, from the endpoints it used (most used first).
 * `levelScopes`: the catalogue's scopes for the key's level (a location key only gets location-level ones).
 */
export function suggestScopes(
  endpoints: { endpoint: string; count: number }[],
  levelScopes: ReadonlySet<string>,
): ScopeSuggestion {
  const scopes = new Set<string>();
  const purposes: string[] = [];
  const unavailable = new Map<string, string>();
  const unmapped: string[] = [];
  for (const { endpoint } of [...endpoints].sort((a, b) => b.count - a.count)) {
    const p = purposeOf(endpoint);
    if (!p.known) {
      if (!unmapped.includes(endpoint)) unmapped.push(endpoint);
      continue;
    }
    if (p.scope !== null && !levelScopes.has(p.scope)) {
      unavailable.set(p.scope, p.purpose);
      continue;
    }
    if (p.scope !== null) scopes.add(p.scope);
    if (!purposes.includes(p.purpose)) purposes.push(p.purpose);
  }
  return {
    scopes: [...scopes].sort(),
    purposes,
    unavailable: [...unavailable].map(([scope, purpose]) => ({ scope, purpose })),
    unmapped,
  };
}

/** A client's name from its user agent: `Zapier/2.3 (+https://zapier.com)` → `Zapier`. */
export function clientName(userAgent: string): string {
  const first = userAgent.trim().split(/[\s/;(]/)[0] ?? "";
  return first || "an unnamed client";
}

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export interface AdviceInput {
  level: "agency" | "location";
  status: "active" | "expired";
  windowDays: number;
  total: number;
  /** Most used first. */
  userAgents: { userAgent: string; count: number }[];
  /** Most used first. */
  ips: { ip: string; count: number }[];
  suggestion: ScopeSuggestion;
  migration: {
    replacementName: string;
    startedDay: string;
    usesSince: number;
    lastUseSinceDay: string | null;
  } | null;
}

/** The report's sentence for one legacy key: what it is still used for and what replaces it. */
export function advice(a: AdviceInput): string {
  const s = a.suggestion;
  if (a.migration) {
    const m = a.migration;
    if (m.usesSince === 0)
      return `No use since its replacement “${m.replacementName}” was created on ${m.startedDay}: complete the migration to revoke it.`;
    return `Replacement “${m.replacementName}” created on ${m.startedDay}, but the legacy key was still used ${plural(m.usesSince, "time")} since (last on ${m.lastUseSinceDay})${clients(a)}: switch those clients to the new token, then complete the migration.`;
  }
  if (a.total === 0)
    return `Not used in the last ${a.windowDays} days: nothing depends on it. Revoke it (complete the migration) rather than replace it${a.status === "expired" ? "; it is already expired" : ""}.`;
  const what = s.purposes.length > 0 ? ` to ${list(s.purposes)}` : "";
  let out = `Used ${plural(a.total, "time")} in the last ${a.windowDays} days${clients(a)}${what}`;
  if (s.scopes.length > 0)
    out += `; replace with a private integration token with ${list(s.scopes)}${a.level === "location" ? " on this location" : ""}.`;
  else if (s.purposes.length > 0) out += "; replace with a private integration token (it needs no scope).";
  else out += ".";
  for (const u of s.unavailable)
    out += ` A location-level token cannot ${u.purpose}: use an agency token with ${u.scope} for that part.`;
  if (s.unmapped.length > 0)
    out += ` For its calls to ${list(s.unmapped)}, give the token the scopes your platform's services require.`;
  if (a.status === "expired") out += " It is expired now: nothing can use it until it is refreshed.";
  return out;
}

function clients(a: AdviceInput): string {
  const parts: string[] = [];
  if (a.userAgents.length > 0) {
    const first = clientName(a.userAgents[0]!.userAgent);
    const more = a.userAgents.length - 1;
    parts.push(`by ${first}${more > 0 ? ` and ${plural(more, "other client")}` : ""}`);
  }
  if (a.ips.length > 0) {
    const first = a.ips[0]!.ip || "an unknown address";
    const more = a.ips.length - 1;
    parts.push(`from ${first}${more > 0 ? ` and ${plural(more, "other address", "other addresses")}` : ""}`);
  }
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}
