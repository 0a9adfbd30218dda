/**
 * Key use-cases (docs/spec.md §2): create, list, edit, revoke, rotate (now or later), expire-now and cancel
 * of a pending rotation, refresh, import. Every change happens in one transaction with its audit
 * entry, then invalidates the verification cache before returning, so a revocation or rotation has
 * taken effect by the time the request that made it returns.
 */
import { type Clock, DAY, utcDay } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { checkAllowlist } from "../core/ip-allowlist.js";
import { daysInactive, type InactivityAction } from "../core/lifecycle.js";
import type { Agency, ApiKey, KeyStatus, KeyToken, LegacyCreation, User } from "../core/model.js";
import {
  type Actor,
  canChangeAgencySettings,
  canManageKeys,
  canSeeKeys,
  type Owner,
  planAllowsAgencyKeys,
} from "../core/permissions.js";
import { type RateLimit, RateLimitList } from "../core/rate-limits.js";
import type { ScopeCatalogue } from "../core/scopes.js";
import {
  displayPrefix,
  generateToken,
  hashToken,
  inspectToken,
  type KeyKind,
  last4,
  MAX_ROTATION_GRACE_SECONDS,
  type ManagedKeyKind,
  maskToken,
} from "../core/token.js";
import { Description, ensure, Name } from "../core/validate.js";
import { LeakStore } from "../store/leak-store.js";
import { LifetimeStore } from "../store/lifetime-store.js";
import { RateLimitStore } from "../store/rate-limit-store.js";
import type { NewAudit, Store } from "../store/store.js";
import { UsageStore } from "../store/usage-store.js";
import { requireActor, resolveAccount } from "./access.js";
import type { AfterCommit } from "./after-commit.js";
import type { Audit } from "./audit.js";
import { changed } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import { exceedsMaximum, lifetimeAtCreation, lifetimeByEdit } from "./key-lifetime.js";

/** What the lifecycle says will happen to a key next (filled in by the lifecycle service). */
export interface NextAction {
  action: InactivityAction;
  at: number;
  /** Its first warning of the current cycle has been issued: the action is pending (Keep applies). */
  warned?: boolean;
}

export interface LifecycleView {
  nextActions(keys: ApiKey[], agency: Agency): Promise<Map<string, NextAction | null>>;
}

export interface KeyView {
  id: string;
  name: string;
  description: string;
  /** The kinds people manage: an app's access tokens (`oauth`) are shown as installs (docs/oauth.md). */
  kind: ManagedKeyKind;
  owner: { type: "agency" | "location"; id: string };
  agencyId: string;
  locationId: string | null;
  scopes: string[];
  /** An agency key limited to these locations (issue 13 §4); null: every location it may reach. */
  locationIds: string[] | null;
  /** CIDRs its requests must come from (issue 13 §2); null: no list of its own. */
  ipAllowlist: string[] | null;
  token: string;
  status: KeyStatus;
  imported: boolean;
  createdAt: string;
  createdBy: { id: string; name: string; email: string } | null;
  lastUsed: { at: string; ip: string | null; userAgent: string | null } | null;
  /** The latest of creation, last use, refresh or rotation: what inactivity is counted from. */
  lastActivityAt: string;
  daysInactive: number;
  nextAction: { action: InactivityAction; at: string } | null;
  nextActionAt: string | null;
  rotation: {
    pending: true;
    oldToken: string;
    oldTokenExpiresAt: string;
    oldTokenLastUsedAt: string | null;
  } | null;
  revokedAt: string | null;
  expiredAt: string | null;
  deletedAt: string | null;
  /** An agency key while the agency's plan does not allow agency keys: it verifies as plan_required. */
  suspended: boolean;
  /** Warned of its coming inactivity action in the current cycle: an admin may Keep it (issue 14). */
  warned: boolean;
  /** The latest report of its token leaking (issue 14): where, from whom, and what was done. */
  leak: {
    reportedAt: string;
    source: string;
    url: string | null;
    action: "revoked" | "notified";
  } | null;
  /** The key's own rate limits; absent: the defaults apply (docs/traffic-policy.md). */
  rateLimits?: RateLimit[];
  /** When its lifetime ends (issue 13 §3); null: no lifetime. */
  expiresAt: string | null;
  /** Its lifetime has ended: it verifies as `expired` whatever its status (docs/traffic-policy.md). */
  lifetimeEnded: boolean;
  /** It lives longer than its agency's maxKeyLifetimeDays now allows (set before the maximum was). */
  exceedsMaxLifetime: boolean;
}

export interface CreateKeyInput {
  name: string;
  kind?: KeyKind | undefined;
  description?: string | undefined;
  scopes?: string[] | undefined;
  /** The key's own limits instead of the defaults (agency admins only). */
  rateLimits?: RateLimit[] | undefined;
  /** Agency keys only: the locations it is limited to (absent or null: every location). */
  locationIds?: string[] | null | undefined;
  /** CIDRs its requests must come from (absent or null: no list of its own). */
  ipAllowlist?: string[] | null | undefined;
  /** When its lifetime ends, ISO 8601 (absent: the agency's maximum, if any; null: none). */
  expiresAt?: string | null | undefined;
  /** Its lifetime in whole days from now, instead of expiresAt. */
  expiresInDays?: number | undefined;
}

