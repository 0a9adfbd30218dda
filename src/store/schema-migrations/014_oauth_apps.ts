import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * OAuth 2.0 marketplace apps (docs/oauth.md):
 * - `oauth_apps`: an app an agency develops — its client id, redirect URIs, scopes, distribution,
 *   visibility, the hash of its client secret (`kw_cs_…`, and the previous one during a rotation's
 *   grace) and the webhook endpoint its `webhookUrl` became.
 * - `oauth_installs`: an app installed in an agency (for all or some of its locations) or in one location.
 * - `oauth_requests`: an authorization request waiting for the person's consent (10 minutes, single use).
 * - `oauth_codes`: authorization codes, by hash, single use.
 * - `oauth_refresh_tokens`: refresh tokens (`kw_ort_…`), by hash; a used one keeps, for 30 s, the pair
 *   it was exchanged for (sealed under the deployment secret) so a racing twin gets the same pair.
 * - `api_keys.oauth_install_id`/`oauth_app_id`: an access token (`kw_oat_…`) is a key of kind `oauth`,
 *   so every verifier already understands it; these name the install and app it was issued to.
 * On SQLite an app's renaming is logged in `change_log` (an unknown kind: every process drops its
 * whole cache, which is rare and names no key); revoking an install's tokens changes `api_keys.status`,
 * which 006's trigger already logs.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  await db.schema
    .createTable("oauth_apps")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("logo_url", "text")
    .addColumn("redirect_uris_json", "text", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("distribution", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("public_client", "integer", (c) => c.notNull())
    .addColumn("webhook_url", "text")
    .addColumn("webhook_endpoint_id", "text")
    .addColumn("secret_hash", "text")
    .addColumn("secret_display", "text")
    .addColumn("secret_created_at", "bigint")
    .addColumn("previous_secret_hash", "text")
    .addColumn("previous_valid_until", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("deleted_at", "bigint")
    .execute();
  await db.schema.createIndex("oauth_apps_agency").on("oauth_apps").column("agency_id").execute();

  await db.schema
    .createTable("oauth_installs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull())
    .addColumn("agency_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text")
    .addColumn("location_ids_json", "text")
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("installed_by", "text")
    .addColumn("installed_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("uninstalled_at", "bigint")
    .execute();
  await db.schema.createIndex("oauth_installs_agency").on("oauth_installs").column("agency_id").execute();
  await db.schema.createIndex("oauth_installs_app").on("oauth_installs").column("app_id").execute();

  await db.schema
    .createTable("oauth_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull())
    .addColumn("params_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();

  await db.schema
    .createTable("oauth_codes")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull())
    .addColumn("install_id", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("code_challenge", "text")
    .addColumn("code_challenge_method", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();

  await db.schema
    .createTable("oauth_refresh_tokens")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull())
    .addColumn("install_id", "text", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .addColumn("next_pair_enc", "text")
    .execute();
  await db.schema
    .createIndex("oauth_refresh_tokens_install")
    .on("oauth_refresh_tokens")
    .column("install_id")
    .execute();

  await db.schema.alterTable("api_keys").addColumn("oauth_app_id", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("oauth_install_id", "text").execute();
  await db.schema.createIndex("api_keys_oauth_install").on("api_keys").column("oauth_install_id").execute();

  if (d.name !== "sqlite") return;
  const nowMs = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
  await sql
    .raw(
      `create trigger change_log_oauth_app_update after update on oauth_apps when old.name is not new.name begin insert into change_log (kind, ref, at) values ('oauth_app', new.id, ${nowMs}); end`,
    )
    .execute(db);
}
