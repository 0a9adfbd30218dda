/**
 * docs/spec.md §3 over HTTP: every verification code, through the platform API (Authorization header) and
 * through POST /api/verify (service token); problem+json bodies and WWW-Authenticate on every 401;
 * the cache (counted queries); use recording (batched, flushed on close, never backwards, warned
 * keys written through).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY } from "../../src/core/clock.js";
import { generateToken } from "../../src/core/token.js";
import { type OpenedDatabase, openSqlite } from "../../src/store/dialect.js";
import { Store } from "../../src/store/store.js";
import { UsageStore } from "../../src/store/usage-store.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  setPlan,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";

/**
 * Counts every statement the store sends, with its kind and the tables it names — except the SQLite
 * bus's poll for other processes' changes (`pragma data_version`, the change log), which runs every
 * 250 ms whatever the requests do and would land in a test's window on a busy machine.
 */
class QueryCounter implements KyselyPlugin {
  log: string[] = [];
  transformQuery(args: PluginTransformQueryArgs) {
    const json = JSON.stringify(args.node);
    if (args.node.kind === "RawNode" && /pragma data_version|change_log/.test(json)) return args.node;
    const tables = [...json.matchAll(/"identifier":\{"kind":"IdentifierNode","name":"([a-z_]+)"\}/g)].map(
      (m) => m[1],
    );
    this.log.push(`${args.node.kind} ${[...new Set(tables)].join(",")}`);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
  get count() {
    return this.log.length;
  }
}

function countedDatabase(): { database: OpenedDatabase; counter: QueryCounter; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "keyward-counted-"));
  const base = openSqlite(join(dir, "keyward.sqlite"));
  const counter = new QueryCounter();
  return { database: { ...base, db: base.db.withPlugin(counter) }, counter, dir };
}

let h: Harness;
let w: World;
let admin: Client;
let counted: ReturnType<typeof countedDatabase>;