export interface EditKeyInput {
  name?: string | undefined;
  description?: string | undefined;
  scopes?: string[] | undefined;
  /** The key's own limits (agency admins only); null: back to the defaults. */
  rateLimits?: RateLimit[] | null | undefined;
  /** Agency keys only: null lifts the limit; absent leaves it as it is. */
  locationIds?: string[] | null | undefined;
  /** null removes the list; absent leaves it as it is. */
  ipAllowlist?: string[] | null | undefined;
  /** A new end of its lifetime, ISO 8601; null removes it; absent leaves it as it is. */
  expiresAt?: string | null | undefined;
}

/** How many locations an agency key may be limited to (the API's bound, docs/traffic-policy.md). */
export const MAX_KEY_LOCATIONS = 1000;

/**
 * A key created by the system rather than a person (`createSystemKeys`). `id`, `createdAt` and
 * `history` are for keys that arrive with an identity and a past of their own (`keyward simulate`'s
 * scenario keys); without them the key is new, now, with a fresh id.
 */
export interface SystemKeyInput {
  owner: Owner;
  kind: KeyKind;
  name: string;
  description?: string | undefined;
  scopes?: string[] | undefined;
  id?: string | undefined;
  createdAt?: number | undefined;
  /** Where the key stands after what happened to it since `createdAt` (uses, a revocation). */
  history?: Pick<ApiKey, "activityAt" | "lastUsedAt" | "status" | "revokedAt"> | undefined;
}

export type ImportKeyInput = CreateKeyInput & { token?: string | undefined; sha256?: string | undefined };

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export interface KeyServiceDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  cache: VerificationCache;
  bus: CacheBus;
  scopes: ScopeCatalogue;
  prefix: string;
  legacyCreationDefault: LegacyCreation;
  lifecycle: LifecycleView;
  /** Legacy location keys while Enhanced Account Security is off are kept encrypted (docs/spec.md §5). */
  encryptSecret: (plaintext: string) => string;
}

export class KeyService {
  constructor(readonly deps: KeyServiceDeps) {}

  /**
   * This service inside the caller's transaction `s`: the same rules, reads and writes on `s`, cache
   * invalidations held by `later` until the caller commits. (Key views of active keys also read
   * lifecycle facts through `lifecycle`, which keeps its own store: list them before or after.)
   */
  within(s: Store, later: AfterCommit): KeyService {
    return new KeyService({
      ...this.deps,
      store: s,
      cache: later.cache(this.deps.cache),
      bus: later.bus(this.deps.bus),
    });
  }

  /** Loads a key the actor may see; 404 for anything else, including another tenant's keys. */
  private async visibleKey(
    actor: Actor,
    keyId: string,
    store = this.deps.store,
    lock = false,
  ): Promise<ApiKey> {
    const key = await (lock ? store.getKeyForUpdate(keyId) : store.getKey(keyId));
    if (!key || !canSeeKeys(actor, key)) throw notFound("Key");
    // An app's access token is its install's (docs/oauth.md): editing, rotating or lifting its
    // lifetime here would outlive the consent and the uninstall. It is managed as the install.
    if (key.kind === "oauth")
      throw new ApiError(
        "resource_not_found",
        "This is an OAuth app's access token: it is managed through its install (GET /api/agencies/{agencyId}/installs, DELETE /api/installs/{installId}).",
      );
    return key;
  }

  /** Called inside the changing transaction: locks the key's row until commit (see getKeyForUpdate). */
  private async manageableKey(actor: Actor, keyId: string, store: Store): Promise<ApiKey> {
    const key = await this.visibleKey(actor, keyId, store, true);
    if (!canManageKeys(actor, key))
      throw denied(
        "You may see this key but not change it: ask an admin with the “manage API keys” permission.",
      );
    return key;
  }

  /** A key's own limits are its agency's admins' to set; checked like the API checks them. */
  private checkLimits(actor: Actor, agencyId: string, limits: RateLimit[]): RateLimit[] {
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied(
        "Only agency admins can set a key's rate limits: leave rateLimits out to keep the defaults.",
      );
    return ensure(RateLimitList, limits, "rateLimits");
  }

  private checkScopes(kind: KeyKind, scopes: string[], owner: Owner): void {
    if (kind === "legacy_v1" && scopes.length > 0)
      throw new ApiError(
        "validation_failed",
        "Legacy v1 keys have full access to their account and take no scopes.",
        {
          issues: [{ field: "scopes", message: "must be empty for a legacy_v1 key" }],
        },
      );
    const problems = this.deps.scopes.problems(scopes, owner.locationId === null ? "agency" : "location");
    if (problems.length > 0)
      throw new ApiError("validation_failed", problems.join(" "), {
        issues: problems.map((message) => ({ field: "scopes", message })),
      });
  }

