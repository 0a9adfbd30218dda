/**
 * The password and name rules (issue 10, items 16 and 17) outside HTTP: `keyward agencies create`
 * and the first-start bootstrap (`KEYWARD_BOOTSTRAP_PASSWORD`, `KEYWARD_BOOTSTRAP_AGENCY_NAME`)
 * refuse what the API refuses, with the same messages.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapFirstAgency, checkBootstrapSettings } from "../../src/cli/bootstrap.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { Client, seedWorld, startHarness } from "../helpers/harness.js";

const ROOT = resolve(import.meta.dirname, "../..");
let dataDir: string;

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYWARD_")));
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["bin/keyward.js", ...args],
      {
        cwd: ROOT,
        env: { ...clean, KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "warn", KEYWARD_PORT: "0", ...env },
        // A server that wrongly started is stopped rather than left running.
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "keyward-cli-text-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const create = (password: string, name = "CLI Agency", email = "cli@acme.test") => [
  "agencies",
  "create",
  "--name",
  name,
  "--owner-email",
  email,
  "--owner-password",
  password,
];

describe("keyward agencies create", () => {
  it("refuses weak owner passwords and hidden characters in names, and creates nothing", async () => {
    expect((await run(["migrate"])).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [create(" ".repeat(12)), /owner\.password: must not be one character repeated/],
      [create("aaaaaaaaaaaa"), /owner\.password: must not be one character repeated/],
      [create("123456789012"), /owner\.password: is one of the most common passwords/],
      [create("correct horse\u0007battery"), /owner\.password: must not contain control characters/],
      [create("a good long password", "Acme\u202Egpj.exe"), /name: must not contain bidirectional/],
      [create("a good long password", "Ac\u200Bme"), /name: must not contain zero-width/],
    ];
    // One at a time: the machine running the tests may be busy.
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^validation_failed: /);
      expect(r.stderr).toMatch(message);
    }
    const list = await run(["agencies", "list", "--json"]);
    expect(JSON.parse(list.stdout).agencies).toEqual([]);
    const good = await run(create("a good long password"));
    expect(good.code, good.stderr).toBe(0);
  }, 300_000);
});

describe("first start (bootstrap)", () => {
  it("a weak KEYWARD_BOOTSTRAP_PASSWORD or a hidden character in the agency name stops serve with exit 2", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { KEYWARD_BOOTSTRAP_PASSWORD: " ".repeat(12) },
        /KEYWARD_BOOTSTRAP_PASSWORD: must not be one character/,
      ],
      [
        { KEYWARD_BOOTSTRAP_PASSWORD: "aaaaaaaaaaaa" },
        /KEYWARD_BOOTSTRAP_PASSWORD: must not be one character/,
      ],
      [
        { KEYWARD_BOOTSTRAP_PASSWORD: "123456789012" },
        /KEYWARD_BOOTSTRAP_PASSWORD: is one of the most common/,
      ],
      [
        { KEYWARD_BOOTSTRAP_PASSWORD: "correct\u0001horse battery" },
        /KEYWARD_BOOTSTRAP_PASSWORD: must not contain control/,
      ],
      [
        { KEYWARD_BOOTSTRAP_AGENCY_NAME: "My\u2066Agency" },
        /KEYWARD_BOOTSTRAP_AGENCY_NAME: must not contain bidirectional/,
      ],
    ];
    for (const [env, message] of cases) {
      // An empty data folder each time: the settings are judged when they create the first agency.
      const empty = mkdtempSync(join(tmpdir(), "keyward-bootstrap-"));
      const r = await run(["serve"], { KEYWARD_DATA_DIR: empty, ...env });
      rmSync(empty, { recursive: true, force: true });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^Invalid configuration:/);
      expect(r.stderr).toMatch(message);
    }
  }, 300_000);

  it("twelve NULs are refused as control characters (an environment cannot carry NUL, a config loader can)", () => {
    const nuls = loadConfig({ KEYWARD_BOOTSTRAP_PASSWORD: "\u0000".repeat(12) }).bootstrap;
    expect(() => checkBootstrapSettings(nuls)).toThrow(ConfigError);
    expect(() => checkBootstrapSettings(nuls)).toThrow(
      /KEYWARD_BOOTSTRAP_PASSWORD: must not contain control characters/,
    );
  });

  it("judges the settings only when they create the first agency: an old deployment keeps starting", async () => {
    // A harness database already has its agencies: the weak password left in the environment
    // creates nothing and stops nothing.
    const config = loadConfig({
      KEYWARD_BOOTSTRAP_PASSWORD: "aaaaaaaaaaaa",
      KEYWARD_BOOTSTRAP_AGENCY_NAME: "My\u2066Agency",
    });
    const h = await startHarness();
    try {
      await seedWorld(h.kw);
      const before = await h.kw.store.countAgencies();
      expect(await bootstrapFirstAgency(h.kw, config)).toEqual({ created: false });
      expect(await h.kw.store.countAgencies()).toBe(before);
    } finally {
      await h.close();
    }
  });

  it("a good bootstrap password creates the owner, who can sign in with it", async () => {
    const config = loadConfig({ KEYWARD_BOOTSTRAP_PASSWORD: "a good bootstrap password" });
    const h = await startHarness();
    try {
      const boot = await h.kw.accounts.bootstrap(config.bootstrap);
      expect(boot).toEqual({ created: true });
      await new Client(h).login(config.bootstrap.email, "a good bootstrap password");
    } finally {
      await h.close();
    }
  });
});
