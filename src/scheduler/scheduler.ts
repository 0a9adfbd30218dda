/**
 * The lifecycle scheduler (docs/spec.md §4): a tick issues what is due — warnings, digest e-mails, sweep
 * actions — computed from stored state by `planAgency()` (plan.ts, over `decide()`), so any instant can
 * be recomputed after a crash. This file reads, locks and writes; the rules are in the plan.
 *
 * Why it is safe to run on several nodes, and after a crash:
 * - The unit of work is one agency's due keys in one transaction, which records every warning, digest
 *   entry and action under the unique key (key, cycle, kind, lead) together with the notification or
 *   e-mail it joins. Either all of it commits or none of it does; a second attempt finds the events and
 *   decides nothing.
 * - On PostgreSQL the agency row is claimed with FOR UPDATE SKIP LOCKED (another scheduler holding it
 *   is doing that work) and the keys are locked, so a use arriving meanwhile waits and starts a new
 *   cycle after the decision. On SQLite the transaction takes the write lock before reading.
 * - Uses count before the scheduler: a use recorded at the instant of a tick has moved `activity_at`,
 *   which is the cycle: the keys are re-read inside the transaction, so the use wins.
 *
 * Cost follows the due keys: candidates come from the `(status, activity_at, …)` index up to a cutoff
 * (keys whose first warning can be due) and from `lifecycle_watch` (keys already warned, by next_at).
 */
import type { Clock } from "../core/clock.js";
import { MINUTE } from "../core/clock.js";
import { maxLead, nextCalendarInstant } from "../core/lifecycle.js";
import type { Agency, ApiKey, Location, User } from "../core/model.js";
import type { Logger } from "../logger.js";
import type { CacheBus, Invalidation, VerificationCache } from "../service/cache.js";
import type { EffectivePolicy, LifecycleService } from "../service/lifecycle.js";
import {
  type CycleEvent,
  isRetryable,
  LifecycleStore,
  type NewNotification,
  type WatchRow,
} from "../store/lifecycle-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { NewAudit, Store } from "../store/store.js";
import { type LifetimeWarning, warnLifetimesEnding } from "./lifetime-warnings.js";
import { planAgency, type TickAction, type TickEmail, type TickWarning } from "./plan.js";

export { cycleState, type TickAction, type TickEmail, type TickWarning } from "./plan.js";

export interface TickReport {
  at: number;
  dryRun: boolean;
  candidates: number;
  warnings: TickWarning[];
  emails: TickEmail[];
  actions: TickAction[];
  /** Agencies another scheduler was working on (it does their work). */
  skippedAgencies: number;
  /** Keys warned of their lifetime ending (present only when there were some). */
  lifetimeWarnings?: LifetimeWarning[];
}

export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  lifecycle: LifecycleService;
  cache: VerificationCache;
  bus: CacheBus;
  logger: Logger;
  publicUrl: string | undefined;
  /** A first warning this late still counts as on time (live ticks run up to a minute apart). */
  onTimeWithinMs?: number;
  /** Tests: called inside each agency's transaction just before it commits (throw to simulate a crash). */
  beforeCommit?: (agencyId: string) => void | Promise<void>;
}

/** Live: a tick at least every minute, sooner when something is due sooner. */
export const MAX_TICK_INTERVAL_MS = MINUTE;
const ATTEMPTS = 8;
/** Keys decided per transaction (whole agencies: one large agency is one transaction). */
const BATCH_KEYS = 2_000;
/** Beyond this many keys changed in one tick, every node drops its whole cache once instead. */
const INVALIDATE_ALL_ABOVE = 500;

class DryRun extends Error {
  constructor(readonly parts: (AgencyOutcome | null)[]) {
    super("dry run");
  }
}

interface AgencyOutcome {
  warnings: TickWarning[];
  emails: TickEmail[];
  actions: TickAction[];
  /** Keys whose cache entries must go after commit (warned: writes through; acted on). */
  invalidate: string[];
}

