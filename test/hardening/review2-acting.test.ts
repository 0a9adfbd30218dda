/**
 * Review 2, item 1: a `keys:manage` credential acting for a person (`Keyward-Acting-User`) gets key
 * management with that person's rights — never the rest of what the person could do signed in:
 * setting passwords, inviting people, managing sessions, settings, webhooks. Those would let the
 * credential make itself a console session or more rights than key management.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
let token: string;
let ownerId: string;
let clerkId: string;
const CLI: Ctx = { ...systemCtx, actorId: "cli" };

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  token = (await h.kw.serviceKeys.create(CLI, { agencyId: w.agencyId, name: "crm", scopes: ["keys:manage"] }))
    .token;
  const people = await h.kw.store.listUsers(w.agencyId);
  ownerId = people.find((u) => u.isOwner)!.id;
  clerkId = people.find((u) => u.email === w.loc1User)!.id;
});
afterAll(() => h.close());

/** A call acting for the agency's owner, who could do all of it signed in. */
async function asOwner(method: string, path: string, body?: unknown) {
  const res = await fetch(h.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "keyward-acting-user": ownerId,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("acting for a person", () => {
  it("cannot set another person's password: the credential would get their console session", async () => {
    const r = await asOwner("PATCH", `/api/users/${clerkId}`, { password: "a brand new passphrase 42" });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "acting_user_forbidden", routeFamily: "users" });
    expect(r.body.detail).toMatch(/key management/);
    // The clerk's password is unchanged.
    const clerk = await new Client(h).login(w.loc1User, PASSWORD);
    expect((await clerk.get("/api/me")).status).toBe(200);
  });

  it("cannot invite anyone, or resend or cancel invitations", async () => {
    const r = await asOwner("POST", `/api/agencies/${w.agencyId}/invitations`, {
      email: "mole@acme.test",
      type: "agency",
      role: "admin",
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "acting_user_forbidden", routeFamily: "invitations" });
    expect(await h.kw.store.db.selectFrom("invitations").selectAll().execute()).toEqual([]);
    const list = await asOwner("GET", `/api/agencies/${w.agencyId}/invitations`);
    expect(list.body.code).toBe("acting_user_forbidden");
  });

  it("cannot manage sessions, people, settings, webhooks or the audit log", async () => {
    const refused: [string, string, unknown?][] = [
      ["GET", "/api/me/sessions"],
      ["POST", "/api/me/sessions/sign-out-others"],
      [
        "POST",
        `/api/agencies/${w.agencyId}/users`,
        { email: "x@acme.test", name: "X", type: "agency", role: "admin" },
      ],
      ["DELETE", `/api/users/${clerkId}`],
      ["POST", `/api/users/${clerkId}/enable`],
      ["PATCH", `/api/agencies/${w.agencyId}/settings`, {}],
      ["PATCH", `/api/agencies/${w.agencyId}`, { name: "Renamed" }],
      ["POST", `/api/agencies/${w.agencyId}/webhooks`, { url: "https://example.com/h" }],
      ["GET", `/api/agencies/${w.agencyId}/audit`],
      ["POST", "/api/auth/logout"],
    ];
    for (const [method, path, body] of refused) {
      const r = await asOwner(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code, `${method} ${path}`).toBe("acting_user_forbidden");
    }
    expect((await h.kw.store.getUser(clerkId))!.disabledAt).toBeNull();
    expect((await h.kw.store.getAgency(w.agencyId))!.name).toBe("Acme Agency");
  });

  it("refuses every session route outside key management, as listed in /openapi.json", async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    const allowed: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const security = JSON.stringify(op.security ?? []);
        // Only the session guard takes Keyward-Acting-User (sessionOrService routes take the credential itself).
        if (!security.includes('"session"') || security.includes("serviceToken")) continue;
        const r = await asOwner(method.toUpperCase(), path.replace(/\{\w+\}/g, "x"));
        if (r.status === 403 && r.body?.code === "acting_user_forbidden") continue;
        allowed.push(`${method.toUpperCase()} ${path}`);
      }
    expect(allowed.sort()).toEqual(
      [
        "GET /api/me",
        "GET /api/scopes",
        "GET /api/agencies/{agencyId}",
        "GET /api/agencies/{agencyId}/locations",
        "GET /api/agencies/{agencyId}/users",
        "GET /api/locations/{locationId}",
        "GET /api/users/{userId}",
        "GET /api/users/{userId}/keys",
        "POST /api/users/{userId}/keys/revoke",
        "GET /api/accounts/{accountId}/keys",
        "POST /api/accounts/{accountId}/keys",
        "POST /api/accounts/{accountId}/keys/import",
        "GET /api/accounts/{accountId}/usage",
        "GET /api/accounts/{accountId}/banner",
        "GET /api/accounts/{accountId}/lifetime-banner",
        "GET /api/accounts/{accountId}/upcoming",
        "GET /api/keys/{keyId}",
        "PATCH /api/keys/{keyId}",
        "GET /api/keys/{keyId}/usage",
        "GET /api/keys/{keyId}/rate-limits",
        "POST /api/keys/{keyId}/revoke",
        "POST /api/keys/{keyId}/rotate",
        "POST /api/keys/{keyId}/refresh",
        "POST /api/keys/{keyId}/rotation/cancel",
        "POST /api/keys/{keyId}/rotation/expire-now",
        "POST /api/keys/{keyId}/report-leak",
        "POST /api/keys/{keyId}/keep",
        "POST /api/keys/{keyId}/migration",
        "POST /api/keys/{keyId}/migration/complete",
      ].sort(),
    );
  });

  it("still manages keys and reads the agency's locations and people", async () => {
    const made = await asOwner("POST", `/api/accounts/${w.loc1}/keys`, { name: "from the crm" });
    expect(made.status).toBe(201);
    expect((await asOwner("POST", `/api/keys/${made.body.key.id}/revoke`, {})).status).toBe(200);
    expect((await asOwner("GET", `/api/agencies/${w.agencyId}/locations`)).status).toBe(200);
    expect((await asOwner("GET", `/api/agencies/${w.agencyId}/users`)).status).toBe(200);
    expect((await asOwner("GET", "/api/me")).body.user.id).toBe(ownerId);
  });
});
