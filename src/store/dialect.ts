/**
 * The one place that knows SQLite from PostgreSQL. Everything else in `store/` writes portable
 * Kysely and asks this module for the few things that differ.
 */
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type RawBuilder, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { ensurePrivateDir, preparePrivateDatabase } from "../files.js";
import type { Database } from "./schema.js";

export type DialectName = "sqlite" | "postgres";

export interface DialectInfo {
  name: DialectName;
  /** Column type for an auto-incrementing integer primary key. */
  serialType: "integer" | "bigserial";
  /**
   * Whether `select … for update` locks rows. PostgreSQL: yes, and read-modify-write transactions
   * need it. SQLite: no such clause; its writers are serialized (one connection per process, and
   * SQLite's own write lock between processes).
   */
  rowLocks: boolean;
  /** SQL for the larger of two values (`max` on SQLite, `greatest` on PostgreSQL). */
  greatest(a: RawBuilder<unknown> | string, b: RawBuilder<unknown> | string): RawBuilder<number>;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectInfo;
  /** The PostgreSQL pool, for LISTEN/NOTIFY; absent on SQLite. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

const ref = (x: RawBuilder<unknown> | string) => (typeof x === "string" ? sql.ref(x) : x);

// PostgreSQL returns int8 as strings to keep precision; our int8 columns are milliseconds and
// counters, far below 2^53, so numbers are correct and keep rows identical across dialects.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  onIdleError?: (err: Error) => void;
}): OpenedDatabase {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle client's connection can drop (a database restart, a failover): the pool discards it and
    // the next query opens a new one. Without a listener the error would crash the process.
    pool.on("error", (err) => opts.onIdleError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      pool,
      dialect: {
        name: "postgres",
        serialType: "bigserial",
        rowLocks: true,
        greatest: (a, b) => sql<number>`greatest(${ref(a)}, ${ref(b)})`,
      },
      close: () => db.destroy(),
    };
  }
  ensurePrivateDir(opts.dataDir);
  const file = join(opts.dataDir, "keyward.sqlite");
  return openSqlite(file);
}

export function openSqlite(file: string): OpenedDatabase {
  preparePrivateDatabase(file);
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: {
      name: "sqlite",
      serialType: "integer",
      rowLocks: false,
      greatest: (a, b) => sql<number>`max(${ref(a)}, ${ref(b)})`,
    },
    close: () => db.destroy(),
  };
}
