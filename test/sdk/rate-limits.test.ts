/**
 * The SDK enforces a key's `local` rate limits in-process (docs/traffic-policy.md, "The SDK"):
 * verifications answered from its cache are counted in its own sliding windows, refused with the
 * answer `/api/verify` gives, and reconciled with Keyward (`POST /api/verify/limits`) so that other
 * SDKs' and Keyward's own counts are shared. Real Keyward over loopback; the SDKs and Keyward share
 * an injected clock, and the reconcile timer is fired by hand (nothing sleeps).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { utcDay } from "../../src/core/clock.js";
import { UsageStore } from "../../src/store/usage-store.js";
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
import { type Receiver, startReceiver } from "../webhooks/receiver.js";
import { ManualTimers, until } from "./helpers.js";

let h: Harness;
let w: World;
let admin: Client;
const sdks: Keyward[] = [];

async function newKey(account: string, rateLimits: unknown[]) {
  const r = await admin.post(`/api/accounts/${account}/keys`, {
    name: `k${Math.random()}`,
    scopes: [],
    rateLimits,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function sdk(opts: { stream?: boolean } = {}): Promise<Keyward> {
  const kw = new Keyward({
    baseUrl: h.url,
    credential: SERVICE_TOKEN,
    clock: h.clock,
    timers: new ManualTimers(),
    ...opts,
  });
  sdks.push(kw);
  if (opts.stream !== false) expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
  return kw;
}

async function verifyRemote(body: Record<string, unknown>) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as any;
}

async function codes(kw: Keyward, token: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await kw.verify(token)).code);
  return out;
}

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.agencyAdmin);
});
afterEach(async () => {
  for (const kw of sdks.splice(0)) await kw.close();
});
afterAll(async () => {
  await h?.close();
});

describe("one SDK", () => {
  it("refuses a cached key past its limit with /api/verify's own answer, and lets it through when the window allows", async () => {
    h.clock.set(T0 + 1_000); // 1 s into an aligned 10 s window
    const k = await newKey(w.loc1, [{ name: "burst", limit: 5, windowSeconds: 10 }]);
    const kw = await sdk();
    // The first is Keyward's (consumed there), the next four the cache's; the sixth is over.
    expect(await codes(kw, k.token, 6)).toEqual([
      "valid",
      "valid",
      "valid",
      "valid",
      "valid",
      "rate_limited",
    ]);
    expect(kw.health().entries).toBe(1); // answered in-process, not by asking Keyward again
    const sdkAnswer = await kw.verify(k.token);
    // Keyward, told of the SDK's counts, gives the same answer at the same instant.
    await kw.syncLimits();
    const keywardAnswer = await verifyRemote({ token: k.token, consume: true });
    expect(sdkAnswer).toEqual(keywardAnswer);
    expect(sdkAnswer).toMatchObject({
      valid: false,
      code: "rate_limited",
      // Not before 12 s: then the previous window's 5 weigh ⌈5 × 80 %⌉ = 4 and one more fits.
      message: 'Rate limited: over the limit "burst" (5 per 10 s) of this key; retry in 11 s.',
      rateLimit: {
        allowed: false,
        retryAfter: 11,
        limit: "burst",
        limits: [
          {
            name: "burst",
            owner: "key",
            limit: 5,
            windowSeconds: 10,
            cost: 1,
            mode: "local",
            remaining: 0,
            resetSeconds: 11,
          },
        ],
      },
    });
    // The window arithmetic on the injected clock: one passes at 12 s, not at 11.9 s.
    h.clock.set(T0 + 11_900);
    expect(await codes(kw, k.token, 1)).toEqual(["rate_limited"]);
    h.clock.set(T0 + 12_000);
    expect(await codes(kw, k.token, 2)).toEqual(["valid", "rate_limited"]);
    expect(kw.health().entries).toBe(1);
  });

  it("refusals by a rate limit are still uses (the inactivity lifecycle sees them)", async () => {
    h.clock.set(T0 + 100_000);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 2, windowSeconds: 10 }]);
    const kw = await sdk();
    expect(await codes(kw, k.token, 5)).toEqual([
      "valid",
      "valid",
      "rate_limited",
      "rate_limited",
      "rate_limited",
    ]);
    await kw.flushUses();
    await h.kw.usage.flush();
    const day = utcDay(h.clock.now());
    const days = await new UsageStore(h.kw.store).usageByDay(k.id, day);
    expect(days.find((d) => d.day === day)?.count).toBe(5);
  });

  it("a key under a strict limit is never answered from the cache: Keyward decides each one", async () => {
    h.clock.set(T0 + 200_000);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 3, windowSeconds: 10, mode: "strict" }]);
    const kw = await sdk();
    const first = await kw.verify(k.token);
    expect(first.code).toBe("valid");
    expect(kw.health().entries).toBe(0);
    expect(await codes(kw, k.token, 3)).toEqual(["valid", "valid", "rate_limited"]);
    expect(kw.health().entries).toBe(0);
    // Keyward says so itself.
    expect((await verifyRemote({ token: k.token, consume: true })).cache).toBe(false);
  });

  it("a middleware answers a cached refusal 429 with Retry-After, as Keyward's own API does", async () => {
    h.clock.set(T0 + 300_000);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 1, windowSeconds: 10 }]);
    const kw = await sdk();
    await codes(kw, k.token, 1);
    const refused = await kw.verify(k.token);
    const { problemOf } = await import("../../packages/sdk/src/index.js");
    const p = problemOf(refused, h.url);
    const platform = await withKey(h, k.token, "GET", "/v2/token");
    expect(platform.status).toBe(429);
    expect(p.status).toBe(429);
    expect(p.headers["retry-after"]).toBe(platform.headers.get("retry-after"));
    // At the window's start with the one taken: not before the next window ends (20 s).
    expect(p.body).toMatchObject({ code: "rate_limited", limit: "burst", retryAfter: 20 });
  });
});

describe("refusals made in the SDK", () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx.close();
  });

  it("are counted by code and queue key.rate_limited at the next reconcile", async () => {
    h.clock.set(T0 + 351_000);
    const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
      url: rx.url,
      events: ["key.rate_limited"],
    });
    expect(r.status).toBe(201);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 2, windowSeconds: 10 }]);
    const kw = await sdk();
    expect(await codes(kw, k.token, 5)).toEqual([
      "valid",
      "valid",
      "rate_limited",
      "rate_limited",
      "rate_limited",
    ]);
    await kw.syncLimits();
    await h.kw.usageCodes.flush();
    const usage = (await admin.get(`/api/keys/${k.id}/usage?days=1`)).body;
    expect(usage.days.at(-1).codes).toMatchObject({ rate_limited: 3 });
    await h.kw.rateLimitWebhooks.settled();
    await h.kw.webhookSender.deliverDue();
    const events = rx.received.map((x) => JSON.parse(x.body));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "key.rate_limited",
      data: { key: { id: k.id }, limit: "burst" },
    });
    // Reported once: the next reconcile has no refusal to tell.
    await kw.syncLimits();
    await h.kw.usageCodes.flush();
    expect((await admin.get(`/api/keys/${k.id}/usage?days=1`)).body.days.at(-1).codes.rate_limited).toBe(3);
  });
});

describe("reconciled between SDKs and Keyward", () => {
  it("counts of another SDK and of Keyward's own requests are shared at the next reconcile", async () => {
    h.clock.set(T0 + 401_000);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 10, windowSeconds: 10 }]);
    const a = await sdk();
    const b = await sdk();
    expect(await codes(a, k.token, 6)).toEqual(Array(6).fill("valid")); // 1 at Keyward, 5 here
    expect(await codes(b, k.token, 1)).toEqual(["valid"]); // Keyward: 2
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200); // Keyward: 3
    await a.syncLimits(); // Keyward: 8
    await b.syncLimits(); // b hears 8
    expect(await codes(b, k.token, 3)).toEqual(["valid", "valid", "rate_limited"]);
    // a has not heard of b's 2 yet: it would let 2 more through (the overshoot the interval allows) …
    await b.syncLimits();
    await a.syncLimits();
    // … but once reconciled it refuses too, as does Keyward.
    expect(await codes(a, k.token, 1)).toEqual(["rate_limited"]);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(429);
  });

  it("a key idle for two windows is forgotten by the reconcile, and reported again when its cached entry is used", async () => {
    h.clock.set(T0 + 451_000);
    const k = await newKey(w.loc1, [{ name: "burst", limit: 3, windowSeconds: 10 }]);
    const a = await sdk();
    expect(await codes(a, k.token, 2)).toEqual(["valid", "valid"]);
    await a.syncLimits();
    h.clock.set(T0 + 481_000); // idle for three windows: forgotten at this reconcile
    await a.syncLimits();
    expect(await codes(a, k.token, 4)).toEqual(["valid", "valid", "valid", "rate_limited"]);
    expect(a.health().entries).toBe(1);
    await a.syncLimits();
    // Keyward heard the three: its own answer refuses too.
    expect((await verifyRemote({ token: k.token, consume: true })).code).toBe("rate_limited");
  });

  it("a location's limit is shared by its keys in one SDK and across SDKs", async () => {
    h.clock.set(T0 + 501_000);
    const patched = await admin.patch(`/api/locations/${w.loc2}`, {
      rateLimits: [{ name: "burst", limit: 4, windowSeconds: 10 }],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const k1 = await newKey(w.loc2, []);
    const k2 = await newKey(w.loc2, []);
    const a = await sdk();
    expect(await codes(a, k1.token, 2)).toEqual(["valid", "valid"]);
    expect(await codes(a, k2.token, 3)).toEqual(["valid", "valid", "rate_limited"]);
    const refused = await a.verify(k2.token);
    expect(refused.rateLimit?.limit).toBe("location.burst");
    await a.syncLimits();
    const b = await sdk();
    // b's first is Keyward's, which has heard of a's four: refused there.
    expect((await b.verify(k1.token)).code).toBe("rate_limited");
    // A change of the location's limits reaches the SDK through its event stream.
    const raised = await admin.patch(`/api/locations/${w.loc2}`, {
      rateLimits: [{ name: "burst", limit: 100, windowSeconds: 10 }],
    });
    expect(raised.status).toBe(200);
    expect(await until(() => a.health().entries === 0)).not.toBeNull();
    expect(await codes(a, k2.token, 2)).toEqual(["valid", "valid"]);
  });

  it("bad reports are 400 and another agency's keys are ignored", async () => {
    const post = (body: unknown) =>
      fetch(`${h.url}/api/verify/limits`, {
        method: "POST",
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    for (const bad of [
      {},
      { keys: [] },
      { keys: [{ keyId: "key_x", counts: [{ name: "burst", windowStart: 0, current: -1, previous: 0 }] }] },
      { keys: [{ keyId: "key_x", counts: [{ name: "burst", windowStart: 1.5, current: 1, previous: 0 }] }] },
    ]) {
      const r = await post(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
    }
    const unknown = await post({ keys: [{ keyId: "key_nope", counts: [] }] });
    expect(unknown).toEqual({ status: 200, body: { keys: [], ignored: 1 } });
  });
});

describe("overshoot, three SDKs", () => {
  it("stays within limit + (instances − 1) × rate × 2 × interval", async () => {
    const LIMIT = 100;
    const RATE = 20; // verifications per second per SDK
    const INTERVAL = 500; // ms between reconciles
    const INSTANCES = 3;
    const START = T0 + 1_000_000; // an aligned window
    h.clock.set(START);
    const k = await newKey(w.loc1, [{ name: "burst", limit: LIMIT, windowSeconds: 10 }]);
    const all = [await sdk(), await sdk(), await sdk()];
    let allowed = 0;
    const step = 1000 / RATE;
    // One window, 10 s: every SDK verifies once per step; each reconciles every INTERVAL, staggered.
    for (let t = 0; t < 10_000; t += step) {
      h.clock.set(START + t);
      for (let i = 0; i < INSTANCES; i++) {
        if ((t + (i * INTERVAL) / INSTANCES) % INTERVAL < step) await all[i]!.syncLimits();
        if ((await all[i]!.verify(k.token)).valid) allowed++;
      }
    }
    const bound = LIMIT + (INSTANCES - 1) * RATE * 2 * (INTERVAL / 1000);
    console.log(
      `SDK overshoot: ${allowed - LIMIT} over (${allowed} let through of ${(10_000 / step) * INSTANCES}); bound ${bound - LIMIT}`,
    );
    expect(allowed).toBeGreaterThanOrEqual(LIMIT);
    expect(allowed).toBeLessThanOrEqual(bound);
  });
});
