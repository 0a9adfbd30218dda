import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * OAuth clean-up (docs/oauth.md, "Purge" and "client_credentials"):
 * - `oauth_installs_active`: at most one active install per app and agency (location null) or
 *   location — two first `client_credentials` calls racing each other used to make two. Installs
 *   already duplicated are reduced to the oldest first (the others uninstalled, their tokens
 *   revoked, reason `duplicate`). NULL location ids are compared as '' (NULLs are distinct in a
 *   unique index, on both databases).
 * - `oauth_installs.uninstall_reason`: why an install ended (`uninstalled` by an admin,
 *   `revoked_by_app`, …): client_credentials never installs again what an admin removed. Filled for
 *   the installs already ended from their `app.uninstalled` audit entry (none found: `uninstalled`,
 *   the cautious reading).
 * - Indexes for the purge job (scheduler/oauth-purge.ts): app access tokens by expiry, refresh
 *   tokens by each instant that ends them, codes and requests by expiry.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  // Resumable: SQLite migrates without a transaction, and the unique index below fails if a twin
  // appears after the reduction (a process still on the previous version) or the process stops
  // midway — the next start must pick up where this one stopped, not fail on the column it added.
  const columns =
    d.name === "sqlite"
      ? (await sql<{ name: string }>`pragma table_info(oauth_installs)`.execute(db)).rows.map((r) => r.name)
      : [];
  if (!columns.includes("uninstall_reason"))
    await db.schema.alterTable("oauth_installs").addColumn("uninstall_reason", "text").execute();

  const now = Date.now();
  const active = await db
    .selectFrom("oauth_installs")
    .select(["id", "app_id", "agency_id", "location_id", "installed_at"])
    .where("uninstalled_at", "is", null)
    .orderBy("installed_at")
    .orderBy("id")
    .execute();
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const r of active) {
    const slot = `${r.app_id}\n${r.agency_id}\n${r.location_id ?? ""}`;
    if (seen.has(slot)) duplicates.push(r.id);
    else seen.add(slot);
  }
  for (let i = 0; i < duplicates.length; i += 400) {
    const ids = duplicates.slice(i, i + 400);
    await db
      .updateTable("oauth_installs")
      .set({ uninstalled_at: now, uninstall_reason: "duplicate" })
      .where("id", "in", ids)
      .execute();
    await db
      .updateTable("oauth_refresh_tokens")
      .set({ revoked_at: now, next_pair_enc: null })
      .where("install_id", "in", ids)
      .where("revoked_at", "is", null)
      .execute();
    await db
      .updateTable("api_keys")
      .set({ status: "revoked", revoked_at: now, updated_at: now })
      .where("oauth_install_id", "in", ids)
      .where("status", "=", "active")
      .execute();
  }

  const ended = await db
    .selectFrom("oauth_installs")
    .select("id")
    .where("uninstalled_at", "is not", null)
    .where("uninstall_reason", "is", null)
    .execute();
  if (ended.length > 0) {
    // One pass over the audit log (target_id has no index: a look-up per install scanned it each
    // time), the latest entry of each install winning.
    const latest = new Map<string, string>();
    const entries = await db
      .selectFrom("audit_log")
      .select(["target_id", "after_json"])
      .where("action", "=", "app.uninstalled")
      .orderBy("seq")
      .execute();
    for (const e of entries) {
      let reason = "uninstalled";
      try {
        const r = JSON.parse(e.after_json ?? "{}")?.reason;
        if (typeof r === "string" && r.length > 0 && r.length <= 40) reason = r;
      } catch {}
      if (e.target_id) latest.set(e.target_id, reason);
    }
    const byReason = new Map<string, string[]>();
    for (const { id } of ended) {
      const reason = latest.get(id) ?? "uninstalled";
      const ids = byReason.get(reason);
      if (ids) ids.push(id);
      else byReason.set(reason, [id]);
    }
    for (const [reason, ids] of byReason)
      for (let i = 0; i < ids.length; i += 400)
        await db
          .updateTable("oauth_installs")
          .set({ uninstall_reason: reason })
          .where("id", "in", ids.slice(i, i + 400))
          .execute();
  }

  await sql
    .raw(
      "create unique index if not exists oauth_installs_active on oauth_installs (app_id, agency_id, coalesce(location_id, '')) where uninstalled_at is null",
    )
    .execute(db);

  await db.schema
    .createIndex("api_keys_kind_expires")
    .ifNotExists()
    .on("api_keys")
    .columns(["kind", "expires_at"])
    .execute();
  for (const col of ["expires_at", "used_at", "revoked_at"])
    await db.schema
      .createIndex(`oauth_refresh_tokens_${col}`)
      .ifNotExists()
      .on("oauth_refresh_tokens")
      .column(col)
      .execute();
  await db.schema
    .createIndex("oauth_codes_expires_at")
    .ifNotExists()
    .on("oauth_codes")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("oauth_requests_expires_at")
    .ifNotExists()
    .on("oauth_requests")
    .column("expires_at")
    .execute();
}
