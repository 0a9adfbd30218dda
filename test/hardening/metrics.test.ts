/**
 * Issue 10, item 15: `keyward_http_requests_total` counts every response by status code; a client
 * that closes its connection in the middle of its body is logged at info level, not as an error of
 * ours; and `/metrics` can require a bearer token (KEYWARD_METRICS_TOKEN).
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logger.js";
import { SERVICE_TOKEN, startHarness, T0 } from "../helpers/harness.js";

/** The value of one sample of the text exposition, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("keyward_http_requests_total", () => {
  it("counts every response by status code, the hot path and errors included", async () => {
    const h = await startHarness();
    try {
      const before = await (await fetch(`${h.url}/metrics`)).text();
      expect(before).toContain("# TYPE keyward_http_requests_total counter");
      for (let i = 0; i < 3; i++) await (await fetch(`${h.url}/healthz`)).arrayBuffer();
      for (let i = 0; i < 2; i++) await (await fetch(`${h.url}/v2/token`)).arrayBuffer(); // no key: 401
      await (await fetch(`${h.url}/v2/no-such-route`)).arrayBuffer(); // 404
      const after = await (await fetch(`${h.url}/metrics`)).text();
      // The first scrape was a 200 too; the second is counted once it has been answered.
      expect(sample(after, 'keyward_http_requests_total{status="200"}')).toBe(4);
      expect(sample(after, 'keyward_http_requests_total{status="401"}')).toBe(2);
      expect(sample(after, 'keyward_http_requests_total{status="404"}')).toBe(1);
      const again = await (await fetch(`${h.url}/metrics`)).text();
      expect(sample(again, 'keyward_http_requests_total{status="200"}')).toBe(5);
      expect(sample(again, 'keyward_http_requests_total{status="401"}')).toBe(2);
    } finally {
      await h.close();
    }
  });
});

describe("KEYWARD_METRICS_TOKEN", () => {
  const TOKEN = "metrics-token-0123456789abcdefghijklmnop";

  it("when set, /metrics needs it as a bearer token", async () => {
    const h = await startHarness({ env: { KEYWARD_METRICS_TOKEN: TOKEN } });
    try {
      for (const authorization of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const r = await fetch(`${h.url}/metrics`, { headers: authorization ? { authorization } : {} });
        expect(r.status, authorization).toBe(401);
        expect(r.headers.get("content-type")).toContain("application/problem+json");
        expect(r.headers.get("www-authenticate")).toBe('Bearer realm="keyward-metrics"');
        const body = (await r.json()) as { detail: string };
        expect(body.detail).toContain("KEYWARD_METRICS_TOKEN");
        expect(JSON.stringify(body)).not.toContain(TOKEN);
      }
      const ok = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("keyward_verifications_total");
    } finally {
      await h.close();
    }
  });

  it("is refused when shorter than 32 characters", () => {
    expect(() => loadConfig({ KEYWARD_METRICS_TOKEN: "short" })).toThrow(/KEYWARD_METRICS_TOKEN/);
  });
});

describe("a client that closes its connection mid-body", () => {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  let kw: Keyward;
  let server: ServerType;
  let port = 0;
  let dataDir = "";

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "keyward-abort-"));
    const config = loadConfig({
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_SERVICE_TOKEN: SERVICE_TOKEN,
      KEYWARD_LOG_LEVEL: "debug",
    });
    kw = await createKeyward({ config, clock: new ManualClock(T0), logger: createLogger("debug", sink) });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: kw.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await kw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends the headers and part of the body, then closes the socket; waits for the server to log it. */
  async function abortMidBody(path: string, headers: Record<string, string>): Promise<Record<string, any>[]> {
    const from = lines.length;
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    const head = Object.entries({ host: `127.0.0.1:${port}`, "content-type": "application/json", ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`POST ${path} HTTP/1.1\r\n${head}content-length: 1000\r\n\r\n{"email":"a@b.c",`);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    const deadline = Date.now() + 5_000;
    while (
      Date.now() < deadline &&
      !lines.slice(from).some((l) => /connection closed before|unhandled/.test(l.msg))
    )
      await new Promise((r) => setTimeout(r, 20));
    return lines.slice(from);
  }

  it("is logged at info level, not as an unhandled error", async () => {
    for (const [path, headers] of [
      ["/api/auth/login", { origin: `http://127.0.0.1:${port}` }],
      ["/api/verify", { authorization: `Bearer ${SERVICE_TOKEN}` }],
    ] as const) {
      const logged = await abortMidBody(path, headers);
      expect(
        logged.filter((l) => l.level >= 50),
        path,
      ).toEqual([]);
      const note = logged.find((l) => /connection closed before/.test(l.msg));
      expect(note, path).toBeDefined();
      expect(note!.level).toBe(30);
      expect(note!.path).toBe(path);
    }
  });
});
