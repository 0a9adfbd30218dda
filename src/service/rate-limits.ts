/**
 * Rate limits and quotas (issue 13 §1; docs/traffic-policy.md): which limits apply to a key, the
 * decision for a request, the headers that describe it, and the counts shared between nodes.
 *
 * A key's policy is resolved once per node and kept (dropped at once when the key, its location or
 * its agency changes, here and through the invalidation bus; re-read in the background after 5 minutes),
 * so a request of a cached key is decided in memory with no promise: one pass over its limits.
 *
 * `local` limits count in memory on each node; `sync()` adds each node's new counts to the shared
 * counts in the database and reads everyone's back, every KEYWARD_RATE_LIMIT_SYNC_MS. Between two
 * syncs a node does not see the others' requests: the overshoot is bounded by (nodes − 1) × the
 * per-node rate × (interval + one round trip). `strict` limits are decided in the database, in one
 * transaction per request, exactly.
 */
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import type { Location } from "../core/model.js";
import { canChangeAgencySettings, type Plan } from "../core/permissions.js";
import {
  policyHeader,
  type RateLimit,
  rateLimitHeader,
  SlidingCounter,
  secondsUp,
  usedAt,
  waitMs,
  windowStart,
} from "../core/rate-limits.js";
import type { Logger } from "../logger.js";
import type { Invalidation } from "../store/invalidation.js";
import { type CountDelta, countKey, type LimitScope, RateLimitStore } from "../store/rate-limit-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import type { SettingsExtension } from "./settings.js";

/**
 * How long a node keeps a resolved policy before it reads it again in the background: a safety net,
 * since changes reach every node through the invalidation bus (shortened while the bus is down).
 */
export const POLICY_REFRESH_MS = 300_000;
const PRUNE_EVERY_MS = 60_000;

/** A limit's counts on this node, with what it has not yet told the other nodes. */
export class SharedCounter extends SlidingCounter {
  /** Units added here to the current / previous window and not yet synced. */
  pendingCurrent = 0;
  pendingPrevious = 0;
  /** Last time a request looked at it: idle counters are not synced. */
  touchedAt = 0;
  /** The window start of the last refusal reported to `onFirstRefusal`. */
  refusedIn = -1;

  constructor(
    readonly bucket: string,
    windowMs: number,
    readonly strict: boolean,
  ) {
    super(windowMs);
  }

  override roll(now: number): void {
    const start = windowStart(now, this.windowMs);
    if (start === this.start) return;
    this.pendingPrevious = start === this.start + this.windowMs ? this.pendingCurrent : 0;
    this.pendingCurrent = 0;
    super.roll(now);
  }

  override add(units: number, now: number): void {
    super.add(units, now);
    this.pendingCurrent += units;
  }
}

export type LimitOwner = "key" | "location" | "agency";

/** One limit as it applies to a key. */
export interface LimitEntry {
  /** Its name in headers and messages: the key's own limits by name, shared ones as `location.<name>` / `agency.<name>`. */
  label: string;
  owner: LimitOwner;
  name: string;
  limit: number;
  windowMs: number;
  /** Units one request counts against it (the limit's `cost`). */
  units: number;
  strict: boolean;
  counter: SharedCounter;
}

/** Every limit that applies to one key, resolved. */
export interface Policy {
  keyId: string;
  agencyId: string;
  locationId: string | null;
  entries: LimitEntry[];
  /** The RateLimit-Policy header, made once. */
  policyHeader: string;
  /** HighLevel's pair: the key's shortest-window limit (X-RateLimit-Max …) and its longest (…-Daily). */
  short: LimitEntry;
  long: LimitEntry;
  strict: boolean;
  loadedAt: number;
  reloading: boolean;
}

/** Who a policy is for (a verified key, or a key view). */
export interface KeyRef {
  keyId: string;
  agencyId: string;
  locationId: string | null;
}

