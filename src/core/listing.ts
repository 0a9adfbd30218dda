/**
 * Listings a page at a time (keys, users, the audit log): the sort a caller asks for, the page size,
 * and the opaque cursor that continues a listing where the last page stopped.
 *
 * A cursor is base64url of JSON `[sort, value, id]`: the sort it was made for, the sort key of the
 * last row served, and that row's id (ties on the sort key are broken by id, so the order is total
 * and a row is never served twice nor skipped when others share its value). It is opaque to
 * callers: they pass back `nextCursor` unchanged. Pure: no I/O.
 */
import { ApiError } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** The sort key of the last row served and its id. */
export interface CursorPosition {
  value: string | number;
  id: string;
}

export function encodeCursor(sort: string, pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([sort, pos.value, pos.id]), "utf8").toString("base64url");
}

/**
 * The position a cursor names, for a listing sorted by `sort`. A cursor that is not one of ours, or
 * was made for another sort, is refused with `invalid_cursor` (400): continuing it would skip or
 * repeat rows silently.
 */
export function decodeCursor(cursor: string, sort: string): CursorPosition {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ApiError(
      "invalid_cursor",
      "The cursor is not one this listing gave out: pass `nextCursor` from the previous page unchanged, or leave it out to start at the beginning.",
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== "string" ||
    (typeof parsed[1] !== "string" && typeof parsed[1] !== "number") ||
    typeof parsed[2] !== "string"
  )
    throw new ApiError(
      "invalid_cursor",
      "The cursor is not one this listing gave out: pass `nextCursor` from the previous page unchanged, or leave it out to start at the beginning.",
    );
  if (parsed[0] !== sort)
    throw new ApiError(
      "invalid_cursor",
      `This cursor continues a listing sorted by ${parsed[0]}, not ${sort}: keep the same sort while paging, or start again without a cursor.`,
    );
  return { value: parsed[1], id: parsed[2] };
}

/**
 * One page of rows fetched with `limit + 1`: the rows to serve and the cursor of the next page
 * (null on the last page).
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  sort: string,
  position: (row: T) => CursorPosition,
): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows: [...rows], nextCursor: null };
  const served = rows.slice(0, limit);
  return { rows: served, nextCursor: encodeCursor(sort, position(served[served.length - 1]!)) };
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (with `ESCAPE '\'`). */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