beforeAll(async () => {
  counted = countedDatabase();
  // Sessions outlive the clock moves of this file.
  h = await startHarness({ database: counted.database, env: { KEYWARD_SESSION_TTL_HOURS: "2160" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
});
afterAll(async () => {
  await h.close();
  await counted.database.close();
  rmSync(counted.dir, { recursive: true, force: true });
});

async function createKey(account: string, body: Record<string, unknown> = {}) {
  const r = await admin.post(`/api/accounts/${account}/keys`, { name: "k", ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function verifyService(body: Record<string, unknown>, auth = `Bearer ${SERVICE_TOKEN}`) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

async function rawAuth(authorization: string | undefined, path = "/v2/token") {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(h.url + path, { headers });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** A 401 is problem+json with the code and a WWW-Authenticate naming it. */
function expect401(
  r: { status: number; body: any; headers: Headers },
  code: string,
  detail: string | RegExp,
) {
  expect(r.status).toBe(401);
  expect(r.headers.get("content-type")).toBe("application/problem+json");
  expect(r.body.code).toBe(code);
  expect(r.body.status).toBe(401);
  expect(r.body.title).toEqual(expect.any(String));
  if (typeof detail === "string") expect(r.body.detail).toBe(detail);
  else expect(r.body.detail).toMatch(detail);
  const www = r.headers.get("www-authenticate") ?? "";
  expect(www).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
}

/** Marks a key's state directly in the store (the lifecycle is another module) and drops its cache. */
async function setState(keyId: string, state: "expired" | "deleted", at: number, days: number) {
  const k = (await h.kw.store.getKey(keyId))!;
  await h.kw.store.updateKey({
    ...k,
    status: state,
    ...(state === "expired" ? { expiredAt: at } : { deletedAt: at }),
    inactiveDays: days,
  });
  await h.kw.keys.invalidate(keyId);
}

describe("malformed tokens over HTTP", () => {
  it("no header, not Bearer, and each malformed shape, with its reason", async () => {
    const good = generateToken("kw", "private_integration");
    expect401(await rawAuth(undefined), "malformed", "No token: send it as Authorization: Bearer <token>.");
    expect401(
      await rawAuth(`Basic ${good}`),
      "malformed",
      "The Authorization header must be of the form: Bearer <token>.",
    );
    expect401(
      await rawAuth(`Bearer  ${good}`),
      "malformed",
      "The token has stray whitespace around it: remove the spaces or line breaks.",
    );
    expect401(
      await rawAuth(`Bearer "${good}"`),
      "malformed",
      "The token has stray quotes around it: send it without quotes.",
    );
    expect401(
      await rawAuth(`Bearer ${good.slice(0, -2)}`),
      "malformed",
      /^Wrong length: the part after kw_pit_ must be 38 characters, this one has 36/,
    );
    expect401(
      await rawAuth(`Bearer ${good.slice(0, 9)}!${good.slice(10)}`),
      "malformed",
      /^The token contains characters that never appear in a token/,
    );
    expect401(
      await rawAuth(`Bearer ${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`),
      "malformed",
      "Failed checksum: the token was mistyped or truncated; copy it again.",
    );
    expect401(
      await rawAuth("Bearer ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
      "malformed",
      "Wrong prefix: tokens of this deployment start with kw_pit_ or kw_v1_.",
    );
    // A malformed token never reaches the database.
    const before = counted.counter.count;
    await rawAuth(`Bearer ${good.slice(0, -1)}`);
    expect(counted.counter.count).toBe(before);
  });

  it("via /api/verify, including the empty token", async () => {
    const r = await verifyService({ token: "" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      valid: false,
      code: "malformed",
      message: "The token is empty: send Authorization: Bearer <token>.",
    });
    const sp = await verifyService({ token: `${generateToken("kw", "legacy_v1")}\n` });
    expect(sp.body.code).toBe("malformed");
    expect(sp.body.message).toMatch(/stray whitespace/);
    const q = await verifyService({ token: `'${generateToken("kw", "legacy_v1")}'` });
    expect(q.body.message).toMatch(/stray quotes/);
  });
});

describe("every verification code", () => {
  it("valid: the platform API answers and /api/verify describes the key", async () => {
    const k = await createKey(w.loc1, { name: "Zapier", scopes: ["locations.readonly"] });
    const r = await withKey(h, k.token, "GET", `/v2/locations/${w.loc1}`);
    expect(r.status).toBe(200);
    const v = await verifyService({
      token: k.token,
      requiredScopes: ["locations.readonly"],
      locationId: w.loc1,
    });
    expect(v.body).toEqual({
      valid: true,
      code: "valid",
      key: {
        id: k.id,
        name: "Zapier",
        kind: "private_integration",
        owner: { type: "location", id: w.loc1 },
        agencyId: w.agencyId,
        scopes: ["locations.readonly"],
      },
    });
  });

  it("not_found: well-formed but unknown", async () => {
    const t = generateToken("kw", "private_integration");
    expect401(
      await withKey(h, t, "GET", "/v2/token"),
      "not_found",
      "Unknown token: it was never issued by this deployment, or it was mistyped.",
    );
    expect((await verifyService({ token: t })).body.code).toBe("not_found");
  });

  it("revoked: revoked on <time>", async () => {
    const k = await createKey(w.loc1);
    h.clock.set(T0 + 3 * DAY);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    expect((await admin.post(`/api/keys/${k.id}/revoke`)).status).toBe(200);
    const msg = "This token was revoked on 2026-01-04T00:00:00Z.";
    expect401(await withKey(h, k.token, "GET", "/v2/token"), "revoked", msg);
    expect((await verifyService({ token: k.token })).body).toMatchObject({ code: "revoked", message: msg });
  });

  it("rotated: replaced by rotation on <time>", async () => {
    const k = await createKey(w.loc1);
    h.clock.set(T0 + 4 * DAY);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    const rot = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 0 });
    const msg = "This token was replaced by rotation on 2026-01-05T00:00:00Z: use the new token.";
    expect401(await withKey(h, k.token, "GET", "/v2/token"), "rotated", msg);
    expect((await verifyService({ token: k.token })).body).toMatchObject({ code: "rotated", message: msg });
    expect((await withKey(h, rot.body.token, "GET", "/v2/token")).status).toBe(200);
  });

  it("expired: expired on <time> after N days without use", async () => {
    const k = await createKey(w.loc1);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200); // cached
    await setState(k.id, "expired", Date.parse("2026-04-01T00:00:00Z"), 90);
    const msg =
      "This token expired on 2026-04-01T00:00:00Z after 90 days without use; an admin can refresh or rotate it.";
    expect401(await withKey(h, k.token, "GET", "/v2/token"), "expired", msg);
    expect((await verifyService({ token: k.token })).body).toMatchObject({ code: "expired", message: msg });
  });

  it("deleted: deleted on <time> after N days without use", async () => {
    const k = await createKey(w.loc1);
    await setState(k.id, "deleted", Date.parse("2026-04-01T00:00:00Z"), 92);
    const msg = "This token was deleted on 2026-04-01T00:00:00Z after 92 days without use.";
    expect401(await withKey(h, k.token, "GET", "/v2/token"), "deleted", msg);
    expect((await verifyService({ token: k.token })).body).toMatchObject({ code: "deleted", message: msg });
  });

  it("insufficient_scope: 403 naming the missing scope", async () => {
    const k = await createKey(w.loc1, { scopes: ["users.readonly"] });
    const r = await withKey(h, k.token, "GET", "/v2/locations");
    expect(r.status).toBe(403);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body.code).toBe("insufficient_scope");
    expect(r.body.detail).toBe("The token is not authorized for this scope: locations.readonly.");
    expect(r.body.missingScopes).toEqual(["locations.readonly"]);
    expect(r.headers.get("www-authenticate")).toBe(
      'Bearer error="insufficient_scope", scope="locations.readonly"',
    );
    const v = await verifyService({ token: k.token, requiredScopes: ["users.readonly", "users.write"] });
    expect(v.body).toMatchObject({
      valid: false,
      code: "insufficient_scope",
      message: "The token is not authorized for this scope: users.write.",
      key: { id: k.id },
    });
  });

  it("location_forbidden: a location key outside its location; an agency key outside its agency", async () => {
    const k = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    for (const loc of [w.loc2, w.otherLoc, "loc_doesnotexist"]) {
      const r = await withKey(h, k.token, "GET", `/v2/locations/${loc}`);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("location_forbidden");
      expect(r.body.detail).toBe("The token does not have access to this location.");
    }
    const ag = await createKey(w.agencyId, { scopes: ["locations.readonly"] });
    expect((await withKey(h, ag.token, "GET", `/v2/locations/${w.loc2}`)).status).toBe(200);
    expect((await withKey(h, ag.token, "GET", `/v2/locations/${w.otherLoc}`)).body.code).toBe(
      "location_forbidden",
    );
    expect((await verifyService({ token: k.token, locationId: w.loc2 })).body.code).toBe(
      "location_forbidden",
    );
    expect((await verifyService({ token: ag.token, locationId: w.loc1 })).body.code).toBe("valid");
    expect((await verifyService({ token: ag.token, locationId: w.otherLoc })).body.code).toBe(
      "location_forbidden",
    );
  });

  it("plan_required: a downgrade suspends agency keys, an upgrade brings them back", async () => {
    const ag = await createKey(w.agencyId, { scopes: ["locations.readonly"] });
    const loc = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    expect((await withKey(h, ag.token, "GET", "/v2/locations")).status).toBe(200); // cached now
    const down = await setPlan(h, w.agencyId, "starter");
    expect(down.status).toBe(200);
    expect(down.body.plan).toBe("starter");
    const r = await withKey(h, ag.token, "GET", "/v2/locations");
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("plan_required");
    expect(r.body.detail).toBe("Agency keys need the agency_pro plan; this agency is on starter.");
    expect((await verifyService({ token: ag.token })).body.code).toBe("plan_required");
    // Location keys keep working on every plan.
    expect((await withKey(h, loc.token, "GET", "/v2/locations")).status).toBe(200);
    // And a new agency key is refused.
    const refused = await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "x" });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("plan_required");
    await setPlan(h, w.agencyId, "unlimited");
    expect((await withKey(h, ag.token, "GET", "/v2/locations")).body.code).toBe("plan_required");
    await setPlan(h, w.agencyId, "agency_pro");
    expect((await withKey(h, ag.token, "GET", "/v2/locations")).status).toBe(200);
  });

  it("disabled_by_security: role changes through the API while Enhanced Account Security is on", async () => {
    const ag = await createKey(w.agencyId, { scopes: ["users.readonly", "users.write"] });
    const users = await withKey(h, ag.token, "GET", "/v2/users");
    const staff = users.body.users.find((u: any) => u.email === w.agencyUser);
    const r = await withKey(h, ag.token, "PUT", `/v2/users/${staff.id}`, { role: "admin" });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("disabled_by_security");
    expect((await h.kw.store.getUser(staff.id))!.role).toBe("user");
  });

  it("/api/verify refuses callers without the service token, with WWW-Authenticate", async () => {
    for (const auth of ["", "Bearer wrong-token-wrong-token-wrong-token-1234", `Basic ${SERVICE_TOKEN}`]) {
      const r = await verifyService({ token: "x" }, auth);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("invalid_service_token");
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
  });

  it("every 401 of the API carries WWW-Authenticate", async () => {
    const anon = new Client(h);
    for (const path of ["/api/me", `/api/accounts/${w.loc1}/keys`, `/api/agencies/${w.agencyId}/audit`]) {
      const r = await anon.get(path);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("unauthenticated");
      expect(r.headers.get("www-authenticate")).toBeTruthy();
    }
    const bad = await anon.post("/api/auth/login", { email: w.owner, password: "wrong password!" });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("login_failed");
    expect(bad.headers.get("www-authenticate")).toBeTruthy();
  });
});

describe("the verification cache", () => {
  it("a verified key does not touch the database on its next request", async () => {
    const k = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    const first = counted.counter.count;
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    expect(counted.counter.count).toBeGreaterThan(first); // the first one reads
    const before = counted.counter.count;
    for (let i = 0; i < 5; i++) {
      expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
      expect((await verifyService({ token: k.token })).body.code).toBe("valid");
    }
    expect(counted.counter.log.slice(before)).toEqual([]);
  });

  it("revoke, rotate, expire-now, cancel and edits take effect before their request returns", async () => {
    // revoke
    const a = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    expect((await withKey(h, a.token, "GET", "/v2/token")).status).toBe(200);
    await admin.post(`/api/keys/${a.id}/revoke`);
    expect((await withKey(h, a.token, "GET", "/v2/token")).body.code).toBe("revoked");

    // rotate later, then expire-now
    const b = await createKey(w.loc1);
    expect((await withKey(h, b.token, "GET", "/v2/token")).status).toBe(200);
    const rot = await admin.post(`/api/keys/${b.id}/rotate`, { expireOldAfterSeconds: 3600 });
    expect((await withKey(h, b.token, "GET", "/v2/token")).status).toBe(200); // grace
    expect((await admin.post(`/api/keys/${b.id}/rotation/expire-now`)).status).toBe(200);
    expect((await withKey(h, b.token, "GET", "/v2/token")).body.code).toBe("rotated");
    expect((await withKey(h, rot.body.token, "GET", "/v2/token")).status).toBe(200);

    // rotate later, then cancel: the new token is revoked at once, the old one keeps working
    const c = await createKey(w.loc1);
    const rot2 = await admin.post(`/api/keys/${c.id}/rotate`, { expireOldAfterSeconds: 3600 });
    expect((await withKey(h, rot2.body.token, "GET", "/v2/token")).status).toBe(200);
    expect((await admin.post(`/api/keys/${c.id}/rotation/cancel`)).status).toBe(200);
    const cancelled = await withKey(h, rot2.body.token, "GET", "/v2/token");
    expect(cancelled.body.code).toBe("revoked");
    expect(cancelled.body.detail).toMatch(/when its rotation was cancelled/);
    expect((await withKey(h, c.token, "GET", "/v2/token")).status).toBe(200);

    // scopes removed: the cached key loses them at once
    const d = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    expect((await withKey(h, d.token, "GET", "/v2/locations")).status).toBe(200);
    await admin.patch(`/api/keys/${d.id}`, { scopes: [] });
    expect((await withKey(h, d.token, "GET", "/v2/locations")).body.code).toBe("insufficient_scope");
  });

  it("a deleted location's keys stop at once", async () => {
    const loc = await admin.post(`/api/agencies/${w.agencyId}/locations`, { name: "Pop-up" });
    const k = await createKey(loc.body.id, { scopes: ["locations.readonly"] });
    expect((await withKey(h, k.token, "GET", `/v2/locations/${loc.body.id}`)).status).toBe(200);
    expect((await admin.delete(`/api/locations/${loc.body.id}`)).status).toBe(204);
    const r = await withKey(h, k.token, "GET", "/v2/token");
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("revoked");
    expect((await h.kw.store.getKey(k.id))!.status).toBe("revoked");
  });
});

describe("use recording", () => {
  it("records last use (time, IP, user agent) and counts per day, batched into one write per flush", async () => {
    await h.kw.usage.flush();
    h.clock.set(T0 + 10 * DAY);
    const a = await createKey(w.loc1);
    const b = await createKey(w.loc1);
    const call = (t: string, ua: string) =>
      fetch(`${h.url}/v2/token`, { headers: { authorization: `Bearer ${t}`, "user-agent": ua } });
    for (let i = 0; i < 10; i++) await call(a.token, "zapier/1");
    h.clock.advance(DAY);
    for (let i = 0; i < 7; i++) await call(a.token, "zapier/2");
    for (let i = 0; i < 3; i++) await call(b.token, "script/1");
    // Nothing written yet: uses are batched.
    expect((await h.kw.store.getKey(a.id))!.lastUsedAt).toBeNull();
    expect(h.kw.usage.pendingKeys).toBe(2);

    const before = counted.counter.log.length;
    await h.kw.usage.flush();
    const writes = counted.counter.log.slice(before);
    // One statement for both keys (UPDATE … FROM (VALUES …)), not one per key.
    expect(writes.filter((q) => q.startsWith("UpdateQueryNode api_keys"))).toHaveLength(1);
    expect(writes.filter((q) => q.startsWith("InsertQueryNode usage_daily"))).toHaveLength(1);

    const view = await admin.get(`/api/keys/${a.id}`);
    expect(view.body.lastUsed).toEqual({
      at: new Date(T0 + 11 * DAY).toISOString(),
      ip: expect.stringMatching(/127\.0\.0\.1/),
      userAgent: "zapier/2",
    });
    expect(view.body.daysInactive).toBe(0);
    const usage = await admin.get(`/api/keys/${a.id}/usage?days=30`);
    expect(usage.body.days).toEqual([
      { day: "2026-01-11", count: 10, codes: {} },
      { day: "2026-01-12", count: 7, codes: {} },
    ]);
    expect((await admin.get(`/api/keys/${b.id}/usage`)).body.days).toEqual([
      { day: "2026-01-12", count: 3, codes: {} },
    ]);
  });

  it("/api/verify records the client's IP and agent the calling service passes on", async () => {
    const k = await createKey(w.loc1);
    await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SERVICE_TOKEN}`,
        "content-type": "application/json",
        "x-client-ip": "203.0.113.9",
        "x-client-user-agent": "partner-app/3",
      },
      body: JSON.stringify({ token: k.token }),
    });
    await h.kw.usage.flush();
    expect((await admin.get(`/api/keys/${k.id}`)).body.lastUsed).toMatchObject({
      ip: "203.0.113.9",
      userAgent: "partner-app/3",
    });
  });

  it("a failed verification is not a use", async () => {
    const k = await createKey(w.loc1, { scopes: [] });
    await withKey(h, k.token, "GET", "/v2/locations"); // insufficient_scope
    await h.kw.usage.flush();
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBeNull();
  });

  it("a warned key's use is written before the response returns", async () => {
    const k = await createKey(w.loc1);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    await h.kw.usage.flush();
    const before = (await h.kw.store.getKey(k.id))!;
    h.clock.advance(DAY);
    // Simulate the lifecycle's first warning: warned_at ≥ activity_at.
    await h.kw.store.updateKey({ ...before, warnedAt: h.clock.now() });
    await h.kw.keys.invalidate(k.id);
    h.clock.advance(60_000);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    const after = (await h.kw.store.getKey(k.id))!;
    expect(after.lastUsedAt).toBe(h.clock.now());
    expect(after.activityAt).toBe(h.clock.now());
    // The use began a new cycle: the next one is batched again.
    h.clock.advance(60_000);
    await withKey(h, k.token, "GET", "/v2/token");
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(after.lastUsedAt);
  });

  it("an old token's own last use is shown in the rotation view", async () => {
    const k = await createKey(w.loc1);
    const rot = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 86_400 });
    h.clock.advance(1000);
    const oldAt = h.clock.now();
    await withKey(h, k.token, "GET", "/v2/token");
    h.clock.advance(5000);
    await withKey(h, rot.body.token, "GET", "/v2/token");
    await h.kw.usage.flush();
    const view = (await admin.get(`/api/keys/${k.id}`)).body;
    expect(view.rotation).toEqual({
      pending: true,
      oldToken: `kw_pit_…${k.token.slice(-4)}`,
      oldTokenExpiresAt: new Date(oldAt - 1000 + 86_400_000).toISOString(),
      oldTokenLastUsedAt: new Date(oldAt).toISOString(),
    });
    expect(view.lastUsed.at).toBe(new Date(oldAt + 5000).toISOString());
    expect(view.token).toBe(`kw_pit_…${rot.body.token.slice(-4)}`);
  });
});

describe("use recording across nodes and shutdown", () => {
  it("flushes on close, and last_used_at never moves backwards when nodes flush out of order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-nodes-"));
    const db = openSqlite(join(dir, "keyward.sqlite"));
    try {
      const a = await startHarness({ database: db });
      const b = await startHarness({ database: db });
      const world = await seedWorld(a.kw, "agency_pro", "-nodes");
      const owner = await new Client(a).login(world.owner);
      const created = await owner.post(`/api/accounts/${world.loc1}/keys`, { name: "k" });
      const { token } = created.body;
      const id = created.body.key.id;
      a.clock.set(T0 + 2 * DAY);
      b.clock.set(T0 + DAY);
      await fetch(`${a.url}/v2/token`, {
        headers: { authorization: `Bearer ${token}`, "user-agent": "newer" },
      });
      await fetch(`${b.url}/v2/token`, {
        headers: { authorization: `Bearer ${token}`, "user-agent": "older" },
      });
      await a.close(); // flushes on close
      const store = new Store(db.db, db.dialect);
      expect((await store.getKey(id))!.lastUsedAt).toBe(T0 + 2 * DAY);
      await b.close(); // an older use, flushed later
      const k = (await store.getKey(id))!;
      expect(k.lastUsedAt).toBe(T0 + 2 * DAY);
      expect(k.lastUsedUa).toBe("newer");
      expect(k.activityAt).toBe(T0 + 2 * DAY);
      expect(await new UsageStore(store).usageByDay(id, "2026-01-01")).toEqual([
        { day: "2026-01-02", count: 1 },
        { day: "2026-01-03", count: 1 },
      ]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("on PostgreSQL", () => {
  it("the same key life, verification codes and use recording", async () => {
    const { startPostgres } = await import("../helpers/postgres.js");
    const { openDatabase } = await import("../../src/store/dialect.js");
    const pg = await startPostgres();
    const db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
    try {
      const p = await startHarness({
        database: db,
        env: { KEYWARD_DATABASE_URL: pg.url, KEYWARD_SESSION_TTL_HOURS: "2160" },
      });
      try {
        const world = await seedWorld(p.kw, "agency_pro", "-pg");
        const owner = await new Client(p).login(world.owner);
        const created = await owner.post(`/api/accounts/${world.loc1}/keys`, {
          name: "pg",
          scopes: ["locations.readonly"],
        });
        expect(created.status).toBe(201);
        const { token } = created.body;
        const id = created.body.key.id;
        expect((await withKey(p, token, "GET", `/v2/locations/${world.loc1}`)).status).toBe(200);
        expect((await withKey(p, token, "GET", `/v2/locations/${world.loc2}`)).body.code).toBe(
          "location_forbidden",
        );
        expect((await withKey(p, token, "GET", "/v2/users")).body.code).toBe("insufficient_scope");
        await p.kw.usage.flush();
        expect((await owner.get(`/api/keys/${id}`)).body.lastUsed.at).toBe(new Date(T0).toISOString());
        const rot = await owner.post(`/api/keys/${id}/rotate`, { expireOldAfterSeconds: 60 });
        expect((await withKey(p, token, "GET", "/v2/token")).status).toBe(200);
        await owner.post(`/api/keys/${id}/rotation/cancel`);
        expect((await withKey(p, rot.body.token, "GET", "/v2/token")).body.code).toBe("revoked");
        await owner.post(`/api/keys/${id}/revoke`);
        expect((await withKey(p, token, "GET", "/v2/token")).body.detail).toBe(
          "This token was revoked on 2026-01-01T00:00:00Z.",
        );
        const audit = await owner.get(`/api/agencies/${world.agencyId}/audit?action=key.rotation_cancelled`);
        expect(audit.body.entries).toHaveLength(1);
        const down = await setPlan(p, world.agencyId, "starter");
        expect(down.body.plan).toBe("starter");
      } finally {
        await p.close();
      }
    } finally {
      await db.close();
      await pg.stop();
    }
  });
});
