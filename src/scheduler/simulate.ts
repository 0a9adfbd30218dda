/**
 * `keyward simulate` (SPEC §4 "Simulation"): the real services, scheduler and store on a temporary
 * SQLite database under a virtual clock, from `start` to `end`, printing every lifecycle event.
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
import { z } from "zod";
import { type Config, loadConfig } from "../config.js";
import { ManualClock } from "../core/clock.js";
import { ApiError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import {
  bannerActive,
  DEFAULT_POLICY,
  type LifecyclePolicy,
  mergePolicy,
  nextCalendarInstant,
  validatePolicy,
} from "../core/lifecycle.js";
import type { ApiKey } from "../core/model.js";
import { displayPrefix, generateToken, hashToken, type KeyKind, last4, maskToken } from "../core/token.js";
import type { MailTransport } from "../notify/delivery.js";
import { operatorCtx } from "../service/access.js";
import type { AccountService } from "../service/accounts.js";
import type { AgencyFacts, VerificationCache } from "../service/cache.js";
import { systemCtx } from "../service/context.js";
import type { KeyService } from "../service/keys.js";
import type { EffectivePolicy, LifecycleService } from "../service/lifecycle.js";
import type { UsageRecorder } from "../service/usage.js";
import { toEntry, type Verifier } from "../service/verify.js";
import type { OutboxRow } from "../store/lifecycle-store.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import { keyToRow, type Store } from "../store/store.js";
import type { Scheduler } from "./scheduler.js";

// ── the scenario ─────────────────────────────────────────────────────────────────────────────────

export class ScenarioError extends Error {}

const Instant = z.iso.datetime({ message: 'must be an ISO 8601 UTC time such as "2026-01-01T00:00:00Z"' });
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, _ or -");
const EmailAddr = z.email({ message: "must be an e-mail address" });
const PolicyObject = z.record(z.string(), z.unknown());

const ScenarioSchema = z.strictObject({
  start: Instant,
  end: Instant,
  policy: PolicyObject.optional(),
  agencies: z
    .array(
      z.strictObject({
        id: Id,
        name: z.string().min(1).max(200).optional(),
        plan: z.enum(["starter", "unlimited", "agency_pro"]).optional(),
        policy: PolicyObject.optional(),
        admins: z.array(EmailAddr).default([]),
        users: z.array(EmailAddr).default([]),
        locations: z
          .array(
            z.strictObject({
              id: Id,
              name: z.string().min(1).max(200).optional(),
              admins: z.array(EmailAddr).default([]),
              users: z.array(EmailAddr).default([]),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
  keys: z
    .array(
      z.strictObject({
        id: Id,
        owner: Id,
        name: z.string().min(1).max(200).optional(),
        kind: z.enum(["private_integration", "legacy_v1"]).default("private_integration"),
        createdAt: Instant,
        uses: z.array(Instant).default([]),
      }),
    )
    .default([]),
  actions: z
    .array(z.strictObject({ at: Instant, type: z.enum(["revoke", "refresh", "rotate"]), key: Id }))
    .default([]),
  outages: z.array(z.strictObject({ from: Instant, to: Instant })).default([]),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;

export interface Scenario {
  start: number;
  end: number;
  policy: LifecyclePolicy;
  agencies: {
    id: string;
    name: string;
    override: Record<string, unknown> | null;
    admins: string[];
    users: string[];
    locations: { id: string; name: string; admins: string[]; users: string[] }[];
  }[];
  keys: {
    id: string;
    owner: string;
    agencyId: string;
    locationId: string | null;
    name: string;
    kind: KeyKind;
    createdAt: number;
    uses: number[];
  }[];
  actions: { at: number; type: "revoke" | "refresh" | "rotate"; key: string }[];
  outages: { from: number; to: number }[];
}

function policyProblems(where: string, v: ReturnType<typeof validatePolicy>): string[] {
  return v.ok ? [] : v.errors.map((e) => `${where}.${e.field}: ${e.message}`);
}

/** Checks a scenario and resolves it; throws ScenarioError listing every problem. */
export function parseScenario(raw: unknown): Scenario {
  const r = ScenarioSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const path = i.path
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("")
        .replace(/^\./, "");
      const msg =
        i.code === "unrecognized_keys"
          ? `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}`
          : i.message;
      return `${path || "(scenario)"}: ${msg}`;
    });
    throw new ScenarioError(`Invalid scenario:\n  ${lines.join("\n  ")}`);
  }
  const s = r.data;
  const problems: string[] = [];
  const t = (x: string) => Date.parse(x);
  const start = t(s.start);
  const end = t(s.end);
  if (!(end > start)) problems.push("end: must be after start");

  const base = validatePolicy(mergePolicy(DEFAULT_POLICY, (s.policy ?? {}) as Partial<LifecyclePolicy>));
  problems.push(...policyProblems("policy", base));
  const policy = base.ok ? base.policy : DEFAULT_POLICY;

  const owners = new Map<string, { agencyId: string; locationId: string | null }>();
  const emails = new Set<string>();
  const email = (e: string, where: string) => {
    const k = e.toLowerCase();
    if (emails.has(k)) problems.push(`${where}: ${e} appears twice; each person has one e-mail address`);
    emails.add(k);
    return k;
  };
  const agencies = s.agencies.map((a, i) => {
    if (owners.has(a.id)) problems.push(`agencies[${i}].id: "${a.id}" is used twice`);
    owners.set(a.id, { agencyId: a.id, locationId: null });
    if (a.policy)
      problems.push(
        ...policyProblems(
          `agencies[${i}].policy`,
          validatePolicy(mergePolicy(policy, a.policy as Partial<LifecyclePolicy>)),
        ),
      );
    return {
      id: a.id,
      name: a.name ?? a.id,
      override: a.policy ? { ...a.policy } : null,
      admins: a.admins.map((e, j) => email(e, `agencies[${i}].admins[${j}]`)),
      users: a.users.map((e, j) => email(e, `agencies[${i}].users[${j}]`)),
      locations: a.locations.map((l, j) => {
        if (owners.has(l.id)) problems.push(`agencies[${i}].locations[${j}].id: "${l.id}" is used twice`);
        owners.set(l.id, { agencyId: a.id, locationId: l.id });
        return {
          id: l.id,
          name: l.name ?? l.id,
          admins: l.admins.map((e, k) => email(e, `agencies[${i}].locations[${j}].admins[${k}]`)),
          users: l.users.map((e, k) => email(e, `agencies[${i}].locations[${j}].users[${k}]`)),
        };
      }),
    };
  });
  // Scenario policies are stored as the agency's override over the scenario policy: make them complete.
  for (const a of agencies)
    if (a.override) a.override = { ...mergePolicy(policy, a.override as Partial<LifecyclePolicy>) };

  const keyIds = new Set<string>();
  const keys = s.keys.map((k, i) => {
    if (keyIds.has(k.id)) problems.push(`keys[${i}].id: "${k.id}" is used twice`);
    keyIds.add(k.id);
    const o = owners.get(k.owner);
    if (!o)
      problems.push(`keys[${i}].owner: "${k.owner}" is neither an agency nor a location of the scenario`);
    const createdAt = t(k.createdAt);
    const uses = k.uses.map(t).sort((a, b) => a - b);
    if (uses.length > 0 && uses[0]! < createdAt)
      problems.push(
        `keys[${i}].uses: a use (${new Date(uses[0]!).toISOString()}) is before the key's createdAt`,
      );
    return {
      id: k.id,
      owner: k.owner,
      agencyId: o?.agencyId ?? "",
      locationId: o?.locationId ?? null,
      name: k.name ?? k.id,
      kind: k.kind as KeyKind,
      createdAt,
      uses,
    };
  });
  const actions = s.actions.map((a, i) => {
    if (!keyIds.has(a.key)) problems.push(`actions[${i}].key: "${a.key}" is not a key of the scenario`);
    return { at: t(a.at), type: a.type, key: a.key };
  });
  const outages = s.outages.map((o, i) => {
    const from = t(o.from);
    const to = t(o.to);
    if (!(to > from)) problems.push(`outages[${i}]: to must be after from`);
    return { from, to };
  });
  if (problems.length > 0) throw new ScenarioError(`Invalid scenario:\n  ${problems.join("\n  ")}`);
  return { start, end, policy, agencies, keys, actions: actions.sort((a, b) => a.at - b.at), outages };
}