  /**
   * The plan table (docs/spec.md §1) and, for new legacy keys, the legacy-creation rule (docs/spec.md §5). An
   * imported key is not a new credential (it exists elsewhere and "keeps working unchanged"), so
   * only the plan applies to it.
   */
  private async checkCreation(
    store: Store,
    agency: Agency,
    owner: Owner,
    kind: KeyKind,
    imported = false,
  ): Promise<void> {
    if (owner.locationId === null && !planAllowsAgencyKeys(agency.plan))
      throw new ApiError(
        "plan_required",
        `Agency keys need the agency_pro plan; this agency is on ${agency.plan}. Create a location key, or upgrade.`,
      );
    if (kind !== "legacy_v1" || imported) return;
    const rule = agency.legacyCreation ?? this.deps.legacyCreationDefault;
    if (rule === "disabled")
      throw new ApiError(
        "legacy_creation_disabled",
        "New legacy v1 keys cannot be created: create a private integration token instead.",
      );
    const existing = await store.listKeys({
      agencyId: owner.agencyId,
      locationIds: owner.locationId === null ? null : [owner.locationId],
      statuses: ["active"],
      kind: "legacy_v1",
    });
    if (existing.length === 0)
      throw new ApiError(
        "legacy_creation_disabled",
        "Only an account that already has an active legacy v1 key may create another: create a private integration token instead.",
      );
  }

  async create(
    ctx: Ctx,
    accountId: string,
    input: CreateKeyInput,
  ): Promise<{ key: KeyView; token: string; warnings: string[] }> {
    const actor = requireActor(ctx);
    const { agency, owner } = await resolveAccount(this.deps.store, actor, accountId);
    if (!canManageKeys(actor, owner))
      throw denied("Creating keys here needs an admin with the “manage API keys” permission.");
    input = checkText(input);
    const kind = input.kind ?? "private_integration";
    const scopes = [...new Set(input.scopes ?? [])].sort();
    this.checkScopes(kind, scopes, owner);
    const rateLimits =
      input.rateLimits === undefined ? undefined : this.checkLimits(actor, agency.id, input.rateLimits);
    const ips = keyAllowlist(input.ipAllowlist);
    const expiresAt = lifetimeAtCreation(input, this.deps.clock.now(), agency.maxKeyLifetimeDays ?? null);
    const token = generateToken(this.deps.prefix, kind);
    const key = await this.deps.store.transaction(async (store) => {
      await this.checkCreation(store, agency, owner, kind);
      const key = this.newKey(ctx, owner, kind, input.name, input.description ?? "", scopes);
      key.locationIds = await checkKeyLocations(store, owner, input.locationIds ?? null);
      key.ipAllowlist = ips?.cidrs ?? null;
      key.expiresAt = expiresAt;
      if (kind === "legacy_v1" && owner.locationId !== null && !agency.enhancedSecurity)
        key.secretEnc = this.deps.encryptSecret(token);
      await store.insertKey(key);
      await store.insertToken(this.newToken(key.id, token, displayPrefix(this.deps.prefix, kind)));
      if (rateLimits)
        await new RateLimitStore(store).setLimits("key", key.id, key.agencyId, rateLimits, key.createdAt);
      await this.deps.audit.record(store, ctx, {
        agencyId: key.agencyId,
        action: "key.created",
        targetType: "key",
        targetId: key.id,
        after: { ...auditFields(key), ...(rateLimits ? { rateLimits } : {}) },
      });
      return key;
    });
    return { key: await this.view(key), token, warnings: ips?.warnings ?? [] };
  }

  /** Creates a key outside any person's request (a location's auto-generated legacy key, the CLI). */
  async createSystemKey(
    ctx: Ctx,
    store: Store,
    owner: Owner,
    kind: KeyKind,
    name: string,
    scopes: string[],
  ): Promise<{ key: ApiKey; token: string }> {
    const token = generateToken(this.deps.prefix, kind);
    const key = this.newKey(ctx, owner, kind, name, "", scopes);
    await store.insertKey(key);
    await store.insertToken(this.newToken(key.id, token, displayPrefix(this.deps.prefix, kind)));
    await this.deps.audit.record(store, ctx, {
      agencyId: key.agencyId,
      action: "key.created",
      targetType: "key",
      targetId: key.id,
      after: auditFields(key),
    });
    return { key, token };
  }

  /**
   * Creates many keys outside any person's request, in the caller's transaction, with multi-row
   * inserts: the text and scope checks of `create` (all inputs are checked before anything is
   * written), its rows (`newKey`, `newToken`) and its `key.created` audit entries, dated at each
   * key's creation. Like `createSystemKey`, it skips the plan and legacy-creation rules: those are
   * about what an account's people may create, and the system creates what it was told to.
   */
  async createSystemKeys(
    ctx: Ctx,
    store: Store,
    items: readonly SystemKeyInput[],
  ): Promise<{ key: ApiKey; token: string; stored: KeyToken }[]> {
    const checked = items.map((item) => ({ item, ...this.checkSystemKey(item) }));
    const out = checked.map(({ item, name, description, scopes }) => {
      const at = item.createdAt ?? this.deps.clock.now();
      const key: ApiKey = {
        ...this.newKey(ctx, item.owner, item.kind, name, description, scopes, at),
        ...(item.id !== undefined ? { id: item.id } : {}),
        ...item.history,
      };
      const token = generateToken(this.deps.prefix, item.kind);
      const stored: KeyToken = {
        ...this.newToken(key.id, token, displayPrefix(this.deps.prefix, item.kind), at),
        lastUsedAt: key.lastUsedAt,
      };
      return { key, token, stored };
    });
    await store.insertKeys(out.map((o) => o.key));
    await store.insertTokens(out.map((o) => o.stored));
    await store.appendAudits(
      out.map(
        ({ key }): NewAudit => ({
          id: newId("audit"),
          at: key.createdAt,
          agencyId: key.agencyId,
          actorType: ctx.actorType,
          actorId: ctx.actorId,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          action: "key.created",
          targetType: "key",
          targetId: key.id,
          before: null,
          after: auditFields(key),
        }),
      ),
    );
    return out;
  }

