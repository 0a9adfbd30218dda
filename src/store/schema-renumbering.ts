/**
 * The schema migrations were once numbered with gaps (001, 002, 005, 006, 007); they are now
 * numbered 001 … without gaps. A database migrated before has the old names recorded in Kysely's
 * migration table, and Kysely refuses a recorded name it no longer knows: so, before the Migrator
 * runs, recorded old names are renamed to their new ones. Idempotent (an old name is renamed once,
 * then no longer found), and done under the migration lock the Migrator takes, so that nodes starting
 * together on one PostgreSQL database rename and migrate one after the other.
 */
import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "./dialect.js";
import type { Database } from "./schema.js";

/** Recorded old name → current name. Never remove an entry: an old database may still hold it. */
export const RENUMBERED_SCHEMA_MIGRATIONS: Readonly<Record<string, string>> = {
  "005_legacy_migrations": "003_legacy_migrations",
  "006_user_email_per_agency": "004_user_email_per_agency",
  "007_attempts": "005_attempts",
  // Landed on a branch under its gapped number; recorded by any database that ran that build.
  "008_change_log": "006_change_log",
};

export async function renumberRecordedSchemaMigrations(
  db: Kysely<Database>,
  dialect: DialectInfo,
  tables: { migrationTableName: string; migrationLockTableName: string },
): Promise<void> {
  const adapter = db.getExecutor().adapter;
  const lock = { lockTable: tables.migrationLockTableName, lockRowId: "migration_lock" };
  // One connection holds the lock (a session-level advisory lock on PostgreSQL; SQLite has one
  // connection and its write lock) and does the renaming.
  await db.connection().execute(async (conn) => {
    if (!(await tableExists(conn, dialect, tables.migrationTableName))) return; // a new database
    await adapter.acquireMigrationLock(conn, lock);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: Kysely's own bookkeeping table, not in Database
      const raw = conn as Kysely<any>;
      const table = tables.migrationTableName;
      const olds = Object.keys(RENUMBERED_SCHEMA_MIGRATIONS);
      // Read first: a database already renumbered (every start after the first) writes nothing.
      const found = await raw.selectFrom(table).select("name").where("name", "in", olds).execute();
      if (found.length === 0) return;
      await raw.transaction().execute(async (tx) => {
        for (const { name } of found)
          await tx
            .updateTable(table)
            .set({ name: RENUMBERED_SCHEMA_MIGRATIONS[name] })
            .where("name", "=", name)
            .execute();
      });
    } finally {
      await adapter.releaseMigrationLock(conn, lock);
    }
  });
}

/** Whether the table is there: on PostgreSQL, in the schema the connection's search path names. */
async function tableExists(db: Kysely<Database>, dialect: DialectInfo, name: string): Promise<boolean> {
  const found =
    dialect.name === "postgres"
      ? sql<{ t: string }>`select to_regclass(${name}) as t`
      : sql<{ t: string }>`select name as t from sqlite_master where type = 'table' and name = ${name}`;
  const { rows } = await found.execute(db);
  return rows.some((r) => r.t !== null);
}
