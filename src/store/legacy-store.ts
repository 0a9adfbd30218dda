/**
 * Storage for the legacy v1 capability (docs/spec.md §5): the guided-migration links, the use history the
 * migration report reads, and the legacy location keys' ciphertexts.
 */
import { sql } from "kysely";
import type { Store } from "./store.js";

export interface LegacyMigration {
  legacyKeyId: string;
  replacementKeyId: string;
  agencyId: string;
  startedAt: number;
  startedBy: string | null;
  completedAt: number | null;
}

export interface UsageDetail {
  keyId: string;
  day: string;
  endpoint: string;
  userAgent: string;
  ip: string;
  count: number;
}

const CHUNK = 500;

function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export class LegacyStore {
  constructor(private readonly store: Store) {}

  /** The same queries inside the caller's transaction. */
  with(store: Store): LegacyStore {
    return new LegacyStore(store);
  }

  private get db() {
    return this.store.db;
  }

  async migrationsOf(agencyId: string): Promise<LegacyMigration[]> {
    const rows = await this.db
      .selectFrom("legacy_migrations")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .execute();
    return rows.map(fromRow);
  }

  async migrationOf(legacyKeyId: string): Promise<LegacyMigration | null> {
    const r = await this.db
      .selectFrom("legacy_migrations")
      .selectAll()
      .where("legacy_key_id", "=", legacyKeyId)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /** Records (or replaces, when an earlier replacement was abandoned) a key's replacement. */
  async saveMigration(m: LegacyMigration): Promise<void> {
    const row = {
      legacy_key_id: m.legacyKeyId,
      replacement_key_id: m.replacementKeyId,
      agency_id: m.agencyId,
      started_at: m.startedAt,
      started_by: m.startedBy,
      completed_at: m.completedAt,
    };
    await this.db
      .insertInto("legacy_migrations")
      .values(row)
      .onConflict((oc) =>
        oc.column("legacy_key_id").doUpdateSet({
          replacement_key_id: row.replacement_key_id,
          started_at: row.started_at,
          started_by: row.started_by,
          completed_at: row.completed_at,
        }),
      )
      .execute();
  }

  async completeMigration(legacyKeyId: string, at: number): Promise<void> {
    await this.db
      .updateTable("legacy_migrations")
      .set({ completed_at: at })
      .where("legacy_key_id", "=", legacyKeyId)
      .execute();
  }

  /** Uses per key and UTC day since `sinceDay` (inclusive). */
  async dailyUse(
    keyIds: string[],
    sinceDay: string,
  ): Promise<{ keyId: string; day: string; count: number }[]> {
    const out: { keyId: string; day: string; count: number }[] = [];
    for (const ids of chunks(keyIds)) {
      const rows = await this.db
        .selectFrom("usage_daily")
        .select(["key_id", "day", "count"])
        .where("key_id", "in", ids)
        .where("day", ">=", sinceDay)
        .orderBy("day")
        .execute();
      for (const r of rows) out.push({ keyId: r.key_id, day: r.day, count: r.count });
    }
    return out;
  }

  /** Endpoint, user agent and source address of every use since `sinceDay` (legacy keys only record these). */
  async detailedUse(keyIds: string[], sinceDay: string): Promise<UsageDetail[]> {
    const out: UsageDetail[] = [];
    for (const ids of chunks(keyIds)) {
      const rows = await this.db
        .selectFrom("usage_details")
        .selectAll()
        .where("key_id", "in", ids)
        .where("day", ">=", sinceDay)
        .orderBy("day")
        .execute();
      for (const r of rows)
        out.push({
          keyId: r.key_id,
          day: r.day,
          endpoint: r.endpoint,
          userAgent: r.user_agent,
          ip: r.ip,
          count: r.count,
        });
    }
    return out;
  }

  /**
   * Erases the readable copies of an agency's legacy location keys (Enhanced Account Security was
   * turned on). The keys themselves, their tokens and states are untouched. Returns how many.
   */
  async eraseSecrets(agencyId: string): Promise<number> {
    const r = await this.db
      .selectFrom("api_keys")
      .select(sql<number>`count(*)`.as("n"))
      .where("agency_id", "=", agencyId)
      .where("secret_enc", "is not", null)
      .executeTakeFirstOrThrow();
    const n = Number(r.n);
    if (n > 0)
      await this.db
        .updateTable("api_keys")
        .set({ secret_enc: null })
        .where("agency_id", "=", agencyId)
        .where("secret_enc", "is not", null)
        .execute();
    return n;
  }
}

function fromRow(r: {
  legacy_key_id: string;
  replacement_key_id: string;
  agency_id: string;
  started_at: number;
  started_by: string | null;
  completed_at: number | null;
}): LegacyMigration {
  return {
    legacyKeyId: r.legacy_key_id,
    replacementKeyId: r.replacement_key_id,
    agencyId: r.agency_id,
    startedAt: r.started_at,
    startedBy: r.started_by,
    completedAt: r.completed_at,
  };
}
