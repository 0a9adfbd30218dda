/**
 * Enhanced Account Security and the legacy v1 keys (docs/spec.md §5).
 *
 * - While EAS is off, a new location gets a legacy v1 key, kept readable (AES-256-GCM under the
 *   deployment secret) so the v1 location API can return it as `apiKey`. While EAS is on, nothing
 *   is generated and no location response carries key material.
 * - Switching EAS never creates, restores or deletes a key. Turning it on erases the readable
 *   copies (the keys keep working); turning it off e-mails the other agency admins.
 * - The migration report: what each legacy key was used for in the last 90 days and the scopes
 *   of the private integration token that would replace it; a guided migration creates that
 *   token, follows the legacy key's traffic, and revokes the legacy key when it has gone quiet.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.js";
import { DAY, HOUR, isoSecond, utcDay } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { advice, suggestScopes } from "../core/legacy.js";
import type { Agency, ApiKey, Location } from "../core/model.js";
import { canChangeAgencySettings, canManageKeys, canSeeKeys } from "../core/permissions.js";
import { newDeploymentSecret, SecretBox, SecretBoxError } from "../core/secretbox.js";
import { ensurePrivateDir } from "../files.js";
import type { Keyward } from "../keyward.js";
import { enqueueEmail } from "../notify/outbox.js";
import { type LegacyMigration, LegacyStore } from "../store/legacy-store.js";
import type { Store } from "../store/store.js";
import type { Ctx } from "./context.js";
import { type KeyView, requireActor } from "./keys.js";

declare module "../keyward.js" {
  interface Keyward {
    /** Enhanced Account Security and legacy v1 (attached by `attachLegacy`). */
    legacy?: LegacyService;
  }
}

export const WINDOW_DAYS = 90;
export const LOCATION_KEY_NAME = "Location API key";
/** A legacy key used this recently is not revoked by completing its migration unless forced. */
export const QUIET_BEFORE_COMPLETION_MS = 24 * HOUR;

