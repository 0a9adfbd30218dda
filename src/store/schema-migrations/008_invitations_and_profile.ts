import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Invitations (issue 16 item 3): an agency admin invites a person by e-mail; the e-mail's link sets
 * their password. Only the SHA-256 of the link's token is stored, like sessions and API keys. A
 * resend replaces the token (the old link stops working) and the expiry.
 *
 * Sessions get `last_seen_at` (issue 16 item 4: "your sessions", with when each was last used),
 * written at most once a minute per session.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  const t = "bigint";
  await db.schema
    .createTable("invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull().references("agencies.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("location_ids_json", "text", (c) => c.notNull())
    .addColumn("can_manage_keys", "integer", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "text")
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("sent_at", t, (c) => c.notNull())
    .addColumn("expires_at", t, (c) => c.notNull())
    .addColumn("accepted_at", t)
    .addColumn("accepted_user_id", "text")
    .addColumn("cancelled_at", t)
    .execute();
  await db.schema
    .createIndex("invitations_agency")
    .on("invitations")
    .columns(["agency_id", "email"])
    .execute();
  await db.schema.alterTable("sessions").addColumn("last_seen_at", t).execute();
}
