/**
 * Review 6: SQLite runs schema migrations statement by statement, without a transaction
 * (store/migrate-schema.ts). Migration 015 adds a column, reduces duplicated installs, then creates
 * a unique index — a step that fails when a twin install appears after the reduction (another
 * process on the same file still running the previous version, during a rolling restart) or when
 * the process is stopped midway. Then every later start failed at the first statement ("duplicate
 * column name: uninstall_reason"): the database could not be upgraded without hand-written SQL.
 * 015 now resumes where it stopped: a second start reduces the twins again and finishes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type Migration, Migrator, sql } from "kysely";
import { afterAll, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema, SCHEMA_MIGRATIONS } from "../../src/store/migrate-schema.js";

const T = Date.parse("2026-01-01T00:00:00Z");
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

const install = (id: string, at: number) => ({
  id,
  app_id: "app_a",
  agency_id: "agy_a",
  location_id: null,
  location_ids_json: null,
  scopes_json: "[]",
  installed_by: null,
  installed_at: at,
  last_used_at: null,
  uninstalled_at: null,
});

it("on SQLite, a 015 that failed midway finishes at the next start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "keyward-r6-m015-retry-"));
  dirs.push(dir);
  const o = openDatabase({ dataDir: dir });
  try {
    await migrateToBefore015(o);
    const db = o.db as Kysely<any>;
    await db
      .insertInto("oauth_installs")
      .values([install("ins_a", T), install("ins_b", T + 1)])
      .execute();
    await db
      .insertInto("oauth_refresh_tokens")
      .values({
        hash: "h_b",
        app_id: "app_a",
        install_id: "ins_b",
        scopes_json: "[]",
        created_at: T,
        expires_at: T + 86_400_000,
        used_at: null,
        revoked_at: null,
        next_pair_enc: null,
      })
      .execute();
    // Another process, still on the previous version, makes a twin right after the reduction
    // revoked ins_b's tokens: modelled by a trigger on that very write.
    await sql
      .raw(
        `create trigger old_process_twin after update on oauth_refresh_tokens
         when not exists (select 1 from oauth_installs where id = 'ins_c')
         begin
           insert into oauth_installs (id, app_id, agency_id, location_id, location_ids_json, scopes_json,
             installed_by, installed_at, last_used_at, uninstalled_at)
           values ('ins_c', 'app_a', 'agy_a', null, null, '[]', null, ${T + 2}, null, null);
         end`,
      )
      .execute(db);

    await expect(migrateSchema(o.db, o.dialect)).rejects.toThrow(/UNIQUE|unique/);

    // The old process is gone; the node starts again.
    await sql.raw("drop trigger old_process_twin").execute(db);
    expect(await migrateSchema(o.db, o.dialect)).toContain("015_oauth_purge_and_installs");

    const rows = await db
      .selectFrom("oauth_installs")
      .select(["id", "uninstalled_at", "uninstall_reason"])
      .orderBy("id")
      .execute();
    expect(rows.map((r) => [r.id, r.uninstalled_at === null, r.uninstall_reason])).toEqual([
      ["ins_a", true, null],
      ["ins_b", false, "duplicate"],
      ["ins_c", false, "duplicate"],
    ]);
    // And the rule holds from now on.
    await expect(
      db
        .insertInto("oauth_installs")
        .values(install("ins_d", T + 3))
        .execute(),
    ).rejects.toThrow();
  } finally {
    await o.close();
  }
});
