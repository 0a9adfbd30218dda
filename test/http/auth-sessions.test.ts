/**
 * Sign-in and sessions (issue 2 §1): an HTTP-only, SameSite=Lax cookie, `Secure` over HTTPS
 * (public URL, or a trusted proxy's X-Forwarded-Proto), expiry on the injected clock, logout and
 * offboarding revoke, and the Origin rule for state-changing requests.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR } from "../../src/core/clock.js";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

async function login(
  target: Harness,
  email: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; setCookie: string | null; body: any }> {
  const res = await fetch(`${target.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: target.origin, ...headers },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return { status: res.status, setCookie: res.headers.get("set-cookie"), body: await res.json() };
}

const cookiePair = (setCookie: string) => setCookie.split(";")[0]!;

async function keyCount(): Promise<number> {
  return (await h.kw.store.listKeys({ agencyId: w.agencyId })).length;
}

describe("the session cookie", () => {
  it("is HTTP-only, SameSite=Lax, path /, with a max age, and not Secure over plain HTTP", async () => {
    const r = await login(h, w.owner);
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe(w.owner);
    const c = r.setCookie!;
    expect(c).toMatch(/^keyward_session=[A-Za-z0-9_-]{43};/);
    expect(c).toMatch(/; HttpOnly/);
    expect(c).toMatch(/; SameSite=Lax/);
    expect(c).toMatch(/; Path=\//);
    expect(c).toMatch(/; Max-Age=43200/);
    expect(c).not.toMatch(/Secure/);
    // Only the session's hash is stored.
    const value = cookiePair(c).split("=")[1]!;
    expect(await h.kw.store.getSession(value)).toBeNull();
    const hashed = createHash("sha256").update(value).digest("hex");
    expect((await h.kw.store.getSession(hashed))?.userId).toBe(r.body.user.id);
  });

  it("is Secure when KEYWARD_PUBLIC_URL is https", async () => {
    const s = await startHarness({ env: { KEYWARD_PUBLIC_URL: "https://keys.example.com" } });
    try {
      await seedWorld(s.kw, "agency_pro", "-https");
      const r = await login(s, "owner-https@acme.test", { origin: "https://keys.example.com" });
      expect(r.status).toBe(200);
      expect(r.setCookie).toMatch(/; Secure/);
      // The service's own origin is its public URL: the plain-HTTP origin is not it any more.
      const plain = await login(s, "owner-https@acme.test", { origin: "http://keys.example.com" });
      expect(plain.status).toBe(403);
      expect(plain.body.code).toBe("origin_mismatch");
    } finally {
      await s.close();
    }
  });

  it("is Secure behind a trusted proxy saying https, and only when the proxy is trusted", async () => {
    const trusted = await startHarness({ env: { KEYWARD_TRUST_PROXY: "true" } });
    try {
      await seedWorld(trusted.kw, "agency_pro", "-proxy");
      const host = new URL(trusted.url).host;
      const r = await login(trusted, "owner-proxy@acme.test", {
        "x-forwarded-proto": "https",
        origin: `https://${host}`,
      });
      expect(r.status).toBe(200);
      expect(r.setCookie).toMatch(/; Secure/);
    } finally {
      await trusted.close();
    }
    const host = new URL(h.url).host;
    const untrusted = await login(h, w.owner, { "x-forwarded-proto": "https", origin: `http://${host}` });
    expect(untrusted.status).toBe(200);
    expect(untrusted.setCookie).not.toMatch(/Secure/);
  });

  it("expires after its lifetime on the clock", async () => {
    const s = await startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2" } });
    try {
      const world = await seedWorld(s.kw, "agency_pro", "-ttl");
      const c = await new Client(s).login(world.owner);
      expect((await c.get("/api/me")).status).toBe(200);
      s.clock.advance(2 * HOUR - 1);
      expect((await c.get("/api/me")).status).toBe(200);
      s.clock.advance(1);
      const r = await c.get("/api/me");
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("unauthenticated");
    } finally {
      await s.close();
    }
  });

  it("logout revokes the session: the same cookie no longer works", async () => {
    const c = await new Client(h).login(w.agencyAdmin);
    const stolen = c.cookie;
    const out = await c.post("/api/auth/logout");
    expect(out.status).toBe(204);
    const replay = new Client(h);
    replay.cookie = stolen;
    expect((await replay.get("/api/me")).status).toBe(401);
    expect((await replay.post(`/api/accounts/${w.loc1}/keys`, { name: "x" })).status).toBe(401);
  });

  it("a removed user's sessions end, and they cannot sign in again", async () => {
    const admin = await new Client(h).login(w.owner);
    const created = await admin.post(`/api/agencies/${w.agencyId}/users`, {
      email: "leaver@acme.test",
      name: "Leaver",
      password: PASSWORD,
      type: "agency",
      role: "user",
    });
    expect(created.status).toBe(201);
    const leaver = await new Client(h).login("leaver@acme.test");
    expect((await leaver.get("/api/me")).status).toBe(200);
    expect((await admin.delete(`/api/users/${created.body.id}`)).status).toBe(200);
    expect((await leaver.get("/api/me")).status).toBe(401);
    expect((await login(h, "leaver@acme.test")).status).toBe(401);
  });

  it("a wrong password and an unknown e-mail get the same answer", async () => {
    const a = await new Client(h).post("/api/auth/login", { email: w.owner, password: "not the password" });
    const b = await new Client(h).post("/api/auth/login", { email: "nobody@acme.test", password: "x" });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body.detail).toBe(b.body.detail);
    expect(a.headers.get("set-cookie")).toBeNull();
  });
});

describe("the Origin rule", () => {
  it("refuses state-changing requests without an Origin, and changes nothing", async () => {
    const c = await new Client(h).login(w.owner);
    const before = await keyCount();
    const r = await fetch(`${h.url}/api/accounts/${w.loc1}/keys`, {
      method: "POST",
      headers: { cookie: c.cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "csrf" }),
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as any).code).toBe("origin_mismatch");
    expect(await keyCount()).toBe(before);
  });

  it("refuses a foreign Origin (a cross-site form), for every method that changes things", async () => {
    const c = await new Client(h).login(w.owner);
    const k = await c.post(`/api/accounts/${w.loc1}/keys`, { name: "target" });
    const before = await keyCount();
    const auditBefore = (await h.kw.store.listAudit({ agencyId: w.agencyId, limit: 500 })).length;
    for (const [method, path, body] of [
      ["POST", `/api/accounts/${w.loc1}/keys`, { name: "csrf" }],
      ["POST", `/api/keys/${k.body.key.id}/revoke`, {}],
      ["PATCH", `/api/keys/${k.body.key.id}`, { name: "csrf" }],
      ["DELETE", `/api/locations/${w.loc2}`, undefined],
      ["PATCH", `/api/agencies/${w.agencyId}`, { plan: "starter" }],
    ] as const) {
      const r = await c.request(method, path, body, { origin: "https://evil.example" });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("origin_mismatch");
      expect(r.body.detail).toBe(
        "Requests from https://evil.example are refused: only this service's own pages may change things.",
      );
    }
    expect(await keyCount()).toBe(before);
    expect((await h.kw.store.listAudit({ agencyId: w.agencyId, limit: 500 })).length).toBe(auditBefore);
    expect((await h.kw.store.getKey(k.body.key.id))!.status).toBe("active");
    expect((await h.kw.store.getAgency(w.agencyId))!.plan).toBe("agency_pro");
    // A sign-in from another site is refused too (login CSRF).
    const forged = await login(h, w.owner, { origin: "https://evil.example" });
    expect(forged.status).toBe(403);
    expect(forged.setCookie).toBeNull();
  });

  it("allows a script holding the cookie and sending the service's own Origin; reads need no Origin", async () => {
    const c = await new Client(h).login(w.owner);
    const r = await fetch(`${h.url}/api/accounts/${w.loc1}/keys`, {
      method: "POST",
      headers: { cookie: c.cookie, "content-type": "application/json", origin: h.origin },
      body: JSON.stringify({ name: "from a script" }),
    });
    expect(r.status).toBe(201);
    const read = await fetch(`${h.url}/api/accounts/${w.loc1}/keys`, { headers: { cookie: c.cookie } });
    expect(read.status).toBe(200);
  });
});
