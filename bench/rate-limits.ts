/**
 * Rate limits (docs/traffic-policy.md), `npm run bench -- ratelimit`:
 *
 * 1. The limiter's cost on the cached verification path: `GET /v2/token` of one cached key through
 *    the whole app (router, guard, verifier, limiter, headers), with the default two limits' shape
 *    (sized so nothing is refused) against the same app whose limiter has no limits at all —
 *    everything else shared, served side by side in alternating rounds, in process (no sockets: the
 *    ratio is the stricter for it, the socket's share of a request being the same on both sides).
 *    Target ≥ 0.90.
 * 2. Three nodes on one PostgreSQL, `local` mode, 100 per 10 s, a fresh key's load spread evenly over
 *    the nodes at `RATE` requests per second each for one aligned window: requests let through
 *    beyond 100, against the documented bound min((nodes − 1) × limit, (nodes − 1) × per-node rate ×
 *    2 × (sync interval + sync time)).
 * 3. The same with `strict`: no overshoot (exactly 100 let through) under 3 × 16 requests in flight,
 *    and the decisions per second.
 */
import { buildApp, createKeyward, type Keyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import type { RateLimit } from "../src/core/rate-limits.js";
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
    /** Requests per second over `ms`, 32 in flight. */
    const round = async (app: typeof withPolicy, ms: number) => {
      let n = 0;
      const until = performance.now() + ms;
      const worker = async () => {
        while (performance.now() < until) {
          const r = app.fetch(req());
          const res = r instanceof Promise ? await r : r;
          await res.arrayBuffer();
          n++;
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 32 }, worker));
      return (n * 1000) / (performance.now() - t0);
    };
    await round(withPolicy, 500);
    await round(without, 500);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Alternate which goes first, so drift in the machine's load falls on both.
      if (i % 2) {
        a.push(await round(withPolicy, 600));
        b.push(await round(without, 600));
      } else {
        b.push(await round(without, 600));
        a.push(await round(withPolicy, 600));
      }
    }
    const ratios = a.map((x, i) => x / b[i]!);
    log(SUITE, `with limits ${fmt(median(a))} req/s, without ${fmt(median(b))} req/s (in process, same run)`);
    return [
      {
        suite: SUITE,
        name: "cached verify with the two default limits / without any policy",
        value: median(ratios),
        unit: "ratio",
        target: { op: ">=", limit: 0.9 },
        note: `median of 8 alternating rounds; ${fmt(median(a))} vs ${fmt(median(b))} req/s; range ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`,
      },
    ];
  } finally {
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
  return [...(await overhead()), ...(await nodes())];
}
