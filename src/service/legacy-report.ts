/**
 * The migration report (docs/spec.md §5): what each legacy v1 key was used for in the last 90 days, the
 * scopes of the private integration token that would replace it, and how far its guided migration
 * (legacy-migration.ts) has come.
 */
import type { Clock } from "../core/clock.js";
import { DAY, isoSecond, utcDay } from "../core/clock.js";
import { denied, notFound } from "../core/errors.js";
import { advice, suggestScopes } from "../core/legacy.js";
import type { ApiKey } from "../core/model.js";
import { proposeSuccessor, type SuccessorProposal } from "../core/oauth.js";
import { canChangeAgencySettings } from "../core/permissions.js";
import type { ScopeCatalogue } from "../core/scopes.js";
import { type LegacyMigration, LegacyStore } from "../store/legacy-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Ctx } from "./context.js";
import type { KeyService, KeyView } from "./keys.js";
import type { UsageRecorder } from "./usage.js";

export const WINDOW_DAYS = 90;

export interface LegacyReportsDeps {
  store: Store;
  clock: Clock;
  usage: UsageRecorder;
  keys: KeyService;
  scopes: ScopeCatalogue;
  /** KEYWARD_LEGACY_END_OF_SUPPORT, quoted in the summary. */
  endOfSupport: string;
}

export class LegacyReports {
  private readonly legacyStore: LegacyStore;

  constructor(private readonly deps: LegacyReportsDeps) {
    this.legacyStore = new LegacyStore(deps.store);
  }

