/**
 * Issue 13 §3: lifetimes chosen at creation (`expiresAt`, `expiresInDays`) and by edit, judged at
 * verification on the injected clock (no sweep), the agency's maximum (`maxKeyLifetimeDays`), and
 * the bad inputs. Two instances share one database and one clock — SQLite (the change_log poller
 * carries a changed lifetime) and PostgreSQL (LISTEN/NOTIFY).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, ManualClock } from "../../src/core/clock.js";
import { eventsFromAudit } from "../../src/core/webhooks.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

async function verifyOn(h: Harness, token: string) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return (await res.json()) as { valid: boolean; code: string; message?: string };
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

const iso = (t: number) => new Date(t).toISOString();

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`key lifetimes, on ${driver}`, () => {
    let pg: RunningPostgres | undefined;
    let dir: string;
    let db: OpenedDatabase;
    let db2: OpenedDatabase;
    let a: Harness;
    let b: Harness;
    let w: World;
    let owner: Client;
    const clock = new ManualClock(T0);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "keyward-life-"));
      let env: Record<string, string> = {};
      if (driver === "postgres") pg = await startPostgres();
      if (pg) env = { KEYWARD_DATABASE_URL: pg.url };
      db = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      a = await startHarness({ database: db, env, clock });
      db2 = openDatabase({ databaseUrl: pg?.url, dataDir: dir });
      b = await startHarness({ database: db2, env, clock });
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

    /** Moves the shared clock; the console session is signed in again (long jumps outlive it). */
    async function advance(ms: number) {
      clock.advance(ms);
      await owner.login(w.owner);
    }

    async function newKey(extra: Record<string, unknown> = {}, accountId = w.loc1) {
      const r = await owner.post(`/api/accounts/${accountId}/keys`, {
        name: "k",
        scopes: ["locations.readonly"],
        ...extra,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return { id: r.body.key.id as string, token: r.body.token as string, view: r.body.key };
    }

    it("a key may live for seconds: past its lifetime it answers expired, on every node, and is not used", async () => {
      const now = clock.now();
      const k = await newKey({ expiresAt: iso(now + 5_000) });
      expect(k.view).toMatchObject({ expiresAt: iso(now + 5_000), lifetimeEnded: false, status: "active" });
      expect((await verifyOn(a, k.token)).code).toBe("valid");
      expect((await verifyOn(b, k.token)).code).toBe("valid");
      clock.advance(5_000);
      for (const h of [a, b]) {
        const r = await verifyOn(h, k.token);
        expect([r.valid, r.code]).toEqual([false, "expired"]);
        expect(r.message).toContain(
          `expired on ${iso(now + 5_000).replace(".000Z", "Z")} (its lifetime ended)`,
        );
      }
      const api = await withKey(a, k.token, "GET", `/v2/locations/${w.loc1}`);
      expect(api.body.code).toBe("expired");
      expect(api.status).toBe(401);
      // The refused verifications were not uses (the last is from before); the view says the
      // lifetime ended, its status unchanged.
      await a.kw.usage.flush();
      await b.kw.usage.flush();
      const view = (await owner.get(`/api/keys/${k.id}`)).body;
      expect(view).toMatchObject({ status: "active", lifetimeEnded: true, expiresAt: iso(now + 5_000) });
      expect(view.lastUsed.at).toBe(iso(now));
    });

    it("a client (the SDK) is told not to cache the answer of a key whose lifetime ends within a day", async () => {
      const soon = await newKey({ expiresAt: iso(clock.now() + 3_600_000) });
      const later = await newKey({ expiresInDays: 2 });
      const ask = async (token: string) =>
        (await (
          await fetch(`${a.url}/api/verify`, {
            method: "POST",
            headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ token }),
          })
        ).json()) as { code: string; cache?: boolean };
      expect(await ask(soon.token)).toMatchObject({ code: "valid", cache: false });
      const far = await ask(later.token);
      expect([far.code, far.cache]).toEqual(["valid", undefined]);
    });

    it("expiresInDays counts whole days from now; without either a key has no lifetime", async () => {
      const k = await newKey({ expiresInDays: 7 });
      expect(k.view.expiresAt).toBe(iso(clock.now() + 7 * DAY));
      const none = await newKey();
      expect(none.view).toMatchObject({ expiresAt: null, lifetimeEnded: false, exceedsMaxLifetime: false });
    });

    it("an admin extends, shortens or removes the lifetime by PATCH, audited key.updated; other nodes drop the cached key", async () => {
      const start = clock.now();
      const k = await newKey({ expiresInDays: 30 });
      expect((await verifyOn(b, k.token)).code).toBe("valid"); // cached on b
      const shorter = iso(start + 1_000);
      const r = await owner.patch(`/api/keys/${k.id}`, { expiresAt: shorter });
      expect([r.status, r.body.expiresAt]).toEqual([200, shorter]);
      clock.advance(2_000);
      expect((await verifyOn(a, k.token)).code).toBe("expired");
      expect(await until(async () => (await verifyOn(b, k.token)).code === "expired")).toBe(true);
      // Extending a lifetime that ended brings the key back.
      const later = iso(clock.now() + 3 * DAY);
      expect((await owner.patch(`/api/keys/${k.id}`, { expiresAt: later })).body.lifetimeEnded).toBe(false);
      expect((await verifyOn(a, k.token)).code).toBe("valid");
      expect(await until(async () => (await verifyOn(b, k.token)).code === "valid")).toBe(true);
      const removed = await owner.patch(`/api/keys/${k.id}`, { expiresAt: null });
      expect(removed.body.expiresAt).toBeNull();
      const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.updated&targetId=${k.id}`);
      const entries = audit.body.entries as { before: unknown; after: unknown }[];
      expect(entries.map((e) => [e.before, e.after])).toEqual([
        [{ expiresAt: later }, { expiresAt: null }],
        [{ expiresAt: shorter }, { expiresAt: later }],
        [{ expiresAt: iso(start + 30 * DAY) }, { expiresAt: shorter }],
      ]);
    });

    it("a key due for two endings answers the earlier one", async () => {
      // Its lifetime ends before the old token's rotation grace: the lifetime is named.
      const k = await newKey({ expiresAt: iso(clock.now() + 60_000) });
      const rotated = await owner.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 3600 });
      expect(rotated.status).toBe(200);
      await advance(120_000);
      expect((await verifyOn(a, k.token)).message).toContain("(its lifetime ended)");
      expect((await verifyOn(a, rotated.body.token)).message).toContain("(its lifetime ended)");
      // The grace ends first: the old token says it was rotated.
      const r = await newKey({ expiresAt: iso(clock.now() + DAY) });
      await owner.post(`/api/keys/${r.id}/rotate`, { expireOldAfterSeconds: 60 });
      await advance(2 * DAY);
      expect((await verifyOn(a, r.token)).code).toBe("rotated");
      // Revoked before its lifetime ended: revoked; revoked after: the lifetime ended first.
      const early = await newKey({ expiresAt: iso(clock.now() + DAY) });
      await owner.post(`/api/keys/${early.id}/revoke`);
      const late = await newKey({ expiresAt: iso(clock.now() + 1_000) });
      await advance(2 * DAY);
      await owner.post(`/api/keys/${late.id}/revoke`);
      expect((await verifyOn(a, early.token)).code).toBe("revoked");
      const lateAnswer = await verifyOn(a, late.token);
      expect([lateAnswer.code, lateAnswer.message?.includes("lifetime ended")]).toEqual(["expired", true]);
    });

    it("bad input: 400 saying what to fix, nothing created or changed", async () => {
      const count = async () =>
        (await owner.get(`/api/accounts/${w.loc1}/keys?limit=200`)).body.keys.length as number;
      const before = await count();
      const now = clock.now();
      const cases: [Record<string, unknown>, string][] = [
        [{ expiresAt: iso(now - 1_000) }, "not in the future"],
        [{ expiresAt: iso(now) }, "not in the future"],
        [{ expiresAt: "tomorrow" }, "ISO 8601"],
        [{ expiresAt: iso(now + DAY), expiresInDays: 2 }, "not both"],
        [{ expiresInDays: 1.5 }, "whole number"],
        [{ expiresInDays: 0 }, "at least 1"],
        [{ expiresInDays: "3" }, "expiresInDays"],
      ];
      for (const [body, says] of cases) {
        const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "bad", ...body });
        expect([r.status, r.body.code], JSON.stringify(body)).toEqual([400, "validation_failed"]);
        expect(JSON.stringify(r.body), JSON.stringify(body)).toContain(says);
      }
      expect(await count()).toBe(before);
      const k = await newKey({ expiresInDays: 3, name: "kept" });
      for (const expiresAt of [iso(now - 1), "2026-13-40T00:00:00Z"]) {
        const r = await owner.patch(`/api/keys/${k.id}`, { expiresAt, name: "renamed" });
        expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
      }
      expect((await owner.get(`/api/keys/${k.id}`)).body).toMatchObject({
        name: "kept",
        expiresAt: k.view.expiresAt,
      });
    });

    it("the agency's maximum binds new keys; existing keys keep theirs, flagged", async () => {
      const path = `/api/agencies/${w.agencyId}/settings`;
      for (const maxKeyLifetimeDays of [0, 1.5, "30", 40_000]) {
        const r = await owner.patch(path, { maxKeyLifetimeDays });
        expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
      }
      const old = await newKey(); // no lifetime
      const longer = await newKey({ expiresInDays: 90 });
      const set = await owner.patch(path, { maxKeyLifetimeDays: 30 });
      expect([set.status, set.body.maxKeyLifetimeDays]).toEqual([200, 30]);
      expect((await owner.get(path)).body.maxKeyLifetimeDays).toBe(30);
      // Existing keys keep their lifetimes (and work), flagged in the inventory.
      for (const k of [old, longer]) {
        const v = (await owner.get(`/api/keys/${k.id}`)).body;
        expect([v.exceedsMaxLifetime, v.expiresAt]).toEqual([true, k.view.expiresAt]);
        expect((await verifyOn(a, k.token)).code).toBe("valid");
      }
      // A new key without a lifetime gets the maximum; within it is accepted, beyond it refused.
      const now = clock.now();
      const dflt = await newKey();
      expect(dflt.view).toMatchObject({ expiresAt: iso(now + 30 * DAY), exceedsMaxLifetime: false });
      expect((await newKey({ expiresInDays: 30 })).view.expiresAt).toBe(iso(now + 30 * DAY));
      const before = (await owner.get(`/api/accounts/${w.loc1}/keys?limit=200`)).body.keys.length;
      for (const body of [
        { expiresInDays: 31 },
        { expiresAt: iso(now + 30 * DAY + 1_000) },
        { expiresAt: null },
      ]) {
        const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "too long", ...body });
        expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
        expect(r.body.detail).toContain("at most 30 days");
      }
      expect((await owner.get(`/api/accounts/${w.loc1}/keys?limit=200`)).body.keys.length).toBe(before);
      // An edit setting a lifetime respects the maximum too; removing it is refused.
      for (const expiresAt of [iso(now + 31 * DAY), null]) {
        const r = await owner.patch(`/api/keys/${dflt.id}`, { expiresAt });
        expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
      }
      const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=agency.updated`);
      expect(audit.body.entries[0]).toMatchObject({
        before: { maxKeyLifetimeDays: null },
        after: { maxKeyLifetimeDays: 30 },
      });
      await owner.patch(path, { maxKeyLifetimeDays: null });
      expect((await owner.get(`/api/keys/${old.id}`)).body.exceedsMaxLifetime).toBe(false);
      expect((await newKey()).view.expiresAt).toBeNull();
    });

    it("warnings 7 days and 1 day before a lifetime ends, once each; extending or rotating clears them", async () => {
      const boss = await new Client(a).login(w.loc1Admin);
      const start = clock.now();
      const k = await newKey({ expiresInDays: 10 });
      const mine = async () => {
        await boss.login(w.loc1Admin);
        const list = (await boss.get("/api/me/notifications")).body.notifications as {
          type: string;
          keyIds: string[];
          leadDays: number;
          title: string;
        }[];
        return list.filter((n) => n.type === "lifetime_warning" && n.keyIds[0] === k.id);
      };
      const warnedOf = async () =>
        ((await a.kw.scheduler.tick(clock.now())).lifetimeWarnings ?? []).filter((x) => x.keyId === k.id);
      expect(await warnedOf()).toEqual([]);
      await advance(3 * DAY - 1_000); // 7 days and a second left
      expect(await warnedOf()).toEqual([]);
      await advance(1_000);
      expect((await warnedOf()).map((x) => x.leadDays)).toEqual([7]);
      expect(await warnedOf()).toEqual([]); // once
      const seven = await mine();
      expect(seven.map((n) => n.leadDays)).toEqual([7]);
      expect(seven[0]!.title).toContain("expires within 7 days");
      // Listed in the agency digest e-mail, to its subscribed agency admins.
      const mails = await db.db
        .selectFrom("outbox")
        .selectAll()
        .where("kind", "=", "lifetime_digest")
        .where("text_body", "like", `%${k.id}%`)
        .execute();
      expect(mails.length).toBe(1);
      expect(JSON.parse(mails[0]!.to_json)).toContain(w.owner);
      expect(mails[0]!.text_body).toContain(
        `ends ${iso(start + 10 * DAY).replace(".000Z", "Z")}, within 7 days`,
      );
      // The audit entry is the webhook event key.lifetime_ending.
      const audit = await owner.get(
        `/api/agencies/${w.agencyId}/audit?action=key.lifetime_ending&targetId=${k.id}`,
      );
      const entry = audit.body.entries[0];
      expect(entry.after).toMatchObject({ leadDays: 7, expiresAt: iso(start + 10 * DAY) });
      const events = eventsFromAudit({ ...entry, at: Date.parse(entry.at), agencyId: w.agencyId });
      expect(events.map((e) => [e.type, e.keyId, e.data.leadDays])).toEqual([
        ["key.lifetime_ending", k.id, 7],
      ]);
      await advance(6 * DAY);
      expect((await warnedOf()).map((x) => x.leadDays)).toEqual([1]);
      expect((await mine()).map((n) => n.leadDays).sort()).toEqual([1, 7]);
      // Extending clears the warnings, and the new lifetime warns afresh.
      const ext = await owner.patch(`/api/keys/${k.id}`, { expiresAt: iso(clock.now() + 8 * DAY) });
      expect(ext.status).toBe(200);
      expect(await mine()).toEqual([]);
      expect(await warnedOf()).toEqual([]);
      await advance(DAY + 1_000);
      expect((await warnedOf()).map((x) => x.leadDays)).toEqual([7]);
      expect((await mine()).length).toBe(1);
      // Rotating clears them too (the lifetime stays: the next lead still warns).
      expect((await owner.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 0 })).status).toBe(200);
      expect(await mine()).toEqual([]);
      expect(await warnedOf()).toEqual([]);
      await advance(6 * DAY);
      expect((await warnedOf()).map((x) => x.leadDays)).toEqual([1]);
      // A key past its lifetime is not warned again.
      await advance(2 * DAY);
      expect(await warnedOf()).toEqual([]);
    });
  });
}
