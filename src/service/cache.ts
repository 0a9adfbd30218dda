/**
 * The verification cache: a verified token does not touch the database on its next request.
 * Entries are compact (shared strings, no driver rows). Every change to a key, an agency's plan or
 * its security setting invalidates here before the request that made it returns, and is published
 * on the `CacheBus` so other nodes invalidate too.
 */
import type { KeyStatus } from "../core/model.js";
import type { Plan } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import type { Store } from "../store/store.js";

export interface CachedToken {
  hash: string;
  keyId: string;
  agencyId: string;
  locationId: string | null;
  kind: KeyKind;
  name: string;
  scopes: readonly string[];
  status: KeyStatus;
  /** When the key reached its final or expired state. */
  statusAt: number | null;
  inactiveDays: number | null;
  validUntil: number | null;
  retiredReason: "rotated" | "cancelled" | null;
  /** In a rotation grace period: its own last use is remembered too. */
  inGrace: boolean;
  /** The key has been warned of an inactivity action: its next use is written through. */
  warned: boolean;
  loadedAt: number;
  /**
   * A valid verification's answer for this entry, under the agency facts it was judged with: made
   * once rather than per request (the hot path allocates as little as it can). Shared between
   * requests, so its readers never change it.
   */
  accepted?: { agency: AgencyFacts; result: ValidResult } | undefined;
}

/** A valid verification's answer. */
export interface ValidResult {
  valid: true;
  code: "valid";
  key: VerifiedKey;
}

/** A verified key, as the verifier answers it. */
export interface VerifiedKey {
  keyId: string;
  name: string;
  kind: KeyKind;
  agencyId: string;
  locationId: string | null;
  scopes: readonly string[];
  enhancedSecurity: boolean;
}

export interface AgencyFacts {
  plan: Plan;
  enhancedSecurity: boolean;
}

/** Invalidation messages shared between nodes (PostgreSQL LISTEN/NOTIFY when there are several). */
export type Invalidation =
  | { type: "key"; id: string }
  | { type: "agency"; id: string }
  /** A location was deleted: agency keys must stop reaching it (the Verifier's location map). */
  | { type: "location"; id: string }
  | { type: "all" };

export interface CacheBus {
  publish(msg: Invalidation): Promise<void>;
  /**
   * Tells the other nodes when the caller's transaction commits, and never if it rolls back (PostgreSQL
   * NOTIFY is transactional), so a node dying right after a commit cannot leave them unaware. The
   * caller still applies the change to its own cache after the commit. Absent on a single node.
   */
  publishOnCommit?(store: Store, msgs: readonly Invalidation[]): Promise<void>;
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

export class VerificationCache {
  private readonly byHash = new Map<string, CachedToken>();
  private readonly hashesByKey = new Map<string, string[]>();
  private readonly agencies = new Map<string, AgencyFacts>();
  /**
   * Counts invalidations. A read from the database that started before an invalidation may carry
   * the old state: the Verifier caches what it read only if no invalidation happened meanwhile.
   */
  private gen = 0;

  constructor(private readonly maxEntries = 1_000_000) {}

  get(hash: string): CachedToken | undefined {
    return this.byHash.get(hash);
  }

  agency(id: string): AgencyFacts | undefined {
    return this.agencies.get(id);
  }

  put(entry: CachedToken, agency: AgencyFacts): void {
    if (this.byHash.size >= this.maxEntries) this.clear();
    this.byHash.set(entry.hash, entry);
    const hashes = this.hashesByKey.get(entry.keyId);
    if (!hashes) this.hashesByKey.set(entry.keyId, [entry.hash]);
    else if (!hashes.includes(entry.hash)) hashes.push(entry.hash);
    this.agencies.set(entry.agencyId, agency);
  }

  drop(hash: string): void {
    this.byHash.delete(hash);
  }

  get generation(): number {
    return this.gen;
  }

  apply(msg: Invalidation): void {
    this.gen++;
    if (msg.type === "all") {
      this.clear();
      return;
    }
    if (msg.type === "agency") {
      this.agencies.delete(msg.id);
      return;
    }
    if (msg.type === "location") return;
    for (const h of this.hashesByKey.get(msg.id) ?? []) this.byHash.delete(h);
    this.hashesByKey.delete(msg.id);
  }

  clear(): void {
    this.byHash.clear();
    this.hashesByKey.clear();
    this.agencies.clear();
  }

  get size(): number {
    return this.byHash.size;
  }
}