  /**
   * The text and scope rules of a system creation, alone (`createSystemKeys` applies them): for a
   * caller that wants to refuse a whole batch of future creations up front. Returns the values as
   * they will be stored (a trimmed name, sorted scopes).
   */
  checkSystemKey(item: SystemKeyInput): { name: string; description: string; scopes: string[] } {
    const text = checkText({ name: item.name, description: item.description });
    const scopes = [...new Set(item.scopes ?? [])].sort();
    this.checkScopes(item.kind, scopes, item.owner);
    return { name: text.name, description: text.description ?? "", scopes };
  }

  private newKey(
    ctx: Ctx,
    owner: Owner,
    kind: KeyKind,
    name: string,
    description: string,
    scopes: string[],
    now = this.deps.clock.now(),
  ): ApiKey {
    return {
      id: newId("key"),
      agencyId: owner.agencyId,
      locationId: owner.locationId,
      kind,
      name,
      description,
      scopes,
      status: "active",
      imported: false,
      createdAt: now,
      createdBy: ctx.actorType === "user" ? ctx.actorId : null,
      updatedAt: now,
      activityAt: now,
      lastUsedAt: null,
      lastUsedIp: null,
      lastUsedUa: null,
      revokedAt: null,
      expiredAt: null,
      deletedAt: null,
      inactiveDays: null,
      warnedAt: null,
      secretEnc: null,
      locationIds: null,
      ipAllowlist: null,
    };
  }

  private newToken(keyId: string, token: string, prefixPart: string, now = this.deps.clock.now()): KeyToken {
    return {
      hash: hashToken(token),
      keyId,
      display: maskToken(prefixPart, last4(token)),
      createdAt: now,
      validUntil: null,
      retiredReason: null,
      lastUsedAt: null,
    };
  }

  async import(ctx: Ctx, accountId: string, input: ImportKeyInput): Promise<{ key: KeyView }> {
    const actor = requireActor(ctx);
    const { agency, owner } = await resolveAccount(this.deps.store, actor, accountId);
    if (!canManageKeys(actor, owner))
      throw denied("Importing keys here needs an admin with the “manage API keys” permission.");
    input = checkText(input);
    const kind = input.kind ?? "private_integration";
    const scopes = [...new Set(input.scopes ?? [])].sort();
    this.checkScopes(kind, scopes, owner);
    let hash: string;
    let display: string;
    if (input.token !== undefined) {
      const shape = inspectToken(input.token, this.deps.prefix);
      if (!shape.ok)
        throw new ApiError("validation_failed", `The token cannot be imported: ${shape.reason}`, {
          issues: [{ field: "token", message: shape.reason }],
        });
      if (shape.ours && shape.kind !== kind)
        throw new ApiError("validation_failed", `This token is a ${shape.kind} token, not ${kind}.`, {
          issues: [{ field: "kind", message: `must be ${shape.kind} for this token` }],
        });
      hash = hashToken(input.token);
      display = shape.ours
        ? maskToken(displayPrefix(this.deps.prefix, kind), last4(input.token))
        : maskToken("", last4(input.token));
    } else if (input.sha256 !== undefined) {
      hash = input.sha256.toLowerCase();
      display = "(imported by hash)";
    } else {
      throw new ApiError(
        "validation_failed",
        "Send either token (the plaintext) or sha256 (its SHA-256, hex).",
        {
          issues: [{ field: "token", message: "token or sha256 is required" }],
        },
      );
    }
    const key = await this.deps.store.transaction(async (store) => {
      await this.checkCreation(store, agency, owner, kind, true);
      const holder = await store.keyOfHash(hash);
      if (holder) {
        await this.recordImportCollision(store, ctx, agency.id, holder);
        return null;
      }
      const key = {
        ...this.newKey(ctx, owner, kind, input.name, input.description ?? "", scopes),
        imported: true,
      };
      await store.insertKey(key);
      await store.insertToken({ ...this.newToken(key.id, "", ""), hash, display });
      await this.deps.audit.record(store, ctx, {
        agencyId: key.agencyId,
        action: "key.imported",
        targetType: "key",
        targetId: key.id,
        after: auditFields(key),
      });
      return key;
    });
    // One neutral answer, whoever holds the token: nothing tells the caller which agency, if any
    // other, has it. (Thrown after the transaction, so that its audit entry is committed.)
    if (key === null)
      throw new ApiError("conflict", "This token is already known to Keyward: it cannot be imported twice.");
    return { key: await this.view(key) };
  }