/** Told once per limit per window, at its first refusal: the hook for `key.rate_limited` webhooks. */
export type FirstRefusal = (e: {
  keyId: string;
  agencyId: string;
  locationId: string | null;
  limit: string;
  owner: LimitOwner;
  retryAfterSeconds: number;
  at: number;
}) => void;

/** A limit's state now, for views and `/api/verify`. */
export interface LimitStatus {
  name: string;
  owner: LimitOwner;
  limit: number;
  windowSeconds: number;
  cost: number;
  mode: "local" | "strict";
  remaining: number;
  resetSeconds: number;
}

const OWNER_WORDS: Record<LimitOwner, string> = {
  key: "of this key",
  location: "shared by the keys of its location",
  agency: "shared by the keys of its agency",
};

export interface RateLimiterDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  cache: VerificationCache;
  bus: CacheBus;
  logger: Logger;
  /** The deployment's default limits for every key (KEYWARD_RATE_LIMITS). */
  defaults: readonly RateLimit[];
  /** Per plan defaults (KEYWARD_PLAN_RATE_LIMITS), before the deployment's. */
  planDefaults: Partial<Record<Plan, readonly RateLimit[]>>;
  /** Told of first refusals: the composition root queues `key.rate_limited` webhooks with it. */
  onFirstRefusal: FirstRefusal | null;
}

export class RateLimiter {
  private readonly policies = new Map<string, Policy>();
  private readonly counters = new Map<string, SharedCounter>();
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private prunedAt = 0;
  /** Statements of the last syncs, for the benchmark. */
  syncs = 0;

  constructor(
    private readonly deps: RateLimiterDeps,
    private readonly syncMs: number,
  ) {
    deps.bus.subscribe((msg) => this.apply(msg));
  }

  // ── policies ──

  /** The key's policy: without a promise once resolved on this node; null when no limit applies. */
  policyOf(key: KeyRef): Policy | null | Promise<Policy | null> {
    const p = this.policies.get(key.keyId);
    if (p === undefined) return this.load(key);
    if (!p.reloading && this.deps.clock.now() - p.loadedAt > this.deps.bus.maxEntryAgeMs(POLICY_REFRESH_MS))
      this.refresh(key, p);
    return p.entries.length === 0 ? null : p;
  }

  private async load(key: KeyRef): Promise<Policy | null> {
    const gen = this.gen;
    const p = await this.resolve(key);
    if (this.gen === gen) this.policies.set(key.keyId, p);
    return p.entries.length === 0 ? null : p;
  }

  /** Stale while it reloads: requests go on with the policy they have. */
  private refresh(key: KeyRef, p: Policy): void {
    p.reloading = true;
    const gen = this.gen;
    this.resolve(key).then(
      (fresh) => {
        if (this.gen === gen && this.policies.get(key.keyId) === p) this.policies.set(key.keyId, fresh);
        else p.reloading = false;
      },
      (err) => {
        p.reloading = false;
        this.deps.logger.warn({ err }, "reading rate limits failed; the limits already known apply");
      },
    );
  }

  private async resolve(key: KeyRef): Promise<Policy> {
    const rows = await new RateLimitStore(this.deps.store).policiesFor(
      key.keyId,
      key.locationId,
      key.agencyId,
    );
    const of = (scope: LimitScope) => rows.find((r) => r.scope === scope)?.limits;
    let own: readonly RateLimit[] | undefined = of("key") ?? of("agency_keys");
    if (!own) {
      const plan =
        this.deps.cache.agency(key.agencyId)?.plan ?? (await this.deps.store.getAgency(key.agencyId))?.plan;
      own = (plan && this.deps.planDefaults[plan]) || this.deps.defaults;
    }
    const entries: LimitEntry[] = [
      ...own.map((l) => this.entry(l, "key", key.keyId, l.name)),
      ...(key.locationId
        ? (of("location") ?? []).map((l) => this.entry(l, "location", key.locationId!, `location.${l.name}`))
        : []),
      ...(of("agency") ?? []).map((l) => this.entry(l, "agency", key.agencyId, `agency.${l.name}`)),
    ];
    const mine = entries.filter((e) => e.owner === "key");
    const pool = mine.length > 0 ? mine : entries;
    const byWindow = [...pool].sort((a, b) => a.windowMs - b.windowMs);
    return {
      ...key,
      entries,
      policyHeader: policyHeader(entries),
      short: byWindow[0]!,
      long: byWindow[byWindow.length - 1]!,
      strict: entries.some((e) => e.strict),
      loadedAt: this.deps.clock.now(),
      reloading: false,
    };
  }

