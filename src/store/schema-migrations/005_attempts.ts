import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Failure counts of the brute-force limits, shared by the nodes of one PostgreSQL database so that
 * spreading attempts over nodes does not multiply the allowance. A single SQLite server keeps them
 * in memory and leaves this table empty.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  await db.schema
    .createTable("auth_failures")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("window_start", "bigint", (c) => c.notNull())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("blocked_until", "bigint", (c) => c.notNull())
    .addColumn("strikes", "integer", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("auth_failures_pk", ["kind", "key"])
    .execute();
  await db.schema
    .createIndex("auth_failures_blocked")
    .on("auth_failures")
    .columns(["blocked_until"])
    .execute();
}
