/**
 * Several processes on one SQLite file (issue 10 items 1 and 6), measured:
 *  - what the change-log poll costs per tick when no other process committed, and when one did;
 *  - how long the event loop stalls while another process holds the write lock and this one wants
 *    to write: a synchronous busy_timeout of 5 s (before) against a short one with asynchronous
 *    retries (`Store.transaction`, now).
 * Run: node bin/run-ts.js bench/sqlite-processes.ts
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { systemClock } from "../src/core/clock.js";
import { createLogger } from "../src/logger.js";
import { openSqlite } from "../src/store/dialect.js";
import { migrateSchema } from "../src/store/migrate-schema.js";
import { SqliteBus } from "../src/store/sqlite-bus.js";
import { Store } from "../src/store/store.js";

const ROOT = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "keyward-bench-sqlite-"));
const file = join(dir, "keyward.sqlite");

const opened = openSqlite(file);
await migrateSchema(opened.db, opened.dialect);
const store = new Store(opened.db, opened.dialect);
const now = systemClock.now();
await store.insertAgency({
  id: "agy_bench",
  name: "Bench",
  plan: "agency_pro",
  enhancedSecurity: true,
  legacyCreation: null,
  policyOverride: null,
  createdAt: now,
  updatedAt: now,
});
const bus = await SqliteBus.open({ db: opened.db, logger: createLogger("silent"), pollMs: 3_600_000 });
let applied = 0;
bus.subscribe(() => applied++);

// 1. A tick with nothing new: `pragma data_version` through Kysely.
const idleTicks = 5_000;
for (let i = 0; i < 1_000; i++) await bus.poll(); // warm up
let t = performance.now();
for (let i = 0; i < idleTicks; i++) await bus.poll();
const idleUs = ((performance.now() - t) / idleTicks) * 1000;

// 2. A tick after another connection committed one change (a plan change: one change-log row).
const other = new SQLite(file);
const busyTicks = 500;
let busyTotal = 0;
for (let i = 0; i < busyTicks; i++) {
  other.prepare("update agencies set plan = ? where id = 'agy_bench'").run(i % 2 ? "starter" : "agency_pro");
  t = performance.now();
  await bus.poll();
  busyTotal += performance.now() - t;
}
const busyUs = (busyTotal / busyTicks) * 1000;
other.close();

// 3. Another process holds the write lock for HOLD_MS; this one wants to write meanwhile.
const HOLD_MS = 2_000;
async function stallWhileLocked(write: () => Promise<unknown>): Promise<{ maxMs: number; writeMs: number }> {
  const holder = spawn(
    process.execPath,
    [
      "-e",
      `const db = new (require("better-sqlite3"))(process.argv[1]); db.exec("begin immediate");
       console.log("locked"); setTimeout(() => { db.exec("commit"); db.close(); }, Number(process.argv[2]));`,
      file,
      String(HOLD_MS),
    ],
    { cwd: ROOT },
  );
  const exited = new Promise((r) => holder.on("exit", r));
  await new Promise<void>((r) => holder.stdout.once("data", () => r()));
  // A ticker every 5 ms: the longest gap between its ticks is the longest stall.
  let last = performance.now();
  let maxGap = 0;
  const ticker = setInterval(() => {
    const t = performance.now();
    maxGap = Math.max(maxGap, t - last);
    last = t;
  }, 5);
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  await write().catch(() => {});
  const writeMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 50));
  clearInterval(ticker);
  await exited;
  return { maxMs: maxGap, writeMs };
}

const legacy = new SQLite(file);
legacy.pragma("busy_timeout = 5000");
const before = await stallWhileLocked(async () => {
  legacy.exec("begin immediate");
  legacy.prepare("update agencies set name = 'x' where id = 'agy_bench'").run();
  legacy.exec("commit");
});
legacy.close();
const idle = await stallWhileLocked(() => new Promise((r) => setTimeout(r, HOLD_MS)));
const after = await stallWhileLocked(() =>
  store.transaction((s) =>
    s.db.updateTable("agencies").set({ name: "y" }).where("id", "=", "agy_bench").execute(),
  ),
);

await bus.close();
await opened.close();
rmSync(dir, { recursive: true, force: true });

const f = (n: number) => n.toFixed(1);
console.log(`change-log poll, nothing new:         ${f(idleUs)} µs per tick (${idleTicks} ticks)`);
console.log(
  `change-log poll, one change to apply: ${f(busyUs)} µs per tick (${applied} invalidations applied)`,
);
console.log(
  `write lock held ${HOLD_MS} ms by another process, one write waiting for it:\n` +
    `  no write at all (the machine's own jitter): event loop stalled ${f(idle.maxMs)} ms\n` +
    `  before (busy_timeout 5000, synchronous): event loop stalled ${f(before.maxMs)} ms, write done after ${f(before.writeMs)} ms\n` +
    `  now (busy_timeout 10 + async retries):   event loop stalled ${f(after.maxMs)} ms, write done after ${f(after.writeMs)} ms`,
);
