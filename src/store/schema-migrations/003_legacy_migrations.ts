import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

/** Guided migration of a legacy v1 key (docs/spec.md §5): the private integration token that replaces it. */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  await db.schema
    .createTable("legacy_migrations")
    .addColumn("legacy_key_id", "text", (c) => c.primaryKey().references("api_keys.id"))
    .addColumn("replacement_key_id", "text", (c) => c.notNull().references("api_keys.id"))
    .addColumn("agency_id", "text", (c) => c.notNull().references("agencies.id"))
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("started_by", "text")
    .addColumn("completed_at", "bigint")
    .execute();
  await db.schema
    .createIndex("legacy_migrations_agency")
    .on("legacy_migrations")
    .columns(["agency_id"])
    .execute();
}
