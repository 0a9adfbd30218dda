/**
 * The `keyward` command, spawned as a user runs it (`node bin/keyward.js …`) against a data folder
 * of its own: migrate, agencies, keys; exit status 0 on success, 1 when the operation is refused,
 * 2 for a usage or configuration error.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
let dataDir: string;

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYWARD_")));
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["bin/keyward.js", ...args],
      { cwd: ROOT, env: { ...clean, KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "warn", ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "keyward-cli-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Each test spawns the CLI several times (about 1 s of CPU each): generous time on a loaded machine.
describe("keyward", { timeout: 120_000 }, () => {
  it("migrate brings an empty data folder up to date, then has nothing to do", async () => {
    const first = await run(["migrate"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 001_core/);
    const again = await run(["migrate"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("The schema is up to date.\n");
  });

  it("agencies create/list, keys create/list/rotate/revoke", async () => {
    const created = await run([
      "agencies",
      "create",
      "--name",
      "CLI Agency",
      "--owner-email",
      "cli-owner@acme.test",
      "--plan",
      "agency_pro",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const agencyId = created.stdout.trim();
    expect(agencyId).toMatch(/^agy_[0-9a-z]+$/);

    const list = await run(["agencies", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).agencies).toContainEqual(
      expect.objectContaining({ id: agencyId, name: "CLI Agency", plan: "agency_pro" }),
    );

    const key = await run([
      "keys",
      "create",
      "--account",
      agencyId,
      "--name",
      "Deploy bot",
      "--scopes",
      "locations.readonly, users.readonly",
      "--json",
    ]);
    expect(key.code, key.stderr).toBe(0);
    const made = JSON.parse(key.stdout);
    expect(made.token).toMatch(/^kw_pit_[0-9A-Za-z]{38}$/);
    expect(made.key.scopes).toEqual(["locations.readonly", "users.readonly"]);

    const human = await run(["keys", "list", "--account", agencyId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(made.key.id);
    expect(human.stdout).toContain(`kw_pit_…${made.token.slice(-4)}`);
    expect(human.stdout).not.toContain(made.token); // masked

    const rotated = await run(["keys", "rotate", made.key.id, "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout).token).not.toBe(made.token);

    const revoked = await run(["keys", "revoke", made.key.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("revoked");
    const listed = await run(["keys", "list", "--account", agencyId, "--all", "--json"]);
    const all = JSON.parse(listed.stdout);
    expect(all.keys.find((k: any) => k.id === made.key.id).status).toBe("revoked");
    // Every time Keyward prints is whole seconds (core/clock.ts), also the API views the CLI prints.
    for (const out of [listed.stdout, rotated.stdout, (await run(["agencies", "list", "--json"])).stdout]) {
      expect(out).toMatch(/"createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/);
      expect(out).not.toMatch(/\d\d:\d\d:\d\d\.\d+Z/);
    }
    expect(all.keys.find((k: any) => k.id === made.key.id).revokedAt).toMatch(/:\d\dZ$/);

    // Refused by the service: exit status 1 with the code.
    const [again, unknownScope, missing, controlName, badEmail, shortPassword] = await Promise.all([
      run(["keys", "revoke", made.key.id]),
      run(["keys", "create", "--account", agencyId, "--name", "x", "--scopes", "nope.nope"]),
      run(["keys", "revoke", "key_doesnotexist"]),
      run(["keys", "create", "--account", agencyId, "--name", "tab\there"]),
      run(["agencies", "create", "--name", "X", "--owner-email", "not-an-email"]),
      run(["agencies", "create", "--name", "X", "--owner-email", "a@b.test", "--owner-password", "short"]),
    ]);
    expect(again!.code).toBe(1);
    expect(again!.stderr).toMatch(/^invalid_state: /);
    expect(unknownScope!.code).toBe(1);
    expect(unknownScope!.stderr).toMatch(/validation_failed: .*Unknown scope "nope.nope"/);
    expect(missing!.code).toBe(1);
    expect(missing!.stderr).toMatch(/resource_not_found/);
    // The services apply the same rules as the HTTP schemas.
    expect(controlName!.code).toBe(1);
    expect(controlName!.stderr).toMatch(/validation_failed: .*name: must not contain control characters/);
    expect(badEmail!.code).toBe(1);
    expect(badEmail!.stderr).toMatch(/owner\.email/);
    expect(shortPassword!.code).toBe(1);
    expect(shortPassword!.stderr).toMatch(/owner\.password: must be at least 12 characters/);
    const names = JSON.parse((await run(["agencies", "list", "--json"])).stdout).agencies.map(
      (a: any) => a.name,
    );
    expect(names).toEqual(["CLI Agency"]);
  });

  it("agencies set-plan: the operator sets the plan, audited as the CLI", async () => {
    const created = await run([
      "agencies",
      "create",
      "--name",
      "Plan Agency",
      "--owner-email",
      "plan@acme.test",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const agencyId = created.stdout.trim();
    const up = await run(["agencies", "set-plan", agencyId, "agency_pro"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toBe(`${agencyId}: starter -> agency_pro\n`);
    const same = await run(["agencies", "set-plan", agencyId, "agency_pro"]);
    expect(same.stdout).toBe(`${agencyId} is already on agency_pro\n`);
    const list = JSON.parse((await run(["agencies", "list", "--json"])).stdout).agencies;
    expect(list.find((a: any) => a.id === agencyId).plan).toBe("agency_pro");
    const db = new Database(join(dataDir, "keyward.sqlite"), { readonly: true });
    try {
      const rows = db
        .prepare("select actor_type, actor_id, after_json from audit_log where agency_id = ? and action = ?")
        .all(agencyId, "agency.plan_changed") as any[];
      expect(rows.map((r) => [r.actor_type, r.actor_id, JSON.parse(r.after_json).plan])).toEqual([
        ["system", "cli", "agency_pro"],
      ]);
    } finally {
      db.close();
    }
    const [unknown, badPlan, missing] = await Promise.all([
      run(["agencies", "set-plan", "agy_nope", "starter"]),
      run(["agencies", "set-plan", agencyId, "gold"]),
      run(["agencies", "set-plan", agencyId]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^resource_not_found: /);
    expect(badPlan.code).toBe(2);
    expect(badPlan.stderr).toMatch(/the plan must be one of starter, unlimited, agency_pro/);
    expect(missing.code).toBe(2);
  }, 120_000);

  it("usage and configuration errors exit with 2", async () => {
    const cases = [
      [],
      ["frobnicate"],
      ["keys", "list"],
      ["keys", "create", "--account", "agy_x", "--name", "x", "--kind", "magic"],
      ["agencies", "create", "--name", "x", "--owner-email", "a@b.test", "--plan", "gold"],
      ["keys", "list", "--no-such-flag"],
    ];
    const [badConfig, help, ...results] = await Promise.all([
      run(["agencies", "list"], { KEYWARD_TOKEN_PREFIX: "Not-Valid" }),
      run(["keys", "--help"]),
      ...cases.map((args) => run(args)),
    ]);
    results.forEach((r, i) => {
      expect(r!.code, cases[i]!.join(" ")).toBe(2);
      expect(r!.stderr.length + r!.stdout.length).toBeGreaterThan(0);
    });
    expect(badConfig!.code).toBe(2);
    expect(badConfig!.stderr).toMatch(/KEYWARD_TOKEN_PREFIX/);
    expect(help!.code).toBe(0);
    expect(help!.stdout).toMatch(/keyward keys create/);
  });
});
