/**
 * Cache invalidation across nodes over PostgreSQL LISTEN/NOTIFY (issue 6).
 *
 * Each node keeps one dedicated connection that LISTENs on `keyward_invalidation`; a change made on
 * one node is applied to its own cache at once and sent to the others with `pg_notify`. The bus can
 * only vouch for cached entries while that connection is alive, so it watches it with a heartbeat:
 * while it is lost (or has not answered for `staleAfterMs`), `maxEntryAgeMs` shrinks to
 * `fallbackMs` (1 s, the product's revocation promise: an entry is then never trusted for longer than
 * a notification would have taken), the readiness check reports `invalidation` degraded and the
 * `keyward_invalidation_connected` gauge reads 0. On reconnecting it drops the whole local cache,
 * since anything cached while deaf may have missed a notification.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { CacheBus, Invalidation } from "./invalidation.js";
import type { Store } from "./store.js";

export const INVALIDATION_CHANNEL = "keyward_invalidation";

/** The prefix of the listening connection's `application_name` (operators find it in pg_stat_activity). */
export const LISTENER_APP_NAME = "keyward-listen";

export interface PgBusOptions {
  /** Where to listen (a dedicated connection, outside the pool). */
  connectionString: string;
  /** Used to publish while the listening connection is down. */
  pool: pg.Pool;
  logger: Logger;
  metrics?: Metrics;
  /** Real time, for liveness (the heartbeat is about the network, not the domain clock). */
  clock?: Clock;
  /** Cache entry lifetime while the bus cannot vouch for entries. */
  fallbackMs?: number;
  heartbeatMs?: number;
  /** With no answer from the listening connection for this long, entries are no longer vouched for. */
  staleAfterMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface BusHealth {
  name: "invalidation";
  ok: boolean;
  detail?: string;
}

const isInvalidation = (m: unknown): m is Invalidation & { from?: string } => {
  if (typeof m !== "object" || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === "all") return true;
  return (
    (t === "key" || t === "agency" || t === "location" || t === "service_key") &&
    typeof (m as { id?: unknown }).id === "string"
  );
};

export class PgBus implements CacheBus {
  /** Identifies this node's messages, so its own echoes are not applied twice. */
  readonly nodeId = randomBytes(6).toString("hex");
  private readonly fns: ((msg: Invalidation) => void)[] = [];
  private readonly clock: Clock;
  private readonly fallbackMs: number;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private client: pg.Client | null = null;
  private connected = false;
  private lastAlive = 0;
  private connectedAt = 0;
  private lostAt: number;
  private lastError = "not connected yet";
  private attempt = 0;
  private closed = false;
  private beating = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** Successful (re)connections, for tests and the benchmark. */
  connections = 0;

  private constructor(private readonly opts: PgBusOptions) {
    this.clock = opts.clock ?? systemClock;
    this.fallbackMs = opts.fallbackMs ?? 1_000;
    this.heartbeatMs = opts.heartbeatMs ?? 250;
    this.staleAfterMs = opts.staleAfterMs ?? 1_000;
    this.lostAt = this.clock.now();
    opts.metrics?.invalidationConnected.set(0);
  }

  /**
   * Connects and LISTENs before returning, so a node that serves has its bus subscribed. If the first
   * attempt fails the node still starts, degraded (short cache lifetimes), and keeps retrying.
   */
  static async open(opts: PgBusOptions): Promise<PgBus> {
    const bus = new PgBus(opts);
    await bus.connect();
    bus.heartbeat = setInterval(() => void bus.beat(), bus.heartbeatMs);
    bus.heartbeat.unref();
    return bus;
  }

  subscribe(fn: (msg: Invalidation) => void): void {
    this.fns.push(fn);
  }

  /** Applies locally at once, then tells the other nodes. */
  async publish(msg: Invalidation): Promise<void> {
    this.deliver(msg);
    const payload = JSON.stringify({ ...msg, from: this.nodeId });
    for (let i = 0; ; i++) {
      // The listening connection is idle and needs no pool checkout; the pool covers its absence.
      const via = this.connected && this.client ? this.client : this.opts.pool;
      try {
        await via.query("select pg_notify($1, $2)", [INVALIDATION_CHANNEL, payload]);
        return;
      } catch (err) {
        if (i >= 3 || this.closed) {
          // The change is committed; the other nodes will drop it from their caches when they notice the
          // database trouble (their listening connections fail too and they clear on reconnect).
          this.opts.logger.error({ err, msg }, "could not publish a cache invalidation to other nodes");
          return;
        }
        await new Promise((r) => setTimeout(r, 50 * 2 ** i));
      }
    }
  }

