import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * The inactivity lifecycle's working set. `lifecycle_watch` holds one row per key whose first warning
 * of the current cycle has been issued: when it is next due, and its fixed `actionAt`. It stays as
 * small as the keys about to be acted on, so the scheduler, the banners and the forecast read it
 * instead of every key. A key spared by a use keeps a stale row (its `cycle_at` no longer matches)
 * until the scheduler meets it at `next_at` (at the latest its old `actionAt`) and drops it.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  const t = "bigint";
  await db.schema
    .createTable("lifecycle_watch")
    .addColumn("key_id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("cycle_at", t, (c) => c.notNull())
    .addColumn("first_warning_at", t, (c) => c.notNull())
    .addColumn("action_at", t, (c) => c.notNull())
    .addColumn("next_at", t, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("lifecycle_watch_next").on("lifecycle_watch").columns(["next_at"]).execute();
  await db.schema
    .createIndex("lifecycle_watch_account")
    .on("lifecycle_watch")
    .columns(["account_id"])
    .execute();
  await db.schema
    .createIndex("lifecycle_watch_agency")
    .on("lifecycle_watch")
    .columns(["agency_id"])
    .execute();
  // Finding the keys whose first warning is due reads this index only: active keys in order of
  // activity, with what tells warned from not and whose they are. Its cost follows the due keys.
  await db.schema
    .createIndex("api_keys_lifecycle_due")
    .on("api_keys")
    .columns(["status", "activity_at", "warned_at", "agency_id", "id"])
    .execute();
  await db.schema
    .createIndex("notifications_created")
    .on("notifications")
    .columns(["agency_id", "created_at"])
    .execute();
}
