/**
 * Key management over HTTP (docs/spec.md §2): create, list (masked), edit, revoke, import by plaintext and
 * by SHA-256, and rotation: later with a grace period, expire-now, cancel, rotate an expired key,
 * refresh (expired keys only).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/core/clock.js";
import { generateToken, MAX_ROTATION_GRACE_SECONDS } from "../../src/core/token.js";
import { systemCtx } from "../../src/service/context.js";
import {
  Client,
  type Harness,
  PASSWORD,
  SERVICE_TOKEN,
  seedWorld,
  setPlan,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let admin: Client;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2160" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

async function create(account: string, body: Record<string, unknown> = {}) {
  const r = await admin.post(`/api/accounts/${account}/keys`, { name: "k", ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string, key: r.body.key };
}

async function verify(token: string) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return ((await res.json()) as any).code as string;
}

async function expireViaStore(keyId: string) {
  const k = (await h.kw.store.getKey(keyId))!;
  await h.kw.store.updateKey({ ...k, status: "expired", expiredAt: h.clock.now(), inactiveDays: 90 });
  await h.kw.keys.invalidate(keyId);
}

describe("create, list, get, edit", () => {
  it("returns the token once; listings show it masked with kind, scopes, creator, status", async () => {
    const r = await admin.post(`/api/accounts/${w.loc1}/keys`, {
      name: "Zapier",
      description: "Sync contacts\nnightly",
      scopes: ["users.readonly", "locations.readonly", "users.readonly"],
    });
    expect(r.status).toBe(201);
    const { key, token } = r.body;
    expect(token).toMatch(/^kw_pit_[0-9A-Za-z]{38}$/);
    expect(key).toMatchObject({
      name: "Zapier",
      description: "Sync contacts\nnightly",
      kind: "private_integration",
      owner: { type: "location", id: w.loc1 },
      agencyId: w.agencyId,
      locationId: w.loc1,
      scopes: ["locations.readonly", "users.readonly"],
      token: `kw_pit_…${token.slice(-4)}`,
      status: "active",
      imported: false,
      createdAt: new Date(h.clock.now()).toISOString(),
      createdBy: { name: "Olive Owner", email: w.owner },
      lastUsed: null,
      daysInactive: 0,
      rotation: null,
      revokedAt: null,
    });
    const list = await admin.get(`/api/accounts/${w.loc1}/keys`);
    expect(list.status).toBe(200);
    const listed = list.body.keys.find((k: any) => k.id === key.id);
    expect(listed).toEqual(key);
    // Neither the token nor its hash is ever in a listing.
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain(sha256(token));
    expect(JSON.stringify((await admin.get(`/api/keys/${key.id}`)).body)).not.toContain(sha256(token));
  });

  it("creates agency keys and legacy keys where allowed", async () => {
    const ag = await create(w.agencyId, { scopes: ["locations.write"] });
    expect(ag.key.owner).toEqual({ type: "agency", id: w.agencyId });
    // Legacy keys: only an account that already has one (default rule).
    const refused = await admin.post(`/api/accounts/${w.loc2}/keys`, { name: "v1", kind: "legacy_v1" });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("legacy_creation_disabled");
  });

  it("lists by status, and an agency listing with includeLocations", async () => {
    const a = await create(w.loc2, { name: "to revoke" });
    await admin.post(`/api/keys/${a.id}/revoke`);
    const active = await admin.get(`/api/accounts/${w.loc2}/keys`);
    expect(active.body.keys.map((k: any) => k.id)).not.toContain(a.id);
    const all = await admin.get(`/api/accounts/${w.loc2}/keys?status=all`);
    expect(all.body.keys.find((k: any) => k.id === a.id).status).toBe("revoked");
    const revoked = await admin.get(`/api/accounts/${w.loc2}/keys?status=revoked`);
    expect(revoked.body.keys.every((k: any) => k.status === "revoked")).toBe(true);
    const agencyOnly = await admin.get(`/api/accounts/${w.agencyId}/keys`);
    expect(agencyOnly.body.keys.every((k: any) => k.locationId === null)).toBe(true);
    const everything = await admin.get(`/api/accounts/${w.agencyId}/keys?includeLocations=true&status=all`);
    expect(everything.body.keys.some((k: any) => k.id === a.id)).toBe(true);
  });

  it("edits name, description and scopes without changing the token", async () => {
    const k = await create(w.loc1, { scopes: ["users.readonly"] });
    const r = await admin.patch(`/api/keys/${k.id}`, {
      name: "Renamed",
      description: "new",
      scopes: ["locations.readonly"],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "Renamed", description: "new", scopes: ["locations.readonly"] });
    expect(r.body.token).toBe(k.key.token);
    expect((await withKey(h, k.token, "GET", "/v2/locations")).status).toBe(200);
    const audit = await admin.get(`/api/agencies/${w.agencyId}/audit?targetId=${k.id}&action=key.updated`);
    expect(audit.body.entries[0]).toMatchObject({
      action: "key.updated",
      before: { name: "k", description: "", scopes: ["users.readonly"] },
      after: { name: "Renamed", description: "new", scopes: ["locations.readonly"] },
    });
  });

  it("revoking is final: no edit, rotation, refresh or second revocation", async () => {
    const k = await create(w.loc1);
    expect((await admin.post(`/api/keys/${k.id}/revoke`)).body.status).toBe("revoked");
    for (const [method, path, body] of [
      ["POST", `/api/keys/${k.id}/revoke`, {}],
      ["PATCH", `/api/keys/${k.id}`, { name: "x" }],
      ["POST", `/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 0 }],
      ["POST", `/api/keys/${k.id}/refresh`, {}],
    ] as const) {
      const r = await admin.request(method, path, body);
      expect(r.status, path).toBe(409);
      expect(r.body.code).toBe("invalid_state");
    }
    expect(await verify(k.token)).toBe("revoked");
  });
});

describe("import", () => {
  it("imports a foreign token by plaintext: it keeps working, looked up by hash", async () => {
    const foreign = "sk_live_51HxYzABCdefGHIjklMNOpqrSTUvwxYZ0123456789";
    expect(await verify(foreign)).toBe("malformed"); // unknown and not ours
    const r = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "Old system",
      kind: "private_integration",
      token: foreign,
      scopes: ["locations.readonly"],
    });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatchObject({ imported: true, token: `…${foreign.slice(-4)}`, status: "active" });
    expect(JSON.stringify(r.body)).not.toContain(foreign);
    expect(await verify(foreign)).toBe("valid");
    expect((await withKey(h, foreign, "GET", `/v2/locations/${w.loc1}`)).status).toBe(200);
    // Twice is refused, and nothing is written.
    const again = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "Again",
      kind: "private_integration",
      token: foreign,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("conflict");
  });

  it("imports by SHA-256: the plaintext is never sent, and the token works", async () => {
    const foreign = "legacy-key-4f1c2b7e9a0d3c5b8e6f";
    const r = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "By hash",
      kind: "private_integration",
      sha256: sha256(foreign).toUpperCase(),
    });
    expect(r.status).toBe(201);
    expect(r.body.key.token).toBe("(imported by hash)");
    expect(await verify(foreign)).toBe("valid");
    // A miss on a foreign token is malformed, with the reason; our own shape is not_found.
    expect(await verify("legacy-key-unknown")).toBe("malformed");
  });

  it("imports a token of this deployment's shape after checking its shape and kind", async () => {
    const ours = generateToken("kw", "private_integration");
    const wrongKind = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "x",
      kind: "legacy_v1",
      token: ours,
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.issues).toEqual([
      { field: "kind", message: "must be private_integration for this token" },
    ]);
    const typo = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "x",
      kind: "private_integration",
      token: `${ours.slice(0, -1)}${ours.endsWith("a") ? "b" : "a"}`,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.detail).toMatch(/Failed checksum/);
    const ok = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "x",
      kind: "private_integration",
      token: ours,
    });
    expect(ok.status).toBe(201);
    expect(ok.body.key.token).toBe(`kw_pit_…${ours.slice(-4)}`);
    expect(await verify(ours)).toBe("valid");
  });

  it("refuses a token with stray whitespace or quotes, and both or neither of token and sha256", async () => {
    for (const body of [
      { token: " abcdefgh" },
      { token: '"abcdefgh"' },
      { token: "abc", sha256: sha256("abc") },
      {},
      { sha256: "xyz" },
    ]) {
      const r = await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
        name: "x",
        kind: "private_integration",
        ...body,
      });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
    }
  });
});

describe("rotation", () => {
  it("rotate later: both work during the grace period, the view shows the rotation, the old one stops after", async () => {
    const k = await create(w.loc1);
    const r = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 2 * 86_400 });
    expect(r.status).toBe(200);
    const fresh = r.body.token;
    expect(fresh).not.toBe(k.token);
    expect(r.body.key.token).toBe(`kw_pit_…${fresh.slice(-4)}`);
    expect(r.body.key.rotation).toEqual({
      pending: true,
      oldToken: `kw_pit_…${k.token.slice(-4)}`,
      oldTokenExpiresAt: new Date(h.clock.now() + 2 * DAY).toISOString(),
      oldTokenLastUsedAt: null,
    });
    expect(await verify(k.token)).toBe("valid");
    expect(await verify(fresh)).toBe("valid");
    // A second rotation while one is pending is refused.
    const again = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 0 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invalid_state");
    h.clock.advance(2 * DAY - 1000);
    expect(await verify(k.token)).toBe("valid");
    h.clock.advance(1000);
    expect(await verify(k.token)).toBe("rotated");
    expect(await verify(fresh)).toBe("valid");
    expect((await admin.get(`/api/keys/${k.id}`)).body.rotation).toBeNull();
  });

  it("defaults to 7 days, refuses more, refuses negatives and fractions", async () => {
    const k = await create(w.loc1);
    for (const bad of [604_801, 30 * 86_400, -1, 1.5, "3600"]) {
      const r = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: bad });
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.issues[0].field).toBe("expireOldAfterSeconds");
    }
    expect(await verify(k.token)).toBe("valid"); // nothing changed
    const r = await admin.post(`/api/keys/${k.id}/rotate`, {});
    expect(r.body.key.rotation.oldTokenExpiresAt).toBe(new Date(h.clock.now() + 7 * DAY).toISOString());
  });

  it("GET /api/me gives the console the longest grace a rotation accepts", async () => {
    const me = await admin.get("/api/me");
    expect(me.status).toBe(200);
    const limit = me.body.limits.rotationGraceMaxSeconds;
    expect(limit).toBe(MAX_ROTATION_GRACE_SECONDS);
    expect(limit).toBe(7 * 86_400);
    const k = await create(w.loc1);
    const over = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: limit + 1 });
    expect(over.status).toBe(400);
    expect(over.body.issues[0].field).toBe("expireOldAfterSeconds");
    const r = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: limit });
    expect(r.status).toBe(200);
    expect(r.body.key.rotation.oldTokenExpiresAt).toBe(new Date(h.clock.now() + limit * 1000).toISOString());
  });

  it("expire-now stops the old token at once; cancel revokes the new one and keeps the old", async () => {
    const a = await create(w.loc1);
    const ra = await admin.post(`/api/keys/${a.id}/rotate`, { expireOldAfterSeconds: 3600 });
    const ea = await admin.post(`/api/keys/${a.id}/rotation/expire-now`);
    expect(ea.status).toBe(200);
    expect(ea.body.rotation).toBeNull();
    expect(await verify(a.token)).toBe("rotated");
    expect(await verify(ra.body.token)).toBe("valid");
    // Nothing pending any more.
    expect((await admin.post(`/api/keys/${a.id}/rotation/expire-now`)).status).toBe(409);
    expect((await admin.post(`/api/keys/${a.id}/rotation/cancel`)).status).toBe(409);

    const b = await create(w.loc1);
    const rb = await admin.post(`/api/keys/${b.id}/rotate`, { expireOldAfterSeconds: 3600 });
    const cb = await admin.post(`/api/keys/${b.id}/rotation/cancel`);
    expect(cb.status).toBe(200);
    expect(cb.body.rotation).toBeNull();
    expect(cb.body.token).toBe(b.key.token);
    expect(await verify(rb.body.token)).toBe("revoked");
    expect(await verify(b.token)).toBe("valid");
    h.clock.advance(2 * HOUR); // the old token no longer has an end
    expect(await verify(b.token)).toBe("valid");
    // And it can be rotated again.
    expect((await admin.post(`/api/keys/${b.id}/rotate`, { expireOldAfterSeconds: 0 })).status).toBe(200);
    expect(await verify(b.token)).toBe("rotated");
  });

  it("cancelling the rotation of a readable legacy key never leaves the revoked token readable", async () => {
    const a = await h.kw.accounts.createAgency(systemCtx, {
      name: "No EAS",
      plan: "agency_pro",
      owner: { email: "owner-noeas@acme.test", name: "O", password: PASSWORD },
    });
    const c = await new Client(h).login("owner-noeas@acme.test");
    const off = await c.patch(`/api/agencies/${a.agency.id}/settings`, {
      enhancedSecurity: false,
      confirm: true,
    });
    expect(off.status).toBe(200);
    const loc = await c.post(`/api/agencies/${a.agency.id}/locations`, { name: "Legacy shop" });
    const [legacy] = await h.kw.store.listKeys({ agencyId: a.agency.id, locationIds: [loc.body.id] });
    expect(legacy?.kind).toBe("legacy_v1");
    expect(legacy!.secretEnc).not.toBeNull();
    const rot = await c.post(`/api/keys/${legacy!.id}/rotate`, { expireOldAfterSeconds: 3600 });
    expect(rot.status).toBe(200);
    expect((await h.kw.store.getKey(legacy!.id))!.secretEnc).not.toBeNull();
    expect((await c.post(`/api/keys/${legacy!.id}/rotation/cancel`)).status).toBe(200);
    expect(await verify(rot.body.token)).toBe("revoked");
    expect((await h.kw.store.getKey(legacy!.id))!.secretEnc).toBeNull();
  });

  it("rotating an expired key gives a new active token; the expired one stays refused", async () => {
    const k = await create(w.loc1);
    await expireViaStore(k.id);
    expect(await verify(k.token)).toBe("expired");
    const r = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 86_400 });
    expect(r.status).toBe(200);
    expect(r.body.key.status).toBe("active");
    expect(r.body.key.rotation).toBeNull(); // no grace for a token that was not working
    expect(await verify(r.body.token)).toBe("valid");
    expect(await verify(k.token)).toBe("rotated");
  });

  it("refresh brings an expired key back with the same token, and only an expired one", async () => {
    const k = await create(w.loc1);
    const notExpired = await admin.post(`/api/keys/${k.id}/refresh`);
    expect(notExpired.status).toBe(409);
    expect(notExpired.body.detail).toBe("Only expired keys can be refreshed; this key is active.");
    h.clock.advance(DAY);
    await expireViaStore(k.id);
    h.clock.advance(DAY);
    const r = await admin.post(`/api/keys/${k.id}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "active", expiredAt: null, daysInactive: 0 });
    expect(await verify(k.token)).toBe("valid");
    // Counts as activity.
    expect((await h.kw.store.getKey(k.id))!.activityAt).toBe(h.clock.now());
    const audit = await admin.get(`/api/agencies/${w.agencyId}/audit?targetId=${k.id}&action=key.refreshed`);
    expect(audit.body.entries).toHaveLength(1);
  });

  it("every key change is in the audit log, with no token or hash in it", async () => {
    const k = await create(w.loc2);
    const r = await admin.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 60 });
    await admin.post(`/api/keys/${k.id}/rotation/cancel`);
    await admin.post(`/api/keys/${k.id}/revoke`);
    const audit = await admin.get(`/api/agencies/${w.agencyId}/audit?targetId=${k.id}`);
    expect(audit.body.entries.map((e: any) => e.action)).toEqual([
      "key.revoked",
      "key.rotation_cancelled",
      "key.rotated",
      "key.created",
    ]);
    const text = JSON.stringify(audit.body);
    for (const t of [k.token, r.body.token]) {
      expect(text).not.toContain(t);
      expect(text).not.toContain(sha256(t));
    }
    const filtered = await admin.get(`/api/agencies/${w.agencyId}/audit?action=key.rotation_cancelled`);
    expect(filtered.body.entries.map((e: any) => e.targetId)).toContain(k.id);
  });
});

describe("time", () => {
  it("days inactive count from the last activity", async () => {
    h.clock.set(T0 + 40 * DAY);
    await admin.login(w.owner);
    const k = await create(w.loc1);
    h.clock.advance(10 * DAY + HOUR);
    expect((await admin.get(`/api/keys/${k.id}`)).body.daysInactive).toBe(10);
  });
});

describe("concurrent changes to one key, on PostgreSQL", () => {
  it("run one after the other: one rotation wins, a revocation is never undone, no change undoes another", async () => {
    const { tmpdir } = await import("node:os");
    const { startPostgres } = await import("../helpers/postgres.js");
    const { openDatabase } = await import("../../src/store/dialect.js");
    const pg = await startPostgres();
    const db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
    const p = await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: pg.url } });
    try {
      const world = await seedWorld(p.kw, "agency_pro", "-race");
      const owner = await new Client(p).login(world.owner);
      for (let round = 0; round < 3; round++) {
        const c = await owner.post(`/api/accounts/${world.loc1}/keys`, { name: "r" });
        const id = c.body.key.id;
        const rs = await Promise.all(
          Array.from({ length: 6 }, () =>
            owner.post(`/api/keys/${id}/rotate`, { expireOldAfterSeconds: 600 }),
          ),
        );
        expect(rs.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
        const tokens = await p.kw.store.tokensOfKey(id);
        expect(tokens).toHaveLength(2);
        expect(tokens.filter((t) => t.validUntil === null)).toHaveLength(1);

        const d = await owner.post(`/api/accounts/${world.loc1}/keys`, { name: "r2" });
        const [rev, ...others] = await Promise.all([
          owner.post(`/api/keys/${d.body.key.id}/revoke`),
          owner.patch(`/api/keys/${d.body.key.id}`, { name: "renamed" }),
          owner.post(`/api/keys/${d.body.key.id}/rotate`, { expireOldAfterSeconds: 0 }),
        ]);
        expect(rev!.status).toBe(200);
        expect((await p.kw.store.getKey(d.body.key.id))!.status).toBe("revoked");
        for (const r of others) expect([200, 409]).toContain(r.status);
      }

      // Two agency changes at once (security and plan) both land: neither undoes the other.
      for (let round = 0; round < 4; round++) {
        const on = round % 2 === 0;
        const [s, pl] = await Promise.all([
          owner.patch(`/api/agencies/${world.agencyId}/settings`, { enhancedSecurity: !on, confirm: true }),
          setPlan(p, world.agencyId, on ? "starter" : "agency_pro"),
        ]);
        expect([s.status, pl.status]).toEqual([200, 200]);
        const a = (await p.kw.store.getAgency(world.agencyId))!;
        expect([a.enhancedSecurity, a.plan]).toEqual([!on, on ? "starter" : "agency_pro"]);
      }

      // A user renaming themselves while an admin takes a permission away, or removes them.
      for (let round = 0; round < 3; round++) {
        const email = `racer${round}@acme.test`;
        const u = await owner.post(`/api/agencies/${world.agencyId}/users`, {
          email,
          name: "Racer",
          password: "correct horse battery staple",
          type: "account",
          role: "admin",
          locationIds: [world.loc1],
        });
        const self = await new Client(p).login(email);
        await Promise.all([
          owner.patch(`/api/users/${u.body.id}`, { canManageKeys: false }),
          self.patch(`/api/users/${u.body.id}`, { name: "Racer renamed" }),
        ]);
        let row = (await p.kw.store.getUser(u.body.id))!;
        expect([row.canManageKeys, row.name]).toEqual([false, "Racer renamed"]);
        await Promise.all([
          owner.delete(`/api/users/${u.body.id}`),
          self.patch(`/api/users/${u.body.id}`, { digestOptOut: true }),
        ]);
        row = (await p.kw.store.getUser(u.body.id))!;
        expect(row.disabledAt).not.toBeNull();
      }
    } finally {
      await p.close();
      await db.close();
      await pg.stop();
    }
  });
});
