/**
 * What the OAuth purge deletes (scheduler/oauth-purge.ts, docs/oauth.md "Purge"): app access tokens
 * (`api_keys` of kind `oauth`) and everything that names them, refresh tokens, authorization codes
 * and authorization requests, each past its own cut-off. Every method takes at most `limit` rows,
 * oldest first; on PostgreSQL they are claimed with FOR UPDATE SKIP LOCKED, so nodes purging at the
 * same time take different rows (on SQLite the transaction holds the write lock).
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { DialectInfo } from "./dialect.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Statements name at most this many ids (SQLite's and pg's parameter limits are far above). */
const IDS_PER_STATEMENT = 400;

export interface PurgedAccessKey {
  id: string;
  installId: string | null;
  lastUsedAt: number | null;
}

export class OAuthPurgeStore {
  constructor(
    readonly db: Db,
    readonly dialect: DialectInfo,
  ) {}

  /**
   * App access tokens that ended before `cutoff`: by their lifetime (every one has one), or — one
   * without, which only a bug could make — by their revocation.
   */
  async endedAccessKeys(cutoff: number, limit: number): Promise<PurgedAccessKey[]> {
    let byExpiry = this.db
      .selectFrom("api_keys")
      .select(["id", "oauth_install_id", "last_used_at"])
      .where("kind", "=", "oauth")
      .where("expires_at", "<", cutoff)
      .orderBy("expires_at")
      .limit(limit);
    if (this.dialect.rowLocks) byExpiry = byExpiry.forUpdate().skipLocked();
    const rows = await byExpiry.execute();
    if (rows.length < limit) {
      let byRevocation = this.db
        .selectFrom("api_keys")
        .select(["id", "oauth_install_id", "last_used_at"])
        .where("kind", "=", "oauth")
        .where("expires_at", "is", null)
        .where("status", "!=", "active")
        .where("revoked_at", "<", cutoff)
        .limit(limit - rows.length);
      if (this.dialect.rowLocks) byRevocation = byRevocation.forUpdate().skipLocked();
      rows.push(...(await byRevocation.execute()));
    }
    return rows.map((r) => ({
      id: r.id,
      installId: r.oauth_install_id ?? null,
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  /**
   * Deletes the keys and every row that names them: their tokens (`key_tokens` has a foreign key
   * without cascade), per-key usage (daily, details, by code: shown only on a key's own page, which
   * app tokens have none of — an install's last use is kept on the install first), leak records,
   * lifecycle rows (there should be none: the sweep passes over app tokens) and limits set on the key.
   * Audit entries, notifications and webhook deliveries that mention a key are history and stay.
   */
  async deleteAccessKeys(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
      const part = ids.slice(i, i + IDS_PER_STATEMENT);
      await this.db.deleteFrom("key_tokens").where("key_id", "in", part).execute();
      await this.db.deleteFrom("usage_daily").where("key_id", "in", part).execute();
      await this.db.deleteFrom("usage_details").where("key_id", "in", part).execute();
      await this.db.deleteFrom("usage_codes").where("key_id", "in", part).execute();
      await this.db.deleteFrom("key_leaks").where("key_id", "in", part).execute();
      await this.db.deleteFrom("lifecycle_events").where("key_id", "in", part).execute();
      await this.db.deleteFrom("lifecycle_watch").where("key_id", "in", part).execute();
      await this.db
        .deleteFrom("rate_limit_policies")
        .where("scope", "=", "key")
        .where("owner_id", "in", part)
        .execute();
      await this.db.deleteFrom("api_keys").where("id", "in", part).where("kind", "=", "oauth").execute();
    }
  }

  /** Keeps each install's last use (the inventory's "unused for 90 days") before its tokens go. */
  async keepLastUses(lastUse: ReadonlyMap<string, number>): Promise<void> {
    for (const [installId, at] of lastUse)
      await this.db
        .updateTable("oauth_installs")
        .set({ last_used_at: this.dialect.greatest(sql`coalesce(last_used_at, 0)`, sql`${at}`) })
        .where("id", "=", installId)
        .execute();
  }

  /**
   * Refresh tokens that can never work again: revoked or expired before `endedBefore`, or spent
   * (exchanged) before `spentBefore` — kept longer, because presenting a spent one is what reuse
   * detection catches.
   */
  async deleteRefreshTokens(endedBefore: number, spentBefore: number, limit: number): Promise<number> {
    const hashes: string[] = [];
    for (const [column, before] of [
      ["revoked_at", endedBefore],
      ["expires_at", endedBefore],
      ["used_at", spentBefore],
    ] as const) {
      if (hashes.length >= limit) break;
      let q = this.db
        .selectFrom("oauth_refresh_tokens")
        .select("hash")
        .where(column, "<", before)
        .orderBy(column)
        .limit(limit - hashes.length);
      if (hashes.length > 0) q = q.where("hash", "not in", hashes);
      if (this.dialect.rowLocks) q = q.forUpdate().skipLocked();
      for (const r of await q.execute()) hashes.push(r.hash);
    }
    for (let i = 0; i < hashes.length; i += IDS_PER_STATEMENT)
      await this.db
        .deleteFrom("oauth_refresh_tokens")
        .where("hash", "in", hashes.slice(i, i + IDS_PER_STATEMENT))
        .execute();
    return hashes.length;
  }

  /** Authorization codes (used or not) that expired before `before`. */
  async deleteCodes(before: number, limit: number): Promise<number> {
    let q = this.db
      .selectFrom("oauth_codes")
      .select("hash")
      .where("expires_at", "<", before)
      .orderBy("expires_at")
      .limit(limit);
    if (this.dialect.rowLocks) q = q.forUpdate().skipLocked();
    const hashes = (await q.execute()).map((r) => r.hash);
    for (let i = 0; i < hashes.length; i += IDS_PER_STATEMENT)
      await this.db
        .deleteFrom("oauth_codes")
        .where("hash", "in", hashes.slice(i, i + IDS_PER_STATEMENT))
        .execute();
    return hashes.length;
  }

  /** Authorization requests (answered or not) that expired before `before`. */
  async deleteRequests(before: number, limit: number): Promise<number> {
    let q = this.db
      .selectFrom("oauth_requests")
      .select("id")
      .where("expires_at", "<", before)
      .orderBy("expires_at")
      .limit(limit);
    if (this.dialect.rowLocks) q = q.forUpdate().skipLocked();
    const ids = (await q.execute()).map((r) => r.id);
    for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT)
      await this.db
        .deleteFrom("oauth_requests")
        .where("id", "in", ids.slice(i, i + IDS_PER_STATEMENT))
        .execute();
    return ids.length;
  }
}
