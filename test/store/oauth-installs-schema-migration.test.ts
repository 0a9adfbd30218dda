/**
 * Schema migration 015 on a database that already holds OAuth installs, on SQLite and PostgreSQL:
 * duplicated active installs (two first client_credentials calls that raced before the unique index)
 * are reduced to the oldest, the others uninstalled with reason `duplicate` and their tokens revoked;
 * installs that ended get their reason from their audit entry (none: `uninstalled`, the cautious
 * reading); then the database refuses a second active install in the same place.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type Migration, Migrator } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { migrateSchema, SCHEMA_MIGRATIONS } from "../../src/store/migrate-schema.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const T = Date.parse("2026-01-01T00:00:00Z");

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

const install = (id: string, at: number, extra: Record<string, unknown> = {}) => ({
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
  ...extra,
});

const accessKey = (id: string, installId: string) => ({
  id,
  agency_id: "agy_a",
  location_id: null,
  kind: "oauth",
  name: "App",
  description: "",
  scopes_json: "[]",
  status: "active",
  imported: 0,
  created_at: T,
  created_by: null,
  updated_at: T,
  activity_at: T,
  expires_at: T + 86_400_000,
  oauth_app_id: "app_a",
  oauth_install_id: installId,
});

const refreshToken = (hash: string, installId: string) => ({
  hash,
  app_id: "app_a",
  install_id: installId,
  scopes_json: "[]",
  created_at: T,
  expires_at: T + 365 * 86_400_000,
  used_at: null,
  revoked_at: null,
  next_pair_enc: null,
});

const dialects: { name: string; open(): Promise<OpenedDatabase> }[] = [];
const dirs: string[] = [];
let pgServer: RunningPostgres | undefined;
dialects.push({
  name: "sqlite",
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-m015-"));
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

describe.each(dialects)("015_oauth_purge_and_installs on $name", (d) => {
  it("reduces duplicated installs to the oldest, names why installs ended, then refuses a twin", async () => {
    const o = await d.open();
    try {
      await migrateToBefore015(o);
      const db = o.db as Kysely<any>;
      await db
        .insertInto("agencies")
        .values({ id: "agy_a", name: "A", plan: "agency_pro", created_at: T, updated_at: T })
        .execute();
      await db
        .insertInto("oauth_installs")
        .values([
          install("ins_first", T),
          install("ins_twin", T + 1),
          install("ins_location", T + 2, { location_id: "loc_1" }),
          install("ins_by_app", T - 10, { uninstalled_at: T - 5 }),
          install("ins_unknown", T - 20, { uninstalled_at: T - 15 }),
        ])
        .execute();
      await db
        .insertInto("api_keys")
        .values([accessKey("key_first", "ins_first"), accessKey("key_twin", "ins_twin")])
        .execute();
      await db
        .insertInto("oauth_refresh_tokens")
        .values([refreshToken("h_first", "ins_first"), refreshToken("h_twin", "ins_twin")])
        .execute();
      await db
        .insertInto("audit_log")
        .values({
          id: "aud_1",
          at: T - 5,
          agency_id: "agy_a",
          actor_type: "system",
          action: "app.uninstalled",
          target_type: "app_install",
          target_id: "ins_by_app",
          after_json: JSON.stringify({ reason: "revoked_by_app", accessTokensRevoked: 0 }),
        })
        .execute();

      expect(await migrateSchema(o.db, o.dialect)).toContain("015_oauth_purge_and_installs");

      const rows = await db.selectFrom("oauth_installs").selectAll().orderBy("id").execute();
      const by = new Map(rows.map((r: any) => [r.id, r]));
      expect(by.get("ins_first")).toMatchObject({ uninstalled_at: null, uninstall_reason: null });
      expect(by.get("ins_location")).toMatchObject({ uninstalled_at: null });
      expect(by.get("ins_twin").uninstalled_at).not.toBeNull();
      expect(by.get("ins_twin").uninstall_reason).toBe("duplicate");
      expect(by.get("ins_by_app").uninstall_reason).toBe("revoked_by_app");
      expect(by.get("ins_unknown").uninstall_reason).toBe("uninstalled");

      const keys = await db.selectFrom("api_keys").select(["id", "status"]).orderBy("id").execute();
      expect(keys).toEqual([
        { id: "key_first", status: "active" },
        { id: "key_twin", status: "revoked" },
      ]);
      const tokens = await db
        .selectFrom("oauth_refresh_tokens")
        .select(["hash", "revoked_at"])
        .orderBy("hash")
        .execute();
      expect(tokens[0]).toMatchObject({ hash: "h_first", revoked_at: null });
      expect(tokens[1]!.revoked_at).not.toBeNull();

      // One active install per app and place from now on (another place, or an ended one, is fine).
      await expect(
        db
          .insertInto("oauth_installs")
          .values(install("ins_third", T + 3))
          .execute(),
      ).rejects.toThrow();
      await db
        .insertInto("oauth_installs")
        .values(install("ins_loc2", T + 3, { location_id: "loc_2" }))
        .execute();
      await db
        .insertInto("oauth_installs")
        .values(install("ins_old", T - 30, { uninstalled_at: T - 25 }))
        .execute();
    } finally {
      await o.close();
    }
  });
});
