/**
 * Webhooks: how soon a key revocation's webhook reaches a receiver on loopback (p99 under 1 s), and
 * how many deliveries per second the outbox sends to a fast receiver (at least 500).
 *
 * A Keyward built as `keyward serve` builds it (SQLite in a temporary folder, the real clock, the
 * webhook sender running in the background at its production poll interval) and a node:http
 * receiver that answers 204 at once. Latency: keys are revoked one after another through the key
 * service (what `POST /api/keys/{id}/revoke` calls); each figure is from the call to the receiver
 * having the request. Throughput: BENCH_WEBHOOKS deliveries queued in one transaction, then sent by
 * `deliverDue` rounds until none is left; the figure is deliveries over the wall time.
 *
 * Environment: BENCH_WEBHOOK_REVOCATIONS (default 200), BENCH_WEBHOOKS (default 5,000).
 */
import http, { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createKeyward, type Keyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { operatorCtx } from "../src/service/access.js";
import { systemCtx } from "../src/service/context.js";
import { emit } from "../src/service/webhooks.js";
import { fmt, log, median, quantile, type Result, tempDir } from "./lib.js";

const SUITE = "webhooks";
const REVOCATIONS = Number(process.env.BENCH_WEBHOOK_REVOCATIONS ?? 200);
const DELIVERIES = Number(process.env.BENCH_WEBHOOKS ?? 5_000);

async function receiver() {
  const waiting = new Map<string, (at: number) => void>();
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      count++;
      res.writeHead(204).end();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const id = body.data?.key?.id as string | undefined;
      if (id) waiting.get(id)?.(at);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrival: (keyId: string) => new Promise<number>((r) => waiting.set(keyId, r)),
    count: () => count,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function instance(dir: string): Promise<Keyward> {
  return createKeyward({
    config: loadConfig({
      KEYWARD_DATA_DIR: dir,
      KEYWARD_LOG_LEVEL: "silent",
      KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8",
    }),
    logger: createLogger("silent"),
    lifecycle: { background: false },
  });
}

export async function run(): Promise<Result[]> {
  const tmp = tempDir("webhooks");
  const rx = await receiver();
  const kw = await instance(tmp.dir);
  const results: Result[] = [];
  try {
    const { agency } = await kw.accounts.createAgency(systemCtx, {
      name: "Bench Agency",
      plan: "agency_pro",
      owner: { email: "owner@bench.test", name: "Owner", password: "correct horse battery staple" },
    });
    const ctx = operatorCtx(agency.id);
    await kw.webhooks.create(ctx, agency.id, { url: rx.url, events: ["key.revoked", "key.rate_limited"] });

    // ── latency: revocation → receiver ─────────────────────────────────
    const keyIds: string[] = [];
    for (let i = 0; i < REVOCATIONS; i++)
      keyIds.push((await kw.keys.create(ctx, agency.id, { name: `k${i}`, scopes: [] })).key.id);
    kw.webhookSender.start();
    const latencies: number[] = [];
    for (const id of keyIds) {
      const arrived = rx.arrival(id);
      const t0 = performance.now();
      await kw.keys.revoke(ctx, id);
      latencies.push((await arrived) - t0);
      // Revocations come at random moments, not in step with the sender's polling.
      await new Promise((r) => setTimeout(r, Math.random() * 250));
    }
    await kw.webhookSender.stop();
    latencies.sort((a, b) => a - b);
    log(
      SUITE,
      `revocation → receiver over ${REVOCATIONS}: median ${fmt(median(latencies))} ms, p99 ${fmt(quantile(latencies, 0.99))} ms, max ${fmt(latencies[latencies.length - 1]!)} ms`,
    );
    results.push({
      suite: SUITE,
      name: "revocation webhook latency p99",
      value: quantile(latencies, 0.99),
      unit: "ms",
      target: { op: "<", limit: 1000 },
      note: `median ${fmt(median(latencies))} ms over ${REVOCATIONS}, sender polling every 250 ms`,
    });

    // ── throughput: the outbox to a fast receiver ──────────────────────
    const before = rx.count();
    await kw.store.transaction(async (s) => {
      for (let i = 0; i < DELIVERIES; i++)
        await emit(s, agency.id, "key.rate_limited", { n: i }, kw.clock.now());
    });
    const t0 = performance.now();
    let sent = 0;
    for (;;) {
      const r = await kw.webhookSender.deliverDue();
      sent += r.succeeded.length;
      if (r.succeeded.length + r.retrying.length + r.failed.length === 0) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const rate = sent / seconds;
    log(
      SUITE,
      `${fmt(sent)} deliveries in ${fmt(seconds)} s: ${fmt(rate)}/s (receiver got ${rx.count() - before})`,
    );
    // Side by side, the ceiling on this machine now: the same number of bare POSTs, one at a time.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({
      type: "key.rate_limited",
      timestamp: new Date().toISOString(),
      data: { n: 0 },
    });
    const b0 = performance.now();
    for (let i = 0; i < DELIVERIES; i++)
      await new Promise<void>((resolve, reject) => {
        const req = http.request(rx.url, {
          method: "POST",
          agent,
          headers: { "content-type": "application/json" },
        });
        req.on("response", (res) => res.resume().on("end", () => resolve()));
        req.on("error", reject);
        req.end(body);
      });
    agent.destroy();
    const bare = DELIVERIES / ((performance.now() - b0) / 1000);
    log(
      SUITE,
      `bare POSTs to the same receiver: ${fmt(bare)}/s; the outbox sends at ${fmt((100 * rate) / bare)}% of that`,
    );
    results.push({
      suite: SUITE,
      name: "outbox deliveries per second",
      value: rate,
      unit: "/s",
      target: { op: ">=", limit: 500 },
      note: `${fmt(sent)} signed deliveries to one endpoint, in order, SQLite; ${fmt((100 * rate) / bare)}% of bare POSTs (${fmt(bare)}/s)`,
    });
  } finally {
    await kw.close();
    await rx.close();
    tmp.remove();
  }
  return results;
}
