/**
 * The one place that knows SQLite from PostgreSQL. Everything else in `store/` writes portable
 * Kysely and asks this module for the few things that differ.
 */
import { join } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type RawBuilder,
  SqliteDialect,
  SqliteDriver,
  sql,
} from "kysely";
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

/** The embedded database's file in a data folder. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, "keyward.sqlite");
}

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
    // So can a client's that is checked out between two queries (a transaction doing other work): its
    // next query fails and says so; the error event itself must not crash the process.
    pool.on("connect", (client) => client.on("error", (err) => opts.onIdleError?.(err)));
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
  return openSqlite(sqliteFile(opts.dataDir));
}

/**
 * How long one SQLite statement may wait for a lock held by another process. better-sqlite3 is
 * synchronous: SQLite's busy handler sleeps on the event loop's thread, so this is also the longest
 * the whole server can stall on one attempt (issue 10 item 6). Longer waits for the write lock are
 * asynchronous retries of `begin immediate` (`Store.transaction`).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10;

/** How long a transaction keeps retrying for the write lock before the request answers 503. */
export const SQLITE_WRITE_WAIT_MS = 5_000;

/** While migrating nothing is served yet: statements may wait for another process's lock as before. */
export const SQLITE_MIGRATION_BUSY_TIMEOUT_MS = 5_000;

/**
 * `begin immediate` found another process holding the write lock. Nothing of the transaction has run
 * yet, so the caller may retry it as a whole (after giving the event loop back).
 */
export class WriteLockBusy extends Error {
  constructor(cause: unknown) {
    super("another process holds the SQLite write lock", { cause });
  }
}

/**
 * Transactions take the write lock when they begin (`begin immediate`), not at their first write: a
 * transaction that cannot get it fails before running anything (safe to retry whole), and one that
 * has it never meets SQLITE_BUSY (or SQLITE_BUSY_SNAPSHOT, which no waiting can cure) midway.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    } catch (err) {
      if (String((err as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY"))
        throw new WriteLockBusy(err);
      throw err;
    }
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

export function openSqlite(file: string): OpenedDatabase {
  preparePrivateDatabase(file);
  const sqlite = new SQLite(file);
  sqlite.pragma(`busy_timeout = ${SQLITE_MIGRATION_BUSY_TIMEOUT_MS}`);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite) });
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
