// What the server and console builds share: "is the output newer than every source?" and a lock
// folder that serialises processes building at once (tests, `npm start`, `npm pack`).
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time under `path` (a file or a folder, walked), 0 when it is absent. */
export function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when `built` (a file whose age is the build's) is newer than every source under `root`. */
export function builtAfter(built, root, sources) {
  let at;
  try {
    at = statSync(built).mtimeMs;
  } catch {
    return false;
  }
  return sources.every((s) => newestMtime(join(root, s)) <= at);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `build` holding the lock folder `lock`; throws naming `what` when it cannot be had in 3 minutes. */
export async function withBuildLock(lock, what, build) {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      // A lock older than 5 minutes was left by a build that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() - started > 180_000) throw new Error(`Could not take the ${what} build lock ${lock}`);
      await sleep(200);
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
