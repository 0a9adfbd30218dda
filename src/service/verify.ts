/**
 * Verification (docs/spec.md §3): a presented token in, one stable code out. Expected outcomes are values,
 * not exceptions. The hot path for a cached key is: one SHA-256, two map lookups, a few
 * comparisons, and an in-memory use record; a token not in the cache has its shape checked (no I/O)
 * before the store is asked.
 */
import type { Clock } from "../core/clock.js";
import { isoSecond } from "../core/clock.js";
import type { VerifyErrorCode } from "../core/errors.js";
import { compileAllowlist } from "../core/ip-allowlist.js";
import { planAllowsAgencyKeys } from "../core/permissions.js";
import { hashToken, inspectToken } from "../core/token.js";
import type { Store, TokenLookup } from "../store/store.js";
import type {
  AgencyFacts,
  CacheBus,
  CachedToken,
  ValidResult,
  VerificationCache,
  VerifiedKey,
} from "./cache.js";
import type { UsageRecorder, UseInfo } from "./usage.js";

export type { VerifiedKey };

/** A valid answer is shared between requests (see CachedToken.accepted): readers never change it. */
export type VerifyResult =
  | ValidResult
  | { valid: false; code: VerifyErrorCode; message: string; key?: VerifiedKey; missingScopes?: string[] };

export interface VerifyOptions {
  requiredScopes?: readonly string[] | undefined;
  /** The location the request concerns; checked against the key's owner. */
  locationId?: string | undefined;
  use?: UseInfo;
  /** The asking agency (an agency's service credential): another agency's token is unknown to it. */
  agencyId?: string | undefined;
}

const UNKNOWN_TOKEN = "Unknown token: it was never issued by this deployment, or it was mistyped.";
/** Valid answers of keys whose lifetime ends sooner than this are marked `cache: false` (docs/traffic-policy.md). */
const CLIENT_CACHE_LIFETIME_MARGIN_MS = 86_400_000;

const NO_USE: UseInfo = { ip: null, userAgent: null, endpoint: null };

export class Verifier {
  /** Locations' agencies, for agency keys asking about a location. A location never changes agency. */
  private readonly locationAgency = new Map<string, string | null>();

  constructor(
    private readonly deps: {
      store: Store;
      cache: VerificationCache;
      bus: CacheBus;
      usage: UsageRecorder;
      clock: Clock;
      prefix: string;
      cacheTtlMs: number;
    },
  ) {}

  /**
   * Not `async`: a cached key is judged without a promise of its own (callers await the result,
   * which may or may not be a promise). Only a store read or a written-through use returns one.
   */
  verify(token: string, opts: VerifyOptions = {}): VerifyResult | Promise<VerifyResult> {
    const { cache, clock, prefix } = this.deps;
    const hash = hashToken(token);
    const now = clock.now();
    const entry = cache.get(hash);
    // The cache only ever holds tokens whose shape passed (they are put by `load`, which runs after
    // the shape check), so a fresh entry needs no second look at the shape.
    if (entry && now - entry.loadedAt <= this.deps.bus.maxEntryAgeMs(this.deps.cacheTtlMs)) {
      const agency = cache.agency(entry.agencyId);
      if (agency) return this.judge(entry, agency, now, opts);
    }
    const shape = inspectToken(token, prefix);
    if (!shape.ok) return { valid: false, code: "malformed", message: shape.reason };
    return this.load(hash, shape.ours, shape.ours ? "" : shape.reason, now, opts);
  }

  /** A cache miss (or a stale entry): the token is read from the store. */
  private async load(
    hash: string,
    ours: boolean,
    reason: string,
    now: number,
    opts: VerifyOptions,
  ): Promise<VerifyResult> {
    const { cache } = this.deps;
    const gen = cache.generation;
    const found = await this.deps.store.findToken(hash);
    if (!found)
      return ours ? fail("not_found", UNKNOWN_TOKEN) : { valid: false, code: "malformed", message: reason };
    const entry = toEntry(found, now);
    const agency = toAgencyFacts(found.agency);
    // An invalidation during the read may have been meant for what it returned: use it once, keep nothing.
    if (cache.generation === gen) cache.put(entry, agency);
    return this.judge(entry, agency, now, opts);
  }

