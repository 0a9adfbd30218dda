/**
 * Issue 10, item 9: what Keyward writes is its own. With a umask that would leave files readable
 * by everyone (022), the data folder is 0700 and the database, its -wal and -shm, the generated
 * secret and the outbox's `.eml` files are 0600 — and a data folder left loose by an older version
 * is tightened on start.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, seedWorld, startHarness } from "../helpers/harness.js";

const MAR17 = Date.parse("2026-03-17T00:00:00Z");

let previousUmask: number | undefined;
beforeAll(() => {
  // The usual default: what the starting code's files inherited.
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  if (previousUmask !== undefined) process.umask(previousUmask);
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every folder and file under `dir`, with its mode. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { ".": mode(dir).toString(8) };
  const walk = (sub: string) => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      out[rel] = mode(join(dir, rel)).toString(8);
      if (e.isDirectory()) walk(rel);
    }
  };
  walk("");
  return out;
}

describe("files Keyward writes", () => {
  it("are 0600 in a 0700 data folder: database, WAL, shared memory, secret, outbox e-mails", async () => {
    const root = mkdtempSync(join(tmpdir(), "kw-files-"));
    const dataDir = join(root, "data");
    const h = await startHarness({ env: { KEYWARD_DATA_DIR: dataDir } });
    try {
      const w = await seedWorld(h.kw);
      const owner = await new Client(h).login(w.owner);
      // A write through the API, and an e-mail written to the outbox folder (no SMTP).
      expect((await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Old" })).status).toBe(201);
      h.clock.set(MAR17);
      await h.kw.scheduler.tick();
      expect((await h.kw.outbox.deliverDue()).sent).toHaveLength(1);

      const found = modes(dataDir);
      const eml = Object.keys(found).find((f) => f.startsWith("outbox/") && f.endsWith(".eml"));
      expect(eml).toBeDefined();
      for (const f of ["keyward.sqlite", "keyward.sqlite-wal", "keyward.sqlite-shm", "secret.key"])
        expect(found[f], f).toBeDefined();
      expect(found).toEqual(
        Object.fromEntries(
          Object.entries(found).map(([f]) => [f, f === "." || f === "outbox" ? "700" : "600"]),
        ),
      );
    } finally {
      await h.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("tightens a data folder and database left readable by an older version", async () => {
    const root = mkdtempSync(join(tmpdir(), "kw-files-"));
    const dataDir = join(root, "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, "keyward.sqlite"), "", { mode: 0o644 });
    chmodSync(join(dataDir, "keyward.sqlite"), 0o644);
    const h = await startHarness({ env: { KEYWARD_DATA_DIR: dataDir } });
    try {
      await seedWorld(h.kw);
      expect(mode(dataDir).toString(8)).toBe("700");
      for (const f of ["keyward.sqlite", "keyward.sqlite-wal", "keyward.sqlite-shm"])
        expect(mode(join(dataDir, f)).toString(8), f).toBe("600");
    } finally {
      await h.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