/** What a batch of agencies reads once. */
interface BatchData {
  agencies: Map<string, Agency>;
  /** Active keys among the due ones, locked (PostgreSQL). */
  keys: Map<string, ApiKey>;
  watch: Map<string, WatchRow>;
  events: Map<string, CycleEvent[]>;
  people: Map<string, { users: User[]; locations: Location[] }>;
}

/** What a batch of agencies writes once, in this order, after every agency is decided. */
interface BatchWrites {
  events: CycleEvent[];
  watchUpserts: WatchRow[];
  watchDeletes: string[];
  audits: NewAudit[];
  notifications: NewNotification[];
  /** First warnings: warned_at → keys. */
  warned: Map<number, string[]>;
}

const EMPTY = (): AgencyOutcome => ({ warnings: [], emails: [], actions: [], invalidate: [] });

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private current: Promise<unknown> = Promise.resolve();
  /** Ticks never overlap within one instance. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly deps: SchedulerDeps) {}

  // ── one tick ────────────────────────────────────────────────────────────

  tick(now = this.deps.clock.now(), opts: { dryRun?: boolean } = {}): Promise<TickReport> {
    const run = this.queue.catch(() => {}).then(() => this.runTick(now, opts.dryRun ?? false));
    this.queue = run;
    return run;
  }

  private async runTick(now: number, dryRun: boolean): Promise<TickReport> {
    const { lifecycle } = this.deps;
    const ls = new LifecycleStore(this.deps.store);
    const policies = await lifecycle.policiesInUse();
    let cutoff = Number.NEGATIVE_INFINITY;
    for (const ep of distinct(policies)) {
      // A key's first warning is due once the sweep after its due instant is within maxLead of now.
      const s = ep.cron.prevAtOrBefore(now + maxLead(ep.policy));
      if (s !== null) cutoff = Math.max(cutoff, s - ep.policy.inactivityDays * 86_400_000);
    }
    const byAgency = new Map<string, Set<string>>();
    const add = (agencyId: string, id: string) => {
      const set = byAgency.get(agencyId) ?? new Set<string>();
      set.add(id);
      byAgency.set(agencyId, set);
    };
    if (cutoff > Number.NEGATIVE_INFINITY)
      for (const k of await ls.unwarnedDue(cutoff, now)) add(k.agencyId, k.id);
    for (const w of await ls.watchDue(now)) add(w.agencyId, w.keyId);

    const report: TickReport = {
      at: now,
      dryRun,
      candidates: [...byAgency.values()].reduce((n, s) => n + s.size, 0),
      warnings: [],
      emails: [],
      actions: [],
      skippedAgencies: 0,
    };
    // Agencies are decided in batches of about BATCH_KEYS keys per transaction: a commit costs more than
    // deciding a hundred keys, and each agency still stands alone (claimed, grouped, recorded).
    const units = [...byAgency.keys()].sort().map((id) => [id, [...byAgency.get(id)!]] as const);
    for (let i = 0; i < units.length; ) {
      const batch: (readonly [string, readonly string[]])[] = [];
      let n = 0;
      while (i < units.length && (batch.length === 0 || n + units[i]![1].length <= BATCH_KEYS)) {
        batch.push(units[i]!);
        n += units[i]![1].length;
        i++;
      }
      for (const part of await this.batchWithRetry(batch, now, dryRun)) {
        if (part === null) {
          report.skippedAgencies++;
          continue;
        }
        report.warnings.push(...part.warnings);
        report.emails.push(...part.emails);
        report.actions.push(...part.actions);
        // Right after each commit, not at the end of the tick: a long tick must not leave deleted keys
        // verifying (or warned keys not written through) until it ends.
        if (!dryRun) await this.invalidate(part.invalidate);
      }
    }
    // Lifetimes ending (issue 13 §3): their own small job, apart from the inactivity plan.
    if (!dryRun) {
      const ending = await warnLifetimesEnding(this.deps.store, now, this.deps.publicUrl, (s, keys) =>
        lifecycle.inactivityFirst(s, keys, now),
      );
      if (ending.length > 0) report.lifetimeWarnings = ending;
    }
    return report;
  }

  private async batchWithRetry(
    batch: (readonly [string, readonly string[]])[],
    now: number,
    dryRun: boolean,
  ): Promise<(AgencyOutcome | null)[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.store.transaction(async (s) => {
          const parts = await this.decideBatch(s, batch, now, dryRun);
          if (dryRun) throw new DryRun(parts);
          return parts;
        });
      } catch (err) {
        if (err instanceof DryRun) return err.parts;
        if (attempt >= ATTEMPTS || !isRetryable(err)) throw err;
        // Another scheduler committed the same decisions first: run again, find them, decide nothing.
        this.deps.logger.debug({ err, attempt }, "lifecycle: batch retried");
        // Real time, not the domain clock: only to let the other writer finish.
        await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  }

  private invalidations(keyIds: readonly string[]): Invalidation[] {
    if (keyIds.length > INVALIDATE_ALL_ABOVE) return [{ type: "all" }];
    return keyIds.map((id) => ({ type: "key", id }));
  }

  /** After the commit: this node's cache, and the other nodes unless they were told by the commit. */
  private async invalidate(keyIds: string[]): Promise<void> {
    const { cache, bus } = this.deps;
    for (const msg of this.invalidations(keyIds)) {
      cache.apply(msg);
      if (!bus.publishOnCommit) await bus.publish(msg);
      // Told to the other nodes by the commit; this node's own listeners (the SDK event stream) hear it here.
      else bus.announce?.(msg);
    }
  }

  /**
   * A batch of agencies' due keys, decided and recorded in the caller's transaction. What they need is
   * read once for the whole batch and what they decide written once (a few statements per batch, not
   * per agency); each agency is still claimed, decided and grouped on its own.
   */
  private async decideBatch(
    s: Store,
    batch: readonly (readonly [string, readonly string[]])[],
    now: number,
    dryRun: boolean,
  ): Promise<(AgencyOutcome | null)[]> {
    const ls = new LifecycleStore(s);
    const claimed = await ls.claimAgencies(batch.map(([id]) => id));
    const ids = batch.filter(([id]) => claimed.has(id)).flatMap(([, keyIds]) => keyIds);
    const agencies = await s.getAgencies([...claimed]);
    const keys = await ls.activeKeysForUpdate(ids);
    const data: BatchData = {
      agencies,
      keys: new Map(keys.map((k) => [k.id, k])),
      watch: await ls.watchOf(ids),
      events: await ls.cycleEvents(keys),
      people: await s.peopleOf([...agencies.keys()]),
    };
    const w: BatchWrites = {
      events: [],
      watchUpserts: [],
      watchDeletes: [],
      audits: [],
      notifications: [],
      warned: new Map(),
    };
    const parts: (AgencyOutcome | null)[] = [];
    for (const [agencyId, keyIds] of batch)
      parts.push(claimed.has(agencyId) ? await this.agency(s, agencyId, keyIds, now, data, w) : null);
    for (const [at, keyIds] of w.warned) await ls.markWarned(keyIds, at);
    await ls.insertNotifications(w.notifications);
    await ls.insertEvents(w.events);
    await ls.deleteWatch(w.watchDeletes);
    await ls.upsertWatch(w.watchUpserts);
    await ls.appendAudits(w.audits);
    for (const [agencyId] of batch) {
      const part = parts[batch.findIndex(([id]) => id === agencyId)];
      if (!part) continue;
      // Other nodes hear of it with the commit itself, even if this node dies right after it.
      if (!dryRun) await this.deps.bus.publishOnCommit?.(s, this.invalidations(part.invalidate));
      await this.deps.beforeCommit?.(agencyId);
    }
    return parts;
  }

  /** One agency's due keys: planned from the batch's data (`planAgency`), acted on, writes joined to the batch's. */
  private async agency(
    s: Store,
    agencyId: string,
    ids: readonly string[],
    now: number,
    data: BatchData,
    w: BatchWrites,
  ): Promise<AgencyOutcome | null> {
    const agency = data.agencies.get(agencyId);
    if (!agency) return EMPTY();
    const people = data.people.get(agencyId);
    const plan = planAgency(
      {
        agency,
        candidates: ids,
        active: ids.filter((id) => data.keys.has(id)).map((id) => data.keys.get(id)!),
        users: people?.users ?? [],
        locations: people?.locations ?? [],
      },
      { events: data.events, watch: data.watch },
      this.deps.lifecycle.policyOf(agency),
      now,
      { onTimeWithinMs: this.deps.onTimeWithinMs ?? 0, publicUrl: this.deps.publicUrl },
    );

    // Sweep actions: only keys still active (locked above) are acted on and recorded.
    const done = new Set(
      plan.actions.length > 0
        ? await new LifecycleStore(s).actOn(
            plan.actions.map((a) => a.keyId),
            plan.action,
            now,
          )
        : [],
    );
    const acted = plan.actions.filter((a) => done.has(a.keyId));
    for (const [at, keyIds] of plan.warned) w.warned.set(at, [...(w.warned.get(at) ?? []), ...keyIds]);
    w.notifications.push(...plan.notifications);
    for (const mail of plan.emails) await enqueueEmail(s, { now: () => now }, mail);
    w.events.push(...acted.map((a) => a.event), ...plan.events);
    w.watchDeletes.push(...plan.watchDeletes, ...acted.map((a) => a.keyId));
    w.watchUpserts.push(...plan.watchUpserts);
    w.audits.push(...acted.map((a) => a.audit), ...plan.audits);
    return {
      warnings: plan.warnings,
      emails: plan.digests,
      actions: acted.map((a) => a.outcome),
      invalidate: [...acted.map((a) => a.keyId), ...plan.invalidate],
    };
  }

  // ── live ────────────────────────────────────────────────────────────────

  /** The next instant the scheduler should look: a calendar instant of a policy in use, or a watched key. */
  async nextWakeAt(now: number): Promise<number> {
    const policies = await this.deps.lifecycle.policiesInUse();
    let next = Number.POSITIVE_INFINITY;
    for (const ep of distinct(policies)) next = Math.min(next, nextCalendarInstant(ep.policy, ep.cron, now));
    const w = await new LifecycleStore(this.deps.store).nextWatchAt(now);
    if (w !== null) next = Math.min(next, w);
    return next;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(0);
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => {
      this.current = this.loop();
    }, delay);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    const { clock, logger } = this.deps;
    try {
      const r = await this.tick(clock.now());
      if (r.warnings.length + r.emails.length + r.actions.length > 0)
        logger.info(
          { warnings: r.warnings.length, emails: r.emails.length, actions: r.actions.length },
          "lifecycle tick",
        );
    } catch (err) {
      logger.error({ err }, "lifecycle tick failed; will try again");
    }
    if (!this.running) return;
    let delay = MAX_TICK_INTERVAL_MS;
    try {
      const now = clock.now();
      delay = Math.max(0, Math.min(MAX_TICK_INTERVAL_MS, (await this.nextWakeAt(now)) - now));
    } catch (err) {
      logger.error({ err }, "lifecycle: cannot compute the next tick");
    }
    if (this.running) this.arm(delay);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current.catch(() => {});
    await this.queue.catch(() => {});
  }
}

function distinct(p: {
  default: EffectivePolicy;
  byAgency: Map<string, EffectivePolicy>;
}): EffectivePolicy[] {
  return [...new Set([p.default, ...p.byAgency.values()])];
}
