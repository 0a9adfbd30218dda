/**
 * The SDK's event stream honours `Retry-After` when Keyward refuses it (429 `too_many_streams`: the
 * credential already holds KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL streams on the node), up to a bound
 * (60 s by default), instead of reconnecting on its own backoff (100 ms, 200 ms …) and being refused
 * again and again. Meanwhile health() says why the stream is down and cached answers live at most
 * 1 s. Real Keyward over loopback with the cap set to 1; the waits are real (this is about the
 * network), kept about a second by the bound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStream, MAX_RETRY_AFTER_MS, retryAfterMs } from "../../packages/sdk/src/events.js";
import { Keyward } from "../../packages/sdk/src/index.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { ManualTimers, until } from "./helpers.js";

let h: Harness;
let w: World;
let admin: Client;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL: "1" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.agencyAdmin);
});
afterAll(async () => {
  await h?.close();
});

/** Takes the credential's one stream slot until `release()`. */
async function holdTheSlot() {
  const abort = new AbortController();
  const res = await fetch(`${h.url}/api/verify/events`, {
    headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  return {
    release: async () => {
      abort.abort();
      await res.body?.cancel().catch(() => {});
      // The server frees the slot when it sees the connection go.
      await until(async () => (await refusedOrOpen("keyward_verify_streams")) === 0);
    },
  };
}

async function refusedOrOpen(name: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Retry-After", () => {
  it("reads seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("30", now)).toBe(30_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    for (const v of [null, "", "soon", "-5", "1.5"]) expect(retryAfterMs(v, now)).toBeNull();
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
  });

  it("an SDK refused too_many_streams waits as told, says so in health(), and trusts cached answers 1 s only", async () => {
    const slot = await holdTheSlot();
    const refusedBefore = await refusedOrOpen("keyward_verify_streams_refused_total");
    const r = await admin.post(`/api/accounts/${w.loc1}/keys`, { name: "gateway key", scopes: [] });
    expect(r.status).toBe(201);
    const kw = new Keyward({
      baseUrl: h.url,
      credential: SERVICE_TOKEN,
      clock: h.clock,
      timers: new ManualTimers(),
    });
    try {
      expect(await until(() => /too_many_streams/.test(kw.health().detail ?? ""))).not.toBeNull();
      // Its own backoff would have tried again at about 100, 200, 400 and 800 ms: refused each time.
      await sleep(1_200);
      expect((await refusedOrOpen("keyward_verify_streams_refused_total")) - refusedBefore).toBe(1);
      const health = kw.health();
      expect(health).toMatchObject({ stream: "down", live: false, cacheTtlMs: 1_000 });
      // Keyward says 30 s; the SDK adds up to 10 % so that refused clients do not return together.
      expect(health.detail).toMatch(/429.*retrying in (3[0-3]) s \(Retry-After\)/);

      // With the stream down, a cached answer lives 1 s on the injected clock.
      expect((await kw.verify(r.body.token)).code).toBe("valid");
      expect(kw.verifyCached(r.body.token)?.code).toBe("valid");
      h.clock.advance(1_001);
      expect(kw.verifyCached(r.body.token)).toBeUndefined();
    } finally {
      await kw.close();
      await slot.release();
    }
  });

  it("the Keyward constructor's maxRetryAfterMs bounds the stream's wait", async () => {
    const slot = await holdTheSlot();
    const kw = new Keyward({
      baseUrl: h.url,
      credential: SERVICE_TOKEN,
      clock: h.clock,
      timers: new ManualTimers(),
      maxRetryAfterMs: 1_000, // Keyward asks 30 s
    });
    try {
      expect(await until(() => /too_many_streams/.test(kw.health().detail ?? ""))).not.toBeNull();
      expect(kw.health().detail).toMatch(/429.*retrying in 1 s \(Retry-After\)/);
      const refusedAt = Date.now();
      await slot.release();
      expect(await until(() => kw.health().stream === "connected", 5_000)).not.toBeNull();
      expect(Date.now() - refusedAt).toBeLessThan(3_000);
    } finally {
      await kw.close();
      // The server frees its slot when it sees the connection go (the next test takes it).
      await until(async () => (await refusedOrOpen("keyward_verify_streams")) === 0);
    }
  });

  it("reconnects once the wait (bounded by maxRetryAfterMs) is over, not before", async () => {
    const slot = await holdTheSlot();
    const states: { state: string; at: number; detail?: string | undefined }[] = [];
    const stream = new EventStream({
      url: `${h.url}/api/verify/events`,
      headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      now: () => Date.now(),
      onEvent: () => {},
      onState: (state, detail) => states.push({ state, at: Date.now(), detail }),
      maxRetryAfterMs: 1_000, // Keyward asks 30 s
    });
    stream.start();
    try {
      expect(await until(() => states.some((s) => s.state === "down"))).not.toBeNull();
      const refused = states.find((s) => s.state === "down")!;
      expect(refused.detail).toMatch(/429.*too_many_streams.*retrying in 1 s/);
      await slot.release(); // the slot is free: its own backoff would be back within ~200 ms
      expect(await until(() => stream.state === "connected", 5_000)).not.toBeNull();
      const connected = states.find((s) => s.state === "connected")!;
      expect(connected.at - refused.at).toBeGreaterThanOrEqual(950);
      expect(connected.at - refused.at).toBeLessThan(3_000);
      expect(states.filter((s) => s.state === "down")).toHaveLength(1);
    } finally {
      stream.close();
    }
  });
});