  /**
   * Someone presented a token this deployment already stores: whoever holds it should know (when it
   * comes from another agency, their token has leaked). The entry goes to the holder's agency; an
   * attempt from another agency is recorded without who or from where, which is that agency's.
   */
  private async recordImportCollision(
    store: Store,
    ctx: Ctx,
    importerAgencyId: string,
    holder: { keyId: string; agencyId: string },
  ): Promise<void> {
    const sameAgency = importerAgencyId === holder.agencyId;
    await this.deps.audit.record(
      store,
      sameAgency ? ctx : { actor: null, actorType: "system", actorId: null, ip: null, userAgent: null },
      {
        agencyId: holder.agencyId,
        action: "key.import_refused",
        targetType: "key",
        targetId: holder.keyId,
        after: {
          reason: "this key's token was presented for import",
          attemptedBy: sameAgency ? "this agency" : "another agency",
        },
      },
    );
  }

  async list(
    ctx: Ctx,
    accountId: string,
    opts: { statuses?: KeyStatus[]; includeLocations?: boolean; createdBy?: string } = {},
  ): Promise<KeyView[]> {
    const actor = requireActor(ctx);
    const { owner } = await resolveAccount(this.deps.store, actor, accountId);
    const statuses = opts.statuses ?? ["active", "expired"];
    let locationIds: string[] | null | undefined = owner.locationId === null ? null : [owner.locationId];
    if (owner.locationId === null && opts.includeLocations) locationIds = undefined;
    const keys = await this.deps.store.listKeys({
      agencyId: owner.agencyId,
      locationIds,
      statuses,
      ...(opts.createdBy ? { createdBy: opts.createdBy } : {}),
    });
    return this.views(keys.filter((k) => canSeeKeys(actor, k)));
  }

  /**
   * Offboarding: revokes every active or expired key the user created that the caller may manage,
   * in one transaction (all or none), and reports the rest as skipped. Each key is re-read locked,
   * so a key changed meanwhile is judged as it is now.
   */
  async revokeCreatedBy(ctx: Ctx, user: User): Promise<{ revoked: string[]; skipped: string[] }> {
    const actor = requireActor(ctx);
    const listed = await this.list(ctx, user.agencyId, { includeLocations: true, createdBy: user.id });
    const out = await this.deps.store.transaction(async (store) => {
      const revoked: string[] = [];
      const skipped: string[] = [];
      for (const { id } of listed) {
        const key = await store.getKeyForUpdate(id);
        if (!key || !canManageKeys(actor, key) || key.status === "revoked" || key.status === "deleted") {
          skipped.push(id);
          continue;
        }
        await this.revokeInTx(ctx, store, key, "key.revoked");
        revoked.push(id);
      }
      return { revoked, skipped };
    });
    for (const id of out.revoked) await this.invalidate(id);
    return out;
  }

  /** A key's uses per UTC day over the last `days` days, for whoever may see the key. */
  async usageByDay(ctx: Ctx, keyId: string, days: number): Promise<{ day: string; count: number }[]> {
    const key = await this.visibleKey(requireActor(ctx), keyId);
    const since = utcDay(this.deps.clock.now() - days * DAY);
    return new UsageStore(this.deps.store).usageByDay(key.id, since);
  }

  async get(ctx: Ctx, keyId: string): Promise<KeyView> {
    return this.view(await this.visibleKey(requireActor(ctx), keyId));
  }

  async edit(ctx: Ctx, keyId: string, input: EditKeyInput): Promise<KeyView & { warnings: string[] }> {
    const actor = requireActor(ctx);
    input = checkText(input);
    const ips = keyAllowlist(input.ipAllowlist);
    const key = await this.deps.store.transaction(async (store) => {
      const before = await this.manageableKey(actor, keyId, store);
      if (before.status === "revoked" || before.status === "deleted")
        throw new ApiError("invalid_state", `This key is ${before.status}: it can no longer be edited.`);
      const scopes = input.scopes === undefined ? before.scopes : [...new Set(input.scopes)].sort();
      if (input.scopes !== undefined) this.checkScopes(before.kind, scopes, before);
      const locationIds =
        input.locationIds === undefined
          ? before.locationIds
          : await checkKeyLocations(store, before, input.locationIds);
      const now = this.deps.clock.now();
      const expiresAt =
        input.expiresAt === undefined
          ? undefined
          : lifetimeByEdit(
              input.expiresAt,
              now,
              (await store.getAgency(before.agencyId))?.maxKeyLifetimeDays ?? null,
            );
      const after: ApiKey = {
        ...before,
        name: input.name ?? before.name,
        description: input.description ?? before.description,
        scopes,
        locationIds,
        ipAllowlist: input.ipAllowlist === undefined ? before.ipAllowlist : (ips?.cidrs ?? null),
        // A new lifetime starts its warnings afresh (issue 13 §3: extending clears the warning).
        ...(expiresAt === undefined ? {} : { expiresAt, lifetimeWarnedAt: null }),
        updatedAt: now,
      };
      // The key's own rate limits, when the edit sets them (agency admins only).
      const limits = new RateLimitStore(store);
      const setsLimits = input.rateLimits !== undefined;
      const newLimits =
        setsLimits && input.rateLimits ? this.checkLimits(actor, before.agencyId, input.rateLimits) : null;
      if (setsLimits && !input.rateLimits) this.checkLimits(actor, before.agencyId, []);
      const limitsBefore = setsLimits ? await limits.limitsOf("key", before.id) : null;
      const withLimits = (fields: Record<string, unknown>, l: RateLimit[] | null) =>
        setsLimits ? { ...fields, rateLimits: l } : fields;
      // A lifetime the edit sets or removes is shown on both sides (null: none).
      const withLifetime = (fields: Record<string, unknown>, k: ApiKey) =>
        expiresAt === undefined ? fields : { ...fields, expiresAt: iso(k.expiresAt ?? null) };
      const diff = changed(
        withLifetime(withLimits(auditFields(before), limitsBefore), before),
        withLifetime(withLimits(auditFields(after), newLimits), after),
      );
      if (Object.keys(diff.after).length === 0) return before; // nothing to change, nothing to record
      if ("rateLimits" in diff.after)
        await limits.setLimits("key", before.id, before.agencyId, newLimits, after.updatedAt);
      await store.updateKey(after);
      if ("expiresAt" in diff.after) await new LifetimeStore(store).clearWarnings(after.id, now);
      await this.deps.audit.record(store, ctx, {
        agencyId: after.agencyId,
        action: "key.updated",
        targetType: "key",
        targetId: after.id,
        ...diff,
      });
      return after;
    });
    await this.invalidate(key.id);
    return { ...(await this.view(key)), warnings: ips?.warnings ?? [] };
  }

