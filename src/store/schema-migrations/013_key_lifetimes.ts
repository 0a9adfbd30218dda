import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Lifetimes chosen at creation, issue 13 §3:
 * - `api_keys.expires_at`: the instant the key's lifetime ends (ms; null: no lifetime).
 * - `api_keys.lifetime_warned_at`: when the last lifetime-ending warning was issued (null: none
 *   since the lifetime was last set).
 * - `agencies.max_key_lifetime_days`: the longest lifetime a new key may have (null: no maximum).
 * On SQLite a change of `expires_at` is logged in `change_log` (006) so other processes on the same
 * file drop the cached key at once.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("expires_at", "bigint").execute();
  await db.schema.alterTable("api_keys").addColumn("lifetime_warned_at", "bigint").execute();
  await db.schema.alterTable("agencies").addColumn("max_key_lifetime_days", "integer").execute();
  // The scheduler's lifetime warnings look for keys whose lifetime ends within 7 days.
  await db.schema.createIndex("api_keys_expires_at").on("api_keys").column("expires_at").execute();
  if (d.name !== "sqlite") return;
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  await sql
    .raw(
      `create trigger change_log_key_lifetime_update after update on api_keys when old.expires_at is not new.expires_at begin insert into change_log (kind, ref, at) values ('key', new.id, ${nowMs}); end`,
    )
    .execute(db);
}
