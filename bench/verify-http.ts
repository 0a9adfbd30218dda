/**
 * Verification of a cached key over HTTP on loopback, the server on ONE core, side by side with
 * the same framework's hello-world served by the same process (bench/http-server.ts).
 *
 * The server runs pinned to core 0, the load generator (autocannon, its own process) to core 1.
 * After a warm-up, each route is loaded at full speed (50 connections) in alternating order for
 * several rounds, and the medians are compared. Then the verification routes are loaded at half
 * their maximum rate and their latency percentiles are read (autocannon corrects rate-limited
 * latencies for coordinated omission).
 *
 * Environment: BENCH_SECONDS (per run, default 10), BENCH_ROUNDS (default 3),
 * BENCH_CPU_PROF=<dir> to run the server under `node --cpu-prof` and write its profile there.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { fmt, log, median, pinTo, type Result } from "./lib.js";

const SUITE = "verify";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 50;

interface ServerInfo {
  keyward: string;
  hello: string;
  token: string;
  serviceToken: string;
  pid: number;
}

type Name = "hello" | "token" | "verify" | "inApp";

interface Route {
  label: string;
  url: string;
  args: string[];
}

/** The parts of autocannon's JSON result used here (latencies in milliseconds). */
interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; p99_9: number; max: number };
}

