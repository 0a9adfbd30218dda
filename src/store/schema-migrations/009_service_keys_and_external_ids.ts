import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Service credentials (issue 12 §2) and the platform's own ids (§3).
 *
 * `service_keys` are the platform's credentials (`kw_svc_…`): of an agency, or of the operator
 * (`agency_id` null, every agency). Their tokens live in `service_key_tokens` like a key's in
 * `key_tokens`, hash only, so a rotation keeps the old token for its grace period. They live apart
 * from `api_keys`: they are never listed, verified, counted or expired as an agency's API keys.
 *
 * `external_id` on agencies (unique), locations and users (unique within their agency): the id the
 * platform knows the object by. Null for objects the platform never named.
 *
 * On SQLite, revoking or rotating a credential must reach every process's credential cache as it
 * does for keys: triggers append `service_key` rows to `change_log` (see 006_change_log.ts).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  const t = "bigint";
  await db.schema
    .createTable("service_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.references("agencies.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("updated_at", t, (c) => c.notNull())
    .addColumn("revoked_at", t)
    .execute();
  await db.schema.createIndex("service_keys_agency").on("service_keys").columns(["agency_id"]).execute();
  await db.schema
    .createTable("service_key_tokens")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("service_key_id", "text", (c) => c.notNull().references("service_keys.id"))
    .addColumn("display", "text", (c) => c.notNull())
    .addColumn("created_at", t, (c) => c.notNull())
    .addColumn("valid_until", t)
    .addColumn("retired_reason", "text")
    .execute();
  await db.schema
    .createIndex("service_key_tokens_key")
    .on("service_key_tokens")
    .columns(["service_key_id"])
    .execute();

  for (const table of ["agencies", "locations", "users"])
    await db.schema.alterTable(table).addColumn("external_id", "text").execute();
  // Both databases let a unique index hold many nulls: only named objects are constrained.
  await db.schema.createIndex("agencies_external").on("agencies").columns(["external_id"]).unique().execute();
  await db.schema
    .createIndex("locations_external")
    .on("locations")
    .columns(["agency_id", "external_id"])
    .unique()
    .execute();
  await db.schema
    .createIndex("users_external")
    .on("users")
    .columns(["agency_id", "external_id"])
    .unique()
    .execute();

  if (d.name !== "sqlite") return;
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  const log = (ref: string) =>
    `insert into change_log (kind, ref, at) values ('service_key', ${ref}, ${nowMs});`;
  const changed = (cols: string[]) => cols.map((c) => `old.${c} is not new.${c}`).join(" or ");
  const triggers = [
    `create trigger change_log_service_key_update after update on service_keys when ${changed([
      "status",
      "scopes_json",
      "agency_id",
      "name",
    ])} begin ${log("new.id")} end`,
    `create trigger change_log_service_key_delete after delete on service_keys begin ${log("old.id")} end`,
    `create trigger change_log_service_token_update after update on service_key_tokens when ${changed([
      "valid_until",
      "retired_reason",
      "service_key_id",
    ])} begin ${log("new.service_key_id")} end`,
    `create trigger change_log_service_token_delete after delete on service_key_tokens begin ${log("old.service_key_id")} end`,
  ];
  for (const s of triggers) await sql.raw(s).execute(db);
}
