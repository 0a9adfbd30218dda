import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Rate limits and usage by code (issue 13 §1 and §5):
 * - `rate_limit_policies`: the limits set on a key, a location or an agency (shared by the keys below
 *   it), and an agency's default for each of its keys (`agency_keys`), as JSON lists;
 * - `rate_limit_counts`: the counts of each limit's windows shared by the nodes of one database
 *   (`local` limits reconcile into it at a fixed interval, `strict` ones decide in it);
 * - `usage_codes`: verifications per key per UTC day per code, kept 90 days.
 * On SQLite a change of limits reaches the other processes on the file through the change log
 * (see 006_change_log), as the other cached facts do.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  await db.schema
    .createTable("rate_limit_policies")
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("limits_json", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("rate_limit_policies_pk", ["scope", "owner_id"])
    .execute();
  await db.schema
    .createTable("rate_limit_counts")
    .addColumn("bucket", "text", (c) => c.notNull())
    .addColumn("window_ms", "bigint", (c) => c.notNull())
    .addColumn("window_start", "bigint", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("rate_limit_counts_pk", ["bucket", "window_ms", "window_start"])
    .execute();
  await db.schema
    .createIndex("rate_limit_counts_start")
    .on("rate_limit_counts")
    .columns(["window_start"])
    .execute();
  await db.schema
    .createTable("usage_codes")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_codes_pk", ["key_id", "day", "code"])
    .execute();
  await db.schema.createIndex("usage_codes_day").on("usage_codes").columns(["day"]).execute();

  if (d.name !== "sqlite") return;
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  // A key's own limits invalidate the key; an agency's (shared or its keys' default) the agency; a location's the location.
  const kind = (row: "new" | "old") =>
    `case ${row}.scope when 'key' then 'key' when 'location' then 'location' else 'agency' end`;
  const log = (row: "new" | "old") =>
    `insert into change_log (kind, ref, at) values (${kind(row)}, ${row}.owner_id, ${nowMs});`;
  for (const t of [
    `create trigger change_log_rate_limits_insert after insert on rate_limit_policies begin ${log("new")} end`,
    `create trigger change_log_rate_limits_update after update on rate_limit_policies begin ${log("new")} end`,
    `create trigger change_log_rate_limits_delete after delete on rate_limit_policies begin ${log("old")} end`,
  ])
    await sql.raw(t).execute(db);
}
