/**
 * Uses answered from the SDK's cache reach Keyward's use recording (POST /api/verify/uses): batched
 * per key on the SDK's timer (fired by hand here, under the harness's injected clock), recorded as if
 * every call had reached Keyward — last use, daily counts — and a key with a pending inactivity
 * action is always verified remotely, so that its use spares it before the answer returns.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { DAY, utcDay } from "../../src/core/clock.js";
import { UsageStore } from "../../src/store/usage-store.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
} from "../helpers/harness.js";
import { ManualTimers, until } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;

async function newKey(accountId: string, name: string) {
  // The clock moves by months here: sign in again when the session has lapsed.
  let r = await owner.post(`/api/accounts/${accountId}/keys`, { name });
  if (r.status === 401) {
    owner = await new Client(h).login(w.owner);
    r = await owner.post(`/api/accounts/${accountId}/keys`, { name });
  }
  expect(r.status).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function report(body: unknown, token = SERVICE_TOKEN) {
  const res = await fetch(`${h.url}/api/verify/uses`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const usesOn = async (keyId: string, day: string) =>
  (await new UsageStore(h.kw.store).usageByDay(keyId, day)).find((d) => d.day === day)?.count ?? 0;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});

afterAll(async () => {
  await h?.close();
});

describe("uses answered from the SDK's cache", () => {
  it("are reported per key in one report per interval, and Keyward records every one with the last time", async () => {
    const timers = new ManualTimers();
    const kw = new Keyward({
      baseUrl: h.url,
      credential: SERVICE_TOKEN,
      clock: h.clock,
      timers,
      stream: false,
    });
    // Uses every 5 s; rate-limit counts every 500 ms.
    expect([...timers.intervals.values()].map((t) => t.ms)).toEqual([5_000, 500]);
    const a = await newKey(w.loc1, "busy");
    const b = await newKey(w.agencyId, "also busy");
    const start = h.clock.now();
    // The first of each is Keyward's own verification (and its own use); the rest are the SDK's.
    expect((await kw.verify(a.token, { clientIp: "203.0.113.9", userAgent: "gw/1" })).code).toBe("valid");
    expect((await kw.verify(b.token)).code).toBe("valid");
    for (let i = 0; i < 999; i++) {
      h.clock.advance(1); // entries are trusted for 1 s without a stream: stay within it
      expect(kw.verifyCached(a.token, { clientIp: "203.0.113.10", userAgent: "gw/2" })?.code).toBe("valid");
      if (i % 3 === 0) expect(kw.verifyCached(b.token)?.code).toBe("valid");
    }
    const last = h.clock.now();
    await h.kw.usage.flush(); // Keyward's own two uses
    expect((await h.kw.store.getKey(a.id))!.lastUsedAt).toBe(start);
    expect(kw.health().pendingUses).toBe(2);
    expect(kw.health().useReports).toBe(0);

    timers.fire(); // 5 s have passed
    expect(await until(() => kw.health().useReports === 1)).not.toBeNull();
    expect(kw.health().pendingUses).toBe(0);
    const day = utcDay(start);
    expect(await usesOn(a.id, day)).toBe(1_000);
    expect(await usesOn(b.id, day)).toBe(1 + 333);
    const keyA = (await h.kw.store.getKey(a.id))!;
    expect(keyA.lastUsedAt).toBe(last);
    expect(keyA.activityAt).toBe(last);
    // The latest call's client, as Keyward keeps it for its own.
    expect([keyA.lastUsedIp, keyA.lastUsedUa]).toEqual(["203.0.113.10", "gw/2"]);

    // Nothing new: nothing sent. close() sends what is left.
    timers.fire();
    await new Promise((r) => setTimeout(r, 20));
    expect(kw.health().useReports).toBe(1);
    h.clock.advance(1);
    kw.verifyCached(a.token);
    await kw.close();
    expect(kw.health().useReports).toBe(2);
    expect(await usesOn(a.id, day)).toBe(1_001);
  });

  it("a use of a key with a pending inactivity action is verified remotely and spares it at once", async () => {
    const kw = new Keyward({
      baseUrl: h.url,
      credential: SERVICE_TOKEN,
      clock: h.clock,
      timers: new ManualTimers(),
      stream: false,
    });
    h.clock.set(T0);
    const k = await newKey(w.loc1, "dormant");
    // Created at T0: due on 1 April (90 days), warned 15 days before that sweep.
    h.clock.set(T0 + 76 * DAY);
    const tick = await h.kw.scheduler.tick();
    expect(tick.warnings.flatMap((x) => x.keyIds)).toContain(k.id);
    const warnedAt = h.clock.now();
    const raw = await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ token: k.token }),
    });
    expect(await raw.json()).toMatchObject({ valid: true, cache: false });
    // Written through before the answer: no flush needed.
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(warnedAt);
    await kw.close();
  });

  it("a key warned while the SDK holds it is asked of Keyward, not answered from the cache", async () => {
    const kw = new Keyward({
      baseUrl: h.url,
      credential: SERVICE_TOKEN,
      clock: h.clock,
      timers: new ManualTimers(),
    });
    expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
    h.clock.set(Date.parse("2026-04-02T00:00:00Z"));
    const k = await newKey(w.loc1, "warned while cached"); // due 1 July, warned from 16 June
    h.clock.set(Date.parse("2026-06-17T00:00:00Z"));
    // Used just before the scheduler decides (Keyward's own use not yet flushed): a genuine race.
    expect((await kw.verify(k.token)).code).toBe("valid");
    expect(kw.verifyCached(k.token)?.code).toBe("valid");
    // Keyward's own cache forgets its earlier answer for the warned key: the SDK hears the same.
    const tick = await h.kw.scheduler.tick();
    expect(tick.warnings.flatMap((x) => x.keyIds)).toContain(k.id);
    expect(await until(() => kw.verifyCached(k.token) === undefined, 1_000)).not.toBeNull();
    // Asked again, Keyward writes the use through (sparing the key) and says not to cache that answer.
    expect((await kw.verify(k.token)).code).toBe("valid");
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(h.clock.now());
    expect(kw.verifyCached(k.token)).toBeUndefined();
    await kw.close();
  });
});

describe("POST /api/verify/uses", () => {
  it("ignores and counts keys the credential cannot see", async () => {
    const k = await newKey(w.loc1, "reported");
    const at = new Date(h.clock.now()).toISOString();
    const r = await report({
      uses: [
        { keyId: k.id, count: 3, lastUsedAt: at, ip: "198.51.100.1", endpoint: "GET /orders/:id" },
        { keyId: "key_doesnotexist", count: 5, lastUsedAt: at },
      ],
    });
    expect(r).toEqual({ status: 200, body: { recorded: 1, ignored: 1, skipped: 0 } });
    expect(await usesOn(k.id, utcDay(h.clock.now()))).toBe(3);
  });

  it("refuses bad reports with a problem that says what to fix", async () => {
    const k = await newKey(w.loc1, "bad reports");
    const now = h.clock.now();
    const at = new Date(now).toISOString();
    const cases: [unknown, number, string, RegExp][] = [
      [{}, 400, "validation_failed", /uses/],
      [{ uses: [] }, 400, "validation_failed", /at least one/],
      [{ uses: [{ keyId: k.id, count: 0, lastUsedAt: at }] }, 400, "validation_failed", /count/],
      [{ uses: [{ keyId: k.id, count: 1.5, lastUsedAt: at }] }, 400, "validation_failed", /count/],
      [{ uses: [{ keyId: k.id, count: 1, lastUsedAt: "yesterday" }] }, 400, "validation_failed", /ISO 8601/],
      [
        { uses: [{ keyId: k.id, count: 1, lastUsedAt: at, token: "x" }] },
        400,
        "validation_failed",
        /unknown field/,
      ],
    ];
    for (const [body, status, code, detail] of cases) {
      const r = await report(body);
      expect([r.status, r.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(r.body.detail).toMatch(detail);
    }
    const wrong = await report({ uses: [{ keyId: k.id, count: 1, lastUsedAt: at }] }, "not-the-token");
    expect([wrong.status, wrong.body.code]).toEqual([401, "invalid_service_token"]);
    // Nothing of the refused reports was recorded.
    expect(await usesOn(k.id, utcDay(now))).toBe(0);
    // A clock a little ahead counts as now.
    const ahead = await report({
      uses: [{ keyId: k.id, count: 2, lastUsedAt: new Date(now + 60_000).toISOString() }],
    });
    expect(ahead.body).toEqual({ recorded: 1, ignored: 0, skipped: 0 });
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(now);
  });
});
