/**
 * Several Keyward nodes on one PostgreSQL (issue 6), as separate `keyward serve` processes.
 *
 * 1. Revocation propagation: three nodes; for each of many keys (cached on every node), revoke it
 *    on node a and poll b and c back to back until both refuse it. Reported from the moment a's
 *    revoke answered (the change is committed by then) and, in the note, from the moment it was sent.
 * 2. Verification throughput of a cached key (GET /v2/token), one node against two, with autocannon.
 *    This machine has 2 cores for everything (PostgreSQL, nodes, load generators), usually shared
 *    with other work, so requests per second swing from run to run. Figures, ratios taken round by
 *    round:
 *    - `per CPU second`: verifications per CPU second the nodes used (from /proc), two nodes against
 *      one. Independent of how much CPU the box lent them: ≈ 1 means two nodes do with two cores
 *      what one does with one, i.e. capacity grows with the cores given to nodes.
 *    - `same core`: req/s of one node, then of both nodes, pinned to core 0, load generators on core 1.
 *      Same CPU budget: ≈ 1 means running a second node costs nothing in itself (a cached
 *      verification never touches PostgreSQL). Under outside load it can exceed 1 (two processes get
 *      a larger share of a contended core than one).
 *    - `a core each`: node a on core 0, node b on core 1, load generators unpinned. The scale-out this
 *      box allows; on an idle box the load generators' own CPU keeps it under 2, under outside load
 *      the two nodes simply win a larger share of the machine than one.
 *
 * Alone: `node bin/run-ts.js bench/multinode.ts`. Environment: BENCH_SECONDS (per throughput run,
 * default 8), BENCH_REVOCATIONS (default 300).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres } from "../test/helpers/postgres.js";
import { type NodeProcess, Session, startNodes, verifyOn } from "../test/multinode/cluster.js";
import { fmt, log, median, quantile, type Result } from "./lib.js";

const SUITE = "multinode";
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 300);
const CONNECTIONS = 50;

const canPin = (() => {
  const r = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  return !r.error && r.status === 0;
})();

/** Re-pins a running process (all its threads); a no-op without taskset. */
function pin(pid: number, cpus: string): void {
  if (canPin) spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

async function createKeys(owner: Session, agencyId: string, n: number, tag: string) {
  const keys: { id: string; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await owner.request("POST", `/api/accounts/${agencyId}/keys`, { name: `${tag} ${i}` });
    if (r.status !== 201) throw new Error(`create key: ${r.status} ${JSON.stringify(r.body)}`);
    keys.push({ id: r.body.key.id, token: r.body.token });
  }
  return keys;
}

async function untilRefused(url: string, token: string, deadline: number): Promise<number> {
  for (;;) {
    const r = await verifyOn(url, token);
    const t = performance.now();
    if (r.status !== 200) return t;
    if (t > deadline) return Number.POSITIVE_INFINITY;
  }
}

async function propagation(nodes: NodeProcess[], owner: Session, agencyId: string): Promise<Result[]> {
  const keys = await createKeys(owner, agencyId, REVOCATIONS, "propagation");
  for (const k of keys) for (const n of nodes) await verifyOn(n.url, k.token); // cached everywhere
  const fromAnswer: number[] = [];
  const fromSent: number[] = [];
  let late = 0;
  const others = nodes.slice(1);
  for (const k of keys) {
    const sent = performance.now();
    let answered = 0;
    const revoked = owner.request("POST", `/api/keys/${k.id}/revoke`).then((r) => {
      answered = performance.now();
      if (r.status !== 200) throw new Error(`revoke: ${r.status}`);
    });
    const refused = await Promise.all(others.map((n) => untilRefused(n.url, k.token, sent + 5_000)));
    await revoked;
    const all = Math.max(...refused);
    if (!Number.isFinite(all)) late++;
    fromSent.push(all - sent);
    fromAnswer.push(Math.max(0, all - answered));
  }
  const a = [...fromAnswer].sort((x, y) => x - y);
  const s = [...fromSent].sort((x, y) => x - y);
  log(
    SUITE,
    `propagation over ${keys.length} revocations: from answer p50 ${fmt(quantile(a, 0.5))} ms, p99 ${fmt(quantile(a, 0.99))} ms, max ${fmt(a.at(-1)!)} ms; from sent p50 ${fmt(quantile(s, 0.5))} ms, p99 ${fmt(quantile(s, 0.99))} ms`,
  );
  const note = `${keys.length} revocations on a, until b and c both refuse; from request sent p50 ${fmt(quantile(s, 0.5))} / p99 ${fmt(quantile(s, 0.99))} ms${late ? `; ${late} not refused within 5 s` : ""}`;
  return [
    { suite: SUITE, name: "revocation propagation p50", value: quantile(a, 0.5), unit: "ms", note },
    {
      suite: SUITE,
      name: "revocation propagation p99",
      value: quantile(a, 0.99),
      unit: "ms",
      target: { op: "<=", limit: 1_000 },
      note: "the product promise: every node within 1 s",
    },
  ];
}

interface Cannon {
  requests: { total: number };
  duration: number;
  errors: number;
  non2xx: number;
}

function cannon(url: string, token: string, connections: number, seconds: number, cpus?: string) {
  const argv = [
    process.execPath,
    AUTOCANNON,
    "--json",
    "--no-progress",
    "--connections",
    String(connections),
    "--duration",
    String(seconds),
    "--headers",
    `authorization=Bearer ${token}`,
    `${url}/v2/token`,
  ];
  const full = cpus && canPin ? ["taskset", "-c", cpus, ...argv] : argv;
  return new Promise<Cannon>((ok, fail) => {
    const child: ChildProcess = spawn(full[0]!, full.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    child.once("error", fail);
    child.once("exit", (code) => {
      if (code !== 0) return fail(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out) as Cannon;
      if (r.errors > 0 || r.non2xx > 0) return fail(new Error(`${r.non2xx} non-2xx, ${r.errors} errors`));
      ok(r);
    });
  });
}

/** CPU seconds (user + system) the processes have used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      return Number.NaN;
    }
  }
  return ticks / 100;
}

interface Load {
  /** Verifications per second, all loaded nodes together. */
  rps: number;
  /** Verifications per CPU second the nodes used: what a node does with a core it has to itself. */
  perCpuSecond: number;
}

/** Loads the given nodes at once (connections split between them). */
async function load(nodes: NodeProcess[], token: string, seconds: number, cpus?: string): Promise<Load> {
  const per = Math.max(1, Math.round(CONNECTIONS / nodes.length));
  const pids = nodes.map((n) => n.pid);
  const cpu0 = cpuSeconds(pids);
  const rs = await Promise.all(nodes.map((n) => cannon(n.url, token, per, seconds, cpus)));
  const cpu = cpuSeconds(pids) - cpu0;
  const total = rs.reduce((sum, r) => sum + r.requests.total, 0);
  const rps = rs.reduce((sum, r) => sum + r.requests.total / r.duration, 0);
  return { rps, perCpuSecond: total / cpu };
}

async function throughput(nodes: NodeProcess[], token: string): Promise<Result[]> {
  const [a, b] = nodes as [NodeProcess, NodeProcess];
  if (!canPin) log(SUITE, "WARNING: taskset is not available: processes are not pinned");
  log(SUITE, "warming up");
  await load([a, b], token, 3);
  const rounds = 3;
  const one: Load[] = [];
  const twoSame: Load[] = [];
  const twoSpread: Load[] = [];
  for (let i = 0; i < rounds; i++) {
    pin(a.pid, "0");
    pin(b.pid, "0");
    one.push(await load([a], token, SECONDS, "1"));
    twoSame.push(await load([a, b], token, SECONDS, "1"));
    pin(b.pid, "1");
    twoSpread.push(await load([a, b], token, SECONDS));
    log(
      SUITE,
      `round ${i + 1}/${rounds}: one node ${fmt(one[i]!.rps)} req/s (${fmt(one[i]!.perCpuSecond)} per CPU s); ` +
        `two nodes on core 0 ${fmt(twoSame[i]!.rps)} (${fmt(twoSame[i]!.perCpuSecond)} per CPU s); ` +
        `a core each ${fmt(twoSpread[i]!.rps)} (${fmt(twoSpread[i]!.perCpuSecond)} per CPU s)`,
    );
  }
  pin(a.pid, "0,1");
  pin(b.pid, "0,1");
  // Ratios are taken round by round (the two runs of a round saw the same background load).
  const ratio = (xs: Load[], k: keyof Load) => median(xs.map((x, i) => x[k] / one[i]![k]));
  return [
    {
      suite: SUITE,
      name: "verify throughput, one node",
      value: median(one.map((x) => x.rps)),
      unit: "req/s",
      note: `cached key, GET /v2/token, node on core 0, load on core 1; ${fmt(median(one.map((x) => x.perCpuSecond)))} per CPU second`,
    },
    {
      suite: SUITE,
      name: "two nodes / one, per CPU second",
      value: ratio(twoSpread, "perCpuSecond"),
      unit: "ratio",
      target: { op: ">=", limit: 0.85 },
      note: "verifications per CPU second the nodes used; ≈1: capacity grows with the cores given to nodes",
    },
    {
      suite: SUITE,
      name: "two nodes / one, same core",
      value: ratio(twoSame, "rps"),
      unit: "ratio",
      note: "req/s, both nodes on core 0 and the load on core 1: ≈1 means a second node costs nothing",
    },
    {
      suite: SUITE,
      name: "two nodes / one, a core each",
      value: ratio(twoSpread, "rps"),
      unit: "ratio",
      note: "req/s; the 2 cores are shared with the load generators, PostgreSQL and any outside load",
    },
  ];
}

export async function run(): Promise<Result[]> {
  const pg = await startPostgres();
  let nodes: NodeProcess[] = [];
  try {
    nodes = await startNodes(pg.url, ["a", "b", "c"], () => ({
      env: { KEYWARD_SCHEDULER: "false", KEYWARD_LOG_LEVEL: "error" },
    }));
    const owner = await Session.login(nodes[0]!.url);
    const agencyId: string = (await owner.request("GET", "/api/me")).body.agency.id;
    log(SUITE, `three nodes up; ${REVOCATIONS} revocations`);
    const results = await propagation(nodes, owner, agencyId);
    await nodes[2]!.stop();
    const [k] = await createKeys(owner, agencyId, 1, "throughput");
    results.push(...(await throughput(nodes, k!.token)));
    return results;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await pg.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const r of await run())
    process.stdout.write(
      `${r.name}: ${fmt(r.value)} ${r.unit}${r.target ? ` (target ${r.target.op} ${r.target.limit})` : ""}${r.note ? ` — ${r.note}` : ""}\n`,
    );
}
