import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * Traffic policy, issue 13 §2 and §4:
 * - `api_keys.location_ids_json`: an agency key limited to these locations (JSON array; null: every
 *   location of its agency).
 * - `ip_allowlist_json` on `api_keys`, `locations` and `agencies`: the CIDR list a request must match
 *   (JSON array of canonical CIDRs; null: no list).
 * On SQLite, both key columns and the location's and agency's lists are cached facts: a change is
 * logged in `change_log` (006) so other processes on the same file drop what they cached.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("location_ids_json", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("ip_allowlist_json", "text").execute();
  await db.schema.alterTable("locations").addColumn("ip_allowlist_json", "text").execute();
  await db.schema.alterTable("agencies").addColumn("ip_allowlist_json", "text").execute();
  if (d.name !== "sqlite") return;
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  const log = (kind: string, ref: string) =>
    `insert into change_log (kind, ref, at) values ('${kind}', ${ref}, ${nowMs});`;
  const triggers = [
    `create trigger change_log_key_reach_update after update on api_keys when old.location_ids_json is not new.location_ids_json or old.ip_allowlist_json is not new.ip_allowlist_json begin ${log("key", "new.id")} end`,
    `create trigger change_log_agency_ip_update after update on agencies when old.ip_allowlist_json is not new.ip_allowlist_json begin ${log("agency", "new.id")} end`,
    `create trigger change_log_location_ip_update after update on locations when old.ip_allowlist_json is not new.ip_allowlist_json begin ${log("location", "new.id")} end`,
  ];
  for (const t of triggers) await sql.raw(t).execute(db);
}
