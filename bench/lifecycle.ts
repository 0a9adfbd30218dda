/**
 * Lifecycle benchmarks (issue 3):
 * - `simulate` of one year with 1,000 agencies, 100,000 keys and 1,000,000 uses (target < 60 s);
 * - one scheduler tick acting on 100,000 due keys among 1,000,000 on SQLite (target < 30 s), and the
 *   same 100,000 due keys among 10,000,000 (set KEYWARD_BENCH_10M=1; seeding takes minutes) to show
 *   that the cost follows the due keys, not all keys. Without it, 100,000 among 100,000 is the baseline.
 *
 * Runs under `npm run bench -- lifecycle` (when registered in bench/index.ts) or alone:
 * `node bin/run-ts.js bench/lifecycle.ts` (KEYWARD_BENCH_ONLY=simulate or =sweep to run one part).
 */
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { createKeyward } from "../src/app/keyward.js";
import { simulate } from "../src/cli/simulate.js";
import { loadConfig } from "../src/config.js";
import { DAY, ManualClock } from "../src/core/clock.js";
import { createLogger } from "../src/logger.js";
import { parseScenario } from "../src/scheduler/simulate.js";
import { log, type Result, tempDir } from "./lib.js";

const SUITE = "lifecycle";

/** A small deterministic PRNG, so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function simulateYear(agencies = 1000, keys = 100_000, uses = 1_000_000): Promise<Result[]> {
  const rand = rng(42);
  const start = Date.parse("2026-01-01T00:00:00Z");
  const end = Date.parse("2027-01-01T00:00:00Z");
  const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const scenario = {
    start: iso(start),
    end: iso(end),
    agencies: Array.from({ length: agencies }, (_, a) => ({
      id: `ag${a}`,
      admins: [`owner@ag${a}.test`],
      locations: [0, 1].map((l) => ({ id: `ag${a}-l${l}`, admins: [`boss${l}@ag${a}.test`] })),
    })),
    keys: [] as { id: string; owner: string; createdAt: string; uses: string[] }[],
  };
  const owners = (a: number) => [`ag${a}`, `ag${a}-l0`, `ag${a}-l1`];
  for (let k = 0; k < keys; k++) {
    const a = k % agencies;
    // Created over the 18 months before the end; a third of them never used.
    const createdAt = start - 180 * DAY + Math.floor(rand() * 540 * DAY);
    scenario.keys.push({ id: `k${k}`, owner: owners(a)[k % 3]!, createdAt: iso(createdAt), uses: [] });
  }
  const active = scenario.keys.filter((_, i) => i % 3 !== 0);
  for (let u = 0; u < uses; u++) {
    const k = active[Math.floor(rand() * active.length)]!;
    const from = Math.max(start, Date.parse(k.createdAt));
    k.uses.push(iso(from + Math.floor(rand() * (end - from))));
  }
  const t0 = performance.now();
  const sc = parseScenario(scenario);
  const parsed = performance.now();
  const r = await simulate(sc);
  const t1 = performance.now();
  const types = new Map<string, number>();
  for (const e of r.events) types.set(e.type, (types.get(e.type) ?? 0) + 1);
  log(
    SUITE,
    `simulate: ${r.stats.instants} instants, ${r.stats.ticks} ticks, ${r.stats.uses} successful uses, events ${JSON.stringify(Object.fromEntries(types))}`,
  );
  return [
    {
      suite: SUITE,
      name: `simulate 1 year, ${agencies} agencies, ${keys} keys, ${uses} uses`,
      value: (t1 - t0) / 1000,
      unit: "s",
      target: { op: "<", limit: 60 },
      note: `parse ${((parsed - t0) / 1000).toFixed(1)} s; ${r.events.length} events`,
    },
  ];
}

/**
 * Seeds `total` active keys over 1,000 agencies, of which `due` have had their first warning and
 * reach their action at the sweep instant, then times one tick at that instant.
 */