  /** Synchronous unless a location must be looked up or a use written through (no await on the hot path). */
  private judge(
    e: CachedToken,
    agency: AgencyFacts,
    now: number,
    opts: VerifyOptions,
  ): VerifyResult | Promise<VerifyResult> {
    // Before anything else is said (or counted): another agency's key does not exist for this caller.
    if (opts.agencyId !== undefined && e.agencyId !== opts.agencyId) return fail("not_found", UNKNOWN_TOKEN);
    // A lifetime chosen at creation (issue 13 §3) ends by the clock alone, so every node sees it at
    // once from its cached entry. When something else also ended the token, the earlier one wins.
    if (e.expiresAt !== null && now >= e.expiresAt && lifetimeEndedFirst(e))
      return fail(
        "expired",
        `This token expired on ${isoSecond(e.expiresAt)} (its lifetime ended): an admin can extend its lifetime or rotate it, or create a new key.`,
      );
    if (e.validUntil !== null && now >= e.validUntil) {
      if (e.retiredReason === "cancelled")
        return fail(
          "revoked",
          `This token was revoked on ${isoSecond(e.validUntil)} when its rotation was cancelled.`,
        );
      return fail(
        "rotated",
        `This token was replaced by rotation on ${isoSecond(e.validUntil)}: use the new token.`,
      );
    }
    switch (e.status) {
      case "revoked":
        return fail("revoked", `This token was revoked on ${isoSecond(e.statusAt ?? now)}.`);
      case "deleted":
        return fail(
          "deleted",
          `This token was deleted on ${isoSecond(e.statusAt ?? now)} after ${e.inactiveDays === 1 ? "1 day" : `${e.inactiveDays ?? "?"} days`} without use.`,
        );
      case "expired":
        return fail(
          "expired",
          `This token expired on ${isoSecond(e.statusAt ?? now)} after ${e.inactiveDays === 1 ? "1 day" : `${e.inactiveDays ?? "?"} days`} without use; an admin can refresh or rotate it.`,
        );
      case "active":
        break;
    }
    let accepted = e.accepted;
    if (accepted?.agency !== agency) {
      accepted = {
        agency,
        result: { valid: true, code: "valid", key: toVerified(e, agency) },
        uncached: undefined,
      };
      e.accepted = accepted;
    }
    const valid = accepted.result;
    const key = valid.key;
    if (e.locationId === null && !planAllowsAgencyKeys(agency.plan))
      return {
        ...fail("plan_required", `Agency keys need the agency_pro plan; this agency is on ${agency.plan}.`),
        key,
      };
    // An agency-distribution app's install is suspended while its agency is below Agency Pro
    // (docs/oauth.md), the location tokens derived from it included.
    if (e.oauth?.agencyInstall && !planAllowsAgencyKeys(agency.plan))
      return {
        ...fail(
          "plan_required",
          `The app "${e.oauth.appName}" is installed for the agency, which needs the agency_pro plan; this agency is on ${agency.plan}: the install is suspended.`,
        ),
        key,
      };
    // Before anything counts as a use: a request from outside an allowlist may not be the key's owner.
    const listed = e.ipAllow !== null || e.locationIpAllow !== null || !!agency.ipAllow;
    if (listed) {
      const refused = ipRefusal(e, agency, opts.use?.ip ?? null);
      if (refused !== null) return { ...fail("ip_forbidden", refused), key };
    }
    // A client (the SDK) keeps a valid answer for minutes: not one of a key whose lifetime ends within a day.
    const noClientCache =
      listed || (e.expiresAt !== null && e.expiresAt - now < CLIENT_CACHE_LIFETIME_MARGIN_MS);
    if (opts.locationId !== undefined)
      return this.judgeLocation(e, valid, opts.locationId, opts, noClientCache);
    return this.accept(e, valid, opts, noClientCache);
  }

  private async judgeLocation(
    e: CachedToken,
    valid: ValidResult,
    locationId: string,
    opts: VerifyOptions,
    noClientCache: boolean,
  ): Promise<VerifyResult> {
    if (!(await this.reachesLocation(e, locationId)))
      return {
        ...fail("location_forbidden", "The token does not have access to this location."),
        key: valid.key,
      };
    return this.accept(e, valid, opts, noClientCache);
  }

  /**
   * Scopes, then the use is recorded and the key accepted. `noClientCache`: an IP allowlist applies
   * (which a client's cache, the SDK, cannot judge for the next caller) or the key's lifetime ends
   * within a day, so the answer must not be cached by the client.
   */
  private accept(
    e: CachedToken,
    valid: ValidResult,
    opts: VerifyOptions,
    noClientCache: boolean,
  ): VerifyResult | Promise<VerifyResult> {
    // A legacy v1 key has full access to its owner account; every other kind holds scopes.
    if (opts.requiredScopes && e.kind !== "legacy_v1") {
      const missing = opts.requiredScopes.filter((s) => !e.scopes.includes(s));
      if (missing.length > 0)
        return {
          valid: false,
          code: "insufficient_scope",
          message: `The token is not authorized for this scope: ${missing.join(", ")}.`,
          missingScopes: missing,
          key: valid.key,
        };
    }
    // Read before recording: a written-through use clears `warned`.
    const answer = e.warned || e.inGrace || noClientCache ? uncachedOf(e, valid) : valid;
    const pending = this.deps.usage.record(e, opts.use ?? NO_USE);
    return pending ? pending.then(() => answer) : answer;
  }

