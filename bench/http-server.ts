/**
 * The server side of the HTTP benchmark, run as its own process (pinned to one core by
 * verify-http.ts). One process serves, on two loopback ports:
 *  - the Keyward app exactly as `keyward serve` builds it (`createKeyward`), on SQLite, with
 *    one agency, one location key and the service token set;
 *  - the framework's hello-world: a bare Hono app with `GET /hello`, served by @hono/node-server
 *    the same way;
 *  - the bare `node:http` baselines (bench/bare-http.ts): `POST /api/verify` doing the same body
 *    read, JSON parse and SHA-256 and answering as many bytes as Keyward's valid answer, a
 *    hello-world, and Keyward's `GET /v2/token` answer replayed. They are what the verification
 *    routes are compared with.
 * The Keyward app also answers `GET /hello` (a route of the full app), for reference.
 *
 * Prints one JSON line on stdout once listening; stops cleanly on SIGTERM or when stdin closes
 * (so that `node --cpu-prof` can write its profile).
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { buildApp, createKeyward, type Keyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import type { RouteModule } from "../src/http/app.js";
import { requestListener } from "../src/http/server.js";
import { createLogger } from "../src/logger.js";
import { Attempts } from "../src/service/attempts.js";
import { systemCtx } from "../src/service/context.js";
import { RateLimiter } from "../src/service/rate-limits.js";
import { bareServer, HELLO } from "./bare-http.js";
import { tempDir } from "./lib.js";

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<ServerType> {
  return new Promise((resolve) => {
    const s = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
}

/** A Keyward app served as `keyward serve` serves it: its fast path first, then Hono (http/server.ts). */
function listenApp(app: Keyward["app"]): Promise<ServerType> {
  return new Promise((resolve) => {
    const s = createServer(requestListener(app, "127.0.0.1"));
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

const url = (s: ServerType) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/** What the success path pays for the limiter, in-process: ns per check of an unblocked address. */
function limiterCheckNs(kw: Keyward): number {
  const n = 2_000_000;
  const run = () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) kw.attempts.refuseBlockedAddress("127.0.0.1");
    return Number(process.hrtime.bigint() - t) / n;
  };
  run();
  return Math.min(run(), run(), run());
}

async function main(): Promise<void> {
  const tmp = tempDir("http");
  const serviceToken = randomBytes(24).toString("hex");
  const config = loadConfig({
    KEYWARD_DATA_DIR: tmp.dir,
    KEYWARD_SERVICE_TOKEN: serviceToken,
    KEYWARD_LOG_LEVEL: "silent",
    // The seeded blocks below must outlast the run.
    KEYWARD_FAILED_AUTH_LOCK_SECONDS: "86400",
    // The default two limits' shape (docs/traffic-policy.md), sized so the run is never refused:
    // the cached path pays for the limiter and its headers as it does in production.
    // BENCH_NO_LIMITS=1 runs without any limit, to see what they cost.
    KEYWARD_RATE_LIMITS: process.env.BENCH_NO_LIMITS
      ? "[]"
      : JSON.stringify([
          { name: "burst", limit: 1_000_000_000, windowSeconds: 10 },
          { name: "daily", limit: 1_000_000_000, windowSeconds: 86_400 },
        ]),
  });
  // Through extraRoutes, like the API routes.
  const inApp: RouteModule = (r) => {
    r.app.get("/hello", (c) => c.text(HELLO));
  };
  const kw = await createKeyward({ config, logger: createLogger("silent"), extraRoutes: [inApp] });
  const { agency } = await kw.accounts.createAgency(systemCtx, { name: "Bench Agency", plan: "agency_pro" });
  const { location } = await kw.accounts.createLocation(systemCtx, agency.id, { name: "Bench Location" });
  const { token } = await kw.store.transaction((store) =>
    kw.keys.createSystemKey(
      systemCtx,
      store,
      { agencyId: agency.id, locationId: location.id },
      "private_integration",
      "bench",
      [],
    ),
  );

  // The brute-force limiter's worst case for a valid key: other addresses are blocked, so every
  // request looks its own address up (in normal operation nothing is blocked and it only checks
  // that). The same app without the limiter, sharing everything else (cache, verifier), is served
  // alongside: the limiter's cost on the cached path is the difference between the two.
  const now = Date.now();
  for (let i = 0; i < 1_000; i++) kw.attempts.failedAuth.fail(`10.0.${i >> 8}.${i & 255}`, now, 1_000);
  const withoutLimiter = {
    ...kw,
    attempts: new Attempts({
      ...kw,
      limits: { ...config.limits, failedAuth: { ...config.limits.failedAuth, max: 0 } },
    }),
  };
  const appOff = buildApp(withoutLimiter);

  // Issue 13's comparison: a key with the default two limits' shape and an IP allowlist (loopback,
  // which the bench's requests come from) on the app above, against the same app whose limiter has
  // no limit at all and a key without an allowlist — everything else shared.
  const { agency: listedAgency, owner } = await kw.accounts.createAgency(systemCtx, {
    name: "Bench Policy Agency",
    plan: "agency_pro",
    owner: { email: "owner@bench.test", name: "Owner", password: "a long enough password" },
  });
  const listedLocation = (await kw.accounts.createLocation(systemCtx, listedAgency.id, { name: "L" }))
    .location;
  const ownerCtx = {
    ...systemCtx,
    actorType: "user" as const,
    actorId: owner!.id,
    actor: {
      userId: owner!.id,
      agencyId: listedAgency.id,
      type: "agency" as const,
      role: "admin" as const,
      isOwner: true,
      canManageKeys: true,
      locationIds: [],
    },
  };
  const listed = await kw.keys.create(ownerCtx, listedLocation.id, {
    name: "listed",
    ipAllowlist: ["127.0.0.0/8"],
  });
  const unlisted = await kw.keys.create(ownerCtx, listedLocation.id, { name: "unlisted" });
  const noPolicy = buildApp({
    ...kw,
    limits: new RateLimiter(
      { ...kw, defaults: [], planDefaults: {}, onFirstRefusal: null },
      config.rateLimits.syncMs,
    ),
  });
  const hello = new Hono();
  hello.get("/hello", (c) => c.text(HELLO));

  // The size of Keyward's valid answer for the bench key, which the bare baseline answers too.
  const sample = await kw.app.fetch(
    new Request("http://127.0.0.1/api/verify", {
      method: "POST",
      headers: { authorization: `Bearer ${serviceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ token }),
    }),
  );
  const answer = await sample.text();
  if (sample.status !== 200 || !(JSON.parse(answer) as { valid?: boolean }).valid)
    throw new Error(`the bench key does not verify: ${sample.status} ${answer}`);
  const answerBytes = Buffer.byteLength(answer);
  // Keyward's answer to GET /v2/token for a key under the two limits (the headers the policy route
  // answers; its IP list adds none), which a bare baseline replays.
  const tokenSample = await kw.app.fetch(
    new Request("http://127.0.0.1/v2/token", { headers: { authorization: `Bearer ${unlisted.token}` } }),
  );
  const tokenBody = await tokenSample.text();
  const tokenAnswer = {
    headers: [...tokenSample.headers]
      .filter(([k]) => k !== "content-length")
      .flat()
      .concat("Content-Length", String(Buffer.byteLength(tokenBody))),
    body: tokenBody,
  };
  if (tokenSample.status !== 200) throw new Error(`GET /v2/token answered ${tokenSample.status}`);

  const kwServer = await listenApp(kw.app);
  const helloServer = await listen(hello.fetch);
  const offServer = await listenApp(appOff);
  const noPolicyServer = await listenApp(noPolicy);
  const bare = bareServer(answerBytes, tokenAnswer);
  await new Promise<void>((ok) => bare.listen(0, "127.0.0.1", ok));
  kw.start();

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      [kwServer, helloServer, offServer, noPolicyServer, bare].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            if ("closeAllConnections" in s) s.closeAllConnections();
          }),
      ),
    );
    await kw.close();
    tmp.remove();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  process.stdin.on("end", () => void stop());
  process.stdin.resume();

  process.stdout.write(
    `${JSON.stringify({ keyward: url(kwServer), hello: url(helloServer), keywardNoLimiter: url(offServer), keywardNoPolicy: url(noPolicyServer), listedToken: listed.token, unlistedToken: unlisted.token, bare: url(bare), answerBytes, token, serviceToken, pid: process.pid, limiterCheckNs: limiterCheckNs(kw) })}\n`,
  );
}

await main();
