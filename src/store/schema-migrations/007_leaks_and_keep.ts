import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Leaked tokens and Keep (issue 14):
 * - `key_leaks`: where a key's token was reported leaked (url, source, when), who reported it and
 *   what the agency's leakAction did; the key view shows the latest.
 * - `leak_report_receipts`: digests of signed leak reports recently received, so that a replay of
 *   the same signed body is refused (the primary key makes it once across nodes).
 * - `agencies.key_rules_json`: the agency's leakAction and allowKeep (null: the defaults).
 * - `notifications.cleared_at`: a warning whose keys were all kept no longer shows.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  await db.schema
    .createTable("key_leaks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("key_id", "text", (c) => c.notNull().references("api_keys.id").onDelete("cascade"))
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("url", "text")
    .addColumn("token_type", "text")
    .addColumn("reason", "text")
    .addColumn("reported_at", "bigint", (c) => c.notNull())
    .addColumn("reporter_type", "text", (c) => c.notNull())
    .addColumn("reporter_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("key_leaks_key").on("key_leaks").columns(["key_id", "reported_at"]).execute();
  await db.schema
    .createTable("leak_report_receipts")
    .addColumn("digest", "text", (c) => c.primaryKey())
    .addColumn("received_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("leak_report_receipts_at")
    .on("leak_report_receipts")
    .columns(["received_at"])
    .execute();
  await db.schema.alterTable("agencies").addColumn("key_rules_json", "text").execute();
  await db.schema.alterTable("notifications").addColumn("cleared_at", "bigint").execute();
}
