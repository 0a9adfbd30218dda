import { type Kysely, sql } from "kysely";
import type { DialectInfo } from "../dialect.js";

/**
 * E-mail addresses are unique per agency, not across the deployment: a global unique index made
 * "a user with this e-mail already exists" tell one tenant about another tenant's people. One
 * address may now have an account in several agencies (sign-in then asks which one).
 *
 * PostgreSQL drops the column's unique constraint. SQLite cannot drop a column constraint, so the
 * table is rebuilt from its own stored definition minus `unique` (whatever columns later
 * schema migrations added stay), with foreign-key enforcement off for the swap: dropping the old table
 * must not cascade to sessions and location assignments, which point at it by name.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema of their day
export async function up(db: Kysely<any>, d: DialectInfo): Promise<void> {
  if (d.name === "postgres") {
    await sql`alter table users drop constraint if exists users_email_key`.execute(db);
  } else {
    await rebuildSqliteUsersWithoutUniqueEmail(db);
  }
  await db.schema
    .createIndex("users_agency_email")
    .on("users")
    .columns(["agency_id", "email"])
    .unique()
    .execute();
  // Sign-in looks an address up across agencies.
  await db.schema.createIndex("users_email").on("users").columns(["email"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see above
async function rebuildSqliteUsersWithoutUniqueEmail(db: Kysely<any>): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'users'`.execute(db);
  const createSql = table.rows[0]?.sql;
  const uniqueEmail = /("email"\s+text\s+not\s+null)\s+unique/i;
  if (!createSql || !uniqueEmail.test(createSql))
    throw new Error("004_user_email_per_agency: the users table is not the one this migration expects.");
  const rebuilt = createSql
    .replace(uniqueEmail, "$1")
    .replace(/^create table\s+"?users"?/i, 'create table "users_rebuilt"');
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = 'users' and sql is not null`.execute(
    db,
  );

  // PRAGMA foreign_keys has no effect inside a transaction: set it around one (Kysely runs SQLite
  // migrations outside a transaction, on one connection).
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (tx) => {
      await sql.raw(rebuilt).execute(tx);
      await sql`insert into users_rebuilt select * from users`.execute(tx);
      await sql`drop table users`.execute(tx);
      await sql`alter table users_rebuilt rename to users`.execute(tx);
      for (const i of indexes.rows) await sql.raw(i.sql).execute(tx);
      const broken = await sql`pragma foreign_key_check`.execute(tx);
      if (broken.rows.length > 0)
        throw new Error("004_user_email_per_agency: foreign keys do not hold after the rebuild.");
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