export async function sweep(total: number, due: number): Promise<Result> {
  const tmp = tempDir("keyward-bench-sweep");
  const SWEEP = Date.parse("2026-04-01T00:00:00Z");
  const clock = new ManualClock(SWEEP);
  try {
    const config = loadConfig({
      KEYWARD_DATA_DIR: tmp.dir,
      KEYWARD_LOG_LEVEL: "silent",
      KEYWARD_SCHEDULER: "false",
    });
    // Create the schema, then seed through a raw connection in big transactions.
    const first = await createKeyward({ config, clock, logger: createLogger("silent") });
    await first.close();
    const seedStarted = performance.now();
    const raw = new SQLite(join(tmp.dir, "keyward.sqlite"));
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = OFF");
    const agencies = 1000;
    const insAgency = raw.prepare(
      "insert into agencies (id, name, plan, enhanced_security, created_at, updated_at) values (?, ?, 'agency_pro', 1, 0, 0)",
    );
    const insUser = raw.prepare(
      "insert into users (id, agency_id, email, name, type, role, is_owner, created_at, updated_at) values (?, ?, ?, 'Owner', 'agency', 'admin', 1, 0, 0)",
    );
    raw.transaction(() => {
      for (let a = 0; a < agencies; a++) {
        insAgency.run(`ag${a}`, `Agency ${a}`);
        insUser.run(`u${a}`, `ag${a}`, `owner@ag${a}.test`);
      }
    })();
    const created = Date.parse("2025-12-01T00:00:00Z"); // due 1 March: acted on at 1 April
    const recent = Date.parse("2026-03-20T00:00:00Z"); // used lately: nothing to do
    const warnedAt = SWEEP - 15 * DAY;
    const insKey = raw.prepare(
      `insert into api_keys (id, agency_id, location_id, kind, name, description, scopes_json, status, imported, created_at, updated_at, activity_at, warned_at)
       values (?, ?, null, 'private_integration', ?, '', '[]', 'active', 0, ?, ?, ?, ?)`,
    );
    const insEvent = raw.prepare(
      "insert into lifecycle_events (key_id, cycle_at, kind, lead_days, issued_at, action_at, skipped, ref_id) values (?, ?, ?, ?, ?, ?, 0, null)",
    );
    const insWatch = raw.prepare(
      "insert into lifecycle_watch (key_id, agency_id, account_id, cycle_at, first_warning_at, action_at, next_at) values (?, ?, ?, ?, ?, ?, ?)",
    );
    const BATCH = 100_000;
    for (let i = 0; i < total; i += BATCH) {
      raw.transaction(() => {
        for (let k = i; k < Math.min(total, i + BATCH); k++) {
          const id = `key${k.toString().padStart(8, "0")}`;
          const ag = `ag${k % agencies}`;
          if (k % Math.floor(total / due) === 0 && k / Math.floor(total / due) < due) {
            insKey.run(id, ag, id, created, created, created, warnedAt);
            insEvent.run(id, created, "warning", 15, warnedAt, SWEEP);
            insEvent.run(id, created, "email", 15, warnedAt, SWEEP);
            insEvent.run(id, created, "warning", 7, SWEEP - 7 * DAY, SWEEP);
            insEvent.run(id, created, "warning", 1, SWEEP - DAY, SWEEP);
            insWatch.run(id, ag, ag, created, warnedAt, SWEEP, SWEEP);
          } else insKey.run(id, ag, id, recent, recent, recent, null);
        }
      })();
    }
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    log(
      SUITE,
      `seeded ${total} keys (${due} due) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
    );

    const kw = await createKeyward({
      config,
      clock,
      logger: createLogger("silent"),
      lifecycle: { background: false },
    });
    try {
      const t0 = performance.now();
      const r = await kw.scheduler.tick(SWEEP);
      const t1 = performance.now();
      if (r.actions.length !== due) throw new Error(`expected ${due} actions, got ${r.actions.length}`);
      const again = performance.now();
      const r2 = await kw.scheduler.tick(SWEEP + 60_000);
      const t2 = performance.now();
      return {
        suite: SUITE,
        name: `sweep: ${due} due keys among ${total} (SQLite)`,
        value: (t1 - t0) / 1000,
        unit: "s",
        ...(total <= 1_000_000 ? { target: { op: "<" as const, limit: 30 } } : {}),
        note: `${r.candidates} candidates; next tick (nothing due) ${((t2 - again) / 1000).toFixed(3)} s, ${r2.candidates} candidates`,
      };
    } finally {
      await kw.close();
    }
  } finally {
    tmp.remove();
  }
}

export async function run(): Promise<Result[]> {
  const out: Result[] = [];
  // KEYWARD_BENCH_ONLY=simulate or =sweep runs one part alone (when profiling it).
  const only = process.env.KEYWARD_BENCH_ONLY;
  if (only === undefined || only === "simulate") out.push(...(await simulateYear()));
  if (only === "simulate") return out;
  out.push(await sweep(100_000, 100_000));
  out.push(await sweep(1_000_000, 100_000));
  if (process.env.KEYWARD_BENCH_10M === "1") out.push(await sweep(10_000_000, 100_000));
  else log(SUITE, "10,000,000 keys skipped (KEYWARD_BENCH_10M=1 to run it; seeding takes several minutes)");
  return out;
}

if (
  import.meta.url === `file://${process.argv[1] ? (await import("node:path")).resolve(process.argv[1]) : ""}`
) {
  for (const r of await run())
    process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? `  (${r.note})` : ""}\n`);
}
