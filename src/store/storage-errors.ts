/**
 * Storage failures (issue 10 item 12): the database cannot be reached or written. They are no bug of
 * ours and no fault of the caller: the HTTP layer answers 503 `storage_unavailable` and /readyz
 * reports not-ready, instead of a 500 "something went wrong".
 */
import { WriteLockBusy } from "./dialect.js";

/** Thrown when the write lock could not be had within the retry budget. */
export class StorageUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

const SQLITE: [RegExp, string][] = [
  [/^SQLITE_READONLY/, "the database refuses writes (read-only file, folder or connection)"],
  [/^SQLITE_BUSY/, "another process holds the database's write lock"],
  [/^SQLITE_LOCKED/, "the database is locked"],
  [/^SQLITE_FULL/, "the disk holding the database is full"],
  [/^SQLITE_IOERR/, "the database file could not be read or written (I/O error)"],
  [/^SQLITE_CANTOPEN/, "the database file cannot be opened"],
  [/^SQLITE_CORRUPT|^SQLITE_NOTADB/, "the database file is damaged"],
  [/^SQLITE_PERM|^SQLITE_AUTH/, "the database file may not be accessed"],
];

// Node socket errors and PostgreSQL SQLSTATE classes 08 (connection), 53 (insufficient resources:
// disk full, out of memory, too many connections), 57P (shutdown, cannot connect now), 25006
// (read-only transaction: a standby, or default_transaction_read_only).
const NET = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"]);
const PG: [RegExp, string][] = [
  [/^08/, "the connection to PostgreSQL failed"],
  [/^53/, "PostgreSQL is out of resources (disk, memory or connections)"],
  [/^57P/, "PostgreSQL is shutting down or not accepting connections"],
  [/^25006$/, "PostgreSQL refuses writes (read-only transaction: a standby?)"],
];

/** What is wrong with the storage, in a phrase, if `err` is a storage failure; otherwise null. */
export function storageFailure(err: unknown): string | null {
  if (err instanceof StorageUnavailable) return err.message;
  if (err instanceof WriteLockBusy) return "another process holds the database's write lock";
  if (typeof err !== "object" || err === null) return null;
  const code = String((err as { code?: unknown }).code ?? "");
  for (const [re, why] of SQLITE) if (re.test(code)) return why;
  if (NET.has(code)) return `the database cannot be reached (${code})`;
  if (/^[0-9A-Z]{5}$/.test(code)) for (const [re, why] of PG) if (re.test(code)) return why;
  const message = (err as { message?: unknown }).message;
  if (
    typeof message === "string" &&
    /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
      message,
    )
  )
    return "the connection to PostgreSQL failed";
  return null;
}

/**
 * Whether `err` is a unique index refusing a row another transaction committed first (PostgreSQL
 * 23505; SQLite's UNIQUE constraint, though one writer at a time never races there).
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE";
}
