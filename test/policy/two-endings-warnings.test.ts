/**
 * Two endings (core/two-endings.ts), the warnings' side: inactivity warnings already out for a key
 * whose lifetime is then shortened to end first leave the in-app list (as a Keep clears them), and
 * keys whose lifetime warning waits for an earlier inactivity action never crowd other keys out of
 * a tick's lifetime warnings. On the injected clock; default policy (90 days, quarterly sweeps,
 * warnings 15, 7 and 1 day before): keys made on 1 January are acted on on 1 April. SQLite and
 * PostgreSQL (where the lifetime job pages with SKIP LOCKED).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warnLifetimesEnding } from "../../src/scheduler/lifetime-warnings.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { Client, type Harness, seedWorld, startHarness, T0, type World } from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

let h: Harness;
let w: World;
let admin: Client;
/** The locations' admins: their keys' warnings go to them. */
let boss1: Client;
let boss2: Client;
let held: string;
let pg: RunningPostgres | undefined;
let db: OpenedDatabase | undefined;
const at = (s: string) => Date.parse(`${s}Z`);

async function newKey(account: string, name: string, expiresAt?: string) {
  const r = await admin.post(`/api/accounts/${account}/keys`, {
    name,
    scopes: [],
    ...(expiresAt ? { expiresAt: `${expiresAt}Z` } : {}),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.key.id as string;
}

/** The inactivity warnings in both location admins' in-app lists: the key ids each names. */
async function inactivityWarnings(): Promise<string[][]> {
  return [...(await warningsOf(boss1)), ...(await warningsOf(boss2))];
}

async function warningsOf(client: Client): Promise<string[][]> {
  const r = await client.get("/api/me/notifications");
  expect(r.status).toBe(200);
  return (r.body.notifications as { type: string; keyIds: string[] }[])
    .filter((n) => n.type !== "lifetime_warning")
    .map((n) => [...n.keyIds].sort());
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`two endings, warnings, on ${driver}`, () => {
    beforeAll(async () => {
      const env: Record<string, string> = { KEYWARD_SESSION_TTL_HOURS: "2160" };
      if (driver === "postgres") {
        pg = await startPostgres();
        env.KEYWARD_DATABASE_URL = pg.url;
        db = openDatabase({ databaseUrl: pg.url, dataDir: "unused" });
      }
      h = await startHarness({ env, ...(db ? { database: db } : {}) });
      w = await seedWorld(h.kw);
      admin = await new Client(h).login(w.owner);
      boss1 = await new Client(h).login(w.loc1Admin);
      boss2 = await new Client(h).login(w.loc2Admin);
      // The agency's own key, made on 1 January: warned for inactivity on 17 March (the first test's
      // tick), acted on 1 April, before its lifetime ends on 3 April — its lifetime warning waits.
      held = await newKey(w.agencyId, "held back", "2026-04-03T00:00:00");
    }, 120_000);
    afterAll(async () => {
      await h?.close();
      await db?.close();
      await pg?.stop();
    });

    it("a warned key whose lifetime is shortened to end first loses its inactivity warnings; a warning naming keys still pending stays", async () => {
      h.clock.set(T0);
      const alone = await newKey(w.loc2, "alone in Uptown");
      const shared = await newKey(w.loc1, "shares its warning");
      const other = await newKey(w.loc1, "still pending");
      h.clock.set(at("2026-03-17T00:00:00"));
      const r = await h.kw.scheduler.tick(at("2026-03-17T00:00:00"));
      expect(new Set(r.warnings.flatMap((x) => x.keyIds))).toEqual(new Set([alone, shared, other, held]));
      const sorted = (...ids: string[]) => [...ids].sort();
      expect(await inactivityWarnings()).toEqual(expect.arrayContaining([[alone], sorted(shared, other)]));

      h.clock.set(at("2026-03-18T00:00:00"));
      for (const id of [alone, shared]) {
        const p = await admin.patch(`/api/keys/${id}`, { expiresAt: "2026-03-25T00:00:00Z" });
        expect(p.status, JSON.stringify(p.body)).toBe(200);
      }
      const left = await inactivityWarnings();
      expect(left).not.toContainEqual([alone]);
      // The shared warning is still true of the other key.
      expect(left).toContainEqual(sorted(shared, other));
      // Its lifetime, now first, is what is announced.
      const next = await h.kw.scheduler.tick(at("2026-03-18T00:00:00"));
      expect((next.lifetimeWarnings ?? []).map((x) => x.keyId).sort()).toEqual(sorted(alone, shared));

      // A lifetime edited but still ending after the action clears nothing.
      h.clock.set(at("2026-03-19T00:00:00"));
      const p = await admin.patch(`/api/keys/${other}`, { expiresAt: "2026-06-01T00:00:00Z" });
      expect(p.status).toBe(200);
      expect(await inactivityWarnings()).toContainEqual(sorted(shared, other));
    });

    it("keys whose inactivity action comes first do not count toward the per-tick limit of lifetime warnings", async () => {
      // Made on 28 March: their inactivity actions are months away; their lifetimes end on 5 April (midnight and noon),
      // after the held-back key's (3 April), which comes first in the query's order.
      h.clock.set(at("2026-03-28T00:00:00"));
      const due = await newKey(w.loc1, "due a lifetime warning", "2026-04-05T00:00:00");
      const due2 = await newKey(w.loc1, "due one too", "2026-04-05T12:00:00");
      const now = at("2026-03-30T00:00:00");
      h.clock.set(now);
      const warn = async () =>
        (
          await warnLifetimesEnding(
            h.kw.store,
            now,
            undefined,
            (s, keys) => h.kw.lifecycle.inactivityFirst(s, keys, now),
            1, // keys warned per tick
          )
        ).map((x) => x.keyId);
      // One per call, never the held-back key; it is still due (not marked) after them.
      expect(await warn()).toEqual([due]);
      expect(await warn()).toEqual([due2]);
      expect(await warn()).toEqual([]);
      expect(
        (await h.kw.lifecycle.inactivityFirst(h.kw.store, [(await h.kw.store.getKey(held))!], now)).has(held),
      ).toBe(true);
    });
  });
}
