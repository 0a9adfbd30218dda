/**
 * Several senders on one PostgreSQL database: every delivery is sent by exactly one of them, and a
 * sender killed with SIGKILL in the middle of a delivery loses nothing — its claim lapses and the
 * delivery is sent again (at least once: the receiver may see it twice, never zero times).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logger.js";
import { operatorCtx } from "../../src/service/access.js";
import { systemCtx } from "../../src/service/context.js";
import { emit } from "../../src/service/webhooks.js";
import { openDatabase } from "../../src/store/dialect.js";
import { PASSWORD } from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import { type Receiver, startReceiver } from "./receiver.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SECRET = "multinode-webhook-secret-0123456789abcdef";
let pg: RunningPostgres;
let rx: Receiver;
const nodes: Keyward[] = [];
const dirs: string[] = [];
const clock = new ManualClock(Date.now());
let agencyId = "";
let endpointId = "";

async function node(url: string): Promise<Keyward> {
  const dir = mkdtempSync(join(tmpdir(), "keyward-wh-"));
  dirs.push(dir);
  const kw = await createKeyward({
    config: loadConfig({
      KEYWARD_DATA_DIR: dir,
      KEYWARD_SECRET: SECRET,
      KEYWARD_LOG_LEVEL: "silent",
      KEYWARD_SCHEDULER: "false",
      KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8",
    }),
    clock,
    logger: createLogger("silent"),
    database: openDatabase({ databaseUrl: url, dataDir: dir }),
    lifecycle: { background: false },
  });
  nodes.push(kw);
  return kw;
}

beforeAll(async () => {
  pg = await startPostgres();
  rx = await startReceiver();
  const a = await node(pg.url);
  await node(pg.url);
  const { agency } = await a.accounts.createAgency(systemCtx, {
    name: "Cluster Agency",
    plan: "agency_pro",
    owner: { email: "owner@cluster.test", name: "Owner", password: PASSWORD },
  });
  agencyId = agency.id;
  const e = await a.webhooks.create(operatorCtx(agencyId), agencyId, {
    url: rx.url,
    events: ["key.rate_limited"],
  });
  endpointId = e.endpoint.id;
}, 120_000);

afterAll(async () => {
  for (const kw of nodes) {
    await kw.close();
    await kw.database.close();
  }
  await rx.close();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it("two nodes sending at once: every delivery exactly once", async () => {
  const [a, b] = nodes as [Keyward, Keyward];
  const N = 400;
  await a.store.transaction(async (s) => {
    for (let i = 0; i < N; i++) await emit(s, agencyId, "key.rate_limited", { n: i }, clock.now());
  });
  rx.answer = () => ({ status: 200, body: "ok" });
  const drain = async (kw: Keyward) => {
    const sent: string[] = [];
    for (;;) {
      const r = await kw.webhookSender.deliverDue(clock.now(), 25);
      sent.push(...r.succeeded);
      if (r.succeeded.length + r.retrying.length + r.failed.length === 0) return sent;
    }
  };
  const [byA, byB] = await Promise.all([drain(a), drain(b)]);
  expect(byA.length + byB.length).toBe(N);
  // Both took part; none sent twice.
  expect(byA.length).toBeGreaterThan(0);
  expect(byB.length).toBeGreaterThan(0);
  expect(new Set([...byA, ...byB]).size).toBe(N);
  const ids = rx.received.map((r) => String(r.headers["webhook-id"]));
  expect(ids).toHaveLength(N);
  expect(new Set(ids).size).toBe(N);
  const ns = rx.received.map((r) => JSON.parse(r.body).data.n as number).sort((x, y) => x - y);
  expect(ns).toEqual([...Array(N).keys()]);
}, 120_000);

it("a sender killed with SIGKILL mid-delivery: the claim lapses, another node sends it, nothing lost", async () => {
  const [a] = nodes as [Keyward];
  rx.received.length = 0;
  rx.answer = () => "hang"; // the child's request stays on the wire
  await a.store.transaction((s) => emit(s, agencyId, "key.rate_limited", { n: "crash" }, clock.now()));

  const child = spawn(process.execPath, ["--import", "tsx", "test/webhooks/sender-child.ts"], {
    cwd: ROOT,
    env: { ...process.env, KEYWARD_DATABASE_URL: pg.url, KEYWARD_SECRET: SECRET },
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<string | null>((r) => child.on("exit", (_code, signal) => r(signal)));
  await rx.waitFor(1, 60_000);
  // Mid-delivery: the child holds the claim; another node must not send it meanwhile.
  expect((await a.webhookSender.deliverDue(clock.now())).succeeded).toHaveLength(0);
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  expect(out).not.toContain('"succeeded"');
  const row = await a.store.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("endpoint_id", "=", endpointId)
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: "sending", attempts: 1 });

  // Before the lease ends: still nobody. After: node A sends it again.
  rx.answer = () => ({ status: 200, body: "ok" });
  clock.set(Date.now() + 30_000);
  expect((await a.webhookSender.deliverDue()).succeeded).toHaveLength(0);
  clock.set(Date.now() + 61_000);
  const r = await a.webhookSender.deliverDue();
  expect(r.succeeded).toEqual([row.id]);
  expect(rx.received).toHaveLength(2);
  expect(rx.received[1]!.headers["webhook-id"]).toBe(rx.received[0]!.headers["webhook-id"]);
  expect(rx.received[1]!.body).toBe(rx.received[0]!.body);
  const done = await a.store.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("id", "=", row.id)
    .executeTakeFirstOrThrow();
  expect(done).toMatchObject({ status: "succeeded", attempts: 2, response_status: 200 });
}, 120_000);
