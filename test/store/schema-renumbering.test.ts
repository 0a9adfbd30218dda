/**
 * Schema migrations are numbered without gaps (001 …). A database migrated when they were numbered
 * 001, 002, 005, 006, 007 has those names recorded: it must migrate cleanly, run nothing twice, and
 * record the new names — on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type Migration, Migrator } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema, SCHEMA_MIGRATIONS } from "../../src/store/migrate-schema.js";
import { RENUMBERED_SCHEMA_MIGRATIONS } from "../../src/store/schema-renumbering.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

/** The names the schema migrations had before the renumbering, in their order. */
const OLD_NAMES: [string, string][] = [
  ["001_core", "001_core"],
  ["002_lifecycle", "002_lifecycle"],
  ["005_legacy_migrations", "003_legacy_migrations"],
  ["006_user_email_per_agency", "004_user_email_per_agency"],
  ["007_attempts", "005_attempts"],
];

/** Migrates as a Keyward of before the renumbering did: the same steps, under their old names. */
async function migrateUnderOldNames(o: OpenedDatabase, upTo: string): Promise<void> {
  const migrator = new Migrator({
    db: o.db,
    provider: {
      async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const [old, current] of OLD_NAMES) {
          const step = SCHEMA_MIGRATIONS[current]!;
          out[old] = { up: (tx) => step.up(tx, o.dialect) };
          if (old === upTo) break;
        }
        return out;
      },
    },
    migrationTableName: "keyward_migrations",
    migrationLockTableName: "keyward_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

async function recorded(o: OpenedDatabase): Promise<string[]> {
  const rows = await (o.db as Kysely<any>)
    .selectFrom("keyward_migrations")
    .select("name")
    .orderBy("timestamp")
    .orderBy("name")
    .execute();
  return rows.map((r) => r.name as string);
}

const current = Object.keys(SCHEMA_MIGRATIONS);

const dialects: { name: string; open(): Promise<OpenedDatabase> }[] = [];
const dirs: string[] = [];
let pgServer: RunningPostgres | undefined;
let pgDatabases = 0;
dialects.push({
  name: "sqlite",
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-renumber-"));
    dirs.push(dir);
    return openDatabase({ dataDir: dir });
  },
});
dialects.push({
  name: "postgres",
  open: async () => {
    pgServer ??= await startPostgres();
    const url = await pgServer.createDatabase(`renumber_${++pgDatabases}`);
    return openDatabase({ databaseUrl: url, dataDir: tmpdir() });
  },
});
afterAll(async () => {
  await pgServer?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("schema migration names", () => {
  it("are numbered 001 … without gaps", () => {
    expect(current.map((n) => n.slice(0, 4))).toEqual(
      current.map((_, i) => `${String(i + 1).padStart(3, "0")}_`),
    );
  });

  it("map each old name to its new one, in the same order, never onto an old name", () => {
    const olds = Object.keys(RENUMBERED_SCHEMA_MIGRATIONS);
    const news = Object.values(RENUMBERED_SCHEMA_MIGRATIONS);
    expect(news).toEqual([...news].sort());
    for (const n of news) expect(olds).not.toContain(n);
    for (const o of olds) expect(current).not.toContain(o);
    for (const [old, now] of OLD_NAMES) if (old !== now) expect(RENUMBERED_SCHEMA_MIGRATIONS[old]).toBe(now);
    // The change log landed as 008 on its branch; it takes the next free number here.
    expect(RENUMBERED_SCHEMA_MIGRATIONS["008_change_log"]).toBe("006_change_log");
  });
});

describe.each(dialects)("a database migrated under the old names, on $name", (d) => {
  it("migrates cleanly, runs nothing again and records the new names", async () => {
    const o = await d.open();
    try {
      await migrateUnderOldNames(o, "007_attempts");
      expect(await recorded(o)).toEqual(OLD_NAMES.map(([old]) => old));
      // Only what came after the renumbering runs (nothing, until a schema migration 006 exists).
      expect(await migrateSchema(o.db, o.dialect)).toEqual(current.slice(OLD_NAMES.length));
      expect(await recorded(o)).toEqual(current);
      // Again: nothing left to rename or run.
      expect(await migrateSchema(o.db, o.dialect)).toEqual([]);
      expect(await recorded(o)).toEqual(current);
    } finally {
      await o.close();
    }
  }, 60_000);

  it("part-way: renames what it has, then applies the rest under the new names", async () => {
    const o = await d.open();
    try {
      await migrateUnderOldNames(o, "005_legacy_migrations");
      expect(await migrateSchema(o.db, o.dialect)).toEqual(current.slice(3));
      expect(current.slice(3, 5)).toEqual(["004_user_email_per_agency", "005_attempts"]);
      expect(await recorded(o)).toEqual(current);
    } finally {
      await o.close();
    }
  }, 60_000);

  it("a new database is migrated under the new names", async () => {
    const o = await d.open();
    try {
      expect(await migrateSchema(o.db, o.dialect)).toEqual(current);
      expect(await recorded(o)).toEqual(current);
    } finally {
      await o.close();
    }
  }, 60_000);
});
