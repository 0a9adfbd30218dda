#!/usr/bin/env node
// Compiles the server (src/) into dist/ with tsc when dist/ is missing or older than its sources.
// Quiet when there is nothing to do; `--force` rebuilds anyway. Run by `npm run build`, `npm start`
// (prestart) and `npm pack` (prepack). A lock folder serialises processes that build at once.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
/** Written after a successful build: its age is the build's age (tsc may skip unchanged files). */
const STAMP = join(DIST, ".built");
const LOCK = join(ROOT, ".server-build-lock");
/** The compiled `keyward` command. */
export const ENTRY = join(DIST, "cli", "index.js");
const SOURCES = ["src", "tsconfig.json", "tsconfig.build.json"];

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

/** True when dist/ was built after the last change to any source file. */
export function isFresh() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  return SOURCES.every((s) => newestMtime(join(ROOT, s)) <= built);
}

/** The path of tsc, or null when TypeScript (a devDependency) is not installed. */
function tscPath() {
  try {
    return createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return null;
  }
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

/** Builds unless fresh. Returns "fresh", "built" or "unavailable" (TypeScript is not installed). */
export async function buildServer({ force = false, quiet = true } = {}) {
  if (!force && isFresh()) return "fresh";
  const tsc = tscPath();
  if (!tsc) {
    console.warn("keyward: dist/ is not up to date and TypeScript is not installed (npm ci installs it).");
    return "unavailable";
  }
  if (!(await takeLock())) throw new Error(`Could not take the server build lock ${LOCK}`);
  try {
    if (!force && isFresh()) return "fresh"; // another process built it while we waited
    const started = Date.now();
    // From scratch, so that a deleted source leaves no stale module behind.
    rmSync(DIST, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status ?? r.signal})`);
    writeFileSync(STAMP, `${new Date().toISOString()}\n`);
    if (!quiet || process.env.KEYWARD_BUILD_VERBOSE)
      console.log(`keyward: built the server into dist/ in ${Date.now() - started} ms`);
    return "built";
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const force = process.argv.includes("--force");
  try {
    const r = await buildServer({ force, quiet: !process.argv.includes("--verbose") });
    // Without TypeScript an older build still runs (with the warning above); no build at all cannot.
    if (r === "unavailable" && !existsSync(ENTRY)) process.exit(1);
    if (r === "built") console.log("keyward: server built into dist/");
  } catch (e) {
    console.error(`keyward: building the server failed: ${e?.message ?? e}`);
    process.exit(1);
  }
}
