import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * The change log (issue 10 item 1), SQLite only: every change to what the verification cache holds
 * appends a row, written by triggers in the transaction that made the change, whichever process made
 * it (a server, `keyward keys revoke`, `keyward sweep`, an older binary). The other processes on the
 * same file poll it (`SqliteBus`) and drop what changed from their caches within a second.
 * PostgreSQL does not need it: its nodes tell each other over LISTEN/NOTIFY.
 *
 * Triggers fire only when a cached fact changes, not on use recording (`activity_at`, `last_used_*`)
 * or the scheduler's claim of an agency (`updated_at = updated_at`), so busy keys do not churn the log.
 * A later migration that rebuilds one of these tables must create its triggers again.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  if (d.name !== "sqlite") return;
  // AUTOINCREMENT: ids are never reused after pruning, so a poller's "rows after N" stays meaningful.
  await sql`create table change_log (
    id integer primary key autoincrement,
    kind text not null,
    ref text not null,
    at integer not null
  )`.execute(db);
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  const log = (kind: string, ref: string) =>
    `insert into change_log (kind, ref, at) values ('${kind}', ${ref}, ${nowMs});`;
  const changed = (cols: string[]) => cols.map((c) => `old.${c} is not new.${c}`).join(" or ");
  const triggers = [
    `create trigger change_log_key_update after update on api_keys when ${changed([
      "status",
      "scopes_json",
      "name",
      "kind",
      "agency_id",
      "location_id",
      "inactive_days",
      "warned_at",
      "revoked_at",
      "expired_at",
      "deleted_at",
    ])} begin ${log("key", "new.id")} end`,
    `create trigger change_log_key_delete after delete on api_keys begin ${log("key", "old.id")} end`,
    `create trigger change_log_token_update after update on key_tokens when ${changed([
      "valid_until",
      "retired_reason",
      "key_id",
    ])} begin ${log("key", "new.key_id")} end`,
    `create trigger change_log_token_delete after delete on key_tokens begin ${log("key", "old.key_id")} end`,
    `create trigger change_log_agency_update after update on agencies when ${changed([
      "plan",
      "enhanced_security",
    ])} begin ${log("agency", "new.id")} end`,
    `create trigger change_log_agency_delete after delete on agencies begin ${log("agency", "old.id")} end`,
    `create trigger change_log_location_update after update on locations when ${changed([
      "deleted_at",
      "agency_id",
    ])} begin ${log("location", "new.id")} end`,
    `create trigger change_log_location_delete after delete on locations begin ${log("location", "old.id")} end`,
  ];
  for (const t of triggers) await sql.raw(t).execute(db);
}
