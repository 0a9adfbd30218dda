/**
 * Issue 12 §1: `POST /api/verify` is answered from node:http before Hono (src/http/fast-verify.ts).
 * This pins that the fast path and the framework's route never drift: one Keyward, served twice —
 * as `keyward serve` serves it (http/server.ts, fast path first) and by @hono/node-server alone —
 * and every request of a set (valid, each refusal of the guard, each bad body, rate limited,
 * ip_forbidden, too many failures, over https behind a proxy …) sent to both, one after the other,
 * over raw keep-alive sockets. The two answers must be the same bytes (status line, every header
 * in order, body; only `Date` may differ), and each must move the same counters, record the same
 * uses and write the same access log line.
 */
import { type AddressInfo, connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

/** One keep-alive connection sending raw requests and reading each answer whole. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.tryDeliver();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    return new RawClient(socket);
  }

  private tryDeliver(): void {
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0 || !this.waiting) return;
    const head = this.buf.subarray(0, end).toString("latin1");
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!m) throw new Error(`an answer without Content-Length: ${head}`);
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const answer = this.buf.subarray(0, total);
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w(Buffer.from(answer));
  }

  send(request: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(request);
      this.tryDeliver();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Req {
  /** What the case is about. */
  name: string;
  method?: "GET" | "POST";
  path?: string;
  /** Header lines sent as they are, after the others (a header twice, …). */
  lines?: string[];
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Chunked: no Content-Length (Hono's to answer on both sides). */
  chunked?: boolean;
  auth?: string | null;
  /** Run before each of the two requests (e.g. move the clock so both see the same window). */
  before?: () => void | Promise<void>;
}

function requestBytes(r: Req): Buffer {
  const body = typeof r.body === "string" ? Buffer.from(r.body) : (r.body ?? Buffer.alloc(0));
  const get = r.method === "GET";
  const headers: Record<string, string> = {
    host: "127.0.0.1",
    ...(get ? {} : { "content-type": "application/json" }),
    ...(r.auth === null ? {} : { authorization: `Bearer ${r.auth ?? SERVICE_TOKEN}` }),
    ...r.headers,
  };
  const lines = [`${r.method ?? "POST"} ${r.path ?? "/api/verify"} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push(...(r.lines ?? []));
  if (get && r.body === undefined) return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`);
  if (r.chunked) {
    lines.push("transfer-encoding: chunked");
    const chunk =
      body.length > 0
        ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n")])
        : Buffer.alloc(0);
    return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), chunk, Buffer.from("0\r\n\r\n")]);
  }
  lines.push(`content-length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), body]);
}

/** The answer without its Date header (the only part that may differ). */
const withoutDate = (answer: Buffer) => answer.toString("latin1").replace(/\r\nDate: [^\r]*/, "");

const logText: string[] = [];
let h: Harness;
let w: World;
let honoOnly: ServerType;
let fast: RawClient;
let hono: RawClient;

beforeAll(async () => {
  h = await startHarness({
    env: { KEYWARD_MAX_BODY_BYTES: "2048", KEYWARD_TRUST_PROXY: "true" },
    logger: createLogger(
      "info",
      new Writable({
        write(chunk, _enc, cb) {
          logText.push(chunk.toString());
          cb();
        },
      }),
    ),
  });
  w = await seedWorld(h.kw);
  honoOnly = await new Promise((resolve) => {
    const s = serve({ fetch: h.kw.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  fast = await RawClient.open(Number(new URL(h.url).port));
  hono = await RawClient.open((honoOnly.address() as AddressInfo).port);
});
afterAll(async () => {
  fast?.close();
  hono?.close();
  await new Promise<void>((r) => honoOnly.close(() => r()));
  await h.close();
});

/** Counters that requests move (not the latency histograms' sums and buckets). */
async function counters(): Promise<Map<string, number>> {
  const text = await h.kw.metrics.registry.metrics();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line) continue;
    const i = line.lastIndexOf(" ");
    const name = line.slice(0, i);
    if (/_total\b|_count\b/.test(name)) out.set(name, Number(line.slice(i + 1)));
  }
  return out;
}

/** What the use recorder and the per-key code counts hold (their private maps, read as they are). */
function uses(): Record<string, unknown> {
  const usage = (h.kw.usage as unknown as { pending: Map<string, any> }).pending;
  const codes = (h.kw.usageCodes as unknown as { pending: Map<string, any> }).pending;
  const out: Record<string, unknown> = {};
  for (const [k, r] of usage)
    out[`use ${k}`] = {
      days: [...r.days.values()].reduce((a: number, b: number) => a + b, 0),
      ip: r.ip,
      ua: r.userAgent,
    };
  for (const [k, c] of codes) out[`codes ${k}`] = { day: c.day, codes: { ...c.codes } };
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of after) if (v !== (before.get(k) ?? 0)) d[k] = v - (before.get(k) ?? 0);
  return d;
}

function usesMoved(before: Record<string, any>, after: Record<string, any>): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (k.startsWith("use ")) {
      if (!b || b.days !== v.days) d[k] = { uses: v.days - (b?.days ?? 0), ip: v.ip, ua: v.ua };
    } else {
      // A new day's counts start from none.
      const was: Record<string, number> = b?.day === v.day ? b.codes : {};
      const codes: Record<string, number> = {};
      for (const [code, n] of Object.entries(v.codes as Record<string, number>))
        if (n !== (was[code] ?? 0)) codes[code] = n - (was[code] ?? 0);
      if (Object.keys(codes).length) d[k] = codes;
    }
  }
  return d;
}

function accessLines(from: number): unknown[] {
  return logText
    .slice(from)
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === "request")
    .map(({ time: _t, ms: _ms, pid: _p, hostname: _h, ...rest }) => rest);
}

/** Sends the request to one server; what it answered and what it moved. */
async function one(client: RawClient, r: Req) {
  await r.before?.();
  const c0 = await counters();
  const u0 = uses();
  const l0 = logText.length;
  const answer = await client.send(requestBytes(r));
  // The access log is written by pino asynchronously; let it land.
  await new Promise((res) => setImmediate(res));
  return {
    answer: withoutDate(answer),
    counters: delta(c0, await counters()),
    uses: usesMoved(u0, uses()),
    log: accessLines(l0),
  };
}

async function same(r: Req, fastFirst = false) {
  const viaFast0 = fastFirst ? await one(fast, r) : undefined;
  const viaHono = await one(hono, r);
  const viaFast = viaFast0 ?? (await one(fast, r));
  expect(viaFast.answer, r.name).toBe(viaHono.answer);
  expect(viaFast.counters, r.name).toEqual(viaHono.counters);
  expect(viaFast.uses, r.name).toEqual(viaHono.uses);
  expect(viaFast.log, r.name).toEqual(viaHono.log);
  return viaHono;
}

async function createKey(account: string, body: Record<string, unknown> = {}, owner = w.owner) {
  const admin = await new Client(h).login(owner);
  const r = await admin.post(`/api/accounts/${account}/keys`, { name: "k", ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function serviceKey(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${h.url}/api/service-keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { token: string };
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.token;
}

const status = (text: string) => Number(text.slice(9, 12));

describe("POST /api/verify and GET /v2/token: the fast paths answer as the framework's routes", () => {
  it("valid, refused and unknown tokens; every refusal of the guard; every bad body", async () => {
    const key = await createKey(w.loc1, { scopes: ["locations.readonly"] });
    const otherAgencyKey = await createKey(w.otherLoc, {}, w.otherOwner);
    const agencyCredential = await serviceKey({ name: "agency", scopes: ["verify"], agencyId: w.agencyId });
    const provisionOnly = await serviceKey({ name: "provision", scopes: ["provision"] });
    const cases: Req[] = [
      { name: "valid", body: JSON.stringify({ token: key.token }) },
      { name: "valid, again (its cached answer)", body: JSON.stringify({ token: key.token }) },
      {
        name: "valid, with every option and the client's headers",
        body: JSON.stringify({
          token: key.token,
          requiredScopes: ["locations.readonly"],
          locationId: w.loc1,
          clientIp: "198.51.100.7",
        }),
        headers: { "x-client-user-agent": "gateway-test/1.0" },
      },
      {
        name: "the client's address from X-Client-IP",
        body: JSON.stringify({ token: key.token }),
        headers: { "x-client-ip": "198.51.100.8" },
      },
      {
        name: "insufficient scope",
        body: JSON.stringify({ token: key.token, requiredScopes: ["users.readonly"] }),
      },
      { name: "another location", body: JSON.stringify({ token: key.token, locationId: w.loc2 }) },
      { name: "unknown token", body: JSON.stringify({ token: "kw_pit_doesnotexist0000000000000000000000" }) },
      { name: "malformed token", body: JSON.stringify({ token: "garbage", clientIp: "198.51.100.9" }) },
      { name: "missing credential", body: JSON.stringify({ token: key.token }), auth: null },
      { name: "wrong credential", body: JSON.stringify({ token: key.token }), auth: "not-a-credential" },
      {
        name: "Authorization not Bearer",
        body: JSON.stringify({ token: key.token }),
        auth: null,
        headers: { authorization: `Basic ${SERVICE_TOKEN}` },
      },
      {
        name: "credential without the verify scope",
        body: JSON.stringify({ token: key.token }),
        auth: provisionOnly,
      },
      {
        name: "an agency's credential, its own key",
        body: JSON.stringify({ token: key.token }),
        auth: agencyCredential,
      },
      {
        name: "an agency's credential, another agency's key",
        body: JSON.stringify({ token: otherAgencyKey.token }),
        auth: agencyCredential,
      },
      { name: "malformed JSON", body: "{not json" },
      { name: "oversized body", body: JSON.stringify({ token: "x".repeat(3000) }) },
      {
        name: "oversized body, no credential",
        body: JSON.stringify({ token: "x".repeat(3000) }),
        auth: null,
      },
      { name: "nested too deep", body: `${"[".repeat(40)}${"]".repeat(40)}` },
      {
        name: "not JSON",
        body: "token=abc",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      { name: "empty body", body: "" },
      { name: "unknown field", body: JSON.stringify({ token: key.token, extra: 1 }) },
      { name: "token not a string", body: JSON.stringify({ token: 42 }) },
      { name: "cost without consume", body: JSON.stringify({ token: key.token, cost: 2 }) },
      { name: "bad clientIp", body: JSON.stringify({ token: key.token, clientIp: "nope" }) },
      {
        name: "not UTF-8",
        body: Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      },
      {
        name: "JSON with charset",
        body: JSON.stringify({ token: key.token }),
        headers: { "content-type": "application/json; charset=utf-8" },
      },
      {
        name: "over https behind the trusted proxy",
        body: JSON.stringify({ token: key.token }),
        headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.1, 192.0.2.4" },
      },
      {
        name: "an error over https",
        body: "{",
        headers: { "x-forwarded-proto": "https" },
      },
      {
        name: "Authorization twice (the adapter joins them)",
        body: JSON.stringify({ token: key.token }),
        lines: [`authorization: Bearer ${SERVICE_TOKEN}`],
      },
      {
        name: "Content-Type twice",
        body: JSON.stringify({ token: key.token }),
        lines: ["content-type: application/json"],
      },
      // Not the fast path's: Hono answers both, which the fast server must pass on untouched.
      { name: "chunked body", body: JSON.stringify({ token: key.token }), chunked: true },
      { name: "a query string", path: "/api/verify?x=1", body: JSON.stringify({ token: key.token }) },
    ];
    const seen = new Set<number>();
    for (const c of cases) seen.add(status((await same(c)).answer));
    // A credential's first use is read from the database (the guard answers a promise): on the fast
    // path first, then on Hono's, for one that verifies and one whose scope does not.
    const fresh = await serviceKey({ name: "fresh", scopes: ["verify"], agencyId: w.agencyId });
    await same(
      { name: "a credential's first use", body: JSON.stringify({ token: key.token }), auth: fresh },
      true,
    );
    const freshNoScope = await serviceKey({ name: "fresh provision", scopes: ["provision"] });
    await same(
      {
        name: "a credential's first use, wrong scope",
        body: JSON.stringify({ token: key.token }),
        auth: freshNoScope,
      },
      true,
    );
    // The set covers answers and refusals of each kind.
    expect([...seen].sort()).toEqual([200, 400, 401, 403, 413, 415]);
  });

  it("GET /v2/token: valid, refused, rate limited, outside its IP allowlist, over https", async () => {
    const key = await createKey(w.loc1);
    const limited = await createKey(w.loc1, {
      rateLimits: [
        { name: "burst", limit: 3, windowSeconds: 10 },
        { name: "daily", limit: 200_000, windowSeconds: 86_400 },
      ],
    });
    const listed = await createKey(w.loc1, { ipAllowlist: ["203.0.113.0/24"] });
    const revoked = await createKey(w.loc1);
    const admin = await new Client(h).login(w.owner);
    expect((await admin.post(`/api/keys/${revoked.id}/revoke`, {})).status).toBe(200);
    const get = (name: string, token: string | null, more: Partial<Req> = {}): Req => ({
      name,
      method: "GET",
      path: "/v2/token",
      auth: token,
      ...more,
    });
    const seen = new Set<number>();
    for (const c of [
      get("valid", key.token),
      get("valid, again", key.token),
      get("no token", null),
      get("not Bearer", null, { headers: { authorization: `Token ${key.token}` } }),
      get("unknown token", "kw_pit_doesnotexist0000000000000000000000"),
      get("malformed token", "garbage"),
      get("revoked", revoked.token),
      get("Authorization twice", key.token, { lines: [`authorization: Bearer ${key.token}`] }),
      // Each side from fresh windows (two of the longest later, at the same phase of each).
      get("with rate limits", limited.token, { before: () => h.clock.advance(2 * 86_400_000) }),
      get("within the IP allowlist", listed.token, { headers: { "x-forwarded-for": "203.0.113.5" } }),
      get("outside the IP allowlist", listed.token, { headers: { "x-forwarded-for": "192.0.2.5" } }),
      get("over https behind the proxy", key.token, { headers: { "x-forwarded-proto": "https" } }),
      get("with a query string (Hono's)", key.token, { path: "/v2/token?x=1" }),
    ])
      seen.add(status((await same(c)).answer));
    // A key's first use is read from the database (the guard answers a promise): fast path first.
    const fresh = await createKey(w.loc1);
    await same(get("a key's first use", fresh.token), true);
    // Over the limit: all three taken, then refused alike on both sides (a refusal takes nothing).
    h.clock.advance(2 * 86_400_000);
    for (let i = 0; i < 3; i++) await fast.send(requestBytes(get("use up the limit", limited.token)));
    const refused = await same(get("rate limited", limited.token));
    expect(status(refused.answer)).toBe(429);
    expect(refused.answer).toMatch(/\r\nratelimit: "burst";r=0;t=\d+/i);
    expect([...seen].sort()).toEqual([200, 401, 403]);
  });

  it("rate limits, consumed and refused; an IP allowlist; a blocked client address", async () => {
    const limited = await createKey(w.loc1, { rateLimits: [{ name: "burst", limit: 1, windowSeconds: 10 }] });
    const roomy = await createKey(w.loc1, {
      rateLimits: [{ name: "burst", limit: 1000, windowSeconds: 10 }],
    });
    const listed = await createKey(w.loc1, { ipAllowlist: ["203.0.113.0/24"] });
    // Each side starts from a fresh window: two windows later the counts are forgotten.
    const freshWindow = () => h.clock.advance(20_000);
    await same({
      name: "consumed, within the limit",
      body: JSON.stringify({ token: roomy.token, consume: true, cost: 3 }),
      before: freshWindow,
    });
    await fast.send(
      requestBytes({
        name: "use up the limit",
        body: JSON.stringify({ token: limited.token, consume: true }),
      }),
    );
    const refused = await same({
      name: "rate limited",
      body: JSON.stringify({ token: limited.token, consume: true }),
    });
    expect(refused.answer).toContain('"code":"rate_limited"');
    await same({
      name: "allowed address",
      body: JSON.stringify({ token: listed.token, clientIp: "203.0.113.9" }),
    });
    const forbidden = await same({
      name: "ip_forbidden",
      body: JSON.stringify({ token: listed.token, clientIp: "192.0.2.1" }),
    });
    expect(forbidden.answer).toContain('"code":"ip_forbidden"');
    h.kw.attempts.failedAuth.fail("198.51.100.66", h.clock.now(), 1_000);
    const blocked = await same({
      name: "a blocked client address",
      body: JSON.stringify({ token: listed.token, clientIp: "198.51.100.66" }),
    });
    expect(status(blocked.answer)).toBe(429);
    expect(blocked.answer).toMatch(/\r\nretry-after: \d+/i);
  });
});
