/**
 * Schema migration 004 on a database that already holds people (issue 10 §18): e-mail addresses become
 * unique per agency instead of across the deployment, on SQLite (a table rebuild) and PostgreSQL
 * (a dropped constraint). Users, their sessions and location assignments survive the rebuild.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type Migration, Migrator, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import * as m001 from "../../src/store/schema-migrations/001_core.js";
import * as m002 from "../../src/store/schema-migrations/002_lifecycle.js";
import * as m003 from "../../src/store/schema-migrations/003_legacy_migrations.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const T = Date.parse("2026-01-01T00:00:00Z");

/** The schema as it was before 004, with the same bookkeeping tables as the real migrator. */
async function migrateToBefore004(o: OpenedDatabase): Promise<void> {
  const steps = { "001_core": m001, "002_lifecycle": m002, "003_legacy_migrations": m003 };
  const migrator = new Migrator({
    db: o.db,
    provider: {
      async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const [name, step] of Object.entries(steps)) out[name] = { up: (tx) => step.up(tx, o.dialect) };
        return out;
      },
    },
    migrationTableName: "keyward_migrations",
    migrationLockTableName: "keyward_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

async function seed(db: Kysely<any>): Promise<void> {
  for (const id of ["agy_a", "agy_b"])
    await db
      .insertInto("agencies")
      .values({
        id,
        name: id,
        plan: "starter",
        enhanced_security: 1,
        legacy_creation: null,
        policy_json: null,
        created_at: T,
        updated_at: T,
      })
      .execute();
  await db
    .insertInto("locations")
    .values({ id: "loc_a", agency_id: "agy_a", name: "Downtown", created_at: T, updated_at: T })
    .execute();
  const user = (id: string, agency: string, email: string) => ({
    id,
    agency_id: agency,
    email,
    name: id,
    password_hash: "$argon2id$x",
    type: "account",
    role: "user",
    created_at: T,
    updated_at: T,
  });
  await db
    .insertInto("users")
    .values(user("usr_1", "agy_a", "ann@acme.test"))
    .execute();
  await db.insertInto("user_locations").values({ user_id: "usr_1", location_id: "loc_a" }).execute();
  await db
    .insertInto("sessions")
    .values({ id: "sess_1", user_id: "usr_1", created_at: T, expires_at: T + 1000 })
    .execute();
  // Before 004 an address is unique across agencies.
  await expect(
    db
      .insertInto("users")
      .values(user("usr_2", "agy_b", "ann@acme.test"))
      .execute(),
  ).rejects.toThrow();
}

const dialects: { name: string; open(): Promise<OpenedDatabase> }[] = [];
const dirs: string[] = [];
let pgServer: RunningPostgres | undefined;
dialects.push({
  name: "sqlite",
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-m004-"));
    dirs.push(dir);
    return openDatabase({ dataDir: dir });
  },
});
dialects.push({
  name: "postgres",
  open: async () => {
    pgServer ??= await startPostgres();
    return openDatabase({ databaseUrl: pgServer.url, dataDir: tmpdir() });
  },
});
afterAll(async () => {
  await pgServer?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(dialects)("004_user_email_per_agency on $name", (d) => {
  it("keeps users, sessions and assignments; an address may then exist once per agency", async () => {
    const o = await d.open();
    try {
      await migrateToBefore004(o);
      const db = o.db as Kysely<any>;
      await seed(db);
      expect(await migrateSchema(o.db, o.dialect)).toContain("004_user_email_per_agency");

      const users = await db.selectFrom("users").select(["id", "agency_id", "email"]).execute();
      expect(users).toEqual([{ id: "usr_1", agency_id: "agy_a", email: "ann@acme.test" }]);
      expect(await db.selectFrom("user_locations").selectAll().execute()).toEqual([
        { user_id: "usr_1", location_id: "loc_a" },
      ]);
      expect((await db.selectFrom("sessions").select(["id", "user_id"]).execute())[0]).toEqual({
        id: "sess_1",
        user_id: "usr_1",
      });
      const again = {
        agency_id: "agy_b",
        email: "ann@acme.test",
        name: "Ann B",
        password_hash: null,
        type: "agency",
        role: "admin",
        created_at: T,
        updated_at: T,
      };
      await db
        .insertInto("users")
        .values({ id: "usr_2", ...again })
        .execute();
      await expect(
        db
          .insertInto("users")
          .values({ id: "usr_3", ...again, agency_id: "agy_a" })
          .execute(),
      ).rejects.toThrow();
      // Foreign keys still hold after the rebuild: a session of nobody is refused.
      await expect(
        db
          .insertInto("sessions")
          .values({ id: "sess_x", user_id: "usr_nobody", created_at: T, expires_at: T })
          .execute(),
      ).rejects.toThrow();
      if (o.dialect.name === "sqlite")
        expect(
          (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]!.foreign_keys,
        ).toBe(1);
    } finally {
      await o.close();
    }
  }, 60_000);
});
