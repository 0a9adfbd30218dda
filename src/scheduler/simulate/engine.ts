/**
 * The simulation's engine (docs/spec.md §4 "Simulation"): the real services, scheduler and store on a
 * temporary SQLite database under a virtual clock, from `start` to `end` of a parsed scenario
 * (scenario.ts), collecting every lifecycle event (events.ts). The keys of the scenario are mapped by
 * keys.ts and created through the key service's system creation (`KeyService.createSystemKeys`).
 *
 * The clock jumps from one instant to the next where something can happen: a use, an admin action, a
 * key's creation, the end of an outage, and the lifecycle's calendar (each sweep, and each sweep minus a
 * lead or the banner: `nextCalendarInstant`), plus the scheduler's own next instant. At one instant,
 * key creations, then uses, then actions happen first; then the scheduler runs (unless in an outage);
 * then banners are compared with the instant before. Banners are derived state, so they change during
 * outages too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { type Config, loadConfig } from "../../config.js";
import { isoSecond as iso, ManualClock } from "../../core/clock.js";
import { ApiError } from "../../core/errors.js";
import { bannerActive, nextCalendarInstant } from "../../core/lifecycle.js";
import type { ApiKey, KeyToken } from "../../core/model.js";
import type { MailTransport } from "../../notify/delivery.js";
import { operatorCtx } from "../../service/access.js";
import type { AccountService } from "../../service/accounts.js";
import type { AgencyFacts, VerificationCache } from "../../service/cache.js";
import { systemCtx } from "../../service/context.js";
import type { KeepService } from "../../service/keep.js";
import type { KeyService, SystemKeyInput } from "../../service/keys.js";
import type { EffectivePolicy, LifecycleService } from "../../service/lifecycle.js";
import type { UsageRecorder } from "../../service/usage.js";
import type { UserService } from "../../service/users.js";
import type { Verifier } from "../../service/verify.js";
import type { OutboxRow } from "../../store/lifecycle-store.js";
import { LifecycleStore } from "../../store/lifecycle-store.js";
import type { Store } from "../../store/store.js";
import type { Scheduler } from "../scheduler.js";
import { bannerEvents, compareEvents, type SimEvent, tickEvents } from "./events.js";
import { createdKey, keyAtStart, primeCache, type ScenarioKey } from "./keys.js";
import type { Scenario, ScenarioAction } from "./scenario.js";

export interface SimulateOptions {
  /** Called with the fraction of [start, end) done, at most about 200 times. */
  onProgress?: (done: number) => void;
  /** Called with each instant's events as they happen (for streaming output). */
  onEvents?: (events: SimEvent[]) => void;
  /** Where the temporary database goes (a fresh folder is made under it). */
  tmpDir?: string;
}

/**
 * What a simulation runs on: an instance as the composition root builds it (`createKeyward`), passed
 * in by the caller so that the scheduler does not depend on the layers above it.
 */
export interface SimInstance {
  config: Readonly<Config>;
  store: Store;
  cache: VerificationCache;
  usage: UsageRecorder;
  verifier: Verifier;
  keys: KeyService;
  keep: KeepService;
  accounts: AccountService;
  users: UserService;
  lifecycle: LifecycleService;
  scheduler: Scheduler;
  close(): Promise<void>;
}

/** Builds the instance a simulation runs on, with its scheduler and mail transport settings. */
export type OpenSimInstance = (o: {
  config: Readonly<Config>;
  clock: ManualClock;
  onTimeWithinMs: number;
  transport: MailTransport;
}) => Promise<SimInstance>;

export interface SimulateResult {
  events: SimEvent[];
  stats: { instants: number; ticks: number; uses: number; keys: number };
}

