/**
 * Usage by code (GET /api/keys/{id}/usage, issue 13 §5) is the same whether a gateway asks
 * `/api/verify` every time or answers from the SDK's cache: verifications that reached Keyward are
 * counted there; the cached ones come in the use report (POST /api/verify/uses), counted `valid`
 * less the ones the SDK refused `rate_limited` (those come in its limit reports). Nothing counted
 * twice. Real Keyward over loopback (SQLite, then PostgreSQL), injected clock, report timers fired
 * by hand.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { DAY, utcDay } from "../../src/core/clock.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import { ManualTimers, until } from "./helpers.js";

let h: Harness;
let w: World;
let admin: Client;
const sdks: Keyward[] = [];
let pg: RunningPostgres | undefined;
let db: OpenedDatabase | undefined;
const BURST = [{ name: "burst", limit: 3, windowSeconds: 10 }];

async function newKey(rateLimits: unknown[] = BURST) {
  const r = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name: `k${Math.random()}`,
    scopes: [],
    rateLimits,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function sdk(): Promise<Keyward> {
  const kw = new Keyward({
    baseUrl: h.url,
    credential: SERVICE_TOKEN,
    clock: h.clock,
    timers: new ManualTimers(),
  });
  sdks.push(kw);
  expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
  return kw;
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function sdkMetric(code: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const m = new RegExp(`^keyward_sdk_verifications_total\\{code="${code}"\\} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** The key's chart of the day: uses and verifications by code, after every pending count is written. */
async function chart(keyId: string, day: string) {
  await h.kw.usage.flush();
  await h.kw.usageCodes.flush();
  const r = await admin.get(`/api/keys/${keyId}/usage?days=3`);
  expect(r.status).toBe(200);
  const d = (r.body.days as { day: string; count: number; codes: Record<string, number> }[]).find(
    (x) => x.day === day,
  );
  return { count: d?.count ?? 0, codes: d?.codes ?? {} };
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`on ${driver}`, () => {
    beforeAll(async () => {
      const env: Record<string, string> = { KEYWARD_SESSION_TTL_HOURS: "2160" };
      if (driver === "postgres") {
        pg = await startPostgres();
        env.KEYWARD_DATABASE_URL = pg.url;
        db = openDatabase({ databaseUrl: pg.url, dataDir: "unused" });
      }
      h = await startHarness({ env, ...(db ? { database: db } : {}) });
      w = await seedWorld(h.kw);
      admin = await new Client(h).login(w.agencyAdmin);
    }, 120_000);
    afterEach(async () => {
      for (const kw of sdks.splice(0)) await kw.close();
    });
    afterAll(async () => {
      await h?.close();
      await db?.close();
      await pg?.stop();
    });

    describe(`usage by code of an SDK's cached verifications, on ${driver}`, () => {
      it("is the chart /api/verify gives: cached valid ones counted valid once, cached refusals rate_limited once", async () => {
        h.clock.set(T0 + 1_000); // 1 s into an aligned 10 s window
        const day = utcDay(h.clock.now());
        // Through /api/verify, five times: three valid, two refused.
        const viaApi = await newKey();
        for (let i = 0; i < 5; i++)
          expect((await post("/api/verify", { token: viaApi.token, consume: true })).status).toBe(200);
        // Through the SDK, five times: the first reaches Keyward, the other four are its cache's.
        const viaSdk = await newKey();
        const kw = await sdk();
        const codes: string[] = [];
        for (let i = 0; i < 5; i++) codes.push((await kw.verify(viaSdk.token)).code);
        expect(codes).toEqual(["valid", "valid", "valid", "rate_limited", "rate_limited"]);
        const before = { valid: await sdkMetric("valid"), limited: await sdkMetric("rate_limited") };
        await kw.syncLimits();
        await kw.flushUses();
        // Keyward's /metrics counts what the SDK's cache answered: 2 valid, 2 refused (the first
        // verification reached Keyward, counted in keyward_verifications_total).
        expect((await sdkMetric("valid")) - before.valid).toBe(2);
        expect((await sdkMetric("rate_limited")) - before.limited).toBe(2);

        const expected = { count: 5, codes: { valid: 3, rate_limited: 2 } };
        expect(await chart(viaApi.id, day)).toEqual(expected);
        expect(await chart(viaSdk.id, day)).toEqual(expected);

        // Reports and flushes again: nothing new is counted.
        await kw.syncLimits();
        await kw.flushUses();
        expect(await chart(viaSdk.id, day)).toEqual(expected);
      });

      it("without limits enforced in the SDK, every cached verification is counted valid", async () => {
        h.clock.set(T0 + 101_000);
        const k = await newKey([]);
        const kw = await sdk();
        for (let i = 0; i < 4; i++) expect((await kw.verify(k.token)).code).toBe("valid");
        await kw.flushUses();
        expect(await chart(k.id, utcDay(h.clock.now()))).toEqual({ count: 4, codes: { valid: 4 } });
      });

      it("counts reported uses on the UTC day they were made, several entries of one key and day together", async () => {
        h.clock.set(T0 + 2 * DAY + 3_600_000); // 01:00 on 3 January
        const k = await newKey([]);
        const yesterday = new Date(T0 + DAY + 23 * 3_600_000).toISOString();
        const r = await post("/api/verify/uses", {
          uses: [
            { keyId: k.id, count: 4, lastUsedAt: yesterday, rateLimited: 1 },
            { keyId: k.id, count: 2, lastUsedAt: yesterday },
          ],
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(await chart(k.id, utcDay(T0 + DAY))).toEqual({ count: 6, codes: { valid: 5 } });
        expect(await chart(k.id, utcDay(T0 + 2 * DAY))).toEqual({ count: 0, codes: {} });
      });

      it("refuses rateLimited above count, or not a whole number ≥ 0, and records nothing", async () => {
        h.clock.set(T0 + 3 * DAY);
        const k = await newKey([]);
        const at = new Date(h.clock.now()).toISOString();
        for (const rateLimited of [3, -1, 1.5, "1"]) {
          const r = await post("/api/verify/uses", {
            uses: [{ keyId: k.id, count: 2, lastUsedAt: at, rateLimited }],
          });
          expect(r.status, JSON.stringify(r.body)).toBe(400);
          expect(r.body.code).toBe("validation_failed");
          expect(JSON.stringify(r.body)).toMatch(/rateLimited/);
        }
        expect(await chart(k.id, utcDay(h.clock.now()))).toEqual({ count: 0, codes: {} });
      });
    });
  });
}
