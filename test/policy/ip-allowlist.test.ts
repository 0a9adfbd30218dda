/**
 * Issue 13 §2: IP allowlists per key, location and agency, through the platform API (the socket's
 * address, or the last X-Forwarded-For entry with KEYWARD_TRUST_PROXY) and POST /api/verify
 * (`clientIp`), on SQLite and PostgreSQL. A refused request is not a use.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

async function call(h: Harness, token: string, path: string, from?: string) {
  const res = await fetch(h.url + path, {
    headers: { authorization: `Bearer ${token}`, ...(from ? { "x-forwarded-for": from } : {}) },
  });
  return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
}

async function verify(h: Harness, token: string, clientIp?: string) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token, ...(clientIp ? { clientIp } : {}) }),
  });
  return (await res.json()) as { valid: boolean; code: string; message?: string; cache?: false };
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`IP allowlists, on ${driver}`, () => {
    let pg: RunningPostgres | undefined;
    let dir: string;
    let db: OpenedDatabase;
    let h: Harness;
    let w: World;
    let owner: Client;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "keyward-ips-"));
      if (driver === "postgres") pg = await startPostgres();
      db = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      h = await startHarness({
        database: db,
        env: { KEYWARD_TRUST_PROXY: "true", ...(pg ? { KEYWARD_DATABASE_URL: pg.url } : {}) },
      });
      w = await seedWorld(h.kw, "agency_pro", `-${driver}`);
      owner = await new Client(h, { "x-forwarded-for": "203.0.113.50" }).login(w.owner);
    }, 120_000);

    afterAll(async () => {
      await h?.close();
      await db?.close();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function key(accountId: string, ipAllowlist?: string[]) {
      const r = await owner.post(`/api/accounts/${accountId}/keys`, {
        name: "k",
        scopes: ["locations.readonly"],
        ...(ipAllowlist ? { ipAllowlist } : {}),
      });
      expect(r.status).toBe(201);
      return { id: r.body.key.id as string, token: r.body.token as string, body: r.body };
    }

    it("a key's list: allowed inside it (IPv4, IPv6, IPv4-mapped), 403 ip_forbidden naming the address outside", async () => {
      const k = await key(w.loc1, ["203.0.113.0/24", "2001:db8::/32"]);
      expect(k.body.key.ipAllowlist).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
      expect(k.body.warnings).toEqual([]);
      expect((await call(h, k.token, "/v2/token", "203.0.113.9")).status).toBe(200);
      expect((await call(h, k.token, "/v2/token", "2001:db8:1::5")).status).toBe(200);
      expect((await call(h, k.token, "/v2/token", "::ffff:203.0.113.9")).status).toBe(200);
      const out = await call(h, k.token, "/v2/token", "198.51.100.1");
      expect([out.status, out.body.code]).toEqual([403, "ip_forbidden"]);
      expect(out.body.detail).toContain("198.51.100.1");
      expect((await call(h, k.token, "/v2/token", "2001:db9::1")).body.code).toBe("ip_forbidden");
      // Without a proxy header the socket's own address (loopback) is what is matched.
      expect((await call(h, k.token, "/v2/token")).body.code).toBe("ip_forbidden");
    });

    it("X-Forwarded-For: the entry our proxy added (the last) counts, not what the client prepended", async () => {
      const k = await key(w.loc1, ["203.0.113.0/24"]);
      expect((await call(h, k.token, "/v2/token", "198.51.100.1, 203.0.113.9")).status).toBe(200);
      expect((await call(h, k.token, "/v2/token", "203.0.113.9, 198.51.100.1")).body.code).toBe(
        "ip_forbidden",
      );
    });

    it("a refused request is not a use; an allowed one is", async () => {
      const k = await key(w.loc1, ["203.0.113.0/24"]);
      for (let i = 0; i < 3; i++) await call(h, k.token, "/v2/token", "198.51.100.1");
      await h.kw.usage.flush();
      expect((await owner.get(`/api/keys/${k.id}`)).body.lastUsed).toBeNull();
      expect((await owner.get(`/api/keys/${k.id}/usage?days=1`)).body.days).toEqual([]);
      await call(h, k.token, "/v2/token", "203.0.113.9");
      await h.kw.usage.flush();
      expect((await owner.get(`/api/keys/${k.id}`)).body.lastUsed.ip).toBe("203.0.113.9");
    });

    it("POST /api/verify matches clientIp; a key under a list without clientIp is refused", async () => {
      const k = await key(w.loc1, ["2001:db8::/32"]);
      const inside = await verify(h, k.token, "2001:db8::7");
      expect(inside.code).toBe("valid");
      // The SDK must not answer the next caller from its cache: that caller's address is unknown.
      expect(inside.cache).toBe(false);
      const out = await verify(h, k.token, "2001:db9::7");
      expect([out.valid, out.code]).toEqual([false, "ip_forbidden"]);
      expect(out.message).toContain("2001:db9::7");
      const none = await verify(h, k.token);
      expect(none.code).toBe("ip_forbidden");
      expect(none.message).toContain("clientIp");
      const free = await key(w.loc1);
      const unlisted = await verify(h, free.token);
      expect(unlisted.code).toBe("valid");
      expect(unlisted.cache).toBeUndefined();
    });

    it("bad input: 400 saying what to fix, nothing changed; /0 accepted with a warning", async () => {
      const k = await key(w.loc1, ["203.0.113.0/24"]);
      const bits = await owner.patch(`/api/keys/${k.id}`, { ipAllowlist: ["203.0.113.7/24"], name: "x" });
      expect([bits.status, bits.body.code]).toEqual([400, "validation_failed"]);
      expect(bits.body.detail).toContain("203.0.113.0/24");
      for (const ipAllowlist of [
        ["nope"],
        ["10.0.0.0/33"],
        [],
        Array.from({ length: 101 }, (_, i) => `10.${i}.0.0/16`),
      ]) {
        const r = await owner.patch(`/api/keys/${k.id}`, { ipAllowlist });
        expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
      }
      const after = (await owner.get(`/api/keys/${k.id}`)).body;
      expect([after.name, after.ipAllowlist]).toEqual(["k", ["203.0.113.0/24"]]);
      const before = (await owner.get(`/api/accounts/${w.loc1}/keys`)).body.keys.length;
      const bad = await owner.post(`/api/accounts/${w.loc1}/keys`, {
        name: "bad",
        ipAllowlist: ["1.2.3.4/8"],
      });
      expect(bad.status).toBe(400);
      expect((await owner.get(`/api/accounts/${w.loc1}/keys`)).body.keys.length).toBe(before);
      const broad = await owner.patch(`/api/keys/${k.id}`, { ipAllowlist: ["0.0.0.0/0"] });
      expect(broad.status).toBe(200);
      expect(broad.body.ipAllowlist).toEqual(["0.0.0.0/0"]);
      expect(broad.body.warnings[0]).toContain("every IPv4 address");
      const cleared = await owner.patch(`/api/keys/${k.id}`, { ipAllowlist: null });
      expect([cleared.body.ipAllowlist, cleared.body.warnings]).toEqual([null, []]);
    });

    it("a change to a key's list applies to its warm cache entry at once", async () => {
      const k = await key(w.loc1);
      expect((await call(h, k.token, "/v2/token", "198.51.100.1")).status).toBe(200);
      await owner.patch(`/api/keys/${k.id}`, { ipAllowlist: ["203.0.113.0/24"] });
      expect((await call(h, k.token, "/v2/token", "198.51.100.1")).body.code).toBe("ip_forbidden");
    });

    it("a location's list applies to its keys, with the key's own: both must match", async () => {
      const plain = await key(w.loc2);
      const own = await key(w.loc2, ["203.0.113.0/24"]);
      expect((await call(h, plain.token, "/v2/token", "198.51.100.1")).status).toBe(200); // warm
      const set = await owner.patch(`/api/locations/${w.loc2}/settings`, {
        ipAllowlist: ["198.51.100.0/24"],
      });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ ipAllowlist: ["198.51.100.0/24"], warnings: [] });
      expect((await owner.get(`/api/locations/${w.loc2}/settings`)).body.ipAllowlist).toEqual([
        "198.51.100.0/24",
      ]);
      expect((await call(h, plain.token, "/v2/token", "198.51.100.1")).status).toBe(200);
      const out = await call(h, plain.token, "/v2/token", "203.0.113.9");
      expect(out.body.code).toBe("ip_forbidden");
      expect(out.body.detail).toContain("location's");
      // The key's list and the location's have nothing in common: nothing passes.
      expect((await call(h, own.token, "/v2/token", "203.0.113.9")).body.code).toBe("ip_forbidden");
      expect((await call(h, own.token, "/v2/token", "198.51.100.1")).body.code).toBe("ip_forbidden");
      const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=location.settings_changed`);
      expect(audit.body.entries[0].after).toEqual({ ipAllowlist: ["198.51.100.0/24"] });
      const bad = await owner.patch(`/api/locations/${w.loc2}/settings`, {
        ipAllowlist: ["198.51.100.1/24"],
      });
      expect([bad.status, bad.body.code]).toEqual([400, "validation_failed"]);
      await owner.patch(`/api/locations/${w.loc2}/settings`, { ipAllowlist: null });
      expect((await call(h, plain.token, "/v2/token", "203.0.113.9")).status).toBe(200);
    });

    it("the agency's list applies to every key of the agency; settings show it with warnings", async () => {
      const agencyKey = await key(w.agencyId);
      const locKey = await key(w.loc1);
      expect((await call(h, agencyKey.token, "/v2/token", "203.0.113.9")).status).toBe(200); // warm
      const s = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
        ipAllowlist: ["2001:db8::/32", "0.0.0.0/0"],
      });
      expect(s.status).toBe(200);
      expect(s.body.ipAllowlist).toEqual(["2001:db8::/32", "0.0.0.0/0"]);
      expect(s.body.warnings).toHaveLength(1);
      expect((await call(h, agencyKey.token, "/v2/token", "203.0.113.9")).status).toBe(200);
      const v6 = await call(h, locKey.token, "/v2/token", "2001:db9::1");
      expect(v6.body.code).toBe("ip_forbidden");
      expect(v6.body.detail).toContain("agency's");
      const bad = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
        ipAllowlist: ["2001:db8::1/32"],
      });
      expect([bad.status, bad.body.code]).toEqual([400, "validation_failed"]);
      expect((await owner.get(`/api/agencies/${w.agencyId}/settings`)).body.ipAllowlist).toEqual([
        "2001:db8::/32",
        "0.0.0.0/0",
      ]);
      await owner.patch(`/api/agencies/${w.agencyId}/settings`, { ipAllowlist: null });
      expect((await call(h, locKey.token, "/v2/token", "2001:db9::1")).status).toBe(200);
    });

    it("who may: location settings are agency admins'; another agency's location is 404", async () => {
      const boss = await new Client(h).login(w.loc1Admin);
      expect((await boss.patch(`/api/locations/${w.loc1}/settings`, { ipAllowlist: null })).status).toBe(403);
      const other = await new Client(h).login(w.otherOwner);
      expect((await other.get(`/api/locations/${w.loc1}/settings`)).status).toBe(404);
      expect(
        (await other.patch(`/api/locations/${w.loc1}/settings`, { ipAllowlist: ["10.0.0.0/8"] })).status,
      ).toBe(404);
    });

    it("GET /api/me shows the address the server sees", async () => {
      expect((await owner.get("/api/me")).body.clientIp).toBe("203.0.113.50");
    });
  });
}