  async revoke(ctx: Ctx, keyId: string): Promise<KeyView> {
    const actor = requireActor(ctx);
    const key = await this.deps.store.transaction(async (store) => {
      const before = await this.manageableKey(actor, keyId, store);
      return this.revokeInTx(ctx, store, before, "key.revoked");
    });
    await this.invalidate(key.id);
    return this.view(key);
  }

  /** Revokes inside the caller's transaction; the caller invalidates the cache after commit. */
  async revokeInTx(ctx: Ctx, store: Store, before: ApiKey, action: string): Promise<ApiKey> {
    if (before.status === "revoked" || before.status === "deleted")
      throw new ApiError("invalid_state", `This key is already ${before.status}.`);
    const now = this.deps.clock.now();
    const after: ApiKey = { ...before, status: "revoked", revokedAt: now, updatedAt: now, secretEnc: null };
    await store.updateKey(after);
    await this.deps.audit.record(store, ctx, {
      agencyId: after.agencyId,
      action,
      targetType: "key",
      targetId: after.id,
      before: { status: before.status },
      after: { status: "revoked" },
    });
    return after;
  }

  private pendingOld(tokens: KeyToken[], now: number): KeyToken | undefined {
    return tokens.find((t) => t.retiredReason === "rotated" && t.validUntil !== null && t.validUntil > now);
  }

  async rotate(
    ctx: Ctx,
    keyId: string,
    expireOldAfterSeconds: number,
  ): Promise<{ key: KeyView; token: string }> {
    const actor = requireActor(ctx);
    if (
      !Number.isInteger(expireOldAfterSeconds) ||
      expireOldAfterSeconds < 0 ||
      expireOldAfterSeconds > MAX_ROTATION_GRACE_SECONDS
    )
      throw new ApiError(
        "validation_failed",
        `expireOldAfterSeconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS} (7 days).`,
        {
          issues: [{ field: "expireOldAfterSeconds", message: `must be 0–${MAX_ROTATION_GRACE_SECONDS}` }],
        },
      );
    let token = "";
    const key = await this.deps.store.transaction(async (store) => {
      const before = await this.manageableKey(actor, keyId, store);
      if (before.status === "revoked" || before.status === "deleted")
        throw new ApiError("invalid_state", `This key is ${before.status}: create a new key instead.`);
      const now = this.deps.clock.now();
      const tokens = await store.tokensOfKey(before.id);
      if (this.pendingOld(tokens, now))
        throw new ApiError(
          "invalid_state",
          "A rotation is already pending: expire the old token now or cancel the rotation first.",
        );
      // An expired key's token stops at once: a grace period is for tokens that were working.
      const grace = before.status === "expired" ? 0 : expireOldAfterSeconds * 1000;
      for (const t of tokens.filter((t) => t.validUntil === null))
        await store.updateToken({ ...t, validUntil: now + grace, retiredReason: "rotated" });
      token = generateToken(this.deps.prefix, before.kind);
      await store.insertToken(this.newToken(before.id, token, displayPrefix(this.deps.prefix, before.kind)));
      const after: ApiKey = {
        ...before,
        status: "active",
        expiredAt: null,
        inactiveDays: null,
        activityAt: now,
        updatedAt: now,
        secretEnc: before.secretEnc ? this.deps.encryptSecret(token) : null,
      };
      await store.updateKey(after);
      // Its lifetime warnings are answered by the rotation (issue 13 §3); the lifetime itself stays.
      if (after.expiresAt != null) await new LifetimeStore(store).clearWarnings(after.id, now);
      await this.deps.audit.record(store, ctx, {
        agencyId: after.agencyId,
        action: "key.rotated",
        targetType: "key",
        targetId: after.id,
        before: { status: before.status },
        after: { status: "active", oldTokenValidUntil: iso(now + grace) },
      });
      return after;
    });
    await this.invalidate(key.id);
    return { key: await this.view(key), token };
  }

