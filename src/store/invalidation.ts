/**
 * Cache invalidation messages and the bus that carries them between nodes. They live here, below the
 * services, because the PostgreSQL bus (pg-bus.ts) carries them over the store's connection; the
 * verification cache (service/cache.ts) applies them.
 */
import type { Store } from "./store.js";

/** Invalidation messages shared between nodes (PostgreSQL LISTEN/NOTIFY when there are several). */
export type Invalidation =
  | { type: "key"; id: string }
  | { type: "agency"; id: string }
  /** A location was deleted: agency keys must stop reaching it (the Verifier's location map). */
  | { type: "location"; id: string }
  /** A service credential was revoked or rotated (its credential cache entries go). */
  | { type: "service_key"; id: string }
  | { type: "all" };

export interface CacheBus {
  publish(msg: Invalidation): Promise<void>;
  /**
   * Tells the other nodes when the caller's transaction commits, and never if it rolls back (PostgreSQL
   * NOTIFY is transactional), so a node dying right after a commit cannot leave them unaware. The
   * caller still applies the change to its own cache after the commit. Absent on a single node.
   */
  publishOnCommit?(store: Store, msgs: readonly Invalidation[]): Promise<void>;
  /**
   * With `publishOnCommit`: after the commit, tells this node's own subscribers (the SDK event stream,
   * service/verify-events.ts) of a change the commit already told the other nodes of.
   */
  announce?(msg: Invalidation): void;
  subscribe(fn: (msg: Invalidation) => void): void;
  /** Entry lifetime the bus can vouch for; shortened while a bus is disconnected. */
  maxEntryAgeMs(defaultMs: number): number;
  close(): Promise<void>;
}

/** One node: nothing to tell anyone else. */
export class LocalBus implements CacheBus {
  private readonly fns: ((msg: Invalidation) => void)[] = [];
  async publish(msg: Invalidation): Promise<void> {
    for (const fn of this.fns) fn(msg);
  }
  subscribe(fn: (msg: Invalidation) => void): void {
    this.fns.push(fn);
  }
  maxEntryAgeMs(defaultMs: number): number {
    return defaultMs;
  }
  async close(): Promise<void> {}
}
