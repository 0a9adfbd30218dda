#!/usr/bin/env node
// Builds the admin console (web/) into web/dist when it is missing or older than its sources.
// Quiet when there is nothing to do; `--force` rebuilds anyway. Run by `npm start` (prestart) and
// by the browser tests. Several processes may call it at once: a lock folder serialises them.
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WEB = join(ROOT, "web");
const DIST = join(WEB, "dist");
const LOCK = join(WEB, ".build-lock");
const SOURCES = ["src", "index.html", "vite.config.ts", "tsconfig.json", "public"];

function newestMtime(path) {
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

/** True when web/dist/index.html exists and is newer than every source file. */
export function isFresh() {
  let built;
  try {
    built = statSync(join(DIST, "index.html")).mtimeMs;
  } catch {
    return false;
  }
  return SOURCES.every((s) => newestMtime(join(WEB, s)) <= built);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function takeLock() {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      return true;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      // A lock older than 5 minutes was left by a build that died.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      if (Date.now() - started > 180_000) return false;
      await sleep(200);
    }
  }
}

/** Builds unless fresh. Returns "fresh", "built" or "unavailable" (vite is not installed). */
export async function buildWeb({ force = false, quiet = true } = {}) {
  if (!force && isFresh()) return "fresh";
  if (!(await takeLock())) throw new Error(`Could not take the console build lock ${LOCK}`);
  try {
    if (!force && isFresh()) return "fresh"; // another process built it while we waited
    let vite;
    try {
      vite = await import("vite");
    } catch {
      console.warn(
        "keyward: the admin console is not built and vite is not installed (npm ci installs it); the API runs without it.",
      );
      return "unavailable";
    }
    const started = Date.now();
    await vite.build({
      root: WEB,
      configFile: join(WEB, "vite.config.ts"),
      logLevel: quiet ? "error" : "info",
    });
    if (!quiet || process.env.KEYWARD_BUILD_VERBOSE)
      console.log(`keyward: built the console into web/dist in ${Date.now() - started} ms`);
    return "built";
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const force = process.argv.includes("--force");
  try {
    const r = await buildWeb({ force, quiet: !process.argv.includes("--verbose") });
    if (r === "built") console.log("keyward: admin console built into web/dist");
  } catch (e) {
    console.error(`keyward: building the admin console failed: ${e?.message ?? e}`);
    process.exit(1);
  }
}
