/**
 * The guided migration of a legacy v1 key (docs/spec.md §5): create the private integration token the
 * report suggests, follow the legacy key's traffic, and revoke the legacy key once it has gone quiet.
 */
import type { Clock } from "../core/clock.js";
import { HOUR, isoSecond } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import type { ApiKey } from "../core/model.js";
import { canManageKeys, canSeeKeys } from "../core/permissions.js";
import { LegacyStore } from "../store/legacy-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import type { KeyService, KeyView } from "./keys.js";
import { type LegacyReports, WINDOW_DAYS } from "./legacy-report.js";
import type { UsageRecorder } from "./usage.js";

/** A legacy key used this recently is not revoked by completing its migration unless forced. */
export const QUIET_BEFORE_COMPLETION_MS = 24 * HOUR;

export interface MigrationInput {
  name?: string | undefined;
  scopes?: string[] | undefined;
}

export interface LegacyMigrationsDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  usage: UsageRecorder;
  keys: KeyService;
  reports: LegacyReports;
}

export class LegacyMigrations {
  private readonly legacyStore: LegacyStore;

  constructor(private readonly deps: LegacyMigrationsDeps) {
    this.legacyStore = new LegacyStore(deps.store);
  }

  private async legacyKeyFor(ctx: Ctx, keyId: string): Promise<ApiKey> {
    const actor = requireActor(ctx);
    const key = await this.deps.store.getKey(keyId);
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
      const current = await this.deps.store.getKey(existing.replacementKeyId);
      if (current && (current.status === "active" || current.status === "expired"))
        throw new ApiError(
          "conflict",
          `This legacy key already has a replacement (${current.name}, ${current.id}): give that token to its clients, or revoke it first to start over.`,
          { replacementKeyId: current.id },
        );
    }
    let scopes = input.scopes;
    if (scopes === undefined) {
      const report = await this.deps.reports.build(legacy.agencyId);
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
    const created = await this.deps.keys.create(ctx, legacy.locationId ?? legacy.agencyId, {
      name,
      kind: "private_integration",
      description: `Replaces the legacy v1 key “${legacy.name}” (${legacy.id}).`.slice(0, 1000),
      scopes,
    });
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (s) => {
      await this.legacyStore.with(s).saveMigration({
        legacyKeyId: legacy.id,
        replacementKeyId: created.key.id,
        agencyId: legacy.agencyId,
        startedAt: now,
        startedBy: ctx.actorId,
        completedAt: null,
      });
      await this.deps.audit.record(s, ctx, {
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
    await this.deps.usage.flush(); // the last uses count, not only those already written
    const key = await this.legacyKeyFor(ctx, keyId);
    const now = this.deps.clock.now();
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
    const revoked = await this.deps.store.transaction(async (s) => {
      const fresh = await s.getKey(key.id);
      if (!fresh || (fresh.status !== "active" && fresh.status !== "expired"))
        throw new ApiError("invalid_state", "This legacy key was revoked meanwhile.");
      const after = await this.deps.keys.revokeInTx(ctx, s, fresh, "key.revoked");
      if (link) await this.legacyStore.with(s).completeMigration(key.id, now);
      await this.deps.audit.record(s, ctx, {
        agencyId: key.agencyId,
        action: "key.migration_completed",
        targetType: "key",
        targetId: key.id,
        after: { replacementKeyId: link?.replacementKeyId ?? null, forced: recent },
      });
      return after;
    });
    await this.deps.keys.invalidate(key.id);
    return {
      legacyKey: await this.deps.keys.view(revoked),
      replacementKeyId: link?.replacementKeyId ?? null,
      forced: recent,
    };
  }
}