/** Runs a scenario (already parsed) and returns its events in time order. */
export async function simulate(
  sc: Scenario,
  open: OpenSimInstance,
  opts: SimulateOptions = {},
): Promise<SimulateResult> {
  const dir = mkdtempSync(join(opts.tmpDir ?? tmpdir(), "keyward-sim-"));
  const clock = new ManualClock(sc.start);
  const base = loadConfig({ KEYWARD_DATA_DIR: dir, KEYWARD_LOG_LEVEL: "silent", KEYWARD_SCHEDULER: "false" });
  const config = Object.freeze({
    ...base,
    policy: { ...sc.policy, inAppLeadsDays: [...sc.policy.inAppLeadsDays] },
    // One process, every invalidation is local: the cache's age limit (a safety net between nodes, in
    // domain time) would only turn the virtual clock's jumps into cache misses.
    cacheTtlMs: Number.MAX_SAFE_INTEGER,
  });
  const kw = await open({
    config,
    clock,
    onTimeWithinMs: 0,
    transport: { async send(_m: OutboxRow) {}, close() {} },
  });
  try {
    // A throw-away database of one connection: no fsync, the rollback journal in memory (a crash loses
    // nothing worth keeping).
    if (kw.store.dialect.name === "sqlite") {
      await sql`pragma synchronous = off`.execute(kw.store.db);
      await sql`pragma journal_mode = memory`.execute(kw.store.db);
    }
    return await new Run(kw, clock, sc, opts).run();
  } finally {
    await kw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

class Run {
  private readonly tokens = new Map<string, string>();
  /** Keys created in the simulation and not written yet (see `createKey`). */
  private created: SystemKeyInput[] = [];
  private readonly unwritten = new Set<string>();
  private readonly agencyFacts = new Map<string, AgencyFacts>();
  private readonly keyAgency = new Map<string, string>();
  private readonly keyAccount = new Map<string, string>();
  private readonly agencyPolicy = new Map<string, EffectivePolicy>();
  private readonly events: SimEvent[] = [];
  /** Banners on at the previous instant: account → actionAt → keys. */
  private banners = new Map<string, Map<number, string[]>>();
  /** Keys with a watch row (warned, or stale until the scheduler drops it). */
  private watched = new Set<string>();
  private ticks = 0;
  private instants = 0;
  private uses = 0;

  constructor(
    private readonly kw: SimInstance,
    private readonly clock: ManualClock,
    private readonly sc: Scenario,
    private readonly opts: SimulateOptions,
  ) {}

  async run(): Promise<SimulateResult> {
    const { sc } = this;
    for (const k of sc.keys) this.keyAccount.set(k.id, k.locationId ?? k.agencyId);
    await this.setup();

    // Static instants: creations after start, uses and actions in [start, end), outage ends.
    const creations = sc.keys
      .filter((k) => k.createdAt > sc.start && k.createdAt < sc.end)
      .sort((a, b) => a.createdAt - b.createdAt);
    const useTimes: number[] = [];
    const useKeys: string[] = [];
    for (const k of sc.keys)
      for (const u of k.uses)
        if (u >= sc.start && u < sc.end && u >= k.createdAt) {
          useTimes.push(u);
          useKeys.push(k.id);
        }
    const order = Array.from(useTimes.keys()).sort((a, b) => useTimes[a]! - useTimes[b]!);
    const actions = sc.actions.filter((a) => a.at >= sc.start && a.at < sc.end);
    const outageEnds = sc.outages.map((o) => o.to).filter((t) => t > sc.start && t < sc.end);
    const policies = [...new Set([this.kw.lifecycle.defaultPolicy, ...this.agencyPolicy.values()])];

    let ci = 0;
    let ui = 0;
    let ai = 0;
    let lastProgress = -1;
    let t = sc.start;
    let nextCalendar = Math.min(...policies.map((p) => nextCalendarInstant(p.policy, p.cron, t - 1)));
    let nextScheduler = Number.POSITIVE_INFINITY;
    while (t < sc.end) {
      this.clock.set(t);
      this.instants++;
      const dirty = new Set<string>();
      let full = t === sc.start || t >= nextCalendar;

      while (ci < creations.length && creations[ci]!.createdAt === t) this.createKey(creations[ci++]!);
      while (ui < order.length && useTimes[order[ui]!] === t) {
        const id = useKeys[order[ui++]!]!;
        if (this.unwritten.has(id)) await this.writeCreated();
        await this.use(id);
        if (this.watched.has(id)) dirty.add(this.accountOf(id));
      }
      const instantEvents: SimEvent[] = [];
      while (ai < actions.length && actions[ai]!.at === t) {
        const a = actions[ai++]!;
        await this.writeCreated();
        if (await this.action(a.type, a.key)) instantEvents.push({ at: iso(t), type: "kept", key: a.key });
        if (this.watched.has(a.key)) dirty.add(this.accountOf(a.key));
      }

      const inOutage = sc.outages.some((o) => t >= o.from && t < o.to);
      const tickNow =
        !inOutage && (t === sc.start || t >= nextCalendar || t >= nextScheduler || outageEnds.includes(t));
      if (tickNow) {
        await this.writeCreated();
        await this.kw.usage.flush();
        const r = await this.kw.scheduler.tick(t);
        this.ticks++;
        instantEvents.push(...tickEvents(t, r));
        for (const a of r.actions) dirty.add(a.accountId);
        for (const w of r.warnings) dirty.add(w.accountId);
        if (r.actions.length + r.warnings.length > 0) full = true;
        const w = await this.kw.scheduler.nextWakeAt(t);
        nextScheduler = w;
      }
      if (full) await this.refreshWatched();
      instantEvents.push(...(await this.bannerChanges(t, full ? null : dirty)));
      if (instantEvents.length > 0) {
        instantEvents.sort(compareEvents);
        this.events.push(...instantEvents);
        this.opts.onEvents?.(instantEvents);
      }
      if (t >= nextCalendar)
        nextCalendar = Math.min(...policies.map((p) => nextCalendarInstant(p.policy, p.cron, t)));

      const progress = Math.floor(((t - sc.start) / (sc.end - sc.start)) * 200);
      if (progress !== lastProgress) {
        lastProgress = progress;
        this.opts.onProgress?.(progress / 200);
      }
      let next = Math.min(nextCalendar, nextScheduler > t ? nextScheduler : Number.POSITIVE_INFINITY, sc.end);
      if (ci < creations.length) next = Math.min(next, creations[ci]!.createdAt);
      if (ui < order.length) next = Math.min(next, useTimes[order[ui]!]!);
      if (ai < actions.length) next = Math.min(next, actions[ai]!.at);
      for (const e of outageEnds) if (e > t) next = Math.min(next, e);
      t = next;
    }
    this.opts.onProgress?.(1);
    return {
      events: this.events,
      stats: { instants: this.instants, ticks: this.ticks, uses: this.uses, keys: this.sc.keys.length },
    };
  }

  private accountOf(keyId: string): string {
    return this.keyAccount.get(keyId) ?? keyId;
  }

  private async setup(): Promise<void> {
    const { kw, sc } = this;
    const { accounts } = kw;
    for (const a of sc.agencies) {
      // Plans play no part in a simulation: every agency may hold agency keys.
      const { agency } = await accounts.createAgency(systemCtx, {
        id: a.id,
        name: a.name,
        plan: "agency_pro",
      });
      if (a.override) {
        const withPolicy = { ...agency, policyOverride: a.override };
        await kw.store.updateAgency(withPolicy);
        this.agencyPolicy.set(a.id, this.kw.lifecycle.policyOf(withPolicy));
      }
      for (const l of a.locations) await accounts.createLocation(systemCtx, a.id, { id: l.id, name: l.name });
      const mk = (
        email: string,
        type: "agency" | "account",
        role: "admin" | "user",
        locationIds: string[] = [],
      ) =>
        kw.users.createUser(systemCtx, a.id, { email, name: email.split("@")[0]!, type, role, locationIds });
      for (const e of a.admins) await mk(e, "agency", "admin");
      for (const e of a.users) await mk(e, "agency", "user");
      for (const l of a.locations) {
        for (const e of l.admins) await mk(e, "account", "admin", [l.id]);
        for (const e of l.users) await mk(e, "account", "user", [l.id]);
      }
    }
    // What a token lookup returns of its agency, for priming the cache.
    for (const [id, a] of await kw.store.getAgencies(sc.agencies.map((a) => a.id)))
      this.agencyFacts.set(id, { plan: a.plan, enhancedSecurity: a.enhancedSecurity });
    // The key service's name and scope rules, for every key before anything runs: a refused key stops
    // the simulation before its first event, saying which key, rather than halfway through the year.
    for (const k of sc.keys) {
      try {
        kw.keys.checkSystemKey(createdKey(k));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        throw new ApiError(e.code, `Scenario key "${k.id}": ${e.message}`, e.extra);
      }
    }
    // Keys that exist at start, with their history (uses and actions before start), in batches.
    const existing = sc.keys.filter((k) => k.createdAt <= sc.start);
    for (const k of existing) this.keyAgency.set(k.id, k.agencyId);
    await this.writeKeys(existing.map((k) => keyAtStart(k, sc)));
  }

  /**
   * A key that comes into being during the simulation: created as an admin would, with its audit entry.
   * Written in batches (`writeCreated`) before anything can observe it — its first use, an action, the
   * next tick — so one transaction carries many creations instead of one each.
   */
  private createKey(k: ScenarioKey): void {
    this.keyAgency.set(k.id, k.agencyId);
    this.created.push(createdKey(k));
    this.unwritten.add(k.id);
  }

  /** Puts a key just written into the verification cache, as its first verification would read it. */
  private prime(key: ApiKey, stored: KeyToken): void {
    const agency = this.agencyFacts.get(key.agencyId);
    if (agency) primeCache(this.kw.cache, agency, key, stored, this.clock.now());
  }

  private async writeCreated(): Promise<void> {
    if (this.created.length === 0) return;
    const created = this.created;
    this.created = [];
    this.unwritten.clear();
    await this.writeKeys(created);
  }

  /**
   * Writes keys through the key service's system creation (its checks, rows and `key.created` audit
   * entries), 500 keys per transaction, keeps their tokens for their uses, and puts them in the cache
   * as their first verification would read them.
   */
  private async writeKeys(items: readonly SystemKeyInput[]): Promise<void> {
    const { kw } = this;
    // The creator the audit log shows; every field of it but the actor is the same for all agencies.
    const ctx = { ...operatorCtx(""), actor: null, actorId: "simulate" };
    for (let i = 0; i < items.length; i += 500) {
      const part = items.slice(i, i + 500);
      const written = await kw.store.transaction((s) => kw.keys.createSystemKeys(ctx, s, part));
      for (const { key, token, stored } of written) {
        this.tokens.set(key.id, token);
        this.prime(key, stored);
      }
    }
  }

  /** A use is a successful verification; a key that is not active fails and nothing changes. */
  private async use(keyId: string): Promise<void> {
    const token = this.tokens.get(keyId);
    if (!token) return;
    const r = await this.kw.verifier.verify(token, {
      use: { ip: null, userAgent: "keyward-simulate", endpoint: null },
    });
    if (r.valid) this.uses++;
  }

  /** An admin's action; true for a Keep that took effect (it prints a `kept` event). */
  private async action(type: ScenarioAction, keyId: string): Promise<boolean> {
    const agencyId = this.keyAgency.get(keyId);
    if (!agencyId) return false;
    const ctx = operatorCtx(agencyId);
    try {
      if (type === "keep") {
        await this.kw.keep.keep(ctx, keyId, "keyward simulate");
        return true;
      }
      if (type === "revoke") await this.kw.keys.revoke(ctx, keyId);
      else if (type === "refresh") await this.kw.keys.refresh(ctx, keyId);
      else {
        const { token } = await this.kw.keys.rotate(ctx, keyId, 0);
        this.tokens.set(keyId, token);
      }
    } catch (e) {
      // Refreshing an active key, revoking a deleted one, keeping a key with nothing pending …:
      // refused, and nothing changes.
      if (!(e instanceof ApiError)) throw e;
    }
    return false;
  }

  private async refreshWatched(): Promise<void> {
    const rows = await this.kw.store.db.selectFrom("lifecycle_watch").select("key_id").execute();
    this.watched = new Set(rows.map((r) => r.key_id));
  }

  /** Banners now vs. the instant before, for every account (`only` null) or the accounts named. */
  private async bannerChanges(t: number, only: Set<string> | null): Promise<SimEvent[]> {
    if (only !== null && only.size === 0) return [];
    const ls = new LifecycleStore(this.kw.store);
    const rows =
      only === null
        ? await ls.warnedActive()
        : (await Promise.all([...only].map((accountId) => ls.warnedActive({ accountId })))).flat();
    const byAccount = new Map<string, typeof rows>();
    for (const r of rows) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
    const now = new Map<string, Map<number, string[]>>();
    for (const [accountId, list] of byAccount) {
      const ep = this.agencyPolicy.get(list[0]!.agencyId) ?? this.kw.lifecycle.defaultPolicy;
      const on = bannerActive(
        list.map((r) => ({ id: r.keyId, actionAt: r.actionAt, firstWarningAt: r.firstWarningAt })),
        t,
        ep.policy,
      );
      if (on.length > 0)
        now.set(accountId, new Map(on.map((b) => [b.actionAt, b.keys.map((k) => k.id).sort()])));
    }
    const accounts = only === null ? new Set([...this.banners.keys(), ...now.keys()]) : only;
    const out: SimEvent[] = [];
    for (const accountId of accounts) {
      const before = this.banners.get(accountId) ?? new Map<number, string[]>();
      const after = now.get(accountId) ?? new Map<number, string[]>();
      out.push(...bannerEvents(t, accountId, before, after));
      if (after.size > 0) this.banners.set(accountId, after);
      else this.banners.delete(accountId);
    }
    return out;
  }
}
