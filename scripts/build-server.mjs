#!/usr/bin/env node
// Compiles the server (src/) into dist/ with tsc when dist/ is missing or older than its sources.
// Quiet when there is nothing to do; `--force` rebuilds anyway. Run by `npm run build`, `npm start`
// (prestart) and `npm pack` (prepack). A lock folder serialises processes that build at once.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { builtAfter, withBuildLock } from "./build-common.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
/** Written after a successful build: its age is the build's age (tsc may skip unchanged files). */
const STAMP = join(DIST, ".built");
const LOCK = join(ROOT, ".server-build-lock");
/** The compiled `keyward` command. */
export const ENTRY = join(DIST, "cli", "index.js");
const SOURCES = ["src", "tsconfig.json", "tsconfig.build.json"];

/** True when dist/ was built after the last change to any source file. */
export function isFresh() {
  return builtAfter(STAMP, ROOT, SOURCES);
}

/** The path of tsc, or null when TypeScript (a devDependency) is not installed. */
function tscPath() {
  try {
    return createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return null;
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
  return withBuildLock(LOCK, "server", async () => {
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
  });
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
