/** Migrations in code, forward-only, run by Kysely's Migrator in name order. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { type DialectInfo, SQLITE_BUSY_TIMEOUT_MS, SQLITE_MIGRATION_BUSY_TIMEOUT_MS } from "./dialect.js";
import * as m001 from "./migrations/001_core.js";
import * as m002 from "./migrations/002_lifecycle.js";
import * as m005 from "./migrations/005_legacy_migrations.js";
import * as m006 from "./migrations/006_user_email_per_agency.js";
import * as m007 from "./migrations/007_attempts.js";
import * as m008 from "./migrations/008_change_log.js";
import type { Database } from "./schema.js";

// biome-ignore lint/suspicious/noExplicitAny: each migration sees the schema of its own day
type Step = { up(db: Kysely<any>, d: DialectInfo): Promise<void> };

/** Add new migrations here, named `NNN_what`, never edit one that has shipped. */
const MIGRATIONS: Record<string, Step> = {
  "001_core": m001,
  "002_lifecycle": m002,
  "005_legacy_migrations": m005,
  "006_user_email_per_agency": m006,
  "007_attempts": m007,
  "008_change_log": m008,
};

export async function migrateToLatest(db: Kysely<Database>, dialect: DialectInfo): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(MIGRATIONS)) out[name] = { up: (tx) => step.up(tx, dialect) };
      return out;
    },
  };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "keyward_migrations",
    migrationLockTableName: "keyward_migrations_lock",
  });
  // SQLite migrates without transactions (statement by statement): before serving, a statement may
  // wait for another process's write lock as long as it takes, rather than fail the start.
  const sqlite = dialect.name === "sqlite";
  if (sqlite) await sql.raw(`pragma busy_timeout = ${SQLITE_MIGRATION_BUSY_TIMEOUT_MS}`).execute(db);
  const { error, results } = await migrator.migrateToLatest().finally(async () => {
    if (sqlite) await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(db);
  });
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