  private entry(l: RateLimit, owner: LimitOwner, ownerId: string, label: string): LimitEntry {
    const windowMs = l.windowSeconds * 1000;
    const strict = l.mode === "strict";
    const bucket = `${owner[0]}:${ownerId}:${l.name}`;
    const id = `${bucket}\u0000${windowMs}\u0000${strict ? "s" : "l"}`;
    let counter = this.counters.get(id);
    if (!counter) {
      counter = new SharedCounter(bucket, windowMs, strict);
      this.counters.set(id, counter);
    }
    return { label, owner, name: l.name, limit: l.limit, windowMs, units: l.cost ?? 1, strict, counter };
  }

  /** Limits changed somewhere (this node or another): the policies they touch are read again. */
  private apply(msg: Invalidation): void {
    this.gen++;
    if (msg.type === "all") {
      this.policies.clear();
      return;
    }
    if (msg.type === "key") {
      this.policies.delete(msg.id);
      return;
    }
    for (const [id, p] of this.policies)
      if ((msg.type === "agency" ? p.agencyId : p.locationId) === msg.id) this.policies.delete(id);
  }

  // ── decisions ──

  /**
   * Takes `cost` requests' worth of every limit, or nothing: answers -1 when the request may go on,
   * else the index of the first limit it is over. In memory, with no promise and no allocation,
   * unless the policy has a strict limit.
   */
  take(p: Policy, cost = 1): number | Promise<number> {
    const now = this.deps.clock.now();
    const es = p.entries;
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      if (e.strict) continue;
      e.counter.touchedAt = now;
      if (e.counter.used(now) + cost * e.units > e.limit) return this.refused(p, i, cost, now);
    }
    if (p.strict) return this.takeStrict(p, cost, now);
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      e.counter.add(cost * e.units, now);
    }
    return -1;
  }

  private async takeStrict(p: Policy, cost: number, now: number): Promise<number> {
    const strict = p.entries.filter((e) => e.strict);
    const out = await new RateLimitStore(this.deps.store).takeStrict(
      strict.map((e) => ({
        bucket: e.counter.bucket,
        windowMs: e.windowMs,
        start: windowStart(now, e.windowMs),
        limit: e.limit,
        units: cost * e.units,
      })),
      now,
    );
    // What the database answered is this node's view of those limits (for the headers).
    strict.forEach((e, i) => {
      const c = e.counter;
      c.roll(now);
      c.current = out.counts[i]!.current;
      c.previous = out.counts[i]!.previous;
    });
    if (out.refused >= 0) return this.refused(p, p.entries.indexOf(strict[out.refused]!), cost, now);
    for (const e of p.entries) if (!e.strict) e.counter.add(cost * e.units, now);
    return -1;
  }

  private refused(p: Policy, i: number, cost: number, now: number): number {
    const e = p.entries[i]!;
    const c = e.counter;
    if (c.refusedIn !== c.start && this.deps.onFirstRefusal) {
      c.refusedIn = c.start;
      try {
        this.deps.onFirstRefusal({
          keyId: p.keyId,
          agencyId: p.agencyId,
          locationId: p.locationId,
          limit: e.label,
          owner: e.owner,
          retryAfterSeconds: this.retryAfter(p, i, cost, now),
          at: now,
        });
      } catch (err) {
        this.deps.logger.warn({ err }, "the first-refusal hook failed");
      }
    }
    return i;
  }

  /**
   * A refusal made elsewhere by the limit at index `i` (an SDK's, told at its reconcile): the
   * first-refusal hook hears of it as of this node's own.
   */
  noteRefusal(p: Policy, i: number, now = this.deps.clock.now()): void {
    p.entries[i]!.counter.roll(now);
    this.refused(p, i, 1, now);
  }

  /** Whole seconds until a request of `cost` would pass the limit at index `i` (as Retry-After says). */
  retryAfter(p: Policy, i: number, cost = 1, now = this.deps.clock.now()): number {
    const e = p.entries[i]!;
    const c = e.counter;
    c.roll(now);
    const ms = waitMs(now, e.limit, e.windowMs, c.start, c.current, c.previous, cost * e.units);
    return Number.isFinite(ms) ? secondsUp(ms) : secondsUp(e.windowMs);
  }

  /** The 429 problem for a refusal by the limit at index `i`. */
  refusal(p: Policy, i: number, cost = 1): ApiError {
    const e = p.entries[i]!;
    const retryAfter = this.retryAfter(p, i, cost);
    const never = cost * e.units > e.limit;
    return new ApiError(
      "rate_limited",
      never
        ? `Rate limited: a cost of ${cost * e.units} is more than the whole limit "${e.label}" (${e.limit} per ${e.windowMs / 1000} s) ${OWNER_WORDS[e.owner]}: lower the cost.`
        : `Rate limited: over the limit "${e.label}" (${e.limit} per ${e.windowMs / 1000} s) ${OWNER_WORDS[e.owner]}; retry in ${retryAfter} s.`,
      { retryAfter, limit: e.label },
    );
  }

  /** Each limit's state now. */
  status(p: Policy, now = this.deps.clock.now()): LimitStatus[] {
    return p.entries.map((e) => {
      const { remaining, reset } = this.remaining(e, now);
      return {
        name: e.label,
        owner: e.owner,
        limit: e.limit,
        windowSeconds: e.windowMs / 1000,
        cost: e.units,
        mode: e.strict ? "strict" : "local",
        remaining,
        resetSeconds: reset,
      };
    });
  }

  private remaining(e: LimitEntry, now: number): { remaining: number; reset: number } {
    const c = e.counter;
    c.roll(now);
    const used = usedAt(now, e.windowMs, c.start, c.current, c.previous);
    const remaining = used >= e.limit ? 0 : e.limit - used;
    const reset =
      remaining >= e.units
        ? secondsUp(c.start + e.windowMs - now)
        : secondsUp(
            Math.min(
              waitMs(now, e.limit, e.windowMs, c.start, c.current, c.previous, e.units),
              e.windowMs * 2,
            ),
          );
    return { remaining, reset };
  }

  /**
   * The response headers: RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers; the
   * most constrained limit, or the one that refused) and HighLevel's X-RateLimit-*.
   */
  headers(p: Policy, refusedIndex = -1): Record<string, string> {
    return this.headersInto({}, p, refusedIndex);
  }

  /**
   * `headers`, added to `out` (a response's own header object) in the same order, and returned:
   * no object per limit and none to merge afterwards (every answer of a key with limits carries
   * them, GET /v2/token included).
   */
  headersInto<T extends Record<string, string>>(out: T, p: Policy, refusedIndex = -1): T {
    const now = this.deps.clock.now();
    const refused = refusedIndex >= 0 ? p.entries[refusedIndex]! : null;
    let worst: LimitEntry | null = null;
    let worstR = 0;
    let shortR = 0;
    let longR = 0;
    for (const e of p.entries) {
      const remaining = this.remainingOf(e, now);
      if (e === p.short) shortR = remaining;
      if (e === p.long) longR = remaining;
      // The refusing limit, else the lowest share remaining (r / limit, compared in integers).
      if (refused ? e === refused : worst === null || remaining * worst.limit < worstR * e.limit) {
        worst = e;
        worstR = remaining;
      }
    }
    const o = out as Record<string, string>;
    o["ratelimit-policy"] = p.policyHeader;
    o.ratelimit = rateLimitHeader(worst!.label, worstR, this.resetOf(worst!, worstR, now));
    o["x-ratelimit-max"] = String(p.short.limit);
    o["x-ratelimit-remaining"] = String(shortR);
    o["x-ratelimit-interval-milliseconds"] = String(p.short.windowMs);
    o["x-ratelimit-limit-daily"] = String(p.long.limit);
    o["x-ratelimit-daily-remaining"] = String(longR);
    return out;
  }

  /** `remaining(e, now).remaining`, without the object. */
  private remainingOf(e: LimitEntry, now: number): number {
    const c = e.counter;
    c.roll(now);
    const used = usedAt(now, e.windowMs, c.start, c.current, c.previous);
    return used >= e.limit ? 0 : e.limit - used;
  }

  /** `remaining(e, now).reset`, given its remaining count at `now`. */
  private resetOf(e: LimitEntry, remaining: number, now: number): number {
    const c = e.counter;
    return remaining >= e.units
      ? secondsUp(c.start + e.windowMs - now)
      : secondsUp(
          Math.min(waitMs(now, e.limit, e.windowMs, c.start, c.current, c.previous, e.units), e.windowMs * 2),
        );
  }

  // ── sharing counts between nodes ──

  start(): void {
    this.timer ??= setInterval(() => {
      this.sync().catch((err) =>
        this.deps.logger.warn({ err }, "sharing rate-limit counts failed; will retry"),
      );
    }, this.syncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sync().catch((err) => this.deps.logger.warn({ err }, "sharing rate-limit counts failed"));
  }

  /**
   * Adds this node's new counts of its recently used local limits to the shared ones, and reads
   * everyone's back (one statement per few hundred limits). Syncs never overlap.
   */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const now = this.deps.clock.now();
    const sent: { c: SharedCounter; start: number; current: number; previous: number }[] = [];
    const deltas: CountDelta[] = [];
    for (const c of this.counters.values()) {
      if (c.strict || now - c.touchedAt > 2 * c.windowMs) continue;
      c.roll(now);
      sent.push({ c, start: c.start, current: c.pendingCurrent, previous: c.pendingPrevious });
      deltas.push(
        { bucket: c.bucket, windowMs: c.windowMs, start: c.start, delta: c.pendingCurrent },
        { bucket: c.bucket, windowMs: c.windowMs, start: c.start - c.windowMs, delta: c.pendingPrevious },
      );
      c.pendingCurrent = 0;
      c.pendingPrevious = 0;
    }
    const store = new RateLimitStore(this.deps.store);
    if (deltas.length > 0) {
      let totals: Map<string, number>;
      try {
        totals = await store.addCounts(deltas);
        this.syncs++;
      } catch (err) {
        for (const s of sent) this.putBack(s);
        throw err;
      }
      for (const { c, start } of sent) {
        const cur = totals.get(countKey(c.bucket, c.windowMs, start)) ?? 0;
        const prev = totals.get(countKey(c.bucket, c.windowMs, start - c.windowMs)) ?? 0;
        // What arrived here during the round trip is still pending: keep it on top of the totals.
        if (c.start === start) {
          c.current = cur + c.pendingCurrent;
          c.previous = prev + c.pendingPrevious;
        } else if (c.start === start + c.windowMs) c.previous = cur + c.pendingPrevious;
      }
    }
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await store.pruneCounts(now);
    }
  }

  private putBack(s: { c: SharedCounter; start: number; current: number; previous: number }): void {
    const { c } = s;
    if (c.start === s.start) {
      c.pendingCurrent += s.current;
      c.pendingPrevious += s.previous;
    } else if (c.start === s.start + c.windowMs) c.pendingPrevious += s.current;
  }

  // ── settings: limits on keys, locations and agencies ──

  /** An agency's shared limits and its default for each key (null: not set). */
  async agencyLimits(
    agencyId: string,
  ): Promise<{ rateLimits: RateLimit[] | null; keyRateLimits: RateLimit[] | null }> {
    const s = new RateLimitStore(this.deps.store);
    return {
      rateLimits: await s.limitsOf("agency", agencyId),
      keyRateLimits: await s.limitsOf("agency_keys", agencyId),
    };
  }

  /** Adds the agency's limits to its settings document (GET and PATCH /api/agencies/{id}/settings). */
  settingsExtension(): SettingsExtension {
    return { read: (agency) => this.agencyLimits(agency.id) };
  }

  /** Refuses anyone but the agency's admins: limits are theirs to set (key, location or agency). */
  requireAgencyAdmin(ctx: Ctx, agencyId: string, what: string): void {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canChangeAgencySettings(actor, agencyId)) throw denied(`Only agency admins can set ${what}.`);
  }

  async setAgencyLimits(
    ctx: Ctx,
    agencyId: string,
    patch: { rateLimits?: RateLimit[] | null | undefined; keyRateLimits?: RateLimit[] | null | undefined },
  ): Promise<{ rateLimits: RateLimit[] | null; keyRateLimits: RateLimit[] | null }> {
    this.requireAgencyAdmin(ctx, agencyId, "the agency's rate limits");
    const before = await this.agencyLimits(agencyId);
    const after = {
      rateLimits: patch.rateLimits === undefined ? before.rateLimits : patch.rateLimits,
      keyRateLimits: patch.keyRateLimits === undefined ? before.keyRateLimits : patch.keyRateLimits,
    };
    if (JSON.stringify(before) === JSON.stringify(after)) return after;
    await this.deps.store.transaction(async (store) => {
      const s = new RateLimitStore(store);
      const now = this.deps.clock.now();
      await s.setLimits("agency", agencyId, agencyId, after.rateLimits, now);
      await s.setLimits("agency_keys", agencyId, agencyId, after.keyRateLimits, now);
      await this.deps.audit.record(store, ctx, {
        agencyId,
        action: "agency.rate_limits_changed",
        targetType: "agency",
        targetId: agencyId,
        before,
        after,
      });
    });
    await this.invalidate({ type: "agency", id: agencyId });
    return after;
  }

  async locationLimits(locationId: string): Promise<RateLimit[] | null> {
    return new RateLimitStore(this.deps.store).limitsOf("location", locationId);
  }

  /** The location, if this person may set its limits: an admin of its agency (404 for another agency's). */
  async requireLocationAdmin(ctx: Ctx, locationId: string): Promise<Location> {
    const actor = requireActor(ctx);
    const loc = await this.deps.store.getLocation(locationId);
    if (!loc || loc.deletedAt !== null || loc.agencyId !== actor.agencyId) throw notFound("Location");
    this.requireAgencyAdmin(ctx, loc.agencyId, "a location's rate limits");
    return loc;
  }

  /** A location's shared limits (null: none); the location must be the admin's agency's. */
  async setLocationLimits(
    ctx: Ctx,
    locationId: string,
    limits: RateLimit[] | null,
  ): Promise<RateLimit[] | null> {
    const loc = await this.requireLocationAdmin(ctx, locationId);
    const before = await this.locationLimits(locationId);
    if (JSON.stringify(before) === JSON.stringify(limits)) return limits;
    await this.deps.store.transaction(async (store) => {
      await new RateLimitStore(store).setLimits(
        "location",
        locationId,
        loc.agencyId,
        limits,
        this.deps.clock.now(),
      );
      await this.deps.audit.record(store, ctx, {
        agencyId: loc.agencyId,
        action: "location.rate_limits_changed",
        targetType: "location",
        targetId: locationId,
        before: { rateLimits: before },
        after: { rateLimits: limits },
      });
    });
    await this.invalidate({ type: "location", id: locationId });
    return limits;
  }

  /** Here at once, elsewhere through the bus. */
  async invalidate(msg: Invalidation): Promise<void> {
    this.apply(msg);
    await this.deps.bus.publish(msg);
  }

  /** Forgets everything counted and resolved on this node (tests, and a clean restart of counting). */
  reset(): void {
    this.policies.clear();
    this.counters.clear();
  }

  get counterCount(): number {
    return this.counters.size;
  }
}
