/**
 * Issue 13 §4: an agency key limited to chosen locations (`locationIds`). Two instances share one
 * database — SQLite (the change_log poller carries the change) and PostgreSQL (LISTEN/NOTIFY) — so a
 * location taken off the list is seen to stop at once on the node that made the change and within
 * the one-second promise on the other. Bad inputs and tenant isolation are checked on both.
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
  withKey,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const SCOPES = ["locations.readonly", "locations.write", "users.readonly", "users.write"];

async function verifyOn(h: Harness, token: string, locationId?: string) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token, ...(locationId ? { locationId } : {}) }),
  });
  return (await res.json()) as { valid: boolean; code: string };
}

/** Polls (a real, short wait: the other node learns of the change through the database). */
async function until(fn: () => Promise<boolean>, ms = 1500): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fn();
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`agency keys limited to locations, on ${driver}`, () => {
    let pg: RunningPostgres | undefined;
    let dir: string;
    let db: OpenedDatabase;
    let db2: OpenedDatabase;
    let a: Harness;
    let b: Harness;
    let w: World;
    let owner: Client;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "keyward-reach-"));
      let env: Record<string, string> = {};
      if (driver === "postgres") pg = await startPostgres();
      if (pg) env = { KEYWARD_DATABASE_URL: pg.url };
      // Two connections to one database, as two processes have (SQLite's poller sees only the
      // commits of another connection).
      db = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      a = await startHarness({ database: db, env });
      db2 = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      b = await startHarness({ database: db2, env });
      w = await seedWorld(a.kw, "agency_pro", `-${driver}`);
      owner = await new Client(a).login(w.owner);
    }, 120_000);

    afterAll(async () => {
      await a?.close();
      await b?.close();
      await db?.close();
      await db2?.close();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function limitedKey(locationIds: string[] | null = [w.loc1]) {
      const r = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name: "limited",
        scopes: SCOPES,
        locationIds,
      });
      expect(r.status).toBe(201);
      return { id: r.body.key.id as string, token: r.body.token as string, view: r.body.key };
    }

    it("the key view shows locationIds; absent means every location (null)", async () => {
      const k = await limitedKey([w.loc2, w.loc1, w.loc1]);
      expect(k.view.locationIds).toEqual([w.loc1, w.loc2].sort());
      const plain = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "all" });
      expect(plain.body.key.locationIds).toBeNull();
      expect((await owner.get(`/api/keys/${k.id}`)).body.locationIds).toEqual([w.loc1, w.loc2].sort());
    });

    it("lists, gets and updates only its locations; elsewhere location_forbidden", async () => {
      const k = await limitedKey();
      const list = await withKey(a, k.token, "GET", "/v2/locations");
      expect(list.status).toBe(200);
      expect(list.body.locations.map((l: { id: string }) => l.id)).toEqual([w.loc1]);
      expect((await withKey(a, k.token, "GET", `/v2/locations/${w.loc1}`)).status).toBe(200);
      const other = await withKey(a, k.token, "GET", `/v2/locations/${w.loc2}`);
      expect([other.status, other.body.code]).toEqual([403, "location_forbidden"]);
      const put = await withKey(a, k.token, "PUT", `/v2/locations/${w.loc2}`, { name: "Taken" });
      expect([put.status, put.body.code]).toEqual([403, "location_forbidden"]);
      expect((await a.kw.store.getLocation(w.loc2))!.name).toBe("Uptown");
      const ok = await withKey(a, k.token, "PUT", `/v2/locations/${w.loc1}`, { name: "Downtown 2" });
      expect(ok.status).toBe(200);
      const create = await withKey(a, k.token, "POST", "/v2/locations", { name: "New" });
      expect([create.status, create.body.code]).toEqual([403, "location_forbidden"]);
      // Another agency's location is refused as before, saying nothing of it.
      const foreign = await withKey(a, k.token, "GET", `/v2/locations/${w.otherLoc}`);
      expect(foreign.status).toBe(403);
    });

    it("sees and changes only the users of its locations", async () => {
      const k = await limitedKey();
      const users = await withKey(a, k.token, "GET", "/v2/users");
      const emails = users.body.users.map((u: { email: string }) => u.email).sort();
      expect(emails).toEqual([`boss1-${driver}@acme.test`, `clerk1-${driver}@acme.test`]);
      const all = await a.kw.store.listUsers(w.agencyId);
      const boss2 = all.find((u) => u.email === `boss2-${driver}@acme.test`)!;
      const clerk1 = all.find((u) => u.email === `clerk1-${driver}@acme.test`)!;
      expect((await withKey(a, k.token, "GET", `/v2/users/${boss2.id}`)).status).toBe(404);
      expect((await withKey(a, k.token, "DELETE", `/v2/users/${boss2.id}`)).status).toBe(404);
      const rename = await withKey(a, k.token, "PUT", `/v2/users/${clerk1.id}`, { name: "Clerk One" });
      expect(rename.status).toBe(200);
      const mk = await withKey(a, k.token, "POST", "/v2/users", {
        email: `new-${driver}@acme.test`,
        name: "New",
        type: "account",
        role: "user",
        locationIds: [w.loc2],
      });
      expect([mk.status, mk.body.code]).toEqual([403, "location_forbidden"]);
      const agencyUser = await withKey(a, k.token, "POST", "/v2/users", {
        email: `agency-${driver}@acme.test`,
        name: "Agency",
        type: "agency",
        role: "user",
      });
      expect([agencyUser.status, agencyUser.body.code]).toEqual([403, "location_forbidden"]);
      const fine = await withKey(a, k.token, "POST", "/v2/users", {
        email: `ok-${driver}@acme.test`,
        name: "Ok",
        type: "account",
        role: "user",
        locationIds: [w.loc1],
      });
      expect(fine.status).toBe(201);
    });

    it("POST /api/verify answers location_forbidden for a location off the list", async () => {
      const k = await limitedKey();
      expect((await verifyOn(a, k.token, w.loc1)).code).toBe("valid");
      expect((await verifyOn(a, k.token, w.loc2)).code).toBe("location_forbidden");
      expect((await verifyOn(a, k.token)).code).toBe("valid");
    });

    it("a location taken off the list stops at once here and within a second on the other node; audited", async () => {
      const k = await limitedKey([w.loc1, w.loc2]);
      for (const h of [a, b])
        for (let i = 0; i < 2; i++) expect((await verifyOn(h, k.token, w.loc2)).code).toBe("valid"); // both caches warm
      const r = await owner.patch(`/api/keys/${k.id}`, { locationIds: [w.loc1] });
      expect(r.status).toBe(200);
      expect(r.body.locationIds).toEqual([w.loc1]);
      expect((await verifyOn(a, k.token, w.loc2)).code).toBe("location_forbidden");
      expect((await withKey(a, k.token, "GET", `/v2/locations/${w.loc2}`)).body.code).toBe(
        "location_forbidden",
      );
      expect(
        await until(async () => (await verifyOn(b, k.token, w.loc2)).code === "location_forbidden"),
      ).toBe(true);
      expect((await verifyOn(b, k.token, w.loc1)).code).toBe("valid");
      const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.updated&targetId=${k.id}`);
      expect(audit.body.entries[0].before).toEqual({ locationIds: [w.loc1, w.loc2].sort() });
      expect(audit.body.entries[0].after).toEqual({ locationIds: [w.loc1] });
      // null lifts the limit, on every node too.
      expect((await owner.patch(`/api/keys/${k.id}`, { locationIds: null })).body.locationIds).toBeNull();
      expect((await verifyOn(a, k.token, w.loc2)).code).toBe("valid");
      expect(await until(async () => (await verifyOn(b, k.token, w.loc2)).code === "valid")).toBe(true);
    });

    it("IP allowlists of a key, its location and its agency reach the other node within a second (§2)", async () => {
      const r = await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "ips" });
      const token: string = r.body.token;
      const from = async (h: Harness, ip: string) => {
        const res = await fetch(`${h.url}/api/verify`, {
          method: "POST",
          headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ token, clientIp: ip }),
        });
        return ((await res.json()) as { code: string }).code;
      };
      for (const h of [a, b]) expect(await from(h, "198.51.100.1")).toBe("valid"); // warm
      const changes: [string, Record<string, unknown>][] = [
        [`/api/keys/${r.body.key.id}`, { ipAllowlist: ["203.0.113.0/24"] }],
        [`/api/locations/${w.loc2}/settings`, { ipAllowlist: ["203.0.113.0/24"] }],
        [`/api/agencies/${w.agencyId}/settings`, { ipAllowlist: ["203.0.113.0/24"] }],
      ];
      for (const [path, body] of changes) {
        expect((await owner.patch(path, body)).status).toBe(200);
        expect(await from(a, "198.51.100.1")).toBe("ip_forbidden");
        expect(await until(async () => (await from(b, "198.51.100.1")) === "ip_forbidden")).toBe(true);
        expect(await from(b, "203.0.113.9")).toBe("valid");
        expect((await owner.patch(path, { ipAllowlist: null })).status).toBe(200);
        expect(await until(async () => (await from(b, "198.51.100.1")) === "valid")).toBe(true);
      }
    });

    it("bad inputs: 400 or 404 with what to fix, and nothing changed", async () => {
      const k = await limitedKey();
      const before = (await owner.get(`/api/accounts/${w.agencyId}/keys`)).body.keys.length;
      // A location key takes no list.
      const loc = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "loc", locationIds: [w.loc1] });
      expect([loc.status, loc.body.code]).toEqual([400, "validation_failed"]);
      expect(loc.body.detail).toMatch(/agency keys only/);
      const locKey = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "loc" });
      const locPatch = await owner.patch(`/api/keys/${locKey.body.key.id}`, { locationIds: [w.loc1] });
      expect([locPatch.status, locPatch.body.code]).toEqual([400, "validation_failed"]);
      // Another agency's location and an unknown id: the same 404, naming only what was sent.
      const foreign = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name: "x",
        locationIds: [w.loc1, w.otherLoc],
      });
      const unknown = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name: "x",
        locationIds: [w.loc1, "loc_doesnotexist"],
      });
      expect([foreign.status, foreign.body.code]).toEqual([404, "resource_not_found"]);
      expect([unknown.status, unknown.body.code]).toEqual([404, "resource_not_found"]);
      expect(foreign.body.detail.replace(w.otherLoc, "ID")).toBe(
        unknown.body.detail.replace("loc_doesnotexist", "ID"),
      );
      const patch = await owner.patch(`/api/keys/${k.id}`, { locationIds: [w.otherLoc], name: "renamed" });
      expect(patch.status).toBe(404);
      const now = (await owner.get(`/api/keys/${k.id}`)).body;
      expect([now.name, now.locationIds]).toEqual(["limited", [w.loc1]]);
      // Empty, too many, wrong type.
      for (const locationIds of [[], Array.from({ length: 1001 }, (_, i) => `loc_${i}`), "loc1", [""]]) {
        const r = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "x", locationIds });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe("validation_failed");
      }
      expect((await owner.get(`/api/accounts/${w.agencyId}/keys`)).body.keys.length).toBe(before);
    });

    it("tenant isolation: another agency cannot see or change the key, nor limit its own key to our locations", async () => {
      const k = await limitedKey();
      const other = await new Client(a).login(w.otherOwner);
      expect((await other.patch(`/api/keys/${k.id}`, { locationIds: [w.otherLoc] })).status).toBe(404);
      expect((await other.get(`/api/keys/${k.id}`)).status).toBe(404);
      const theirs = await other.post(`/api/accounts/${w.otherAgencyId}/keys`, {
        name: "theirs",
        locationIds: [w.loc1],
      });
      expect(theirs.status).toBe(404);
      const mine = await other.post(`/api/accounts/${w.otherAgencyId}/keys`, {
        name: "theirs",
        scopes: ["locations.readonly"],
        locationIds: [w.otherLoc],
      });
      expect(mine.status).toBe(201);
      expect((await withKey(a, mine.body.token, "GET", `/v2/locations/${w.loc1}`)).status).toBe(403);
    });
  });
}
