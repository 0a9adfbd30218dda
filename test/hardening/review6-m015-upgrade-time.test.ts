/**
 * Review 6: migration 015 names why each ended install ended from its `app.uninstalled` audit entry.
 * It looked the entry up once per ended install, by `target_id` — a column without an index — so the
 * upgrade scanned the whole audit log once per ended install: with a deployment's audit log (every
 * key event of every agency) and a few thousand ended installs, the first node of the new version
 * spent minutes before serving (on PostgreSQL inside the migration's transaction, while every other
 * node waited on the migration lock). The audit log is now read once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type Migration, Migrator } from "kysely";
import { afterAll, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema, SCHEMA_MIGRATIONS } from "../../src/store/migrate-schema.js";

const T = Date.parse("2026-01-01T00:00:00Z");
const ENDED_INSTALLS = 1_500;
const AUDIT_ROWS = 150_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function migrateToBefore015(o: OpenedDatabase): Promise<void> {
  const steps = Object.entries(SCHEMA_MIGRATIONS).filter(([name]) => name < "015");
  const migrator = new Migrator({
    db: o.db,
    provider: {
      async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const [name, step] of steps) out[name] = { up: (tx) => step.up(tx, o.dialect) };
        return out;
      },
    },
    migrationTableName: "keyward_migrations",
    migrationLockTableName: "keyward_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

it("reads the audit log once, not once per ended install, and still names every reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "keyward-r6-m015-"));
  dirs.push(dir);
  const o = openDatabase({ dataDir: dir });
  try {
    await migrateToBefore015(o);
    const db = o.db as Kysely<any>;
    const installs = Array.from({ length: ENDED_INSTALLS }, (_, i) => ({
      id: `ins_${i}`,
      app_id: `app_${i % 50}`,
      agency_id: `agy_${i}`,
      location_id: null,
      location_ids_json: null,
      scopes_json: "[]",
      installed_by: null,
      installed_at: T - 10,
      last_used_at: null,
      uninstalled_at: T - 5,
    }));
    for (let i = 0; i < installs.length; i += 500)
      await db
        .insertInto("oauth_installs")
        .values(installs.slice(i, i + 500))
        .execute();
    // The history of a busy deployment: key events of every kind, and the uninstalls among them.
    const audit = (seq: number) => {
      const ended = seq < ENDED_INSTALLS;
      return {
        id: `aud_${seq}`,
        at: T - 1_000 + (seq % 900),
        agency_id: `agy_${seq % 1000}`,
        actor_type: "user",
        actor_id: "usr_1",
        ip: null,
        user_agent: null,
        action: ended ? "app.uninstalled" : "key.used",
        target_type: ended ? "app_install" : "key",
        target_id: ended ? `ins_${seq}` : `key_${seq}`,
        before_json: null,
        after_json: JSON.stringify({ reason: ended && seq % 2 === 0 ? "revoked_by_app" : "uninstalled" }),
      };
    };
    for (let i = 0; i < AUDIT_ROWS; i += 1_000)
      await db
        .insertInto("audit_log")
        .values(Array.from({ length: 1_000 }, (_, j) => audit(i + j)))
        .execute();

    const started = performance.now();
    await migrateSchema(o.db, o.dialect);
    const ms = performance.now() - started;

    const rows = await db.selectFrom("oauth_installs").select(["id", "uninstall_reason"]).execute();
    const reason = new Map(rows.map((r) => [r.id, r.uninstall_reason]));
    expect(reason.get("ins_0")).toBe("revoked_by_app");
    expect(reason.get("ins_1")).toBe("uninstalled");
    expect(reason.get(`ins_${ENDED_INSTALLS - 2}`)).toBe("revoked_by_app");
    expect([...reason.values()].every((r) => r === "revoked_by_app" || r === "uninstalled")).toBe(true);
    // One pass over the audit log takes well under a second here; one per ended install took ~10 s
    // and more on a quiet machine (it grows with installs × audit rows).
    expect(ms).toBeLessThan(5_000);
  } finally {
    await o.close();
  }
}, 120_000);
