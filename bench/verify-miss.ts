/**
 * A cache-miss verification with 1,000,000 keys stored in SQLite: median under 1 ms.
 *
 * Seeds agencies, locations, keys and their tokens straight into the tables (one transaction,
 * prepared statements on a second connection to the same file), then verifies tokens that were
 * never verified before through `Verifier.verify` of a Keyward built as `keyward serve` builds it:
 * each one is a cache miss and reads the database. The same tokens verified again are cache hits.
 *
 * Environment: BENCH_KEYS (default 1,000,000), BENCH_SAMPLES (default 20,000).
 */
import { join } from "node:path";
import SQLite from "better-sqlite3";
import type { Insertable } from "kysely";
import { createKeyward, type Keyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import { newId } from "../src/core/ids.js";
import { displayPrefix, generateToken, hashToken, last4, maskToken } from "../src/core/token.js";
import { createLogger } from "../src/logger.js";
import type { AgencyTable, ApiKeyTable, KeyTokenTable, LocationTable } from "../src/store/schema.js";
import { fmt, log, median, quantile, type Result, tempDir } from "./lib.js";

const SUITE = "miss";
const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const SAMPLES = Math.min(KEYS, Number(process.env.BENCH_SAMPLES ?? 20_000));
const AGENCIES = Math.max(1, Math.round(KEYS / 1000));
const LOCATIONS_PER_AGENCY = 10;
const WARMUP = Math.min(2_000, Math.floor(SAMPLES / 10));

/** An INSERT for every column of the row type, as a prepared statement with named parameters. */
function inserter<Row extends object>(db: SQLite.Database, table: string, example: Row) {
  const cols = Object.keys(example);
  const stmt = db.prepare(
    `insert into ${table} (${cols.join(", ")}) values (${cols.map((c) => `@${c}`).join(", ")})`,
  );
  return (row: Row) => stmt.run(row);
}

/** Seeds the tables and returns the tokens of every (KEYS / SAMPLES)th key. */
function seed(file: string, prefix: string, now: number): string[] {
  const db = new SQLite(file);
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  const agency = (i: number): Insertable<AgencyTable> => ({
    id: `agy_bench${i}`,
    name: `Agency ${i}`,
    plan: "agency_pro",
    enhanced_security: 0,
    legacy_creation: null,
    policy_json: null,
    created_at: now,
    updated_at: now,
  });
  const location = (a: number, l: number): Insertable<LocationTable> => ({
    id: `loc_bench${a}_${l}`,
    agency_id: `agy_bench${a}`,
    name: `Location ${l}`,
    email: null,
    phone: null,
    timezone: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  });
  const key = (id: string, a: number, loc: string | null): Insertable<ApiKeyTable> => ({
    id,
    agency_id: `agy_bench${a}`,
    location_id: loc,
    kind: "private_integration",
    name: "Zapier sync",
    description: "",
    scopes_json: '["contacts.readonly","locations.readonly"]',
    status: "active",
    imported: 0,
    created_at: now,
    created_by: null,
    updated_at: now,
    activity_at: now,
    last_used_at: null,
    last_used_ip: null,
    last_used_ua: null,
    revoked_at: null,
    expired_at: null,
    deleted_at: null,
    inactive_days: null,
    warned_at: null,
    secret_enc: null,
  });
  const tokenRow = (keyId: string, token: string): Insertable<KeyTokenTable> => ({
    hash: hashToken(token),
    key_id: keyId,
    display: maskToken(displayPrefix(prefix, "private_integration"), last4(token)),
    created_at: now,
    valid_until: null,
    retired_reason: null,
    last_used_at: null,
  });
  const putAgency = inserter(db, "agencies", agency(0));
  const putLocation = inserter(db, "locations", location(0, 0));
  const putKey = inserter(db, "api_keys", key("", 0, null));
  const putToken = inserter(db, "key_tokens", tokenRow("", generateToken(prefix, "private_integration")));
  const every = Math.max(1, Math.floor(KEYS / SAMPLES));
  const samples: string[] = [];
  const BATCH = 50_000;
  db.transaction(() => {
    for (let a = 0; a < AGENCIES; a++) {
      putAgency(agency(a));
      for (let l = 0; l < LOCATIONS_PER_AGENCY; l++) putLocation(location(a, l));
    }
  })();
  for (let from = 0; from < KEYS; from += BATCH) {
    db.transaction(() => {
      for (let i = from; i < Math.min(KEYS, from + BATCH); i++) {
        const a = i % AGENCIES;
        // One key in ten belongs to the agency itself, the others to one of its locations.
        const loc = i % 10 === 0 ? null : `loc_bench${a}_${i % LOCATIONS_PER_AGENCY}`;
        const id = newId("key");
        const token = generateToken(prefix, "private_integration");
        putKey(key(id, a, loc));
        putToken(tokenRow(id, token));
        if (i % every === 0 && samples.length < SAMPLES) samples.push(token);
      }
    })();
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return samples;
}

/** Verifies each token once, timing every call (ms). */
async function timeEach(kw: Keyward, tokens: readonly string[], expect: string): Promise<number[]> {
  const times: number[] = [];
  for (const t of tokens) {
    const t0 = performance.now();
    const r = await kw.verifier.verify(t);
    times.push(performance.now() - t0);
    if (r.code !== expect) throw new Error(`expected ${expect}, got ${r.code}`);
  }
  return times;
}

export async function run(): Promise<Result[]> {
  const tmp = tempDir("miss");
  const config = loadConfig({ KEYWARD_DATA_DIR: tmp.dir, KEYWARD_LOG_LEVEL: "silent" });
  const kw = await createKeyward({ config, logger: createLogger("silent") });
  try {
    const t0 = performance.now();
    log(
      SUITE,
      `seeding ${fmt(KEYS)} keys (${fmt(AGENCIES)} agencies, ${fmt(AGENCIES * LOCATIONS_PER_AGENCY)} locations)`,
    );
    const tokens = seed(join(tmp.dir, "keyward.sqlite"), config.tokenPrefix, kw.clock.now());
    const counted = await kw.store.db
      .selectFrom("key_tokens")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    log(
      SUITE,
      `seeded ${fmt(Number(counted.n))} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const warm = tokens.slice(0, WARMUP);
    const measured = tokens.slice(WARMUP);
    await timeEach(kw, warm, "valid");
    const misses = await timeEach(kw, measured, "valid");
    const cachedBefore = kw.cache.size;
    const hits = await timeEach(kw, measured, "valid");
    if (kw.cache.size !== cachedBefore) throw new Error("the second pass was not served from the cache");
    const unknown = Array.from({ length: 5_000 }, () =>
      generateToken(config.tokenPrefix, "private_integration"),
    );
    const notFound = await timeEach(kw, unknown, "not_found");

    const s = (v: number[]) => [...v].sort((a, b) => a - b);
    const [m, h, n] = [s(misses), s(hits), s(notFound)];
    const us = (ms: number) => `${fmt(ms * 1000)} µs`;
    log(
      SUITE,
      `miss: median ${us(median(m))}, p99 ${us(quantile(m, 0.99))}; hit: median ${us(median(h))}, p99 ${us(quantile(h, 0.99))} (${fmt(m.length)} tokens)`,
    );
    return [
      {
        suite: SUITE,
        name: `cache miss median (${fmt(KEYS)} keys)`,
        value: median(m),
        unit: "ms",
        target: { op: "<", limit: 1 },
        note: `${fmt(m.length)} tokens never verified before, SQLite, ${fmt(Number(counted.n))} tokens stored`,
      },
      { suite: SUITE, name: "cache miss p99", value: quantile(m, 0.99), unit: "ms" },
      {
        suite: SUITE,
        name: "unknown token median",
        value: median(n),
        unit: "ms",
        note: "not_found: a read that finds nothing",
      },
      {
        suite: SUITE,
        name: "cache hit median",
        value: median(h),
        unit: "ms",
        note: `p99 ${us(quantile(h, 0.99))}`,
      },
      { suite: SUITE, name: "miss / hit (medians)", value: median(m) / median(h), unit: "ratio" },
    ];
  } finally {
    await kw.close();
    tmp.remove();
  }
}
