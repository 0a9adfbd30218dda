/**
 * The README's reference tables against the code. Configuration: every `KEYWARD_…` setting
 * src/config.ts parses has a row, every row names a setting that exists, and a default written as a
 * value (`8080`) is the one Keyward uses — giving it explicitly changes nothing. Commands: every
 * `keyward …` row names a command, subcommands and flags its usage text has, and every command has a row.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/index.js";
import { loadConfig } from "../src/config.js";

const ROOT = resolve(import.meta.dirname, "..");

/** The names the settings schema parses (`const EnvSchema = z.object({ KEYWARD_…: … })`). */
function parsedSettings(): string[] {
  const source = readFileSync(join(ROOT, "src/config.ts"), "utf8");
  const start = source.indexOf("const EnvSchema = z.object({");
  const end = source.indexOf("\n});", start);
  expect(start, "EnvSchema in src/config.ts").toBeGreaterThan(-1);
  return [...source.slice(start, end).matchAll(/^ {2}(KEYWARD_[A-Z0-9_]+):/gm)].map((m) => m[1]!);
}

/** The README's "Configuration" table: variable → default cell. */
function readmeRows(): Map<string, string> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"));
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `(KEYWARD_[A-Z0-9_]+)` \| (.*?) \|/gm)) rows.set(m[1]!, m[2]!);
  return rows;
}

describe("README configuration table", () => {
  it("has a row for every setting src/config.ts parses, and none for one it does not", () => {
    const parsed = parsedSettings();
    expect(parsed.length).toBeGreaterThan(30);
    expect([...readmeRows().keys()].sort()).toEqual([...parsed].sort());
  });

  it("states the defaults Keyward uses", () => {
    const implicit = loadConfig({ KEYWARD_LOG_LEVEL: "info" });
    let checked = 0;
    for (const [name, cell] of readmeRows()) {
      const literal = /^`([^`]+)`$/.exec(cell)?.[1];
      if (literal === undefined) continue; // "—", "generated …": no value to compare
      expect(loadConfig({ KEYWARD_LOG_LEVEL: "info", [name]: literal }), `${name} = ${literal}`).toEqual(
        implicit,
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe("README command table", () => {
  it("shows only commands, subcommands and flags that exist, and every command", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `keyward ([^`]+)` \|/gm)].map((m) => m[1]!.replace(/\\\|/g, "|"));
    const shown = new Set<string>();
    for (const row of rows) {
      const [name, ...rest] = row.split(" ");
      const command = COMMANDS.find((c) => c.name === name);
      expect(command, `keyward ${name}`).toBeDefined();
      shown.add(name!);
      const words = rest.join(" ");
      for (const flag of words.match(/--[a-z-]+/g) ?? [])
        expect(command!.usage, `keyward ${name} ${flag}`).toContain(flag);
      // `list|create|…`: each subcommand is one the usage shows as `keyward NAME SUB`.
      for (const sub of /^([a-z-]+(?:\|[a-z-]+)+)/.exec(words)?.[1]?.split("|") ?? [])
        expect(command!.usage, `keyward ${name} ${sub}`).toContain(`keyward ${name} ${sub}`);
    }
    expect([...shown].sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });
});