  async report(ctx: Ctx, agencyId: string): Promise<MigrationReport> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied("Only agency admins can read the migration report.");
    return this.build(agencyId);
  }

  /** The report without a person's permission check (the CLI, as the operator). */
  async build(agencyId: string): Promise<MigrationReport> {
    const { store, clock, endOfSupport } = this.deps;
    const agency = await store.getAgency(agencyId);
    if (!agency) throw notFound("Agency");
    await this.deps.usage.flush();
    const now = clock.now();
    const since = utcDay(now - (WINDOW_DAYS - 1) * DAY);
    const keys = await store.listKeys({ agencyId, statuses: ["active", "expired"], kind: "legacy_v1" });
    const locations = new Map((await store.listLocations(agencyId)).map((l) => [l.id, l]));
    const links = new Map(
      (await this.legacyStore.migrationsOf(agencyId)).map((m) => [m.legacyKeyId, m] as const),
    );
    const replacementIds = keys.flatMap((k) => {
      const m = links.get(k.id);
      return m ? [m.replacementKeyId] : [];
    });
    const earliest = [
      since,
      ...keys.map((k) => links.get(k.id)).flatMap((m) => (m ? [utcDay(m.startedAt)] : [])),
    ]
      .sort()
      .at(0)!;
    const daily = await this.legacyStore.dailyUse([...keys.map((k) => k.id), ...replacementIds], earliest);
    const details = await this.legacyStore.detailedUse(
      keys.map((k) => k.id),
      earliest,
    );
    const replacements = new Map<string, ApiKey>();
    for (const id of replacementIds) {
      const r = await store.getKey(id);
      if (r) replacements.set(id, r);
    }
    const views = new Map((await this.deps.keys.views(keys)).map((v) => [v.id, v]));
    const replacementViews = new Map(
      (await this.deps.keys.views([...replacements.values()])).map((v) => [v.id, v]),
    );
    const scopesOf = (level: "agency" | "location") =>
      new Set(this.deps.scopes.forLevel(level).map((s) => s.name));
    const levelScopes = { agency: scopesOf("agency"), location: scopesOf("location") };

    const entries = keys.map((k) => {
      const level = k.locationId === null ? "agency" : "location";
      const mine = daily.filter((d) => d.keyId === k.id && d.day >= since);
      const det = details.filter((d) => d.keyId === k.id && d.day >= since);
      const usage = summarise(mine, det);
      const suggestion = suggestScopes(usage.endpoints, levelScopes[level]);
      const link = links.get(k.id) ?? null;
      const migration = link
        ? this.migrationView(k, link, replacements.get(link.replacementKeyId) ?? null, daily, now)
        : null;
      const sinceUsage = link
        ? summarise(
            [],
            details.filter((d) => d.keyId === k.id && d.day >= utcDay(link.startedAt)),
          )
        : null;
      const view = views.get(k.id)!;
      return {
        key: view,
        owner:
          k.locationId === null
            ? { type: "agency" as const, id: agency.id, name: agency.name }
            : {
                type: "location" as const,
                id: k.locationId,
                name: locations.get(k.locationId)?.name ?? "(deleted location)",
              },
        usage,
        suggestedScopes: suggestion.scopes,
        unavailableScopes: suggestion.unavailable,
        unmappedEndpoints: suggestion.unmapped,
        successor: proposeSuccessor(level, level === "location" ? 1 : locations.size),
        advice: advice({
          level,
          status: k.status as "active" | "expired",
          windowDays: WINDOW_DAYS,
          total: usage.total,
          userAgents:
            sinceUsage && migration && migration.legacyUsesSince > 0
              ? sinceUsage.userAgents
              : usage.userAgents,
          ips:
            sinceUsage && migration && migration.legacyUsesSince > 0
              ? sinceUsage.sourceAddresses
              : usage.sourceAddresses,
          suggestion,
          migration: migration
            ? {
                replacementName: migration.replacement?.name ?? "(deleted)",
                startedDay: migration.startedAt.slice(0, 10),
                usesSince: migration.legacyUsesSince,
                lastUseSinceDay: migration.lastLegacyUseAt?.slice(0, 10) ?? null,
              }
            : null,
        }),
        migration: migration
          ? {
              ...migration,
              replacement: migration.replacement
                ? (replacementViews.get(migration.replacement.id) ?? null)
                : null,
            }
          : null,
      };
    });
    const inUse = entries.filter((e) => e.usage.total > 0).length;
    const migrating = entries.filter((e) => e.migration).length;
    const summary =
      entries.length === 0
        ? `${agency.name} has no legacy v1 keys left: nothing to migrate.`
        : `${agency.name} has ${plural(entries.length, "legacy v1 key")}: ${inUse} used in the last ${WINDOW_DAYS} days, ${entries.length - inUse} unused, ${migrating} with a replacement token. Legacy v1 reached end of support on ${endOfSupport}.`;
    return {
      agency: {
        id: agency.id,
        name: agency.name,
        plan: agency.plan,
        enhancedSecurity: agency.enhancedSecurity,
      },
      generatedAt: isoSecond(now),
      windowDays: WINDOW_DAYS,
      since,
      endOfSupport: endOfSupport,
      summary,
      keys: entries,
    };
  }

  private migrationView(
    k: ApiKey,
    link: LegacyMigration,
    replacement: ApiKey | null,
    daily: { keyId: string; day: string; count: number }[],
    now: number,
  ) {
    const startDay = utcDay(link.startedAt);
    const stillUsed = k.lastUsedAt !== null && k.lastUsedAt > link.startedAt;
    const legacyByDay = new Map(daily.filter((d) => d.keyId === k.id).map((d) => [d.day, d.count]));
    const replByDay = new Map(
      daily.filter((d) => d.keyId === link.replacementKeyId).map((d) => [d.day, d.count]),
    );
    const traffic: { day: string; legacy: number; replacement: number }[] = [];
    const first = Math.max(Date.parse(`${startDay}T00:00:00Z`), now - (WINDOW_DAYS - 1) * DAY);
    for (let t = first; utcDay(t) <= utcDay(now); t += DAY)
      traffic.push({
        day: utcDay(t),
        legacy: legacyByDay.get(utcDay(t)) ?? 0,
        replacement: replByDay.get(utcDay(t)) ?? 0,
      });
    const legacyUsesSince = stillUsed ? traffic.reduce((n, d) => n + d.legacy, 0) : 0;
    return {
      replacement: replacement
        ? { id: replacement.id, name: replacement.name, status: replacement.status }
        : null,
      startedAt: isoSecond(link.startedAt),
      startedBy: link.startedBy,
      completedAt: link.completedAt === null ? null : isoSecond(link.completedAt),
      legacyUsesSince,
      lastLegacyUseAt: stillUsed ? isoSecond(k.lastUsedAt!) : null,
      replacementUses: traffic.reduce((n, d) => n + d.replacement, 0),
      trafficByDay: traffic,
    };
  }
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : `${one}s`}`;
}

function summarise(
  daily: { day: string; count: number }[],
  details: { day: string; endpoint: string; userAgent: string; ip: string; count: number }[],
) {
  const endpoints = new Map<string, { count: number; lastDay: string }>();
  const agents = new Map<string, number>();
  const ips = new Map<string, number>();
  for (const d of details) {
    const e = endpoints.get(d.endpoint) ?? { count: 0, lastDay: d.day };
    e.count += d.count;
    if (d.day > e.lastDay) e.lastDay = d.day;
    endpoints.set(d.endpoint, e);
    agents.set(d.userAgent, (agents.get(d.userAgent) ?? 0) + d.count);
    ips.set(d.ip, (ips.get(d.ip) ?? 0) + d.count);
  }
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  const total =
    daily.length > 0 ? daily.reduce((n, d) => n + d.count, 0) : details.reduce((n, d) => n + d.count, 0);
  return {
    total,
    lastDay:
      daily.at(-1)?.day ??
      details
        .map((d) => d.day)
        .sort()
        .at(-1) ??
      null,
    endpoints: [...endpoints]
      .map(([endpoint, v]) => ({ endpoint, count: v.count, lastDay: v.lastDay }))
      .sort(byCount),
    userAgents: [...agents].map(([userAgent, count]) => ({ userAgent, count })).sort(byCount),
    sourceAddresses: [...ips].map(([ip, count]) => ({ ip, count })).sort(byCount),
    byDay: daily.map((d) => ({ day: d.day, count: d.count })),
  };
}

export type MigrationReport = {
  agency: { id: string; name: string; plan: string; enhancedSecurity: boolean };
  generatedAt: string;
  windowDays: number;
  since: string;
  endOfSupport: string;
  summary: string;
  keys: ReportEntry[];
};

export interface ReportEntry {
  key: KeyView;
  owner: { type: "agency" | "location"; id: string; name: string };
  usage: ReturnType<typeof summarise>;
  suggestedScopes: string[];
  unavailableScopes: { scope: string; purpose: string }[];
  unmappedEndpoints: string[];
  /** Private integration (one location) or OAuth app (many), docs/oauth.md. */
  successor: SuccessorProposal;
  advice: string;
  migration: {
    replacement: KeyView | null;
    startedAt: string;
    startedBy: string | null;
    completedAt: string | null;
    legacyUsesSince: number;
    lastLegacyUseAt: string | null;
    replacementUses: number;
    trafficByDay: { day: string; legacy: number; replacement: number }[];
  } | null;
}
