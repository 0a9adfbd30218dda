/**
 * What a service credential acting for a person (`keys:manage`, `Keyward-Acting-User`) may reach:
 * key management and the reads it needs, nothing else. The person's rights still apply on top; this
 * bounds what the *credential* may do with them. Everything else — their password, people and
 * invitations, sessions, settings, webhooks, the audit log, service credentials — stays with the
 * person signed in to the console: a credential reaching those could make itself a session or more
 * rights than key management. An allow-list, so a route added later is refused until it is listed.
 */

/** Endpoints as the Router names them (`METHOD /path/:id`), reachable when acting for a person. */
const KEY_MANAGEMENT: readonly RegExp[] = [
  // Keys: list, create, import, read, change, rotate, revoke, leak report, Keep, migration, usage.
  /^(GET|POST) \/api\/accounts\/:id\/keys(\/import)?$/,
  /^(GET|PATCH|POST) \/api\/keys\/:id(\/.+)?$/,
  /^(GET|POST) \/api\/users\/:id\/keys(\/revoke)?$/,
  /^GET \/api\/scopes$/,
  // What the keys of an account look like: usage, inactivity and lifetime banners, upcoming actions.
  /^GET \/api\/accounts\/:id\/(usage|banner|lifetime-banner|upcoming)$/,
  // Reads key management needs: who the person is, their agency, its locations and people.
  /^GET \/api\/me$/,
  /^GET \/api\/agencies\/:id(\/locations|\/users)?$/,
  /^GET \/api\/(locations|users)\/:id$/,
];

/**
 * The family of routes an endpoint belongs to when a credential acting for a person may not reach
 * it (`/api/agencies/:id/invitations` → `invitations`), or null when it may.
 */
export function actingRefusal(endpoint: string): string | null {
  if (KEY_MANAGEMENT.some((r) => r.test(endpoint))) return null;
  const path = endpoint.slice(endpoint.indexOf(" ") + 1);
  const parts = path.split("/").filter((p) => p !== "" && p !== "api" && p !== ":id");
  // What the route manages: /api/agencies/:id/invitations → invitations, /api/me/sessions →
  // sessions, /api/users/:id/enable → users, /api/locations/:id/settings → settings.
  if (parts.includes("settings")) return "settings";
  const within = parts[0] === "agencies" || parts[0] === "me" || parts[0] === "accounts";
  return (within ? parts[1] : undefined) ?? parts[0] ?? path;
}
