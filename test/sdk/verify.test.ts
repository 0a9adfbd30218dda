/**
 * @keyward/sdk against a real Keyward (SQLite, loopback HTTP): it answers as POST /api/verify does,
 * from its cache after the first time; the event stream drops what a revocation, rotation, scope or
 * plan change concerns within a second; with the stream down it trusts an entry for 1 s at most and
 * says so; it resumes with Last-Event-ID; a failing Keyward is answered per failMode.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, type VerifyOptions } from "../../packages/sdk/src/index.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  setPlan,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { ManualTimers, TcpProxy, until } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
const open: Keyward[] = [];

function sdk(opts: Partial<ConstructorParameters<typeof Keyward>[0]> = {}): Keyward {
  const kw = new Keyward({
    baseUrl: h.url,
    credential: SERVICE_TOKEN,
    clock: h.clock,
    timers: new ManualTimers(),
    ...opts,
  });
  open.push(kw);
  return kw;
}

async function connected(kw: Keyward): Promise<void> {
  expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
}

async function newKey(accountId: string, name: string, scopes?: string[]) {
  const r = await owner.post(`/api/accounts/${accountId}/keys`, { name, ...(scopes ? { scopes } : {}) });
  expect(r.status).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function direct(token: string, opts: VerifyOptions = {}) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token, ...opts }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});

afterAll(async () => {
  for (const kw of open) await kw.close().catch(() => {});
  await h?.close();
});

describe("verify", () => {
  it("answers exactly as POST /api/verify, and from its cache (by SHA-256) after the first time", async () => {
    const kw = sdk();
    await connected(kw);
    const loc = await newKey(w.loc1, "loc key", ["users.readonly"]);
    const ag = await newKey(w.agencyId, "agency key", ["locations.readonly"]);
    const cases: [string, VerifyOptions, boolean][] = [
      [loc.token, {}, true],
      [loc.token, { requiredScopes: ["users.readonly"] }, true],
      [loc.token, { requiredScopes: ["users.write", "users.readonly"] }, true],
      [loc.token, { locationId: w.loc1 }, true],
      [loc.token, { locationId: w.loc2 }, true],
      [ag.token, { locationId: w.loc1 }, true],
      [ag.token, { requiredScopes: ["locations.write"] }, true],
      // Another agency's location: never seen valid for this key, so Keyward is asked each time.
      [ag.token, { locationId: w.otherLoc }, false],
      // Mistyped: never the token itself (1 in 238,328 tokens ends in zzz).
      [`${loc.token.slice(0, -3)}${loc.token.endsWith("zzz") ? "yyy" : "zzz"}`, {}, false],
      ["", {}, false],
    ];
    for (const [token, opts, cached] of cases) {
      const expected = await direct(token, opts);
      expect(await kw.verify(token, opts), JSON.stringify(opts)).toEqual(expected);
      expect(kw.verifyCached(token, opts) !== undefined, JSON.stringify(opts)).toBe(cached);
      expect(await kw.verify(token, opts)).toEqual(expected);
    }
    // Keyed by the token's hash; the plaintext is nowhere in the cache.
    const byHash = (kw as any).cache.byHash as Map<string, unknown>;
    expect(byHash.has(createHash("sha256").update(loc.token).digest("binary"))).toBe(true);
    expect(JSON.stringify([...byHash])).not.toContain(loc.token);
  });

  it("keeps at most maxEntries tokens", async () => {
    const kw = sdk({ maxEntries: 2 });
    const keys = [await newKey(w.loc1, "m1"), await newKey(w.loc1, "m2"), await newKey(w.loc1, "m3")];
    for (const k of keys) expect((await kw.verify(k.token)).code).toBe("valid");
    expect(kw.health().entries).toBe(2);
    expect(kw.verifyCached(keys[0]!.token)).toBeUndefined(); // the oldest went
    expect(kw.verifyCached(keys[2]!.token)?.code).toBe("valid");
  });
});

describe("live invalidation", () => {
  const latencies: number[] = [];
  afterAll(() =>
    console.log(`SDK invalidation latencies (ms): ${latencies.map((l) => l.toFixed(1)).join(", ")}`),
  );

  async function dropsWithinASecond(kw: Keyward, token: string, change: () => Promise<unknown>) {
    expect((await kw.verify(token)).valid).toBe(true);
    expect(kw.verifyCached(token)?.valid).toBe(true);
    const t0 = performance.now();
    await change();
    const ms = await until(() => kw.verifyCached(token) === undefined, 1_000);
    expect(ms, "the entry was not dropped within 1 s").not.toBeNull();
    latencies.push(performance.now() - t0);
  }

  it("revocation, rotation, a scope change and a plan change each reach the SDK within 1 s", async () => {
    const kw = sdk();
    await connected(kw);

    const revoked = await newKey(w.loc1, "revoke me");
    await dropsWithinASecond(kw, revoked.token, () => owner.post(`/api/keys/${revoked.id}/revoke`));
    expect((await kw.verify(revoked.token)).code).toBe("revoked");

    const rotated = await newKey(w.loc1, "rotate me");
    await dropsWithinASecond(kw, rotated.token, () =>
      owner.post(`/api/keys/${rotated.id}/rotate`, { expireOldAfterSeconds: 0 }),
    );
    expect((await kw.verify(rotated.token)).code).toBe("rotated");

    const scoped = await newKey(w.loc1, "narrow me", ["users.readonly", "users.write"]);
    expect((await kw.verify(scoped.token, { requiredScopes: ["users.write"] })).valid).toBe(true);
    await dropsWithinASecond(kw, scoped.token, () =>
      owner.patch(`/api/keys/${scoped.id}`, { scopes: ["users.readonly"] }),
    );
    expect((await kw.verify(scoped.token, { requiredScopes: ["users.write"] })).code).toBe(
      "insufficient_scope",
    );

    const agencyKey = await newKey(w.agencyId, "downgrade me");
    await dropsWithinASecond(kw, agencyKey.token, () => setPlan(h, w.agencyId, "starter"));
    expect((await kw.verify(agencyKey.token)).code).toBe("plan_required");
    await setPlan(h, w.agencyId, "agency_pro");
    expect((await kw.verify(agencyKey.token)).code).toBe("valid");

    const deleted = await newKey(w.loc2, "delete my location");
    await dropsWithinASecond(kw, deleted.token, () => owner.delete(`/api/locations/${w.loc2}`));
    expect((await kw.verify(deleted.token)).code).toBe("revoked");
  });

  it("a key in its rotation grace period, or with a pending inactivity action, is never cached", async () => {
    const kw = sdk();
    const k = await newKey(w.loc1, "rotate later");
    await owner.post(`/api/keys/${k.id}/rotate`, { expireOldAfterSeconds: 3600 });
    expect(await direct(k.token)).toMatchObject({ code: "valid", cache: false });
    expect((await kw.verify(k.token)).code).toBe("valid");
    expect(kw.verifyCached(k.token)).toBeUndefined();
  });
});

describe("the stream down", () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await new TcpProxy(Number(new URL(h.url).port)).start();
  });
  afterAll(() => proxy.close());

  it("trusts an entry for 1 s at most, says so in health(), and answers per failMode", async () => {
    const closed = sdk({ baseUrl: proxy.url });
    const openMode = sdk({ baseUrl: proxy.url, failMode: "open" });
    await connected(closed);
    await connected(openMode);
    expect(closed.health()).toMatchObject({ stream: "connected", live: true, cacheTtlMs: 300_000 });
    const k = await newKey(w.loc1, "while down");
    for (const kw of [closed, openMode]) expect((await kw.verify(k.token)).code).toBe("valid");

    proxy.cut();
    expect(await until(() => closed.health().stream === "down")).not.toBeNull();
    const health = closed.health();
    expect(health).toMatchObject({ stream: "down", live: false, cacheTtlMs: 1_000 });
    expect(health.detail).toBeTruthy();
    // Within its first second an entry still answers; after it, Keyward must be asked.
    expect(closed.verifyCached(k.token)?.code).toBe("valid");
    h.clock.advance(1_001);
    expect(closed.verifyCached(k.token)).toBeUndefined();
    expect(await closed.verify(k.token)).toMatchObject({ valid: false, code: "unavailable" });
    // failMode "open": what was cached still answers, marked stale; an unknown token does not.
    expect(await openMode.verify(k.token)).toMatchObject({ valid: true, code: "valid", stale: true });
    expect((await openMode.verify("kw_pit_never_seen")).code).toBe("unavailable");

    proxy.restore();
    await connected(closed);
    expect(closed.health()).toMatchObject({ live: true, cacheTtlMs: 300_000 });
    expect(closed.health().reconnects).toBeGreaterThanOrEqual(1);
    expect((await closed.verify(k.token)).code).toBe("valid");
  });

  it("resumes with Last-Event-ID: a revocation made while it was down is replayed, nothing else is dropped", async () => {
    const kw = sdk({ baseUrl: proxy.url });
    await connected(kw);
    const gone = await newKey(w.loc1, "revoked while down");
    const kept = await newKey(w.loc1, "kept while down");
    for (const k of [gone, kept]) expect((await kw.verify(k.token)).code).toBe("valid");
    proxy.cut();
    expect(await until(() => kw.health().stream === "down")).not.toBeNull();
    expect((await owner.post(`/api/keys/${gone.id}/revoke`)).status).toBe(200);
    proxy.restore();
    await connected(kw);
    expect(kw.verifyCached(gone.token)).toBeUndefined();
    expect(kw.verifyCached(kept.token)?.code).toBe("valid"); // resumed, not flushed
    expect((await kw.verify(gone.token)).code).toBe("revoked");
  });
});

/** Reads SSE frames from a raw stream until `count` have come. */
async function frames(lastEventId: string | undefined, count: number) {
  const ctl = new AbortController();
  const res = await fetch(`${h.url}/api/verify/events`, {
    headers: {
      authorization: `Bearer ${SERVICE_TOKEN}`,
      ...(lastEventId ? { "last-event-id": lastEventId } : {}),
    },
    signal: ctl.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const out: { id?: string; event: string; data: any }[] = [];
  let buf = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let end = buf.indexOf("\n\n");
    while (end >= 0 && out.length < count) {
      const f: { id?: string; event: string; data: any } = { event: "", data: null };
      for (const line of buf.slice(0, end).split("\n")) {
        const [k, ...v] = line.split(": ");
        if (k === "id") f.id = v.join(": ");
        if (k === "event") f.event = v.join(": ");
        if (k === "data") f.data = JSON.parse(v.join(": "));
      }
      if (f.event !== "heartbeat") out.push(f);
      buf = buf.slice(end + 2);
      end = buf.indexOf("\n\n");
    }
    if (out.length >= count) break;
  }
  ctl.abort();
  return out;
}

describe("GET /api/verify/events", () => {
  it("needs the service credential", async () => {
    const res = await fetch(`${h.url}/api/verify/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe("invalid_service_token");
    const bad = await fetch(`${h.url}/api/verify/events`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
  });

  it("replays what came after Last-Event-ID; an id too old or from another process gets a flush first", async () => {
    const events = h.kw.verifyEvents;
    for (let i = 0; i < 10_001; i++) await h.kw.bus.publish({ type: "key", id: `key_ring${i}` });
    const last = Number(events.lastEventId.split("-")[1]);
    const replay = await frames(`${events.epoch}-${last - 2}`, 3);
    expect(replay.map((f) => f.event)).toEqual(["ready", "key", "key"]);
    expect(replay[0]!.data).toMatchObject({ resumed: true });
    expect(replay.slice(1).map((f) => f.data.keyId)).toEqual(["key_ring9999", "key_ring10000"]);
    expect(replay[2]!.id).toBe(events.lastEventId);

    for (const id of [`${events.epoch}-0`, "0badf00d-12", "garbage"]) {
      const f = await frames(id, 2);
      expect(f.map((x) => x.event)).toEqual(["flush", "ready"]);
      expect(f[0]!.data.reason).toMatch(/drop everything cached/);
      expect(f[1]!.data).toMatchObject({ resumed: false });
    }
    // Events name ids, never tokens or hashes.
    const k = await newKey(w.loc1, "no secrets on the wire");
    const pending = frames(undefined, 2);
    await new Promise((r) => setTimeout(r, 50));
    await owner.post(`/api/keys/${k.id}/revoke`);
    const [ready, ev] = await pending;
    expect(ready!.event).toBe("ready");
    expect(ev).toMatchObject({ event: "key", data: { keyId: k.id } });
    expect(JSON.stringify(ev)).not.toContain(createHash("sha256").update(k.token).digest("hex"));
  });

  it("drops a client that never reads, without holding up the others", async () => {
    const { connect } = await import("node:net");
    const kw = sdk();
    await connected(kw);
    const before = h.kw.verifyEvents.dropped;
    const streams = h.kw.verifyEvents.streams;
    const port = Number(new URL(h.url).port);
    const slow = connect(port, "127.0.0.1");
    slow.on("error", () => {});
    await new Promise((r) => slow.once("connect", r));
    slow.write(
      `GET /api/verify/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVICE_TOKEN}\r\n\r\n`,
    );
    slow.pause(); // and never reads
    expect(await until(() => h.kw.verifyEvents.streams === streams + 1)).not.toBeNull();
    // Large events fill the socket buffers and then the stream's own (1 MiB) quickly.
    const big = "x".repeat(16_000);
    for (let i = 0; i < 1_000 && h.kw.verifyEvents.dropped === before; i++) {
      await h.kw.bus.publish({ type: "key", id: `${big}${i}` });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(await until(() => h.kw.verifyEvents.dropped === before + 1)).not.toBeNull();
    expect(h.kw.verifyEvents.streams).toBe(streams);
    // The SDK heard everything and is still connected.
    expect(
      await until(() => (kw.health().lastEventId ?? "") === h.kw.verifyEvents.lastEventId),
    ).not.toBeNull();
    expect(kw.health().stream).toBe("connected");
    slow.destroy();
  });
});
