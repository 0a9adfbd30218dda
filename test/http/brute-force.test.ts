/**
 * Brute-force limits over real HTTP: sign-in per account and per address (the same answer whether
 * the account exists), failed verifications per address (through /api/verify, the client's address),
 * wrong service tokens per address; Retry-After, reset on success, expiry on a moved clock; the
 * audit entry and the metrics of failed sign-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECOND } from "../../src/core/clock.js";
import { generateToken } from "../../src/core/token.js";
import {
  Client,
  type Harness,
  PASSWORD,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let admin: Client;
let n = 0;
/** A fresh source address per call, so tests do not share the per-address counts. */
const addr = () => `198.51.100.${++n}`;

beforeAll(async () => {
  h = await startHarness({
    env: {
      KEYWARD_TRUST_PROXY: "true",
      KEYWARD_SESSION_TTL_HOURS: "2160",
      KEYWARD_SIGNIN_MAX_FAILURES: "3",
      KEYWARD_SIGNIN_ADDRESS_MAX_FAILURES: "5",
      KEYWARD_SIGNIN_LOCK_SECONDS: "60",
      KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "5",
      KEYWARD_FAILED_AUTH_LOCK_SECONDS: "60",
    },
  });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

async function login(email: string, password: string, from: string) {
  const res = await fetch(`${h.url}/api/auth/login`, {
    method: "POST",
    headers: { origin: h.origin, "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get("retry-after") };
}

async function get(path: string, token: string, from: string) {
  const res = await fetch(h.url + path, {
    headers: { authorization: `Bearer ${token}`, "x-forwarded-for": from },
  });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get("retry-after") };
}

async function verify(body: Record<string, unknown>, opts: { from?: string; auth?: string } = {}) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: {
      authorization: opts.auth ?? `Bearer ${SERVICE_TOKEN}`,
      "content-type": "application/json",
      ...(opts.from ? { "x-forwarded-for": opts.from } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get("retry-after") };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function newToken(): Promise<string> {
  const r = await admin.post(`/api/accounts/${w.loc1}/keys`, { name: "k" });
  expect(r.status).toBe(201);
  return r.body.token;
}

/** Well-formed tokens (right prefix and checksum) that no key has. */
const unknowns = Array.from({ length: 210 }, () => generateToken("kw", "private_integration"));
const unknownToken = (i: number) => unknowns[i]!;

describe("sign-in", () => {
  it("locks an account after its failures, with the same answer as for an unknown account", async () => {
    const existing = w.loc2Admin;
    const unknown = "nobody-here@acme.test";
    for (const email of [existing, unknown])
      for (let i = 0; i < 3; i++) {
        const r = await login(email, "wrong password 123", addr());
        expect(r.status).toBe(401);
        expect(r.body.code).toBe("login_failed");
      }
    const a = await login(existing, "wrong password 123", addr());
    const b = await login(unknown, "wrong password 123", addr());
    expect(a.status).toBe(429);
    expect(a.body.code).toBe("too_many_attempts");
    expect(a.retryAfter).toBe("60");
    expect(a.body.retryAfter).toBe(60);
    // Nothing tells the two apart.
    expect(b).toEqual(a);
    // Not even the right password opens a locked account; the e-mail is normalised.
    const right = await login(` ${existing.toUpperCase()} `, PASSWORD, addr());
    expect(right.status).toBe(429);

    h.clock.advance(45 * SECOND);
    expect((await login(existing, PASSWORD, addr())).retryAfter).toBe("15");
    h.clock.advance(15 * SECOND);
    expect((await login(existing, PASSWORD, addr())).status).toBe(200);
  });

  it("locks longer when the account keeps failing right after a lock", async () => {
    const email = "again@acme.test";
    for (let i = 0; i < 3; i++) await login(email, "wrong password 123", addr());
    expect((await login(email, "x", addr())).retryAfter).toBe("60");
    h.clock.advance(60 * SECOND);
    for (let i = 0; i < 3; i++) expect((await login(email, "wrong password 123", addr())).status).toBe(401);
    expect((await login(email, "x", addr())).retryAfter).toBe("120");
    h.clock.advance(120 * SECOND);
  });

  it("a successful sign-in resets the account's count", async () => {
    for (let i = 0; i < 2; i++) await login(w.loc1User, "wrong password 123", addr());
    expect((await login(w.loc1User, PASSWORD, addr())).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(w.loc1User, "wrong", addr())).status).toBe(401);
    expect((await login(w.loc1User, PASSWORD, addr())).status).toBe(200);
  });

  it("blocks an address that tries many accounts, not other addresses", async () => {
    const from = addr();
    for (let i = 0; i < 5; i++)
      expect((await login(`spray${i}@acme.test`, "wrong password 123", from)).status).toBe(401);
    const r = await login(w.agencyUser, PASSWORD, from);
    expect(r.status).toBe(429);
    expect(r.body.code).toBe("too_many_attempts");
    expect(Number(r.retryAfter)).toBe(60);
    expect((await login(w.agencyUser, PASSWORD, addr())).status).toBe(200);
    h.clock.advance(60 * SECOND);
    expect((await login(w.agencyUser, PASSWORD, from)).status).toBe(200);
  });

  it("failed sign-ins are audited (in the account's agency when it exists) and counted", async () => {
    const before = await metric("keyward_failed_signins_total");
    await login(w.agencyAdmin, "wrong password 123", "203.0.113.50");
    await login("ghost@acme.test", "wrong password 123", "203.0.113.50");
    expect(await metric("keyward_failed_signins_total")).toBe(before + 2);
    const user = await h.kw.store.getUserByEmail(w.agencyId, w.agencyAdmin);
    const inAgency = await h.kw.store.listAudit({
      agencyId: w.agencyId,
      action: "session.login_failed",
      limit: 50,
    });
    expect(inAgency.find((e) => e.targetId === user!.id)).toMatchObject({
      ip: "203.0.113.50",
      targetType: "user",
      after: { reason: "wrong_password_or_disabled" },
    });
    // The unknown account's attempt is kept out of every agency's log, and the e-mail nowhere.
    expect(JSON.stringify(inAgency)).not.toContain("ghost");
    const orphans = await h.kw.database.db
      .selectFrom("audit_log")
      .selectAll()
      .where("agency_id", "is", null)
      .where("action", "=", "session.login_failed")
      .where("ip", "=", "203.0.113.50")
      .execute();
    expect(orphans).toHaveLength(1);
    expect(JSON.stringify(orphans)).not.toContain("ghost");
    const refusedBefore = await metric("keyward_attempts_refused_total");
    for (let i = 0; i < 3; i++) await login("ghost2@acme.test", "wrong password 123", addr());
    await login("ghost2@acme.test", "wrong password 123", addr());
    expect(await metric("keyward_attempts_refused_total")).toBeGreaterThan(refusedBefore);
    h.clock.advance(60 * SECOND);
  });
});

describe("failed verifications, per source address", () => {
  it("blocks an address after unknown tokens, even for a valid one, and lets it go later", async () => {
    const token = await newToken();
    const from = addr();
    for (let i = 0; i < 5; i++)
      expect((await get("/v2/token", unknownToken(i), from)).body.code).toBe("not_found");
    const r = await get("/v2/token", token, from);
    expect(r.status).toBe(429);
    expect(r.body.code).toBe("too_many_failures");
    expect(r.retryAfter).toBe("60");
    // Other paths that take keys, and other addresses.
    expect((await get("/v2/locations", token, from)).status).toBe(429);
    expect((await get("/v2/token", token, addr())).status).toBe(200);
    h.clock.advance(60 * SECOND);
    expect((await get("/v2/token", token, from)).status).toBe(200);
  });

  it("behind a proxy, the address is the one the proxy saw: a client cannot choose its own", async () => {
    // The proxy appends the address it saw; whatever the client sent comes before it.
    const token = await newToken();
    const seen = addr();
    for (let i = 0; i < 5; i++)
      expect((await get("/v2/token", unknownToken(100 + i), `10.9.8.${i}, ${seen}`)).body.code).toBe(
        "not_found",
      );
    expect((await get("/v2/token", token, `203.0.113.99, ${seen}`)).status).toBe(429);
    // Naming a victim's address first does not block the victim.
    const victim = addr();
    for (let i = 0; i < 5; i++) await get("/v2/token", unknownToken(200 + i), `${victim}, ${addr()}`);
    expect((await get("/v2/token", token, victim)).status).toBe(200);
  });

  it("counts guesses only: a revoked token is told why, not blocked", async () => {
    const token = await newToken();
    const id = (await get("/v2/token", token, addr())).body.keyId;
    expect((await admin.post(`/api/keys/${id}/revoke`)).status).toBe(200);
    const from = addr();
    for (let i = 0; i < 10; i++) expect((await get("/v2/token", token, from)).body.code).toBe("revoked");
  });

  it("malformed tokens count too, on the v1 API as well", async () => {
    const from = addr();
    for (let i = 0; i < 5; i++) expect((await get("/v1/locations", `junk${i}`, from)).status).toBe(401);
    expect((await get("/v1/locations", "junk", from)).body.code).toBe("too_many_failures");
    h.clock.advance(60 * SECOND);
  });
});

describe("POST /api/verify", () => {
  it("limits the client's address as the service passes it, never the service or its other clients", async () => {
    const token = await newToken();
    const client = "192.0.2.7";
    for (let i = 0; i < 5; i++) {
      const r = await verify({ token: unknownToken(i), clientIp: client });
      expect(r.status).toBe(200);
      expect(r.body.code).toBe("not_found");
    }
    const blocked = await verify({ token, clientIp: client });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe("too_many_failures");
    expect(blocked.retryAfter).toBe("60");
    // The service itself, and its other clients, are answered as before.
    expect((await verify({ token, clientIp: "192.0.2.8" })).body.code).toBe("valid");
    expect((await verify({ token })).body.code).toBe("valid");
    expect((await get("/v2/token", token, "127.0.0.1")).status).toBe(200);
    // The older header names the client too.
    const res = await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SERVICE_TOKEN}`,
        "content-type": "application/json",
        "x-client-ip": client,
      },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(429);
    h.clock.advance(60 * SECOND);
    expect((await verify({ token, clientIp: client })).body.code).toBe("valid");
  });

  it("without a client address, failures are not limited (the service is not blocked)", async () => {
    for (let i = 0; i < 10; i++)
      expect((await verify({ token: unknownToken(i) })).body.code).toBe("not_found");
    expect((await verify({ token: await newToken() })).body.code).toBe("valid");
  });

  it("refuses a clientIp that is not an address", async () => {
    const r = await verify({ token: "x", clientIp: "not an ip" });
    expect(r.status).toBe(400);
    expect(r.body.issues[0].field).toBe("clientIp");
  });

  it("wrong service tokens block the address they come from, not the service's other addresses", async () => {
    const token = await newToken();
    const attacker = addr();
    for (let i = 0; i < 5; i++)
      expect((await verify({ token }, { from: attacker, auth: `Bearer wrong-${i}` })).body.code).toBe(
        "invalid_service_token",
      );
    const r = await verify({ token }, { from: attacker });
    expect(r.status).toBe(429);
    expect(r.body.code).toBe("too_many_failures");
    expect(r.retryAfter).toBe("60");
    expect((await verify({ token }, { from: addr() })).body.code).toBe("valid");
    expect(await metric('keyward_failed_auth_total{kind="service_token"}')).toBeGreaterThanOrEqual(5);
    h.clock.advance(60 * SECOND);
    expect((await verify({ token }, { from: attacker })).body.code).toBe("valid");
  });
});
