import type { Kysely } from "kysely";
import type { DialectInfo } from "../dialect.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  const t = "bigint";
  await db.schema
    .createTable("agencies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("plan", "text", (c) => c.notNull())
    .addColumn("enhanced_security", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("legacy_creation", "text")
    .addColumn("policy_json", "text")
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("updated_at", t, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("locations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull().references("agencies.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("phone", "text")
    .addColumn("timezone", "text")
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("updated_at", t, (c) => c.notNull())
    .addColumn("deleted_at", t)
    .execute();
  await db.schema.createIndex("locations_agency").on("locations").columns(["agency_id"]).execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull().references("agencies.id"))
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("is_owner", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("can_manage_keys", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("digest_opt_out", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("updated_at", t, (c) => c.notNull())
    .addColumn("disabled_at", t)
    .execute();
  await db.schema.createIndex("users_agency").on("users").columns(["agency_id"]).execute();

  await db.schema
    .createTable("user_locations")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("location_id", "text", (c) => c.notNull().references("locations.id"))
    .addPrimaryKeyConstraint("user_locations_pk", ["user_id", "location_id"])
    .execute();
  await db.schema
    .createIndex("user_locations_location")
    .on("user_locations")
    .columns(["location_id"])
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("expires_at", t, (c) => c.notNull())
    .addColumn("revoked_at", t)
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id"]).execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull().references("agencies.id"))
    .addColumn("location_id", "text", (c) => c.references("locations.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("scopes_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("imported", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("updated_at", t, (c) => c.notNull())
    .addColumn("activity_at", t, (c) => c.notNull())
    .addColumn("last_used_at", t)
    .addColumn("last_used_ip", "text")
    .addColumn("last_used_ua", "text")
    .addColumn("revoked_at", t)
    .addColumn("expired_at", t)
    .addColumn("deleted_at", t)
    .addColumn("inactive_days", "integer")
    .addColumn("warned_at", t)
    .addColumn("secret_enc", "text")
    .execute();
  await db.schema
    .createIndex("api_keys_agency")
    .on("api_keys")
    .columns(["agency_id", "location_id"])
    .execute();
  // The lifecycle reads active keys in order of activity: its cost follows the due keys, not all keys.
  await db.schema
    .createIndex("api_keys_status_activity")
    .on("api_keys")
    .columns(["status", "activity_at"])
    .execute();
  await db.schema.createIndex("api_keys_created_by").on("api_keys").columns(["created_by"]).execute();

  await db.schema
    .createTable("key_tokens")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("key_id", "text", (c) => c.notNull().references("api_keys.id"))
    .addColumn("display", "text", (c) => c.notNull())
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("valid_until", t)
    .addColumn("retired_reason", "text")
    .addColumn("last_used_at", t)
    .execute();
  await db.schema.createIndex("key_tokens_key").on("key_tokens").columns(["key_id"]).execute();

  await db.schema
    .createTable("usage_daily")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("count", t, (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_daily_pk", ["key_id", "day"])
    .execute();

  await db.schema
    .createTable("usage_details")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("endpoint", "text", (c) => c.notNull())
    .addColumn("user_agent", "text", (c) => c.notNull())
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("count", t, (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_details_pk", ["key_id", "day", "endpoint", "user_agent", "ip"])
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("seq", d.serialType, (c) =>
      d.name === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("at", t, (c) => c.notNull())
    .addColumn("agency_id", "text")
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text")
    .addColumn("before_json", "text")
    .addColumn("after_json", "text")
    .execute();
  await db.schema.createIndex("audit_agency_at").on("audit_log").columns(["agency_id", "seq"]).execute();

  await db.schema
    .createTable("lifecycle_events")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("cycle_at", t, (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("lead_days", "integer", (c) => c.notNull())
    .addColumn("issued_at", t, (c) => c.notNull())
    .addColumn("action_at", t, (c) => c.notNull())
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ref_id", "text")
    // Exactly once (docs/spec.md §4 rule 7): one row per key, cycle, kind and lead, written in the deciding transaction.
    .addPrimaryKeyConstraint("lifecycle_events_pk", ["key_id", "cycle_at", "kind", "lead_days"])
    .execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("lead_days", "integer")
    .addColumn("action_at", t)
    .addColumn("key_ids_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", t, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("notifications_account")
    .on("notifications")
    .columns(["account_id", "created_at"])
    .execute();

  await db.schema
    .createTable("notification_recipients")
    .addColumn("notification_id", "text", (c) => c.notNull().references("notifications.id"))
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("read_at", t)
    .addPrimaryKeyConstraint("notification_recipients_pk", ["notification_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("notification_recipients_user")
    .on("notification_recipients")
    .columns(["user_id"])
    .execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("to_json", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text_body", "text", (c) => c.notNull())
    .addColumn("html_body", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", t, (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("sent_at", t)
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();
}
