#!/usr/bin/env node
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { builtAfter, withBuildLock } from "./build-common.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WEB = join(ROOT, "web");
const DIST = join(WEB, "dist");
const LOCK = join(WEB, ".build-lock");
const SOURCES = ["src", "index.html", "vite.config.ts", "tsconfig.json", "public"];

/** True when web/dist/index.html exists and is newer than every source file. */
export function isFresh() {
  return builtAfter(join(DIST, "index.html"), WEB, SOURCES);
}

/** Builds unless fresh. Returns "fresh", "built" or "unavailable" (vite is not installed). */
export async function buildWeb({ force = false, quiet = true } = {}) {
  if (!force && isFresh()) return "fresh";
  return withBuildLock(LOCK, "console", async () => {
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
  });
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
