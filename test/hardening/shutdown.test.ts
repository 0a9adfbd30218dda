/**
 * Issue 10, item 11: `keyward serve` as a real process. SIGTERM with a client sending its body
 * slowly used to keep the process alive (refusing connections) for as long as that client lasted;
 * now it exits within KEYWARD_SHUTDOWN_TIMEOUT_MS, having written the uses it had recorded. And a
 * client may not take longer than KEYWARD_REQUEST_TIMEOUT_MS to send its request.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { listeningPort, Session } from "../multinode/cluster.js";

const ROOT = resolve(import.meta.dirname, "../..");
const EMAIL = "owner@shutdown.test";
const PASSWORD = "shutdown owner password";

interface Server {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  log: string[];
  exited: Promise<{ code: number | null; at: number }>;
}

const started: Server[] = [];
const sockets: Socket[] = [];

async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "keyward-shutdown-"));
  const proc = spawn(process.execPath, ["bin/keyward.js", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      // The kernel's pick, read back below: a port found free first could be taken before the bind.
      KEYWARD_PORT: "0",
      KEYWARD_HOST: "127.0.0.1",
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_BOOTSTRAP_EMAIL: EMAIL,
      KEYWARD_BOOTSTRAP_PASSWORD: PASSWORD,
      // The test creates an agency key: the first agency needs the plan that allows them.
      KEYWARD_BOOTSTRAP_PLAN: "agency_pro",
      KEYWARD_SCHEDULER: "false",
      KEYWARD_LOG_LEVEL: "info",
      ...env,
    },
  });
  const log: string[] = [];
  const keep = (b: Buffer) => log.push(...b.toString().split("\n").filter(Boolean));
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; at: number }>((r) =>
    proc.on("exit", (code) => r({ code, at: performance.now() })),
  );
  const deadline = Date.now() + 60_000;
  let port: number | null = null;
  while (port === null) {
    if (proc.exitCode !== null) throw new Error(`the server exited during start:\n${log.join("\n")}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the server did not listen in time:\n${log.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    port = proc.pid ? listeningPort(proc.pid) : null;
  }
  const s: Server = { url: `http://127.0.0.1:${port}`, port, dataDir, proc, log, exited };
  started.push(s);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited during start:\n${log.join("\n")}`);
    try {
      if ((await fetch(`${s.url}/readyz`)).status === 200) return s;
    } catch {}
    if (Date.now() > deadline) throw new Error(`the server was not ready in time:\n${log.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A client that sends the headers of a POST and then its body one byte at a time, forever. */
async function slowBodyClient(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.on("error", () => {});
  socket.on("data", () => {});
  const closed = new Promise<number>((r) => socket.once("close", () => r(performance.now())));
  socket.write(
    `POST /api/auth/login HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\norigin: http://127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n{`,
  );
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write(" ");
  }, 100);
  socket.once("close", () => clearInterval(drip));
  return { socket, closed };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of started.splice(0)) {
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
    await s.exited;
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

describe("keyward serve", () => {
  it("exits within KEYWARD_SHUTDOWN_TIMEOUT_MS of SIGTERM despite a slow-body client, uses flushed", async () => {
    const s = await startServer({
      KEYWARD_SHUTDOWN_TIMEOUT_MS: "500",
      // Uses would otherwise wait up to 10 s: only the shutdown writes this one.
      KEYWARD_USAGE_FLUSH_MS: "10000",
    });
    const owner = await Session.login(s.url, EMAIL, PASSWORD);
    const me = await owner.request("GET", "/api/me");
    const created = await owner.request("POST", `/api/accounts/${me.body.agency.id}/keys`, { name: "Used" });
    expect(created.status).toBe(201);
    const used = await fetch(`${s.url}/v2/token`, {
      headers: { authorization: `Bearer ${created.body.token}` },
    });
    expect(used.status).toBe(200);

    const slow = await slowBodyClient(s.port);
    await new Promise((r) => setTimeout(r, 300));
    const signalled = performance.now();
    s.proc.kill("SIGTERM");
    const exit = await Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), 8_000))]);
    expect(exit, `still running 8 s after SIGTERM:\n${s.log.join("\n")}`).not.toBeNull();
    expect(exit!.code).toBe(0);
    // 500 ms for requests in progress, then the flush and closing: well under 3 s.
    expect(exit!.at - signalled).toBeLessThan(3_000);
    expect(exit!.at - signalled).toBeGreaterThanOrEqual(450);
    expect(await slow.closed).toBeLessThanOrEqual(exit!.at + 100);
    expect(s.log.join("\n")).toMatch(/closed the connections still open after the shutdown timeout/);

    const db = new SQLite(join(s.dataDir, "keyward.sqlite"), { readonly: true });
    try {
      const row = db.prepare("select last_used_at from api_keys where id = ?").get(created.body.key.id) as {
        last_used_at: number | null;
      };
      expect(row.last_used_at).not.toBeNull();
    } finally {
      db.close();
    }
  });

  it("cuts off a client that takes longer than KEYWARD_REQUEST_TIMEOUT_MS to send its request", async () => {
    const s = await startServer({ KEYWARD_REQUEST_TIMEOUT_MS: "1000" });
    const opened = performance.now();
    const slow = await slowBodyClient(s.port);
    const closedAt = await Promise.race([
      slow.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 6_000)),
    ]);
    expect(closedAt, "the slow client was still connected after 6 s").not.toBeNull();
    expect(closedAt! - opened).toBeGreaterThanOrEqual(900);
    // The server goes on serving.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(s.log.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});
