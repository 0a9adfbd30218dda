/**
 * What Keyward writes is its own: the data folder is 0700 and every file in it 0600 (the database
 * and its -wal/-shm, the generated secret, outbox `.eml` files), whatever the process's umask. A
 * mode given to mkdir or open only applies to what is created, and the umask can only take bits
 * away, so each is set explicitly after the fact — which also tightens a folder or file left
 * readable by an older version.
 */
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** chmod that tolerates a file that is not there (yet) or not ours to change. */
function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Missing: nothing to protect. Not ours (a folder the operator made for us as another user):
    // we cannot change it, and refusing to start would not protect anything either.
    if (code !== "ENOENT" && code !== "EPERM") throw e;
  }
}

/** Creates the folder (and any missing parents) as 0700, or tightens it to 0700 if it exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Writes a whole file readable by its owner only. */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  writeFileSync(file, data, { mode: PRIVATE_FILE_MODE });
  tighten(file, PRIVATE_FILE_MODE);
}

/**
 * Prepares a SQLite database file before it is opened: creates it empty as 0600 when missing and
 * tightens it and any -wal/-shm/-journal left beside it. SQLite creates its -wal and -shm files with
 * the database file's own permissions (and corrects them against the umask), so once the database
 * is 0600 the files that appear later are 0600 too.
 */
export function preparePrivateDatabase(file: string): void {
  if (file === ":memory:" || file === "") return;
  try {
    // Created here only when missing: an existing database needs no write access to be tightened.
    closeSync(openSync(file, "wx", PRIVATE_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(f, PRIVATE_FILE_MODE);
}