// ── events ───────────────────────────────────────────────────────────────────────────────────────

export type SimEvent =
  | {
      at: string;
      type: "warning";
      account: string;
      leadDays: number;
      actionAt: string;
      keys: string[];
      to: string[];
    }
  | { at: string; type: "email"; agency: string; actionAt: string; keys: string[]; to: string[] }
  | { at: string; type: "banner_on"; account: string; actionAt: string; keys: string[] }
  | { at: string; type: "banner_off"; account: string; actionAt: string }
  | { at: string; type: "deleted"; key: string }
  | { at: string; type: "expired"; key: string };

const ORDER: Record<SimEvent["type"], number> = {
  deleted: 0,
  expired: 0,
  banner_off: 1,
  warning: 2,
  email: 3,
  banner_on: 4,
};

const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");

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
  accounts: AccountService;
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
  private created: { k: Scenario["keys"][number]; key: ApiKey; token: string }[] = [];
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
      while (ai < actions.length && actions[ai]!.at === t) {
        const a = actions[ai++]!;
        await this.writeCreated();
        await this.action(a.type, a.key);
        if (this.watched.has(a.key)) dirty.add(this.accountOf(a.key));
      }

      const inOutage = sc.outages.some((o) => t >= o.from && t < o.to);
      const tickNow =
        !inOutage && (t === sc.start || t >= nextCalendar || t >= nextScheduler || outageEnds.includes(t));
      const instantEvents: SimEvent[] = [];
      if (tickNow) {
        await this.writeCreated();
        await this.kw.usage.flush();
        const r = await this.kw.scheduler.tick(t);
        this.ticks++;
        for (const a of r.actions) {
          instantEvents.push({
            at: iso(t),
            type: a.action === "delete" ? "deleted" : "expired",
            key: a.keyId,
          });
          dirty.add(a.accountId);
        }
        for (const w of r.warnings) {
          instantEvents.push({
            at: iso(t),
            type: "warning",
            account: w.accountId,
            leadDays: w.leadDays,
            actionAt: iso(w.actionAt),
            keys: [...w.keyIds].sort(),
            to: [...w.to].sort(),
          });
          dirty.add(w.accountId);
        }
        for (const e of r.emails)
          if (e.emailId !== null)
            instantEvents.push({
              at: iso(t),
              type: "email",
              agency: e.agencyId,
              actionAt: iso(e.actionAt),
              keys: [...e.keyIds].sort(),
              to: [...e.to].sort(),
            });
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
        accounts.createUser(systemCtx, a.id, { email, name: email.split("@")[0]!, type, role, locationIds });
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
    // Keys that exist at start, with their history (uses and actions before start), in batches.
    const existing = sc.keys.filter((k) => k.createdAt <= sc.start);
    const rows: { key: ApiKey; token: string }[] = [];
    for (const k of existing) {
      this.keyAgency.set(k.id, k.agencyId);
      let activity = k.createdAt;
      let lastUsed: number | null = null;
      let status: ApiKey["status"] = "active";
      let revokedAt: number | null = null;
      const history = [
        ...k.uses.filter((u) => u < sc.start).map((at) => ({ at, type: "use" as const })),
        ...sc.actions.filter((a) => a.key === k.id && a.at < sc.start),
      ].sort((a, b) => a.at - b.at);
      for (const h of history) {
        if (status !== "active") break;
        if (h.type === "use") {
          lastUsed = h.at;
          activity = Math.max(activity, h.at);
        } else if (h.type === "rotate") activity = Math.max(activity, h.at);
        else if (h.type === "revoke") {
          status = "revoked";
          revokedAt = h.at;
        }
      }
      rows.push({
        key: this.newKey(k, { activityAt: activity, lastUsedAt: lastUsed, status, revokedAt }),
        token: generateToken(kw.config.tokenPrefix, k.kind),
      });
    }
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      await kw.store.transaction(async (s) => {
        await this.insertKeys(s, part);
      });
      for (const { key, token } of part) {
        this.tokens.set(key.id, token);
        this.prime(key, token);
      }
    }
  }

  /** Writes keys and their current tokens in one statement each, in the caller's transaction. */
  private async insertKeys(s: Store, part: readonly { key: ApiKey; token: string }[]): Promise<void> {
    const prefix = this.kw.config.tokenPrefix;
    await s.db
      .insertInto("api_keys")
      .values(part.map(({ key }) => keyToRow(key)))
      .execute();
    await s.db
      .insertInto("key_tokens")
      .values(
        part.map(({ key, token }) => ({
          hash: hashToken(token),
          key_id: key.id,
          display: maskToken(displayPrefix(prefix, key.kind), last4(token)),
          created_at: key.createdAt,
          valid_until: null,
          retired_reason: null,
          last_used_at: key.lastUsedAt,
        })),
      )
      .execute();
  }

  private newKey(
    k: Scenario["keys"][number],
    s: { activityAt: number; lastUsedAt: number | null; status: ApiKey["status"]; revokedAt: number | null },
  ): ApiKey {
    return {
      id: k.id,
      agencyId: k.agencyId,
      locationId: k.locationId,
      kind: k.kind,
      name: k.name,
      description: "",
      scopes: [],
      status: s.status,
      imported: false,
      createdAt: k.createdAt,
      createdBy: null,
      updatedAt: k.createdAt,
      activityAt: s.activityAt,
      lastUsedAt: s.lastUsedAt,
      lastUsedIp: null,
      lastUsedUa: null,
      revokedAt: s.revokedAt,
      expiredAt: null,
      deletedAt: null,
      inactiveDays: null,
      warnedAt: null,
      secretEnc: null,
    };
  }

  /**
   * A key that comes into being during the simulation: created as an admin would, with its audit entry.
   * Written in batches (`writeCreated`) before anything can observe it — its first use, an action, the
   * next tick — so one transaction carries many creations instead of one each.
   */
  private createKey(k: Scenario["keys"][number]): void {
    const { kw } = this;
    this.keyAgency.set(k.id, k.agencyId);
    const token = generateToken(kw.config.tokenPrefix, k.kind);
    const key = this.newKey(k, {
      activityAt: k.createdAt,
      lastUsedAt: null,
      status: "active",
      revokedAt: null,
    });
    this.created.push({ k, key, token });
    this.unwritten.add(k.id);
    this.tokens.set(k.id, token);
  }

  /** Puts a key just written into the verification cache, as its first verification would read it. */
  private prime(key: ApiKey, token: string): void {
    const { kw } = this;
    const agency = this.agencyFacts.get(key.agencyId);
    if (!agency) return;
    const found = {
      token: {
        hash: hashToken(token),
        keyId: key.id,
        display: maskToken(displayPrefix(kw.config.tokenPrefix, key.kind), last4(token)),
        createdAt: key.createdAt,
        validUntil: null,
        retiredReason: null,
        lastUsedAt: key.lastUsedAt,
      },
      key,
      agency,
    };
    kw.cache.put(toEntry(found, this.clock.now()), agency);
  }

  private async writeCreated(): Promise<void> {
    if (this.created.length === 0) return;
    const { kw } = this;
    const created = this.created;
    this.created = [];
    this.unwritten.clear();
    for (let i = 0; i < created.length; i += 500) {
      const part = created.slice(i, i + 500);
      await kw.store.transaction(async (s) => {
        await this.insertKeys(s, part);
        await new LifecycleStore(s).appendAudits(
          part.map(({ k, key }) => {
            const ctx = { ...operatorCtx(k.agencyId), actorId: "simulate" };
            return {
              id: newId("audit"),
              at: k.createdAt,
              agencyId: k.agencyId,
              actorType: ctx.actorType,
              actorId: ctx.actorId,
              ip: ctx.ip,
              userAgent: ctx.userAgent,
              action: "key.created",
              targetType: "key",
              targetId: key.id,
              before: null,
              after: { name: key.name, kind: key.kind, owner: k.owner },
            };
          }),
        );
      });
      // Their first use would read them back: put them in the cache as that read would.
      for (const { key, token } of part) this.prime(key, token);
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

  private async action(type: "revoke" | "refresh" | "rotate", keyId: string): Promise<void> {
    const agencyId = this.keyAgency.get(keyId);
    if (!agencyId) return;
    const ctx = operatorCtx(agencyId);
    try {
      if (type === "revoke") await this.kw.keys.revoke(ctx, keyId);
      else if (type === "refresh") await this.kw.keys.refresh(ctx, keyId);
      else {
        const { token } = await this.kw.keys.rotate(ctx, keyId, 0);
        this.tokens.set(keyId, token);
      }
    } catch (e) {
      // Refreshing an active key, revoking a deleted one …: refused, and nothing changes.
      if (!(e instanceof ApiError)) throw e;
    }
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
      for (const [actionAt, keys] of after)
        if (!before.has(actionAt))
          out.push({ at: iso(t), type: "banner_on", account: accountId, actionAt: iso(actionAt), keys });
      for (const actionAt of before.keys())
        if (!after.has(actionAt))
          out.push({ at: iso(t), type: "banner_off", account: accountId, actionAt: iso(actionAt) });
      if (after.size > 0) this.banners.set(accountId, after);
      else this.banners.delete(accountId);
    }
    return out;
  }
}

function compareEvents(a: SimEvent, b: SimEvent): number {
  return ORDER[a.type] - ORDER[b.type] || JSON.stringify(a).localeCompare(JSON.stringify(b));
}

/** One event as the JSON line `--json` prints: fields in the SPEC's order. */
export function eventLine(e: SimEvent): string {
  return JSON.stringify(e);
}
