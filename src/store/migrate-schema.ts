/**
 * Schema migrations in code, forward-only, run by Kysely's Migrator in name order. ("Migration"
 * alone, elsewhere in Keyward, means moving a legacy v1 key to a v2 token: see service/legacy.ts.)
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { type DialectInfo, SQLITE_BUSY_TIMEOUT_MS, SQLITE_MIGRATION_BUSY_TIMEOUT_MS } from "./dialect.js";
import type { Database } from "./schema.js";
import * as m001 from "./schema-migrations/001_core.js";
import * as m002 from "./schema-migrations/002_lifecycle.js";
import * as m003 from "./schema-migrations/003_legacy_migrations.js";
import * as m004 from "./schema-migrations/004_user_email_per_agency.js";
import * as m005 from "./schema-migrations/005_attempts.js";
import * as m006 from "./schema-migrations/006_change_log.js";
import * as m007 from "./schema-migrations/007_leaks_and_keep.js";
import * as m008 from "./schema-migrations/008_invitations_and_profile.js";
import * as m009 from "./schema-migrations/009_service_keys_and_external_ids.js";
import * as m010 from "./schema-migrations/010_webhooks.js";
import * as m011 from "./schema-migrations/011_rate_limits_and_usage_codes.js";
import * as m012 from "./schema-migrations/012_key_reach_and_ip_allowlists.js";
import * as m013 from "./schema-migrations/013_key_lifetimes.js";
import * as m014 from "./schema-migrations/014_oauth_apps.js";
import * as m015 from "./schema-migrations/015_oauth_purge_and_installs.js";
import * as m016 from "./schema-migrations/016_refresh_sealed_pairs.js";
import { renumberRecordedSchemaMigrations } from "./schema-renumbering.js";

// biome-ignore lint/suspicious/noExplicitAny: each migration sees the schema of its own day
type Step = { up(db: Kysely<any>, d: DialectInfo): Promise<void> };

/**
 * Add new schema migrations here, named `NNN_what` with the next number (no gaps: a test checks),
 * in src/store/schema-migrations/; never edit one that has shipped.
 */
export const SCHEMA_MIGRATIONS: Record<string, Step> = {
  "001_core": m001,
  "002_lifecycle": m002,
  "003_legacy_migrations": m003,
  "004_user_email_per_agency": m004,
  "005_attempts": m005,
  "006_change_log": m006,
  "007_leaks_and_keep": m007,
  "008_invitations_and_profile": m008,
  "009_service_keys_and_external_ids": m009,
  "010_webhooks": m010,
  "011_rate_limits_and_usage_codes": m011,
  "012_key_reach_and_ip_allowlists": m012,
  "013_key_lifetimes": m013,
  "014_oauth_apps": m014,
  "015_oauth_purge_and_installs": m015,
  "016_refresh_sealed_pairs": m016,
};

/** Where Kysely records the schema migrations applied (names kept from the first release). */
const TABLES = {
  migrationTableName: "keyward_migrations",
  migrationLockTableName: "keyward_migrations_lock",
};

/** Applies the pending schema migrations; answers the names applied (none when up to date). */
export async function migrateSchema(db: Kysely<Database>, dialect: DialectInfo): Promise<string[]> {
  // SQLite migrates without transactions (statement by statement): before serving, a statement may
  // wait for another process's write lock as long as it takes, rather than fail the start.
  const sqlite = dialect.name === "sqlite";
  if (sqlite) await sql.raw(`pragma busy_timeout = ${SQLITE_MIGRATION_BUSY_TIMEOUT_MS}`).execute(db);
  try {
    return await migrate(db, dialect);
  } finally {
    if (sqlite) await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(db);
  }
}

async function migrate(db: Kysely<Database>, dialect: DialectInfo): Promise<string[]> {
  await renumberRecordedSchemaMigrations(db, dialect, TABLES);
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(SCHEMA_MIGRATIONS))
        out[name] = { up: (tx) => step.up(tx, dialect) };
      return out;
    },
  };
  const migrator = new Migrator({
    db,
    provider,
    ...TABLES,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
