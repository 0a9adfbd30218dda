/**
 * The verification cache: a verified token does not touch the database on its next request.
 * Entries are compact (shared strings, no driver rows). Every change to a key, an agency's plan or
 * its security setting invalidates here before the request that made it returns, and is published
 * on the `CacheBus` so other nodes invalidate too.
 */
import type { IpMatcher } from "../core/ip-allowlist.js";
import type { KeyStatus } from "../core/model.js";
import type { Plan } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import type { Invalidation } from "../store/invalidation.js";

export interface CachedToken {
  hash: string;
  keyId: string;
  agencyId: string;
  locationId: string | null;
  /** An agency key limited to these locations (issue 13 §4); null: every location of its agency. */
  locationIds: readonly string[] | null;
  /** The same, as a set: looked up on every verification that names a location. */
  locationSet: ReadonlySet<string> | null;
  /** The key's IP allowlist and its location's (issue 13 §2), compiled once per entry; null: none. */
  ipAllow: IpMatcher | null;
  locationIpAllow: IpMatcher | null;
  kind: KeyKind;
  name: string;
  scopes: readonly string[];
  status: KeyStatus;
  /** When the key reached its final or expired state. */
  statusAt: number | null;
  inactiveDays: number | null;
  /** When the key's lifetime ends (issue 13 §3), judged on every verification; null: no lifetime. */
  expiresAt: number | null;
  validUntil: number | null;
  retiredReason: "rotated" | "cancelled" | null;
  /** In a rotation grace period: its own last use is remembered too. */
  inGrace: boolean;
  /** The key has been warned of an inactivity action: its next use is written through. */
  warned: boolean;
  loadedAt: number;
  /** An OAuth access token: its app and install (docs/oauth.md); null for every other key. */
  oauth: OAuthFacts | null;
  /**
   * A valid verification's answer for this entry, under the agency facts it was judged with: made
   * once rather than per request (the hot path allocates as little as it can). Shared between
   * requests, so its readers never change it.
   */
  accepted?:
    | {
        agency: AgencyFacts;
        result: ValidResult;
        /** The same answer marked `cache: false` (made at its first use, for keys a client must not cache). */
        uncached: ValidResult | undefined;
      }
    | undefined;
}

/** A valid verification's answer. */
export interface ValidResult {
  valid: true;
  code: "valid";
  key: VerifiedKey;
  /**
   * false: a client (the SDK) must not keep this answer — the key has a pending inactivity action
   * (this use was written through to spare it), or the token is in a rotation grace period (its own
   * last use is recorded): each of its uses must reach Keyward.
   */
  cache?: false;
}

/** What verification knows of an OAuth access token's origin. */
export interface OAuthFacts {
  appId: string;
  appName: string;
  installId: string;
  /** Issued to an agency-distribution install (Agency Pro needed), or a location token derived from one. */
  agencyInstall: boolean;
}

/** A verified key, as the verifier answers it. */
export interface VerifiedKey {
  keyId: string;
  name: string;
  kind: KeyKind;
  agencyId: string;
  locationId: string | null;
  /** An agency key limited to these locations; null: every location of its agency. */
  locationIds: readonly string[] | null;
  scopes: readonly string[];
  enhancedSecurity: boolean;
  /** kind `oauth`: the app and install the access token was issued to. */
  oauth?: OAuthFacts | null | undefined;
}

export interface AgencyFacts {
  plan: Plan;
  enhancedSecurity: boolean;
  /** The agency's IP allowlist, compiled once per load (absent or null: none). */
  ipAllow?: IpMatcher | null | undefined;
}

// The messages and the bus live with the store, whose PostgreSQL channel carries them.
export { type CacheBus, type Invalidation, LocalBus } from "../store/invalidation.js";

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
    if (msg.type === "location") {
      // Rare (a location deleted, or its IP allowlist changed): a scan rather than an index to keep.
      for (const [h, e] of this.byHash) if (e.locationId === msg.id) this.byHash.delete(h);
      return;
    }
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