  async expireRotationNow(ctx: Ctx, keyId: string): Promise<KeyView> {
    return this.endRotation(ctx, keyId, "expire");
  }

  async cancelRotation(ctx: Ctx, keyId: string): Promise<KeyView> {
    return this.endRotation(ctx, keyId, "cancel");
  }

  private async endRotation(ctx: Ctx, keyId: string, how: "expire" | "cancel"): Promise<KeyView> {
    const actor = requireActor(ctx);
    const key = await this.deps.store.transaction(async (store) => {
      let key = await this.manageableKey(actor, keyId, store);
      const now = this.deps.clock.now();
      const tokens = await store.tokensOfKey(key.id);
      const old = this.pendingOld(tokens, now);
      if (!old || key.status !== "active")
        throw new ApiError("invalid_state", "This key has no pending rotation.");
      if (how === "expire") {
        await store.updateToken({ ...old, validUntil: now });
      } else {
        await store.updateToken({ ...old, validUntil: null, retiredReason: null });
        for (const t of tokens.filter((t) => t.validUntil === null))
          await store.updateToken({ ...t, validUntil: now, retiredReason: "cancelled" });
        // A readable legacy key holds the new token, now revoked; the old plaintext was never
        // kept, so the legacy Location API shows no key rather than a dead one.
        if (key.secretEnc !== null) {
          key = { ...key, secretEnc: null, updatedAt: now };
          await store.updateKey(key);
        }
      }
      await this.deps.audit.record(store, ctx, {
        agencyId: key.agencyId,
        action: how === "expire" ? "key.rotation_expired_now" : "key.rotation_cancelled",
        targetType: "key",
        targetId: key.id,
      });
      return key;
    });
    await this.invalidate(key.id);
    return this.view(key);
  }

  async refresh(ctx: Ctx, keyId: string): Promise<KeyView> {
    const actor = requireActor(ctx);
    const key = await this.deps.store.transaction(async (store) => {
      const before = await this.manageableKey(actor, keyId, store);
      if (before.status !== "expired")
        throw new ApiError(
          "invalid_state",
          `Only expired keys can be refreshed; this key is ${before.status}.`,
        );
      const now = this.deps.clock.now();
      const after: ApiKey = {
        ...before,
        status: "active",
        expiredAt: null,
        inactiveDays: null,
        activityAt: now,
        updatedAt: now,
      };
      await store.updateKey(after);
      await this.deps.audit.record(store, ctx, {
        agencyId: after.agencyId,
        action: "key.refreshed",
        targetType: "key",
        targetId: after.id,
        before: { status: "expired" },
        after: { status: "active" },
      });
      return after;
    });
    await this.invalidate(key.id);
    return this.view(key);
  }

  /** Drops the key's cache entries here and, through the bus, on every other node. */
  async invalidate(keyId: string): Promise<void> {
    this.deps.cache.apply({ type: "key", id: keyId });
    await this.deps.bus.publish({ type: "key", id: keyId });
  }

  async view(key: ApiKey): Promise<KeyView> {
    const [v] = await this.views([key]);
    return v!;
  }

  async views(keys: ApiKey[]): Promise<KeyView[]> {
    if (keys.length === 0) return [];
    const { store, clock } = this.deps;
    const now = clock.now();
    const tokens = await store.tokensOfKeys(keys.map((k) => k.id));
    const creators = new Map<string, User | null>();
    for (const k of keys)
      if (k.createdBy && !creators.has(k.createdBy))
        creators.set(k.createdBy, await store.getUser(k.createdBy));
    const tokensByKey = new Map<string, KeyToken[]>();
    for (const t of tokens) tokensByKey.set(t.keyId, [...(tokensByKey.get(t.keyId) ?? []), t]);
    const ownLimits = await new RateLimitStore(store).keysLimits(keys.map((k) => k.id));
    let next = new Map<string, NextAction | null>();
    const agency = await store.getAgency(keys[0]!.agencyId);
    if (agency) next = await this.deps.lifecycle.nextActions(keys, agency);
    const leaks = await new LeakStore(store).latestOf(keys.map((k) => k.id));
    return keys.map((k) => {
      const leak = leaks.get(k.id);
      const mine = tokensByKey.get(k.id) ?? [];
      const current = mine.find((t) => t.validUntil === null) ?? mine[mine.length - 1];
      const old = this.pendingOld(mine, now);
      const creator = k.createdBy ? creators.get(k.createdBy) : null;
      const na = next.get(k.id) ?? null;
      return {
        id: k.id,
        name: k.name,
        description: k.description,
        kind: k.kind as ManagedKeyKind,
        owner:
          k.locationId === null ? { type: "agency", id: k.agencyId } : { type: "location", id: k.locationId },
        agencyId: k.agencyId,
        locationId: k.locationId,
        scopes: k.scopes,
        locationIds: k.locationIds,
        ipAllowlist: k.ipAllowlist,
        token: current?.display ?? "",
        status: k.status,
        imported: k.imported,
        createdAt: iso(k.createdAt)!,
        createdBy: creator ? { id: creator.id, name: creator.name, email: creator.email } : null,
        lastUsed:
          k.lastUsedAt === null
            ? null
            : { at: iso(k.lastUsedAt)!, ip: k.lastUsedIp, userAgent: k.lastUsedUa },
        lastActivityAt: iso(k.activityAt)!,
        daysInactive: k.status === "active" ? daysInactive(k.activityAt, now) : 0,
        nextAction: na ? { action: na.action, at: iso(na.at)! } : null,
        nextActionAt: na ? iso(na.at) : null,
        warned: na?.warned === true,
        rotation: old
          ? {
              pending: true,
              oldToken: old.display,
              oldTokenExpiresAt: iso(old.validUntil)!,
              oldTokenLastUsedAt: iso(old.lastUsedAt),
            }
          : null,
        revokedAt: iso(k.revokedAt),
        expiredAt: iso(k.expiredAt),
        deletedAt: iso(k.deletedAt),
        suspended: k.locationId === null && agency !== null && !planAllowsAgencyKeys(agency.plan),
        leak: leak
          ? { reportedAt: iso(leak.reportedAt)!, source: leak.source, url: leak.url, action: leak.action }
          : null,
        ...(ownLimits.has(k.id) ? { rateLimits: ownLimits.get(k.id)! } : {}),
        expiresAt: iso(k.expiresAt ?? null),
        lifetimeEnded: k.expiresAt !== null && k.expiresAt !== undefined && now >= k.expiresAt,
        exceedsMaxLifetime:
          k.status === "active" && exceedsMaximum(k.expiresAt, now, agency?.maxKeyLifetimeDays),
      } satisfies KeyView;
    });
  }
}

