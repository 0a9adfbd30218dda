/**
 * Counts that add up (uses per day, verifications by code, shared rate-limit windows) stop at the largest value their bigint
 * column holds instead of overflowing it. A client may report large counts for its own keys (a use
 * report says up to 10⁹ per entry); past 2⁶³ PostgreSQL would refuse the write — and those writes
 * are batched across agencies (the use recorder, the usage-by-code flush, the limiter's sync), so one agency's row
 * would stop every agency's recording — while SQLite would turn the count into an inexact real.
 */
import { type RawBuilder, sql } from "kysely";

/** The largest value of a bigint column (PostgreSQL's int8, SQLite's integer). */
const MAX_COUNT = sql.raw("9223372036854775807");

/** `column + excluded.count` for an upsert, stopping at MAX_COUNT (counts are never negative). */
export function saturatingAdd(column: string): RawBuilder<number> {
  const c = sql.ref(column);
  return sql<number>`case when ${c} > ${MAX_COUNT} - excluded.count then ${MAX_COUNT} else ${c} + excluded.count end`;
}
