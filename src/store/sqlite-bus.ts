/**
 * Cache invalidation between processes sharing one SQLite file (issue 10 item 1): a server and the
 * `keyward` CLI, or several servers on one data folder.
 *
 * Every change to a cached fact appends a row to `change_log`, by trigger, in the transaction that
 * made it (migration 006). Each process polls every `pollMs`: `pragma data_version`, which changes
 * only when ANOTHER connection has committed, costs a few microseconds and no lock; only when it moved
 * are the new rows read and applied, exactly as the PostgreSQL bus applies a notification. Changes
 * made by this process are applied at once by the caller (`publish`), as on one node.
 *
 * The poll runs on a timer, never on the verification path, and never waits for a lock: the
 * connection's busy timeout is a few milliseconds and a tick that meets SQLITE_BUSY is skipped. While
 * polls keep failing, `maxEntryAgeMs` shrinks to one second, as the PostgreSQL bus does while deaf.
 * Rows older than `retentionMs` are pruned; a process that fell further behind clears its whole cache.
 */
import { type Kysely, sql } from "kysely";
import type { Logger } from "../logger.js";
import type { CacheBus, Invalidation } from "./invalidation.js";
import type { Database } from "./schema.js";

export interface SqliteBusOptions {
  db: Kysely<Database>;
  logger: Logger;
  pollMs?: number;
  /** Cache entry lifetime while polls fail (the product's revocation promise). */
  fallbackMs?: number;
  retentionMs?: number;
}

interface ChangeRow {
  id: number;
  kind: string;
  ref: string;
}

export class SqliteBus implements CacheBus {
  private readonly fns: ((msg: Invalidation) => void)[] = [];
  private readonly pollMs: number;
  private readonly fallbackMs: number;
  private readonly retentionMs: number;
  private timer: NodeJS.Timeout | null = null;
  private version = -1;
  private lastId = 0;
  private polling = false;
  private lastPolled = performance.now();
  private lastPruned = 0;
  private failing = false;
  /** Read on every verification: a field, kept by the poll, so that the hot path only reads it. */
  private stale = false;
  /** Polls that found another process's commit, for tests and the docs' figures. */
  reads = 0;

  private constructor(private readonly opts: SqliteBusOptions) {
    this.pollMs = opts.pollMs ?? 250;
    this.fallbackMs = opts.fallbackMs ?? 1_000;
    this.retentionMs = opts.retentionMs ?? 10 * 60_000;
  }

  /** Starts after the newest change: the cache is empty, nothing before it concerns this process. */
  static async open(opts: SqliteBusOptions): Promise<SqliteBus> {
    const bus = new SqliteBus(opts);
    bus.version = await bus.dataVersion();
    // The last id handed out, even if its row was pruned since.
    const r = await sql<{
      id: number | null;
    }>`select seq as id from sqlite_sequence where name = 'change_log'`.execute(opts.db);
    bus.lastId = r.rows[0]?.id ?? 0;
    bus.timer = setInterval(() => void bus.poll(), bus.pollMs);
    bus.timer.unref();
    return bus;
  }

  subscribe(fn: (msg: Invalidation) => void): void {
    this.fns.push(fn);
  }

  /** This process's own change: the trigger has logged it for the others; apply it here. */
  async publish(msg: Invalidation): Promise<void> {
    this.deliver(msg);
  }

  maxEntryAgeMs(defaultMs: number): number {
    return this.stale ? Math.min(defaultMs, this.fallbackMs) : defaultMs;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick: cheap unless another process committed. Exposed for tests. */
  async poll(): Promise<void> {
    if (this.polling || !this.timer) return;
    this.polling = true;
    try {
      const version = await this.dataVersion();
      if (version !== this.version) {
        await this.readChanges();
        // Only once the rows are applied: a failed read is tried again on the next tick.
        this.version = version;
      }
      this.lastPolled = performance.now();
      if (this.failing) this.opts.logger.info("reading the change log works again");
      this.failing = false;
      await this.prune();
    } catch (err) {
      if (!this.timer) return; // closed meanwhile (the database with it): nothing to report
      // SQLITE_BUSY (a checkpoint or recovery by another process) or worse: skip this tick.
      if (!this.failing) this.opts.logger.warn({ err }, "could not read the change log; will retry");
      this.failing = true;
    } finally {
      this.stale = performance.now() - this.lastPolled > this.fallbackMs;
      this.polling = false;
    }
  }

  private async dataVersion(): Promise<number> {
    const r = await sql<{ data_version: number }>`pragma data_version`.execute(this.opts.db);
    return r.rows[0]?.data_version ?? 0;
  }

  private async readChanges(): Promise<void> {
    const r =
      await sql<ChangeRow>`select id, kind, ref from change_log where id > ${this.lastId} order by id`.execute(
        this.opts.db,
      );
    const rows = r.rows;
    if (rows.length === 0) return;
    this.reads++;
    // Ids have no gaps (AUTOINCREMENT, writers serialized): a gap means rows this process never saw
    // were pruned, and anything cached may be stale.
    if (rows[0]!.id !== this.lastId + 1) this.deliver({ type: "all" });
    else
      for (const row of rows)
        if (
          row.kind === "key" ||
          row.kind === "agency" ||
          row.kind === "location" ||
          row.kind === "service_key"
        )
          this.deliver({ type: row.kind, id: row.ref });
        else this.deliver({ type: "all" });
    this.lastId = rows[rows.length - 1]!.id;
  }

  /** At most once a minute, and never waiting: another process's write lock just postpones it. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPruned < 60_000) return;
    this.lastPruned = now;
    await sql`delete from change_log where at < ${now - this.retentionMs}`
      .execute(this.opts.db)
      .catch(() => {});
  }

  private deliver(msg: Invalidation): void {
    for (const fn of this.fns) fn(msg);
  }
}