/** Names and descriptions follow the same rules whoever calls (HTTP has checked them already). */
function checkText<T extends { name?: string | undefined; description?: string | undefined }>(input: T): T {
  return {
    ...input,
    ...(input.name !== undefined ? { name: ensure(Name, input.name, "name") } : {}),
    ...(input.description !== undefined
      ? { description: ensure(Description, input.description, "description") }
      : {}),
  };
}

/** The fields of a key the audit log shows (never a token or its hash). */
export function auditFields(k: ApiKey): Record<string, unknown> {
  return {
    name: k.name,
    description: k.description,
    kind: k.kind,
    scopes: k.scopes,
    status: k.status,
    owner: k.locationId ?? k.agencyId,
    locationIds: k.locationIds,
    ipAllowlist: k.ipAllowlist,
    // Only when set, so the entries of keys without a lifetime read as before.
    ...(k.expiresAt ? { expiresAt: iso(k.expiresAt) } : {}),
  };
}

/**
 * A key's IP allowlist as it will be stored (canonical CIDRs) with its warnings; undefined when the
 * input leaves it unchanged or null when it removes it. Problems are a 400 naming each entry.
 */
function keyAllowlist(
  list: readonly string[] | null | undefined,
): { cidrs: string[] | null; warnings: string[] } | undefined {
  if (list === undefined) return undefined;
  if (list === null) return { cidrs: null, warnings: [] };
  return checkedAllowlist(list, "ipAllowlist");
}

/** Checks an allowlist for any owner (key, location, agency): 400 naming each bad entry, else canonical. */
export function checkedAllowlist(
  list: readonly string[],
  field: string,
): { cidrs: string[]; warnings: string[] } {
  if (list.length === 0)
    throw new ApiError(
      "validation_failed",
      `${field} must list at least one address or CIDR; send null to remove the list.`,
      { issues: [{ field, message: "must not be empty (null removes the list)" }] },
    );
  const r = checkAllowlist(list);
  if (!r.ok)
    throw new ApiError("validation_failed", `${field}: ${r.issues.join("; ")}.`, {
      issues: r.issues.map((message) => ({ field, message })),
    });
  return { cidrs: r.cidrs, warnings: r.warnings };
}

/**
 * An agency key's list of locations, as it will be stored (unique, sorted; null: every location).
 * Only agency keys take one; every id must be a location of the key's agency that exists now. An id
 * of another agency is answered exactly as an unknown one, so nothing is learnt about it.
 */
async function checkKeyLocations(
  store: Store,
  owner: Owner,
  ids: readonly string[] | null,
): Promise<string[] | null> {
  if (ids === null) return null;
  const issue = (message: string, detail: string) =>
    new ApiError("validation_failed", message, { issues: [{ field: "locationIds", message: detail }] });
  if (owner.locationId !== null)
    throw issue(
      "locationIds limits agency keys only: a location key already reaches its own location alone. Leave locationIds out.",
      "only for agency keys",
    );
  const unique = [...new Set(ids)].sort();
  if (unique.length === 0)
    throw issue(
      "locationIds must name at least one location; send null (or leave it out) for every location of the agency.",
      "must not be empty",
    );
  if (unique.length > MAX_KEY_LOCATIONS)
    throw issue(
      `locationIds may name at most ${MAX_KEY_LOCATIONS} locations; this list has ${unique.length}.`,
      `at most ${MAX_KEY_LOCATIONS}`,
    );
  const found = new Set((await store.listLocations(owner.agencyId, unique)).map((l) => l.id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw new ApiError(
      "resource_not_found",
      `No location of this agency has the id ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ""}: check locationIds.`,
    );
  return unique;
}
