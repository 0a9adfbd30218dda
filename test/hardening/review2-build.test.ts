/**
 * Review 2, item 7: the root `npm run build` builds the SDK too (`@keyward/sdk`'s `dist/`, which its
 * package exports name), not only the server and the console. The chain of `npm run` scripts is
 * followed from the root's `build`; then the SDK's part of it is run, and every file its exports
 * promise must exist.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SDK = join(ROOT, "packages/sdk");
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"));

/** Every command `npm run <script>` ends up running, `npm run` steps of the root expanded. */
function commandsOf(script: string, scripts: Record<string, string>, seen = new Set<string>()): string[] {
  if (seen.has(script)) return [];
  seen.add(script);
  const body = scripts[script];
  if (body === undefined) return [];
  return body.split("&&").flatMap((part) => {
    const command = part.trim();
    const run = /^npm run ([\w:-]+)$/.exec(command);
    return run ? commandsOf(run[1]!, scripts, seen) : [command];
  });
}

describe("the root build", () => {
  it("builds the SDK as well as the server and the console", () => {
    const commands = commandsOf("build", json(join(ROOT, "package.json")).scripts);
    expect(commands).toContain("node scripts/build-server.mjs --force --verbose");
    expect(commands).toContain("node scripts/build-web.mjs --force --verbose");
    expect(
      commands.filter((c) => /^npm run build (-w|--workspace)[= ](@keyward\/sdk|packages\/sdk)$/.test(c)),
    ).toHaveLength(1);
  });

  it("the SDK's part of it writes every file the SDK's exports name", async () => {
    await promisify(execFile)("npm", ["run", "build:sdk"], { cwd: ROOT });
    const exports = json(join(SDK, "package.json")).exports as Record<string, Record<string, string>>;
    const files = Object.values(exports).flatMap((e) => [e.types!, e.default!]);
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(existsSync(join(SDK, f)), f).toBe(true);
  }, 120_000);
});
