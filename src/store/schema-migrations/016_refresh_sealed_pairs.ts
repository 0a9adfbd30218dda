import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * `oauth_refresh_tokens_sealed`: the spent refresh tokens that still hold a sealed pair (their 30 s
 * replay window), by `used_at`. Every refresh forgets the pairs whose window has passed
 * (OAuthStore.forgetPairs) inside its transaction; 015's index on `used_at` alone made that walk
 * every spent token the purge keeps (30 days of refreshes), this one only the few with a pair.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, _d: DialectInfo): Promise<void> {
  await sql
    .raw(
      "create index if not exists oauth_refresh_tokens_sealed on oauth_refresh_tokens (used_at) where next_pair_enc is not null",
    )
    .execute(db);
}
