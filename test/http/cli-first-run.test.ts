/**
 * What a new operator meets first with the `keyward` command: a command run against a folder with no
 * database says so (and creates nothing) instead of answering as if the deployment were empty; a new
 * agency has the same default plan from the CLI as from the API and the first start; locations are
 * created from the CLI too.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DEFAULT_PLAN } from "../../src/core/permissions.js";

const ROOT = resolve(import.meta.dirname, "../..");
let parent: string;

function run(args: string[], dataDir: string) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYWARD_")));
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["bin/keyward.js", ...args],
      { cwd: ROOT, env: { ...clean, KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "warn" } },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), "keyward-first-run-"));
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe("keyward on a first run", { timeout: 120_000 }, () => {
  it("refuses a data folder without a database, naming it, and creates nothing", async () => {
    const missing = join(parent, "not-here");
    for (const args of [["forecast"], ["agencies", "list"], ["keys", "list", "--account", "agy_x"]]) {
      const r = await run(args, missing);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`No Keyward database in ${missing}`);
      expect(r.stderr).toContain("KEYWARD_DATA_DIR");
      expect(existsSync(missing)).toBe(false);
    }
  });

  it("creates agencies on the one default plan, and their locations", async () => {
    const dataDir = join(parent, "data");
    expect((await run(["migrate"], dataDir)).code).toBe(0);
    const made = await run(
      ["agencies", "create", "--name", "First", "--owner-email", "first@acme.test"],
      dataDir,
    );
    expect(made.code, made.stderr).toBe(0);
    const agencyId = made.stdout.trim();
    const list = JSON.parse((await run(["agencies", "list", "--json"], dataDir)).stdout);
    expect(list.agencies[0]).toMatchObject({ id: agencyId, plan: DEFAULT_PLAN });
    expect(loadConfig({}).bootstrap.plan).toBe(DEFAULT_PLAN);

    const loc = await run(["locations", "create", "--agency", agencyId, "--name", "Downtown"], dataDir);
    expect(loc.code, loc.stderr).toBe(0);
    expect(loc.stdout.trim()).toMatch(/^loc_/);
    const locations = JSON.parse(
      (await run(["locations", "list", "--agency", agencyId, "--json"], dataDir)).stdout,
    );
    expect(locations.locations).toEqual([
      expect.objectContaining({ id: loc.stdout.trim(), name: "Downtown" }),
    ]);

    const bad = await run(["locations", "create", "--agency", agencyId, "--name", "Ac\u200Bme"], dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^validation_failed: .*name: must not contain zero-width/);
    const unknown = await run(["locations", "list", "--agency", "agy_nope"], dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^resource_not_found/);
  });
});

describe("legacy deprecation dates", () => {
  it("Deprecation defaults to a year before the end of support, and may not come after it", () => {
    expect(loadConfig({}).legacy).toMatchObject({
      deprecatedSince: "2024-12-31",
      endOfSupport: "2025-12-31",
    });
    expect(
      loadConfig({
        KEYWARD_LEGACY_END_OF_SUPPORT: "2027-03-01",
        KEYWARD_LEGACY_DEPRECATED_SINCE: "2026-01-15",
      }).legacy.deprecatedSince,
    ).toBe("2026-01-15");
    expect(() =>
      loadConfig({
        KEYWARD_LEGACY_END_OF_SUPPORT: "2026-01-01",
        KEYWARD_LEGACY_DEPRECATED_SINCE: "2026-02-01",
      }),
    ).toThrow(/KEYWARD_LEGACY_DEPRECATED_SINCE: 2026-02-01 is after KEYWARD_LEGACY_END_OF_SUPPORT/);
  });
});
