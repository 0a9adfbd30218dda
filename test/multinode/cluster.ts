/**
 * Keyward nodes as separate processes (`node bin/keyward.js serve`) on one PostgreSQL, for the
 * multi-node tests and `bench/multinode.ts`. Each node listens on a port the kernel picks
 * (KEYWARD_PORT=0), read back from /proc (`listeningPort`), its own data dir, and the same bootstrap
 * owner; its log is kept in memory and shown when something fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const OWNER_EMAIL = "owner@multinode.test";
export const OWNER_PASSWORD = "multinode owner password";
export const SERVICE_TOKEN = "multinode-service-token-0123456789abcdef";

const ROOT = resolve(import.meta.dirname, "../..");

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/**
 * The TCP port process `pid` listens on, read from Linux's /proc; null while it listens on none.
 * Why not `freePort()` and KEYWARD_PORT: a port found free and closed here can be taken (by another
 * test file's server, or a connection's ephemeral port) before the child binds it — the child then
 * fails, and the readiness poll may even be answered by that other server.
 */
export function listeningPort(pid: number): number | null {
  const sockets = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) sockets.add(m[1]!);
      } catch {} // closed meanwhile
    }
  } catch {
    return null; // not started yet, or gone
  }
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let rows: string[];
    try {
      rows = readFileSync(table, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      // sl local_address rem_address st … inode: st 0A is LISTEN; the port is hex after the colon.
      const f = row.trim().split(/\s+/);
      if (f[3] === "0A" && sockets.has(f[9] ?? "")) return Number.parseInt(f[1]!.split(":")[1]!, 16);
    }
  }
  return null;
}

/** Whether `listeningPort` can be used here (Linux). */
const PROCFS = existsSync("/proc/self/fd") && existsSync("/proc/net/tcp");

export interface NodeProcess {
  name: string;
  url: string;
  pid: number;
  proc: ChildProcess;
  /** The node's recent log lines (stdout and stderr). */
  log: string[];
  /** SIGTERM and wait for exit (uses are flushed). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

export interface NodeOptions {
  name: string;
  /** PostgreSQL; absent: SQLite in the data folder (pass KEYWARD_DATA_DIR in `env` to share one). */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** CPU list for `taskset -c` (benchmarks); ignored where taskset is missing. */
  cpus?: string;
  readyTimeoutMs?: number;
}

export async function startNode(o: NodeOptions): Promise<NodeProcess> {
  // Elsewhere than Linux: a port found free here, with the race described at listeningPort.
  let port = PROCFS ? 0 : await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `keyward-${o.name}-`));
  const env = {
    ...process.env,
    ...(o.databaseUrl ? { KEYWARD_DATABASE_URL: o.databaseUrl } : {}),
    KEYWARD_PORT: String(port),
    KEYWARD_HOST: "127.0.0.1",
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_BOOTSTRAP_EMAIL: OWNER_EMAIL,
    KEYWARD_BOOTSTRAP_PASSWORD: OWNER_PASSWORD,
    // The tests create agency keys on the first agency: the plan that allows them.
    KEYWARD_BOOTSTRAP_PLAN: "agency_pro",
    KEYWARD_SERVICE_TOKEN: SERVICE_TOKEN,
    KEYWARD_LOG_LEVEL: "warn",
    // No rate limits unless asked (their own tests are in test/policy/): these runs load one key hard.
    KEYWARD_RATE_LIMITS: "[]",
    ...o.env,
  };
  const args = ["bin/keyward.js", "serve"];
  const proc = o.cpus
    ? spawn("taskset", ["-c", o.cpus, process.execPath, ...args], { cwd: ROOT, env })
    : spawn(process.execPath, args, { cwd: ROOT, env });
  const log: string[] = [];
  const keep = (b: Buffer) => {
    for (const line of b.toString().split("\n")) if (line) log.push(line);
    if (log.length > 300) log.splice(0, log.length - 300);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<number | null>((r) =>
    proc.on("exit", (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      r(code);
    }),
  );
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  const node: NodeProcess = {
    name: o.name,
    url: "",
    pid: proc.pid ?? 0,
    proc,
    log,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
  while (port === 0) {
    if (proc.exitCode !== null) throw new Error(`${o.name} exited during start:\n${log.join("\n")}`);
    if (Date.now() > deadline) {
      await node.kill9();
      throw new Error(`${o.name} did not listen in time:\n${log.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    port = (proc.pid && listeningPort(proc.pid)) || 0;
  }
  const url = `http://127.0.0.1:${port}`;
  node.url = url;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${o.name} exited during start:\n${log.join("\n")}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await node.kill9();
      throw new Error(`${o.name} not ready in time:\n${log.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return node;
}

/**
 * Starts `names.length` nodes: the first alone (it migrates and creates the bootstrap owner), the
 * others together; or all at once with `together` (they race to migrate and bootstrap).
 */
export async function startNodes(
  databaseUrl: string,
  names: string[],
  extra: (name: string) => Partial<NodeOptions> = () => ({}),
  together = false,
): Promise<NodeProcess[]> {
  if (together) return Promise.all(names.map((name) => startNode({ name, databaseUrl, ...extra(name) })));
  const [first, ...rest] = names;
  const a = await startNode({ name: first!, databaseUrl, ...extra(first!) });
  const others = await Promise.all(rest.map((name) => startNode({ name, databaseUrl, ...extra(name) })));
  return [a, ...others];
}

/** A signed-in session on one node (sessions live in the database, so any node accepts them). */
export class Session {
  cookie = "";
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { origin: this.baseUrl };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  static async login(baseUrl: string, email = OWNER_EMAIL, password = OWNER_PASSWORD): Promise<Session> {
    const s = new Session(baseUrl);
    const r = await s.request("POST", "/api/auth/login", { email, password });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    return s;
  }

  /** The same session, talking to another node. */
  on(baseUrl: string): Session {
    const s = new Session(baseUrl);
    s.cookie = this.cookie;
    return s;
  }
}

/** Verifies a token on a node through the platform API; returns the HTTP status and error code. */
export async function verifyOn(url: string, token: string): Promise<{ status: number; code: string }> {
  const res = await fetch(`${url}/v2/token`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: res.status === 200 ? "valid" : (body.code ?? "?") };
}

/**
 * Polls every node until each answers as `done` says or `windowMs` passes. Returns how long it took
 * (ms, measured from `since`), or null if some node had not come round by the end of the window.
 */
export async function untilAll(
  urls: string[],
  token: string,
  done: (code: string) => boolean,
  since: number,
  windowMs: number,
): Promise<{ ms: number | null; codes: string[] }> {
  const pending = new Set(urls);
  const codes = new Map<string, string>();
  for (;;) {
    await Promise.all(
      [...pending].map(async (u) => {
        const r = await verifyOn(u, token);
        codes.set(u, r.code);
        if (done(r.code)) pending.delete(u);
      }),
    );
    const elapsed = performance.now() - since;
    if (pending.size === 0) return { ms: elapsed, codes: urls.map((u) => codes.get(u)!) };
    if (elapsed > windowMs) return { ms: null, codes: urls.map((u) => codes.get(u)!) };
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls until every node refuses the token (see `untilAll`). */
export function untilAllRefuse(urls: string[], token: string, since: number, windowMs: number) {
  return untilAll(urls, token, (c) => c !== "valid", since, windowMs);
}
