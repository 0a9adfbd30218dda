/**
 * Whether the database can be written, for /readyz (issue 10 item 12). A `select 1` answers even when
 * every write fails (a read-only file or folder, a full disk, a standby): the probe tries a write
 * instead and rolls it back. Its answer is kept for `ttlMs`, so /readyz stays cheap however often it
 * is asked. A request that met a storage failure makes /readyz say so for ten seconds whatever the
 * probe finds (a full disk lets the probe's empty write through), then the probe decides again.
 */
import { type Kysely, sql } from "kysely";
import type { Clock } from "../core/clock.js";
import { type DialectInfo, WriteLockBusy } from "./dialect.js";
import type { Database } from "./schema.js";
import { storageFailure } from "./storage-errors.js";

export interface StorageCheck {
  name: "storage";
  ok: boolean;
  detail?: string;
}

/** Thrown inside the probe's transaction to roll it back. */
const ROLL_BACK = Symbol("roll back");

export class StorageHealth {
  private kept: { at: number; result: StorageCheck } | null = null;
  private failed: { at: number; reason: string } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectInfo,
    private readonly clock: Clock,
    private readonly ttlMs = 2_000,
    private readonly failureHoldMs = 10_000,
  ) {}

  async check(): Promise<StorageCheck> {
    const now = this.clock.now();
    // A write that really failed outranks the probe: a full disk lets the probe's empty write
    // through while every real one fails.
    if (this.failed && now - this.failed.at < this.failureHoldMs)
      return {
        name: "storage",
        ok: false,
        detail: `a write failed ${Math.round((now - this.failed.at) / 1000)} s ago (${this.failed.reason})`,
      };
    if (this.kept && now - this.kept.at < this.ttlMs) return this.kept.result;
    const result = await this.probe();
    this.kept = { at: now, result };
    return result;
  }

  /**
   * A request met a storage failure: /readyz reports it for `failureHoldMs`, then probes again
   * (a passing probe alone does not prove real writes work).
   */
  noteFailure(reason: string): void {
    this.kept = null;
    this.failed = { at: this.clock.now(), reason };
  }

  private async probe(): Promise<StorageCheck> {
    try {
      if (this.dialect.name === "postgres") {
        const r = await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(
          this.db,
        );
        if (r.rows[0]?.ro === "on")
          return { name: "storage", ok: false, detail: "PostgreSQL refuses writes (read-only transaction)" };
        return { name: "storage", ok: true };
      }
      // A write that changes nothing, rolled back: SQLite checks it may write before running it.
      await this.db
        .transaction()
        .execute(async (tx) => {
          await sql`update keyward_migrations_lock set is_locked = is_locked where 0 = 1`.execute(tx);
          throw ROLL_BACK;
        })
        .catch((err) => {
          if (err !== ROLL_BACK) throw err;
        });
      return { name: "storage", ok: true };
    } catch (err) {
      // Another process writing right now is contention, not failure: writes wait for it.
      if (err instanceof WriteLockBusy)
        return { name: "storage", ok: true, detail: "another process holds the write lock" };
      return { name: "storage", ok: false, detail: storageFailure(err) ?? (err as Error).message };
    }
  }
}