  async publishOnCommit(store: Store, msgs: readonly Invalidation[]): Promise<void> {
    if (msgs.length === 0) return;
    const payloads = msgs.map((m) => JSON.stringify({ ...m, from: this.nodeId }));
    await sql`select pg_notify(${INVALIDATION_CHANNEL}, p) from unnest(${payloads}::text[]) as p`.execute(
      store.db,
    );
  }

  announce(msg: Invalidation): void {
    this.deliver(msg);
  }

  maxEntryAgeMs(defaultMs: number): number {
    if (this.connected && this.clock.now() - this.lastAlive <= this.staleAfterMs) return defaultMs;
    return Math.min(defaultMs, this.fallbackMs);
  }

  /** The readiness check: degraded (not failing) while deaf, since the node still answers correctly. */
  health(): BusHealth {
    const now = this.clock.now();
    if (this.connected && now - this.lastAlive <= this.staleAfterMs)
      return { name: "invalidation", ok: true };
    const since = this.connected ? this.lastAlive : this.lostAt;
    const secs = ((now - since) / 1000).toFixed(1);
    return {
      name: "invalidation",
      ok: false,
      detail:
        `not receiving invalidations from other nodes for ${secs} s (${this.lastError}); ` +
        `cached keys are re-read after ${this.fallbackMs} ms until the connection is back`,
    };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (c) await c.end().catch(() => {});
  }

  private deliver(msg: Invalidation): void {
    for (const fn of this.fns) fn(msg);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: `${LISTENER_APP_NAME} pid=${process.pid} node=${this.nodeId}`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
    });
    c.on("error", (err) => this.lost(c, err));
    c.on("end", () => this.lost(c, new Error("connection closed")));
    c.on("notification", (n) => {
      if (n.channel !== INVALIDATION_CHANNEL || !n.payload) return;
      let m: unknown;
      try {
        m = JSON.parse(n.payload);
      } catch {
        return;
      }
      if (!isInvalidation(m) || m.from === this.nodeId) return;
      this.lastAlive = this.clock.now();
      this.deliver(m.type === "all" ? { type: "all" } : { type: m.type, id: m.id });
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (err) {
      this.lost(c, err as Error);
      return;
    }
    if (this.closed) {
      await c.end().catch(() => {});
      return;
    }
    this.client = c;
    this.connected = true;
    this.connections++;
    this.connectedAt = this.lastAlive = this.clock.now();
    this.opts.metrics?.invalidationConnected.set(1);
    // Whatever was cached while deaf may have missed a notification.
    this.deliver({ type: "all" });
    if (this.connections > 1) this.opts.logger.info("invalidation channel reconnected; cache cleared");
  }

  private lost(c: pg.Client, err: Error): void {
    if (this.closed) return;
    if (this.client !== null && this.client !== c) return; // a stale client's late event
    const wasConnected = this.connected;
    this.client = null;
    this.connected = false;
    this.lastError = err.message;
    this.opts.metrics?.invalidationConnected.set(0);
    c.removeAllListeners("notification");
    c.on("error", () => {}); // a dead client may still emit
    void c.end().catch(() => {});
    if (wasConnected) {
      this.lostAt = this.clock.now();
      // A connection that held for a while starts the backoff again; one killed at once does not.
      if (this.lostAt - this.connectedAt > 10_000) this.attempt = 0;
      this.opts.logger.warn(
        { err: err.message },
        "invalidation channel lost: short cache lifetimes until it reconnects",
      );
    }
    if (this.retry) return;
    const min = this.opts.reconnectMinMs ?? 200;
    const max = this.opts.reconnectMaxMs ?? 5_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, delay);
    this.retry.unref();
  }

  /** Proves the listening connection still answers; a silent partition shows up within `staleAfterMs`. */
  private async beat(): Promise<void> {
    const c = this.client;
    if (!c || !this.connected || this.beating) return;
    this.beating = true;
    try {
      await c.query("select 1");
      if (c === this.client) this.lastAlive = this.clock.now();
    } catch (err) {
      this.lost(c, err as Error);
    } finally {
      this.beating = false;
    }
  }
}