  private async reachesLocation(e: CachedToken, locationId: string): Promise<boolean> {
    if (e.locationId !== null) return e.locationId === locationId;
    // An agency key limited to chosen locations (issue 13 §4): the list was checked against the
    // agency when it was saved, and a change to it drops this entry on every node.
    if (e.locationSet !== null && !e.locationSet.has(locationId)) return false;
    let agencyId = this.locationAgency.get(locationId);
    if (agencyId === undefined) {
      const loc = await this.deps.store.getLocation(locationId);
      agencyId = loc ? loc.agencyId : null;
      if (loc) this.locationAgency.set(locationId, agencyId);
    }
    return agencyId === e.agencyId;
  }

  /** A location was deleted: agency keys must stop reaching it. */
  forgetLocation(locationId: string): void {
    this.locationAgency.delete(locationId);
  }
}

/** `valid` marked `cache: false`, made once per entry (a key under an IP list is answered so every time). */
function uncachedOf(e: CachedToken, valid: ValidResult): ValidResult {
  const a = e.accepted;
  // The entry's answer may have been replaced meanwhile (a location looked up across a change).
  if (a?.result !== valid) return { ...valid, cache: false };
  a.uncached ??= { ...valid, cache: false };
  return a.uncached;
}

/** Its lifetime ended before its token was retired and before the key left the active state. */
function lifetimeEndedFirst(e: CachedToken): boolean {
  const at = e.expiresAt!;
  if (e.validUntil !== null && e.validUntil < at) return false;
  return e.status === "active" || e.statusAt === null || e.statusAt >= at;
}

/**
 * Why the address is refused (null: every list that applies allows it). A request must match each of
 * the key's, its location's and its agency's lists. Without an address (POST /api/verify without
 * `clientIp`) a key under any list is refused: an unknown address is not shown to be allowed.
 */
function ipRefusal(e: CachedToken, agency: AgencyFacts, ip: string | null): string | null {
  if (ip === null)
    return "This token may only be used from listed IP addresses, and no client address was given: pass the client's address as clientIp.";
  // No closure or array: this runs on every request of a key under a list.
  if (e.ipAllow !== null && !e.ipAllow.allows(ip)) return outside(ip, "the key's");
  if (e.locationIpAllow !== null && !e.locationIpAllow.allows(ip)) return outside(ip, "its location's");
  if (agency.ipAllow && !agency.ipAllow.allows(ip)) return outside(ip, "its agency's");
  return null;
}

function outside(ip: string, whose: string): string {
  return `Requests with this token are not accepted from ${ip}: the address is outside ${whose} IP allowlist.`;
}

/** The agency's facts as cached: its IP allowlist compiled once per load. */
export function toAgencyFacts(a: TokenLookup["agency"]): AgencyFacts {
  const list = a.ipAllowlist;
  return {
    plan: a.plan,
    enhancedSecurity: a.enhancedSecurity,
    ipAllow: list ? compileAllowlist(list) : null,
  };
}

function fail(
  code: VerifyErrorCode,
  message: string,
): { valid: false; code: VerifyErrorCode; message: string } {
  return { valid: false, code, message };
}

function toVerified(e: CachedToken, agency: AgencyFacts): VerifiedKey {
  return {
    keyId: e.keyId,
    name: e.name,
    kind: e.kind,
    agencyId: e.agencyId,
    locationId: e.locationId,
    locationIds: e.locationIds,
    scopes: e.scopes,
    enhancedSecurity: agency.enhancedSecurity,
    ...(e.oauth ? { oauth: e.oauth } : {}),
  };
}

/** The cache entry for a token as read from the store (exported for `simulate`, which primes the cache). */
export function toEntry(f: TokenLookup, now: number): CachedToken {
  const k = f.key;
  const statusAt =
    k.status === "revoked"
      ? k.revokedAt
      : k.status === "expired"
        ? k.expiredAt
        : k.status === "deleted"
          ? k.deletedAt
          : null;
  return {
    hash: f.token.hash,
    keyId: k.id,
    agencyId: k.agencyId,
    locationId: k.locationId,
    locationIds: k.locationIds,
    locationSet: k.locationIds === null ? null : new Set(k.locationIds),
    ipAllow: k.ipAllowlist ? compileAllowlist(k.ipAllowlist) : null,
    locationIpAllow: f.locationIpAllowlist ? compileAllowlist(f.locationIpAllowlist) : null,
    kind: k.kind,
    name: k.name,
    scopes: k.scopes,
    status: k.status,
    statusAt,
    inactiveDays: k.inactiveDays,
    expiresAt: k.expiresAt ?? null,
    validUntil: f.token.validUntil,
    retiredReason: f.token.retiredReason,
    inGrace: f.token.validUntil !== null && f.token.retiredReason === "rotated",
    warned: k.warnedAt !== null && k.warnedAt >= k.activityAt,
    loadedAt: now,
    oauth: f.oauth ?? null,
    accepted: undefined, // set by the first valid verification; declared here so the shape stays one
  };
}