async function startServer(prefix: string[]): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const profDir = process.env.BENCH_CPU_PROF;
  const nodeArgs = profDir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(profDir)}`] : [];
  const argv = [
    ...prefix,
    process.execPath,
    ...nodeArgs,
    join(ROOT, "bin/run-ts.js"),
    "bench/http-server.ts",
  ];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((ok, fail) => {
    lines.once("line", ok);
    child.once("exit", (code) => fail(new Error(`bench server exited (${code}) before listening`)));
  });
  lines.on("line", (l) => process.stdout.write(`[server] ${l}\n`));
  return { child, info: JSON.parse(first) as ServerInfo };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.kill("SIGTERM");
  await exited;
}

function cannon(
  prefix: string[],
  route: Route,
  opts: { seconds: number; rate?: number },
): Promise<CannonResult> {
  const argv = [
    ...prefix,
    process.execPath,
    AUTOCANNON,
    "--json",
    "--no-progress",
    "--connections",
    String(CONNECTIONS),
    "--duration",
    String(opts.seconds),
    ...(opts.rate ? ["--overallRate", String(Math.round(opts.rate))] : []),
    ...route.args,
    route.url,
  ];
  return new Promise((ok, fail) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.once("error", fail);
    child.once("exit", (code) => {
      if (code !== 0) return fail(new Error(`autocannon exited ${code}: ${err.trim()}`));
      const r = JSON.parse(out) as CannonResult;
      if (r.requests.total === 0)
        return fail(new Error(`${route.label}: no response at all (${err.trim()})`));
      if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0)
        return fail(
          new Error(
            `${route.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts of ${r.requests.total}`,
          ),
        );
      ok(r);
    });
  });
}

interface Latency {
  sent: number;
  ok: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Open-loop load at a fixed rate through bench/rate-load.ts; latencies in ms. */
function rateLoad(prefix: string[], route: Route, rate: number): Promise<Latency> {
  const headers: Record<string, string> = {};
  let method = "GET";
  let body: string | undefined;
  for (let i = 0; i < route.args.length; i += 2) {
    const [flag, value] = [route.args[i]!, route.args[i + 1]!];
    if (flag === "--headers") {
      const eq = value.indexOf("=");
      headers[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (flag === "--method") method = value;
    else if (flag === "--body") body = value;
  }
  const spec = { url: route.url, method, headers, body, rate, seconds: SECONDS, connections: CONNECTIONS };
  const argv = [
    ...prefix,
    process.execPath,
    join(ROOT, "bin/run-ts.js"),
    "bench/rate-load.ts",
    JSON.stringify(spec),
  ];
  return new Promise((ok, fail) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.once("error", fail);
    child.once("exit", (code) => {
      if (code !== 0) return fail(new Error(`rate-load exited ${code}`));
      const l = JSON.parse(out) as Latency;
      if (l.failed > 0) return fail(new Error(`${route.label}: ${l.failed} of ${l.sent} requests failed`));
      ok(l);
    });
  });
}

/** Clock ticks a process has spent on the CPU (user + system), from /proc. */
function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

const CLK_TCK = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout);
  return r.status === 0 && n > 0 ? n : 100;
})();

interface Measured {
  rps: number;
  /** Share of one core the server used during the run, 0–1 (null when /proc is not there). */
  serverCpu: number | null;
  /** Requests served per second of server CPU time: the cost per request, whatever else ran. */
  perCpuSecond: number | null;
  result: CannonResult;
}

async function measure(
  prefix: string[],
  serverPid: number,
  route: Route,
  opts: { seconds: number; rate?: number },
): Promise<Measured> {
  const t0 = cpuTicks(serverPid);
  const result = await cannon(prefix, route, opts);
  const t1 = cpuTicks(serverPid);
  // autocannon's wall time includes its start-up; the busy part is `duration`.
  const cpuSeconds = t0 === null || t1 === null ? null : (t1 - t0) / CLK_TCK;
  return {
    rps: result.requests.total / result.duration,
    serverCpu: cpuSeconds === null ? null : Math.min(1, cpuSeconds / result.duration),
    perCpuSecond: cpuSeconds ? result.requests.total / cpuSeconds : null,
    result,
  };
}

const pct = (x: number | null) => (x === null ? "?" : `${Math.round(x * 100)}%`);

export async function run(): Promise<Result[]> {
  const server0 = pinTo(0);
  const load1 = pinTo(1);
  for (const w of new Set([server0.warning, load1.warning])) if (w) log(SUITE, `WARNING: ${w}`);
  const { child, info } = await startServer(server0.prefix);
  try {
    const bearer = `authorization=Bearer ${info.token}`;
    const routes: Record<Name, Route> = {
      hello: { label: "hello-world (bare Hono)", url: `${info.hello}/hello`, args: [] },
      token: { label: "GET /v2/token", url: `${info.keyward}/v2/token`, args: ["--headers", bearer] },
      verify: {
        label: "POST /api/verify",
        url: `${info.keyward}/api/verify`,
        args: [
          "--method",
          "POST",
          "--headers",
          `authorization=Bearer ${info.serviceToken}`,
          "--headers",
          "content-type=application/json",
          "--body",
          JSON.stringify({ token: info.token }),
        ],
      },
      inApp: { label: "GET /hello in the Keyward app", url: `${info.keyward}/hello`, args: [] },
    };
    const order = ["hello", "token", "verify", "inApp"] as const;

    log(SUITE, `warming up (${WARMUP_SECONDS} s per route)`);
    for (const k of order) await cannon(load1.prefix, routes[k], { seconds: WARMUP_SECONDS });

    const runs: Record<Name, Measured[]> = { hello: [], token: [], verify: [], inApp: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no route always runs right after the same other one.
      const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
      for (const k of rotated) {
        const m = await measure(load1.prefix, info.pid, routes[k], { seconds: SECONDS });
        runs[k].push(m);
        log(
          SUITE,
          `round ${round + 1}/${ROUNDS} ${routes[k].label.padEnd(30)} ${fmt(m.rps).padStart(7)} req/s  server CPU ${pct(m.serverCpu)}`,
        );
      }
    }
    const rps = (k: Name) => median(runs[k].map((m) => m.rps));
    const perCpu = (k: Name) => median(runs[k].map((m) => m.perCpuSecond ?? Number.NaN));
    const spread = (k: Name) => {
      const v = runs[k].map((m) => m.rps);
      const cpu = runs[k].map((m) => m.serverCpu).filter((c): c is number => c !== null);
      return `runs ${fmt(Math.min(...v))}–${fmt(Math.max(...v))}, server CPU ${cpu.length ? pct(median(cpu)) : "?"}, ${fmt(perCpu(k))} per CPU-second`;
    };
    const hello = rps("hello");
    const token = rps("token");
    const verify = rps("verify");
    if (runs.hello.some((m) => m.serverCpu !== null && m.serverCpu < 0.9))
      log(
        SUITE,
        "WARNING: the server was under 90% CPU on hello-world: other load or the generator was the limit",
      );

    const latency = async (k: Name, rate: number) => {
      const l = await rateLoad(load1.prefix, routes[k], rate);
      log(
        SUITE,
        `${routes[k].label.padEnd(30)} at ${fmt(rate)} req/s: p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, p99.9 ${fmt(l.p999)} ms, max ${fmt(l.max)} ms`,
      );
      return l;
    };
    log(SUITE, `latency at half the maximum rate (${SECONDS} s each, open loop)`);
    const tokenLat = await latency("token", token / 2);
    const helloLat = await latency("hello", token / 2);
    const verifyLat = await latency("verify", verify / 2);
    const latNote = (l: Latency, rate: number) =>
      `at ${fmt(rate)} req/s, p50 ${fmt(l.p50)} ms, p99.9 ${fmt(l.p999)} ms`;

    return [
      {
        suite: SUITE,
        name: "hello-world req/s (bare Hono)",
        value: hello,
        unit: "req/s",
        note: spread("hello"),
      },
      { suite: SUITE, name: "GET /v2/token req/s", value: token, unit: "req/s", note: spread("token") },
      {
        suite: SUITE,
        name: "GET /v2/token / hello-world",
        value: token / hello,
        unit: "ratio",
        target: { op: ">=", limit: 0.85 },
        note: "medians of req/s, side by side",
      },
      {
        suite: SUITE,
        name: "  same, per server CPU-second",
        value: perCpu("token") / perCpu("hello"),
        unit: "ratio",
        note: "requests per second of server CPU time: insensitive to other load on the machine",
      },
      { suite: SUITE, name: "POST /api/verify req/s", value: verify, unit: "req/s", note: spread("verify") },
      {
        suite: SUITE,
        name: "POST /api/verify / hello-world",
        value: verify / hello,
        unit: "ratio",
        note: `per server CPU-second: ${fmt(perCpu("verify") / perCpu("hello"))}`,
      },
      {
        suite: SUITE,
        name: "GET /hello in Keyward app req/s",
        value: rps("inApp"),
        unit: "req/s",
        note: `through the app's global middleware; ${spread("inApp")}`,
      },
      {
        suite: SUITE,
        name: "GET /v2/token p99 at half max",
        value: tokenLat.p99,
        unit: "ms",
        target: { op: "<", limit: 2 },
        note: latNote(tokenLat, token / 2),
      },
      {
        suite: SUITE,
        name: "  hello-world p99, same rate",
        value: helloLat.p99,
        unit: "ms",
        note: `what the machine and generator add; ${latNote(helloLat, token / 2)}`,
      },
      {
        suite: SUITE,
        name: "POST /api/verify p99 at half max",
        value: verifyLat.p99,
        unit: "ms",
        note: latNote(verifyLat, verify / 2),
      },
    ];
  } finally {
    await stopServer(child);
  }
}