/** The deployment secret: KEYWARD_SECRET, or one generated into `<dataDir>/secret.key` (mode 0600) on first start. */
export function loadDeploymentSecret(config: Pick<Config, "secret" | "dataDir">): {
  secret: string;
  source: "env" | "generated" | "file";
  file?: string;
  looseMode?: boolean;
} {
  if (config.secret) return { secret: config.secret, source: "env" };
  ensurePrivateDir(config.dataDir);
  const file = join(config.dataDir, "secret.key");
  try {
    // `wx`: exactly one process creates it, however many start at once.
    const fd = openSync(file, "wx", 0o600);
    const secret = newDeploymentSecret();
    try {
      writeSync(fd, `${secret}\n`);
    } finally {
      closeSync(fd);
    }
    return { secret, source: "generated", file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < 32)
    throw new Error(
      `${file} holds no usable secret (it must be at least 32 characters): restore it from a backup, or set KEYWARD_SECRET.`,
    );
  return { secret, source: "file", file, looseMode: (statSync(file).mode & 0o077) !== 0 };
}

export interface MigrationInput {
  name?: string | undefined;
  scopes?: string[] | undefined;
}

export class LegacyService {
  readonly legacyStore: LegacyStore;

  constructor(
    private readonly kw: Keyward,
    private readonly box: SecretBox | null,
  ) {
    this.legacyStore = new LegacyStore(kw.store);
  }

  // ── locations ───────────────────────────────────────────────────────────

  /**
   * A location was created (in the creation's transaction): while EAS is off it gets a legacy
   * key, returned once here as `apiKey`. The `disabled` legacy-creation rule wins: no key then.
   */
  async locationCreated(ctx: Ctx, store: Store, agency: Agency, location: Location) {
    if (agency.enhancedSecurity) return {};
    const rule = agency.legacyCreation ?? this.kw.config.legacy.creation;
    if (rule === "disabled") return {};
    const { key, token } = await this.kw.keys.createSystemKey(
      ctx,
      store,
      { agencyId: agency.id, locationId: location.id },
      "legacy_v1",
      LOCATION_KEY_NAME,
      [],
    );
    if (this.box) await store.updateKey({ ...key, secretEnc: this.box.seal(token) });
    return { apiKey: token };
  }

  /**
   * The readable legacy key of each location, for v1 location responses: empty while the agency's
   * EAS is on (read fresh, not from a cache). Only active keys; the newest when there are several.
   */
  async apiKeys(agencyId: string, locationIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!this.box || locationIds.length === 0) return out;
    const agency = await this.kw.store.getAgency(agencyId);
    if (!agency || agency.enhancedSecurity) return out;
    const keys = await this.kw.store.listKeys({
      agencyId,
      locationIds,
      statuses: ["active"],
      kind: "legacy_v1",
    });
    for (const k of keys) {
      if (k.secretEnc === null || k.locationId === null) continue;
      try {
        out.set(k.locationId, this.box.open(k.secretEnc)); // listKeys is oldest first: the newest wins
      } catch (e) {
        if (!(e instanceof SecretBoxError)) throw e;
        this.kw.logger.warn(
          { keyId: k.id },
          "a legacy location key does not open under this deployment secret (was KEYWARD_SECRET changed, or do nodes have different secret.key files?)",
        );
      }
    }
    return out;
  }

  // ── settings: Enhanced Account Security ─────────────────────────────────

  /** In the settings change's transaction: tell the other admins, or erase the readable copies. */
  async securityChanged(ctx: Ctx, store: Store, before: Agency, after: Agency): Promise<void> {
    if (before.enhancedSecurity && !after.enhancedSecurity) await this.mailSecurityOff(ctx, store, after);
    if (!before.enhancedSecurity && after.enhancedSecurity) {
      const erased = await this.legacyStore.with(store).eraseSecrets(after.id);
      if (erased > 0)
        await this.kw.audit.record(store, ctx, {
          agencyId: after.id,
          action: "legacy.readable_keys_erased",
          targetType: "agency",
          targetId: after.id,
          after: { keys: erased },
        });
    }
  }

  private async mailSecurityOff(ctx: Ctx, store: Store, agency: Agency): Promise<void> {
    const users = await store.listUsers(agency.id);
    const actor =
      ctx.actorType === "user" && ctx.actorId ? users.find((u) => u.id === ctx.actorId) : undefined;
    const to = users
      .filter((u) => u.type === "agency" && u.role === "admin" && u.disabledAt === null && u.id !== actor?.id)
      .map((u) => u.email);
    const who = actor ? `${actor.name} (${actor.email})` : "The deployment's operator";
    const when = isoSecond(this.kw.clock.now());
    const where = ctx.ip ? ` from ${ctx.ip}` : "";
    const lines = [
      `${who} turned Enhanced Account Security off for ${agency.name} on ${when}${where}.`,
      "",
      "This is strongly discouraged. While it is off:",
      "- every new location gets a legacy v1 API key automatically;",
      "- the v1 location API returns those keys (apiKey) to anyone holding an agency or location legacy key;",
      "- the v1 user APIs let an API key create, change and remove users, including their roles and permissions.",
      "",
      "If this was not intended, an agency admin can turn it back on in the agency settings",
      `(PATCH /api/agencies/${agency.id}/settings with {"enhancedSecurity": true}).`,
      "Turning it on or off never creates, restores or deletes an API key.",
    ];
    const esc = (s: string) =>
      s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
    await enqueueEmail(store, this.kw.clock, {
      agencyId: agency.id,
      kind: "security_disabled",
      to,
      subject: `Enhanced Account Security was turned off for ${agency.name}`,
      text: `${lines.join("\n")}\n`,
      html: `<p>${lines.map(esc).join("<br>\n")}</p>`,
    });
  }

  // ── migration report ────────────────────────────────────────────────────

  async report(ctx: Ctx, agencyId: string): Promise<MigrationReport> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied("Only agency admins can read the migration report.");
    return this.build(agencyId);
  }

  /** The report without a person's permission check (the CLI, as the operator). */
  async build(agencyId: string): Promise<MigrationReport> {
    const { store, clock, config } = this.kw;
    const agency = await store.getAgency(agencyId);
    if (!agency) throw notFound("Agency");
    await this.kw.usage.flush();
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
    const views = new Map((await this.kw.keys.views(keys)).map((v) => [v.id, v]));
    const replacementViews = new Map(
      (await this.kw.keys.views([...replacements.values()])).map((v) => [v.id, v]),
    );
    const scopesOf = (level: "agency" | "location") =>
      new Set(this.kw.scopes.forLevel(level).map((s) => s.name));
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
        : `${agency.name} has ${plural(entries.length, "legacy v1 key")}: ${inUse} used in the last ${WINDOW_DAYS} days, ${entries.length - inUse} unused, ${migrating} with a replacement token. Legacy v1 reached end of support on ${config.legacy.endOfSupport}.`;
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
      endOfSupport: config.legacy.endOfSupport,
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

  // ── guided migration ────────────────────────────────────────────────────

  private async legacyKeyFor(ctx: Ctx, keyId: string): Promise<ApiKey> {
    const actor = requireActor(ctx);
    const key = await this.kw.store.getKey(keyId);
    if (!key || !canSeeKeys(actor, key)) throw notFound("Key");
    if (!canManageKeys(actor, key))
      throw denied("Migrating this key needs an admin with the “manage API keys” permission.");
    if (key.kind !== "legacy_v1")
      throw new ApiError(
        "invalid_state",
        "Only legacy v1 keys are migrated: this is already a private integration token.",
      );
    if (key.status !== "active" && key.status !== "expired")
      throw new ApiError(
        "invalid_state",
        `This legacy key is ${key.status}: there is nothing left to migrate.`,
      );
    return key;
  }

  /** Creates the replacement private integration token (shown once) and links it to the legacy key. */
  async startMigration(
    ctx: Ctx,
    keyId: string,
    input: MigrationInput,
  ): Promise<{ legacyKeyId: string; key: KeyView; token: string; scopes: string[]; next: string }> {
    const legacy = await this.legacyKeyFor(ctx, keyId);
    const existing = await this.legacyStore.migrationOf(legacy.id);
    if (existing && existing.completedAt === null) {
      const current = await this.kw.store.getKey(existing.replacementKeyId);
      if (current && (current.status === "active" || current.status === "expired"))
        throw new ApiError(
          "conflict",
          `This legacy key already has a replacement (${current.name}, ${current.id}): give that token to its clients, or revoke it first to start over.`,
          { replacementKeyId: current.id },
        );
    }
    let scopes = input.scopes;
    if (scopes === undefined) {
      const report = await this.build(legacy.agencyId);
      const entry = report.keys.find((e) => e.key.id === legacy.id);
      scopes = entry?.suggestedScopes ?? [];
      if (scopes.length === 0)
        throw new ApiError(
          "invalid_state",
          entry && entry.usage.total === 0
            ? `This key was not used in the last ${WINDOW_DAYS} days: nothing needs replacing. Complete the migration to revoke it, or send the scopes the replacement should have.`
            : "No scope can be inferred from this key's use: send the scopes the replacement should have (see GET /api/scopes).",
        );
    }
    const name = (input.name ?? `${legacy.name} (v2)`).slice(0, 200);
    const created = await this.kw.keys.create(ctx, legacy.locationId ?? legacy.agencyId, {
      name,
      kind: "private_integration",
      description: `Replaces the legacy v1 key “${legacy.name}” (${legacy.id}).`.slice(0, 1000),
      scopes,
    });
    const now = this.kw.clock.now();
    await this.kw.store.transaction(async (s) => {
      await this.legacyStore.with(s).saveMigration({
        legacyKeyId: legacy.id,
        replacementKeyId: created.key.id,
        agencyId: legacy.agencyId,
        startedAt: now,
        startedBy: ctx.actorId,
        completedAt: null,
      });
      await this.kw.audit.record(s, ctx, {
        agencyId: legacy.agencyId,
        action: "key.migration_started",
        targetType: "key",
        targetId: legacy.id,
        after: { replacementKeyId: created.key.id, scopes: created.key.scopes },
      });
    });
    return {
      legacyKeyId: legacy.id,
      key: created.key,
      token: created.token,
      scopes: created.key.scopes,
      next: `Give this token to the clients of “${legacy.name}” (it is shown only now), watch the legacy key's traffic fall to zero in the migration report, then POST /api/keys/${legacy.id}/migration/complete to revoke it.`,
    };
  }

  /** Revokes the legacy key; refused while it was used in the last 24 hours, unless forced. */
  async completeMigration(
    ctx: Ctx,
    keyId: string,
    opts: { force?: boolean | undefined },
  ): Promise<{ legacyKey: KeyView; replacementKeyId: string | null; forced: boolean }> {
    await this.legacyKeyFor(ctx, keyId);
    await this.kw.usage.flush(); // the last uses count, not only those already written
    const key = await this.legacyKeyFor(ctx, keyId);
    const now = this.kw.clock.now();
    const recent = key.lastUsedAt !== null && key.lastUsedAt > now - QUIET_BEFORE_COMPLETION_MS;
    if (recent && !opts.force) {
      const by = [
        key.lastUsedUa ? `by ${key.lastUsedUa}` : "",
        key.lastUsedIp ? `from ${key.lastUsedIp}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      throw new ApiError(
        "legacy_key_in_use",
        `This legacy key was used in the last 24 hours (last at ${isoSecond(key.lastUsedAt!)}${by ? ` ${by}` : ""}): revoking it now would break that client. Switch it to the replacement token first, or send force: true to revoke anyway.`,
        { lastUsedAt: isoSecond(key.lastUsedAt!) },
      );
    }
    const link = await this.legacyStore.migrationOf(key.id);
    const revoked = await this.kw.store.transaction(async (s) => {
      const fresh = await s.getKey(key.id);
      if (!fresh || (fresh.status !== "active" && fresh.status !== "expired"))
        throw new ApiError("invalid_state", "This legacy key was revoked meanwhile.");
      const after = await this.kw.keys.revokeInTx(ctx, s, fresh, "key.revoked");
      if (link) await this.legacyStore.with(s).completeMigration(key.id, now);
      await this.kw.audit.record(s, ctx, {
        agencyId: key.agencyId,
        action: "key.migration_completed",
        targetType: "key",
        targetId: key.id,
        after: { replacementKeyId: link?.replacementKeyId ?? null, forced: recent },
      });
      return after;
    });
    await this.kw.keys.invalidate(key.id);
    return {
      legacyKey: await this.kw.keys.view(revoked),
      replacementKeyId: link?.replacementKeyId ?? null,
      forced: recent,
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

/**
 * Wires EAS and legacy v1 into an instance: the deployment secret and the key cipher, the
 * location hooks, the settings extension. Idempotent. The routes come from `legacyRoutes`.
 */
export async function attachLegacy(kw: Keyward): Promise<LegacyService> {
  if (kw.legacy) return kw.legacy;
  const loaded = loadDeploymentSecret(kw.config);
  if (loaded.source === "generated")
    kw.logger.info(
      { file: loaded.file },
      "generated the deployment secret (keep it with the database's backups)",
    );
  if (loaded.looseMode)
    kw.logger.warn({ file: loaded.file }, "the deployment secret file is readable by others: chmod 600 it");
  if (loaded.source !== "env" && kw.config.databaseUrl)
    kw.logger.warn(
      "KEYWARD_SECRET is not set: with several nodes on one PostgreSQL database, set the same KEYWARD_SECRET on each so they can all read legacy location keys",
    );
  const box = new SecretBox(loaded.secret);
  const legacy = new LegacyService(kw, box);
  kw.legacy = legacy;
  kw.keys.deps.encryptSecret = (plaintext) => box.seal(plaintext);

  const hooks = kw.accounts.hooks;
  const prevCreated = hooks.locationCreated;
  hooks.locationCreated = async (ctx, store, agency, location) => ({
    ...(prevCreated ? await prevCreated(ctx, store, agency, location) : {}),
    ...(await legacy.locationCreated(ctx, store, agency, location)),
  });

  kw.settings.extensions.push({
    read: async () => ({}),
    inTransaction: (ctx, store, before, after) => legacy.securityChanged(ctx, store, before, after),
  });
  return legacy;
}
