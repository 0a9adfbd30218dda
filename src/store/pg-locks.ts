/**
 * Cluster-wide mutual exclusion for the few things every node does at start (creating the first
 * agency): a PostgreSQL session advisory lock, held on one pooled connection for the duration of
 * `fn`. On SQLite there is one node, and `fn` simply runs.
 */
import type { OpenedDatabase } from "./dialect.js";

/** Advisory lock ids: arbitrary, fixed, and distinct from Kysely's schema migration lock. */
export const LOCKS = { bootstrap: 0x6b770001 } as const;

export async function withClusterLock<T>(
  database: OpenedDatabase,
  lock: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!database.pool) return fn();
  const conn = await database.pool.connect();
  try {
    await conn.query("select pg_advisory_lock($1)", [lock]);
    try {
      return await fn();
    } finally {
      await conn.query("select pg_advisory_unlock($1)", [lock]);
    }
  } finally {
    // Discarded, not pooled: should the unlock have failed, closing the session releases the lock.
    conn.release(true);
  }
}
