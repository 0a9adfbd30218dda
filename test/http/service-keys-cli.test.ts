/**
 * `keyward service-keys` (issue 12 §2), spawned as the operator runs it, against the data folder of
 * a running Keyward: the credential is printed once and works there; a revocation at the command
 * line reaches the running instance through the change log; bad usage exits 2, a refusal 1.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { hashToken } from "../../src/core/token.js";
import { createLogger } from "../../src/logger.js";
import { openDatabase } from "../../src/store/dialect.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import { SqliteBus } from "../../src/store/sqlite-bus.js";

const ROOT = resolve(import.meta.dirname, "../..");
let dataDir: string;
let kw: Keyward;
let bus: SqliteBus;

function run(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYWARD_")));
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["bin/keyward.js", "service-keys", ...args],
      { cwd: ROOT, env: { ...clean, KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "warn" } },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyward-svc-cli-"));
  const logger = createLogger("silent");
  const database = openDatabase({ dataDir });
  await migrateSchema(database.db, database.dialect);
  bus = await SqliteBus.open({ db: database.db, logger, pollMs: 3_600_000 });
  kw = await createKeyward({
    config: loadConfig({ KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "silent" }),
    logger,
    database,
    bus,
  });
});
afterAll(async () => {
  await kw.close();
  await kw.database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Each test spawns the CLI several times (about 1 s of CPU each): generous time on a loaded machine.
describe("keyward service-keys", { timeout: 180_000 }, () => {
  it("creates a credential printed once, lists it masked, and revokes it on the running instance", async () => {
    const made = await run(["create", "--name", "gateway", "--scopes", "verify,provision"]);
    expect(made.code, made.stderr).toBe(0);
    const token = /Credential \(shown once, store it now\): (kw_svc_\S+)/.exec(made.stdout)?.[1];
    expect(token).toBeDefined();
    const id = made.stdout.split("  ")[0]!;
    expect(id).toMatch(/^svk_/);
    expect(made.stdout).toContain("operator  provision,verify");

    const listed = await run(["list", "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(token!);
    expect(JSON.parse(listed.stdout).serviceKeys[0]).toMatchObject({
      id,
      token: `kw_svc_…${token!.slice(-4)}`,
    });

    const cred = await kw.serviceKeys.authenticate(token!, hashToken(token!));
    expect(cred).toMatchObject({ id, agencyId: null, scopes: ["provision", "verify"] });
    const revoked = await run(["revoke", id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await bus.poll();
    expect(await kw.serviceKeys.authenticate(token!, hashToken(token!))).toBeNull();
    const again = await run(["revoke", id]);
    expect([again.code, again.stderr]).toEqual([1, "invalid_state: This credential is already revoked.\n"]);
  });

  it("refuses unknown scopes (1) and bad usage (2)", async () => {
    const bad = await run(["create", "--name", "x", "--scopes", "verify,root"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Unknown service scope root/);
    expect((await run(["create", "--name", "x"])).code).toBe(2);
    expect((await run(["rotate"])).code).toBe(2);
    // Beyond the API's 7 days: the command line keeps the same bound as the HTTP API.
    expect((await run(["rotate", "svk_x", "--grace-seconds", "31536000"])).code).toBe(2);
    expect((await run(["frobnicate"])).code).toBe(2);
  });
});
