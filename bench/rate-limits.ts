/**
 * Rate limits (docs/traffic-policy.md), `npm run bench -- ratelimit`:
 *
 * 1. The limiter's cost on the cached verification path: `GET /v2/token` of one cached key through
 *    the whole app (router, guard, verifier, limiter, headers), with the default two limits' shape
 *    (sized so nothing is refused) against the same app whose limiter has no limits at all —
 *    everything else shared, served side by side on loopback HTTP and asked request by request in
 *    turn (both sides see the same moment of the machine's load).
 *    Target ≥ 0.90.
 * 2. Three nodes on one PostgreSQL, `local` mode, 100 per 10 s, a fresh key's load spread evenly over
 *    the nodes at `RATE` requests per second each for one aligned window: requests let through
 *    beyond 100, against the documented bound min((nodes − 1) × limit, (nodes − 1) × per-node rate ×
 *    2 × (sync interval + sync time)).
 * 3. The same with `strict`: no overshoot (exactly 100 let through) under 3 × 16 requests in flight,
 *    and the decisions per second.
 */
import { createServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import type { ServerType } from "@hono/node-server";
import { buildApp, createKeyward, type Keyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import type { RateLimit } from "../src/core/rate-limits.js";
import { requestListener } from "../src/http/server.js";
import { createLogger } from "../src/logger.js";
import { systemCtx } from "../src/service/context.js";
import { RateLimiter } from "../src/service/rate-limits.js";
import { openDatabase } from "../src/store/dialect.js";
import { startPostgres } from "../test/helpers/postgres.js";
import { fmt, log, median, type Result, tempDir } from "./lib.js";

const SUITE = "ratelimit";
const NEVER = 1_000_000_000;
const RATE = Number(process.env.BENCH_RATELIMIT_RATE ?? 100);
const SYNC_MS = 500;

async function keyOf(kw: Keyward, limits?: RateLimit[]): Promise<{ token: string; agencyId: string }> {
  const { agency, owner } = await kw.accounts.createAgency(systemCtx, {
    name: "Bench Agency",
    plan: "agency_pro",
    owner: { email: `o${Math.random()}@bench.test`, name: "Owner", password: "a long enough password" },
  });
  const { location } = await kw.accounts.createLocation(systemCtx, agency.id, { name: "Bench" });
  const ctx = {
    ...systemCtx,
    actorType: "user" as const,
    actorId: owner!.id,
    actor: {
      userId: owner!.id,
      agencyId: agency.id,
      type: "agency" as const,
      role: "admin" as const,
      isOwner: true,
      canManageKeys: true,
      locationIds: [],
    },
  };
  const { token } = await kw.keys.create(ctx, location.id, {
    name: "bench",
    ...(limits ? { rateLimits: limits } : {}),
  });
  return { token, agencyId: agency.id };
}

const openServers: ServerType[] = [];
const openClients: RawClient[] = [];

/** An app served as `keyward serve` serves it (http/server.ts: GET /v2/token's fast path first). */
function listen(app: Keyward["app"]): Promise<ServerType> {
  return new Promise((resolve) => {
    const s = createServer(requestListener(app, "127.0.0.1"));
    s.listen(0, "127.0.0.1", () => resolve(s));
    openServers.push(s);
  });
}

interface RawClient {
  get(): Promise<void>;
  close(): void;
}

/** One keep-alive connection sending `GET /v2/token` and reading each answer whole (Content-Length). */
async function rawClient(server: ServerType, token: string): Promise<RawClient> {
  const port = (server.address() as AddressInfo).port;
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise((r) => socket.once("connect", r));
  const request = Buffer.from(
    `GET /v2/token HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\n\r\n`,
  );
  let buf = "";
  let done: (() => void) | null = null;
  socket.on("data", (d) => {
    buf += d.toString("latin1");
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const m = /content-length: *(\d+)/i.exec(buf.slice(0, end));
    if (!m || buf.length < end + 4 + Number(m[1])) return;
    if (!buf.startsWith("HTTP/1.1 200")) throw new Error(`unexpected answer: ${buf.slice(0, 40)}`);
    buf = "";
    const d2 = done;
    done = null;
    d2?.();
  });
  const client = {
    get: () =>
      new Promise<void>((resolve) => {
        done = resolve;
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
  openClients.push(client);
  return client;
}

/** The key id of a token, as the verifier knows it. */
function keyIdOf(kw: Keyward, token: string): string {
  const r = kw.verifier.verify(token);
  if (r instanceof Promise || !r.valid) throw new Error("the bench key is not cached and valid");
  return r.key.keyId;
}

// ── 1. the limiter on the cached path ──

async function overhead(): Promise<Result[]> {
  const tmp = tempDir("ratelimit");
  const config = loadConfig({
    KEYWARD_DATA_DIR: tmp.dir,
    KEYWARD_LOG_LEVEL: "silent",
    KEYWARD_RATE_LIMITS: JSON.stringify([
      { name: "burst", limit: NEVER, windowSeconds: 10 },
      { name: "daily", limit: NEVER, windowSeconds: 86_400 },
    ]),
  });
  const kw = await createKeyward({ config, logger: createLogger("silent") });
  try {
    const { token } = await keyOf(kw);
    const none = new RateLimiter(
      { ...kw, defaults: [], planDefaults: {}, onFirstRefusal: null },
      config.rateLimits.syncMs,
    );
    const withPolicy = kw.app;
    const without = buildApp({ ...kw, limits: none });
    const req = () => new Request("http://bench/v2/token", { headers: { authorization: `Bearer ${token}` } });
    const check = async (app: typeof withPolicy, expectHeader: boolean) => {
      const r = await app.fetch(req());
      if (r.status !== 200 || (r.headers.get("ratelimit-policy") !== null) !== expectHeader)
        throw new Error(`unexpected answer ${r.status} ${r.headers.get("ratelimit-policy")}`);
    };
    await check(withPolicy, true);
    await check(without, false);
    // Interleaved request by request (A then B, B then A …), one at a time, each timed: both sides
    // see the same moment of the machine's load, which on a shared machine swings by more than the
    // difference being measured. Batches give a spread.
    // Over loopback HTTP, as clients see it (the Node adapter writes plain header objects as they
    // are; a Response built in process would make undici validate every header instead).
    const servers = await Promise.all([listen(withPolicy), listen(without)]);
    const clients = await Promise.all(servers.map((sv) => rawClient(sv, token)));
    const [onWith, onWithout] = clients as [RawClient, RawClient];
    const once = async (app: typeof withPolicy) => {
      const t = performance.now();
      await (app === withPolicy ? onWith : onWithout).get();
      return performance.now() - t;
    };
    for (let i = 0; i < 2_000; i++) {
      await once(withPolicy);
      await once(without);
    }
    const a: number[] = [];
    const b: number[] = [];
    const until = performance.now() + 8_000;
    while (performance.now() < until) {
      let ta = 0;
      let tb = 0;
      for (let i = 0; i < 500; i++) {
        if (i % 2) {
          ta += await once(withPolicy);
          tb += await once(without);
        } else {
          tb += await once(without);
          ta += await once(withPolicy);
        }
      }
      a.push(500_000 / ta); // requests per second of time spent on that side
      b.push(500_000 / tb);
    }
    const ratios = a.map((x, i) => x / b[i]!);
    // The limiter's own work per request, in process without the app around it: a decision (two
    // limits, in memory) and the headers it writes. Steadier than the ratio on a loaded machine.
    const p = await kw.limits.policyOf({ keyId: keyIdOf(kw, token), agencyId: "", locationId: null });
    const per = (fn: () => unknown) => {
      const n = 200_000;
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      return Number(process.hrtime.bigint() - t) / n;
    };
    const takeNs = Math.min(
      per(() => kw.limits.take(p!)),
      per(() => kw.limits.take(p!)),
    );
    const headersNs = Math.min(
      per(() => kw.limits.headers(p!)),
      per(() => kw.limits.headers(p!)),
    );
    log(SUITE, `take ${fmt(takeNs)} ns, headers ${fmt(headersNs)} ns per request`);
    log(
      SUITE,
      `with limits ${fmt(median(a))} req/s, without ${fmt(median(b))} req/s (loopback HTTP, interleaved)`,
    );
    return [
      {
        suite: SUITE,
        name: "cached verify with the two default limits / without any policy",
        value: median(ratios),
        unit: "ratio",
        target: { op: ">=", limit: 0.9 },
        note: `median of ${ratios.length} batches of 500 interleaved pairs; ${fmt(median(a))} vs ${fmt(median(b))} req/s; range ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`,
      },
      {
        suite: SUITE,
        name: "limiter work per request (decision + headers)",
        value: takeNs + headersNs,
        unit: "ns",
        note: `decision ${fmt(takeNs)} ns (two limits, in memory), headers ${fmt(headersNs)} ns; a request without any policy: ${fmt(1e9 / median(b))} ns`,
      },
    ];
  } finally {
    for (const c of openClients.splice(0)) c.close();
    for (const sv of openServers.splice(0)) sv.close();
    await kw.close();
    tmp.remove();
  }
}

// ── 2 and 3. three nodes on PostgreSQL ──

/** Waits for the start of the next aligned window of `ms` (plus `offset`). */
async function alignedStart(ms: number, offset: number): Promise<number> {
  const now = Date.now();
  const start = Math.ceil(now / ms) * ms + offset;
  await new Promise((r) => setTimeout(r, start - now));
  return start;
}

async function nodes(): Promise<Result[]> {
  const pg = await startPostgres();
  const database = openDatabase({ databaseUrl: pg.url, dataDir: "unused", poolSize: 30 });
  const config = loadConfig({
    KEYWARD_DATABASE_URL: pg.url,
    KEYWARD_LOG_LEVEL: "silent",
    KEYWARD_RATE_LIMIT_SYNC_MS: String(SYNC_MS),
  });
  const kws: Keyward[] = [];
  try {
    for (let i = 0; i < 3; i++)
      kws.push(await createKeyward({ config, logger: createLogger("silent"), database }));
    for (const kw of kws) kw.limits.start();
    const call = async (kw: Keyward, token: string) => {
      const r = await kw.app.fetch(
        new Request("http://bench/v2/token", { headers: { authorization: `Bearer ${token}` } }),
      );
      await r.arrayBuffer();
      return r.status;
    };
    const results: Result[] = [];

    // local: RATE per node per second, one aligned 10 s window.
    const local = await keyOf(kws[0]!, [{ name: "burst", limit: 100, windowSeconds: 10 }]);
    for (const kw of kws) await call(kw, local.token).catch(() => 0); // resolve policies before the window
    await new Promise((r) => setTimeout(r, 11_000)); // let that warm-up request leave the window
    const syncTimes: number[] = [];
    const t0 = await alignedStart(10_000, 20);
    let accepted = 0;
    let sent = 0;
    await Promise.all(
      kws.map(async (kw) => {
        const gap = 1000 / RATE;
        for (let i = 0; Date.now() < t0 + 9_900; i++) {
          const due = t0 + i * gap;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (Date.now() >= t0 + 9_900) break;
          sent++;
          if ((await call(kw, local.token)) === 200) accepted++;
        }
      }),
    );
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await kws[0]!.limits.sync();
      syncTimes.push(performance.now() - s);
    }
    const syncMs = median(syncTimes);
    // A node sees another's request once that node has synced and it has synced after: up to two
    // intervals (and two syncs) late. And no node alone lets more than the limit through.
    const bound = Math.min(
      (kws.length - 1) * 100,
      Math.ceil((kws.length - 1) * RATE * ((2 * (SYNC_MS + syncMs)) / 1000)),
    );
    log(SUITE, `local: ${accepted} of ${sent} let through in one window (limit 100), bound ${bound}`);
    results.push({
      suite: SUITE,
      name: `local, 3 nodes × ${RATE}/s, 100 per 10 s: overshoot`,
      value: accepted - 100,
      unit: "requests",
      target: { op: "<=", limit: bound },
      note: `bound min((nodes−1) × limit, (nodes−1) × rate × 2 × (interval ${SYNC_MS} ms + sync ${fmt(syncMs)} ms)) = ${bound}; ${sent} sent`,
    });

    // strict: as fast as it goes, 16 in flight per node, within one window.
    const strict = await keyOf(kws[0]!, [{ name: "burst", limit: 100, windowSeconds: 10, mode: "strict" }]);
    const s0 = await alignedStart(10_000, 20);
    let ok = 0;
    let decisions = 0;
    await Promise.all(
      kws.flatMap((kw) =>
        Array.from({ length: 16 }, async () => {
          while (Date.now() < s0 + 5_000) {
            decisions++;
            if ((await call(kw, strict.token)) === 200) ok++;
          }
        }),
      ),
    );
    const seconds = (Date.now() - s0) / 1000;
    log(SUITE, `strict: ${ok} let through of ${decisions} decisions in ${fmt(seconds)} s`);
    results.push(
      {
        suite: SUITE,
        name: "strict, 3 nodes, 100 per 10 s: overshoot",
        value: ok - 100,
        unit: "requests",
        target: { op: "<=", limit: 0 },
        note: `${ok} let through of ${decisions}`,
      },
      {
        suite: SUITE,
        name: "strict, 3 nodes: decisions per second",
        value: decisions / seconds,
        unit: "req/s",
        note: "3 × 16 in flight, every decision a PostgreSQL transaction",
      },
    );
    return results;
  } finally {
    for (const kw of kws) await kw.close();
    await database.close();
    await pg.stop();
  }
}

export async function run(): Promise<Result[]> {
  // BENCH_RATELIMIT_OVERHEAD_ONLY=1: the limiter's cost alone, without the PostgreSQL nodes.
  if (process.env.BENCH_RATELIMIT_OVERHEAD_ONLY) return overhead();
  return [...(await overhead()), ...(await nodes())];
}
