/**
 * The platform's service credentials (issue 12 §2): `kw_svc_…` tokens of the key format (CRC check,
 * hash-only storage, shown once), rotated with a grace period and revoked like keys, every change
 * audited. The operator's credentials (agency null) cover every agency; an agency owner's act on
 * that agency only.
 *
 * Authenticating one runs on every service request (POST /api/verify first of all), so a known
 * credential is a SHA-256 and a map look-up: entries are kept like the verification cache's, for as
 * long as the invalidation bus vouches for them (`maxEntryAgeMs`), and dropped on every node when a
 * credential is revoked or rotated (the bus's `service_key` message; on SQLite the change_log
 * triggers of migration 009).
 */
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { canManageServiceKeys, isKeyActor } from "../core/permissions.js";
import {
  displayPrefix,
  generateToken,
  hashToken as hashOf,
  inspectToken,
  last4,
  MAX_ROTATION_GRACE_SECONDS,
  maskToken,
} from "../core/token.js";
import { ensure, Name } from "../core/validate.js";
import type { ServiceKey, ServiceKeyToken } from "../store/service-key-store.js";
import { ServiceKeyStore } from "../store/service-key-store.js";
import type { Store } from "../store/store.js";
import type { AfterCommit } from "./after-commit.js";
import type { Audit } from "./audit.js";
import type { CacheBus, Invalidation } from "./cache.js";
import {
  type Ctx,
  isOperator,
  SERVICE_SCOPES,
  type ServiceCredential,
  type ServiceScope,
} from "./context.js";

export interface ServiceKeyView {
  id: string;
  name: string;
  /** Null: an operator credential (every agency). */
  agencyId: string | null;
  scopes: ServiceScope[];
  /** Masked: `kw_svc_…abcd`. */
  token: string;
  status: "active" | "revoked";
  createdAt: string;
  createdBy: string | null;
  rotation: { pending: true; oldToken: string; oldTokenExpiresAt: string } | null;
  revokedAt: string | null;
}

export interface ServiceKeyDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  bus: CacheBus;
  prefix: string;
  /** How long a cached credential is trusted when the bus is healthy (the verification cache's TTL). */
  cacheTtlMs: number;
}

interface Entry {
  credential: ServiceCredential;
  /** The token stops at this instant (a rotated-out token in its grace period); null: never. */
  validUntil: number | null;
  loadedAt: number;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const MAX_CACHED = 10_000;

export class ServiceKeyService {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashesById = new Map<string, string[]>();
  private gen = 0;

  constructor(private readonly deps: ServiceKeyDeps) {}

  /**
   * This service inside the caller's transaction `s`, for management only (it caches nothing): its
   * invalidations are held by `later` and reach this node's credential cache through the bus after
   * the caller commits.
   */
  within(s: Store, later: AfterCommit): ServiceKeyService {
    return new ServiceKeyService({ ...this.deps, store: s, bus: later.bus(this.deps.bus) });
  }

  // ── authentication (the service guard) ───────────────────────────────────

  /**
   * The active credential a token (given with its SHA-256) names, or null. Not async: a cached
   * credential answers without a promise; only a miss reads the store, and a token that is not a
   * well-formed `kw_svc_…` never does.
   */
  authenticate(token: string, hash: string): ServiceCredential | null | Promise<ServiceCredential | null> {
    const now = this.deps.clock.now();
    const e = this.byHash.get(hash);
    if (e && now - e.loadedAt <= this.deps.bus.maxEntryAgeMs(this.deps.cacheTtlMs))
      return e.validUntil !== null && now >= e.validUntil ? null : e.credential;
    const shape = inspectToken(token, this.deps.prefix);
    if (!shape.ok || !shape.ours || shape.kind !== "service") return null;
    return this.load(hash, now);
  }

  private async load(hash: string, now: number): Promise<ServiceCredential | null> {
    const gen = this.gen;
    const found = await new ServiceKeyStore(this.deps.store).findByHash(hash);
    if (found?.key.status !== "active") return null;
    const { key, token } = found;
    if (token.validUntil !== null && now >= token.validUntil) return null;
    const entry: Entry = {
      credential: Object.freeze({
        id: key.id,
        name: key.name,
        agencyId: key.agencyId,
        scopes: Object.freeze(key.scopes as ServiceScope[]),
      }),
      validUntil: token.validUntil,
      loadedAt: now,
    };
    // An invalidation during the read may concern what it returned: use it once, keep nothing.
    if (this.gen === gen) this.put(hash, key.id, entry);
    return entry.credential;
  }

  private put(hash: string, id: string, entry: Entry): void {
    if (this.byHash.size >= MAX_CACHED) this.clearCache();
    this.byHash.set(hash, entry);
    const hashes = this.hashesById.get(id);
    if (!hashes) this.hashesById.set(id, [hash]);
    else if (!hashes.includes(hash)) hashes.push(hash);
  }

  private clearCache(): void {
    this.byHash.clear();
    this.hashesById.clear();
  }

  /** Applies an invalidation from this node or another (subscribed to the bus in app/keyward.ts). */
  apply(msg: Invalidation): void {
    if (msg.type !== "service_key" && msg.type !== "all") return;
    this.gen++;
    if (msg.type === "all") {
      this.clearCache();
      return;
    }
    for (const h of this.hashesById.get(msg.id) ?? []) this.byHash.delete(h);
    this.hashesById.delete(msg.id);
  }

  private async invalidate(id: string): Promise<void> {
    this.apply({ type: "service_key", id });
    await this.deps.bus.publish({ type: "service_key", id });
  }

  // ── management ───────────────────────────────────────────────────────────

  /**
   * Who may manage the credentials of `agencyId` (null: the operator's own): the operator for any,
   * an agency owner for their agency's. An agency's credential manages none (it would make itself
   * more than it is); a key never.
   */
  private async checkManager(ctx: Ctx, agencyId: string | null, store = this.deps.store): Promise<void> {
    if (isOperator(ctx)) {
      // Read with the caller's transaction when there is one (SQLite has one connection for both).
      if (agencyId !== null && !(await store.getAgency(agencyId))) throw notFound("Agency");
      return;
    }
    if (ctx.actorType === "service")
      throw new ApiError(
        "operator_credential_required",
        "Service credentials are managed by the operator (KEYWARD_SERVICE_TOKEN or an operator credential) or by the agency's owner in the console; an agency's credential cannot manage them.",
      );
    const actor = ctx.actor;
    if (!actor || isKeyActor(actor))
      throw new ApiError("unauthenticated", "Sign in first: POST /api/auth/login.");
    if (agencyId === null || actor.agencyId !== agencyId) throw notFound("Agency");
    if (ctx.credential)
      throw denied("Service credentials cannot be managed while acting for a user: sign in as the owner.");
    if (!canManageServiceKeys(actor, agencyId))
      throw denied("Only the agency's owner manages its service credentials.");
  }

  private checkScopes(scopes: readonly string[]): ServiceScope[] {
    const unknown = scopes.filter((s) => !(SERVICE_SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0)
      throw new ApiError(
        "validation_failed",
        scopes.length === 0
          ? `Give the credential at least one scope: ${SERVICE_SCOPES.join(", ")}.`
          : `Unknown service scope ${unknown.join(", ")}: the scopes are ${SERVICE_SCOPES.join(", ")}.`,
        { issues: [{ field: "scopes", message: `each one of ${SERVICE_SCOPES.join(", ")}` }] },
      );
    return [...new Set(scopes)].sort() as ServiceScope[];
  }

  async create(
    ctx: Ctx,
    input: { agencyId: string | null; name: string; scopes: readonly string[] },
  ): Promise<{ serviceKey: ServiceKeyView; token: string }> {
    await this.checkManager(ctx, input.agencyId);
    const name = ensure(Name, input.name, "name");
    const scopes = this.checkScopes(input.scopes);
    const now = this.deps.clock.now();
    const token = generateToken(this.deps.prefix, "service");
    const key: ServiceKey = {
      id: newId("serviceKey"),
      agencyId: input.agencyId,
      name,
      scopes,
      status: "active",
      createdAt: now,
      createdBy: ctx.actorType === "user" ? ctx.actorId : (ctx.credential?.id ?? null),
      updatedAt: now,
      revokedAt: null,
    };
    const stored = this.newToken(key.id, token, now);
    await this.deps.store.transaction(async (s) => {
      await new ServiceKeyStore(s).insert(key, stored);
      await this.deps.audit.record(s, ctx, {
        agencyId: key.agencyId,
        action: "service_key.created",
        targetType: "service_key",
        targetId: key.id,
        after: { name, scopes, agencyId: key.agencyId },
      });
    });
    return { serviceKey: this.view(key, [stored], now), token };
  }

  async list(ctx: Ctx, agencyId: string | null, includeRevoked = false): Promise<ServiceKeyView[]> {
    await this.checkManager(ctx, agencyId);
    const store = new ServiceKeyStore(this.deps.store);
    const keys = await store.list(agencyId, includeRevoked);
    const tokens = await store.tokensOf(keys.map((k) => k.id));
    const now = this.deps.clock.now();
    return keys.map((k) =>
      this.view(
        k,
        tokens.filter((t) => t.serviceKeyId === k.id),
        now,
      ),
    );
  }

  /** A credential the caller may manage; 404 for any other (another agency's included). */
  private async manageable(ctx: Ctx, s: Store, id: string): Promise<ServiceKey> {
    const key = await new ServiceKeyStore(s).get(id);
    if (!key) throw notFound("Service credential");
    try {
      await this.checkManager(ctx, key.agencyId, s);
    } catch (e) {
      if (e instanceof ApiError && e.code === "resource_not_found") throw notFound("Service credential");
      throw e;
    }
    return key;
  }

  async rotate(
    ctx: Ctx,
    id: string,
    expireOldAfterSeconds: number,
  ): Promise<{ serviceKey: ServiceKeyView; token: string }> {
    if (
      !Number.isInteger(expireOldAfterSeconds) ||
      expireOldAfterSeconds < 0 ||
      expireOldAfterSeconds > MAX_ROTATION_GRACE_SECONDS
    )
      throw new ApiError(
        "validation_failed",
        `expireOldAfterSeconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS} (7 days).`,
        { issues: [{ field: "expireOldAfterSeconds", message: `must be 0–${MAX_ROTATION_GRACE_SECONDS}` }] },
      );
    const token = generateToken(this.deps.prefix, "service");
    const now = this.deps.clock.now();
    const out = await this.deps.store.transaction(async (s) => {
      const store = new ServiceKeyStore(s);
      const before = await this.manageable(ctx, s, id);
      if (before.status !== "active")
        throw new ApiError("invalid_state", "This credential is revoked: create a new one instead.");
      const tokens = await store.tokensOf([id]);
      if (tokens.some((t) => t.retiredReason === "rotated" && t.validUntil !== null && t.validUntil > now))
        throw new ApiError(
          "invalid_state",
          "A rotation is already pending: wait for the old token to stop, or revoke the credential.",
        );
      const validUntil = now + expireOldAfterSeconds * 1000;
      for (const t of tokens.filter((t) => t.validUntil === null))
        await store.updateToken({ ...t, validUntil, retiredReason: "rotated" });
      const fresh = this.newToken(id, token, now);
      await store.insertToken(fresh);
      const after = { ...before, updatedAt: now };
      await store.update(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "service_key.rotated",
        targetType: "service_key",
        targetId: id,
        after: { oldTokenValidUntil: iso(validUntil) },
      });
      return { key: after, tokens: [...(await store.tokensOf([id]))] };
    });
    await this.invalidate(id);
    return { serviceKey: this.view(out.key, out.tokens, now), token };
  }

  async revoke(ctx: Ctx, id: string): Promise<ServiceKeyView> {
    const now = this.deps.clock.now();
    const out = await this.deps.store.transaction(async (s) => {
      const store = new ServiceKeyStore(s);
      const before = await this.manageable(ctx, s, id);
      if (before.status !== "active")
        throw new ApiError("invalid_state", "This credential is already revoked.");
      const after: ServiceKey = { ...before, status: "revoked", revokedAt: now, updatedAt: now };
      await store.update(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "service_key.revoked",
        targetType: "service_key",
        targetId: id,
        before: { status: "active" },
        after: { status: "revoked" },
      });
      return { key: after, tokens: await store.tokensOf([id]) };
    });
    await this.invalidate(id);
    return this.view(out.key, out.tokens, now);
  }

  /** Revokes every active credential of an agency (closing it); answers how many. */
  async revokeAllOf(ctx: Ctx, agencyId: string): Promise<number> {
    await this.checkManager(ctx, agencyId);
    const active = await new ServiceKeyStore(this.deps.store).list(agencyId, false);
    for (const k of active) await this.revoke(ctx, k.id);
    return active.length;
  }

  private newToken(serviceKeyId: string, token: string, now: number): ServiceKeyToken {
    return {
      hash: hashOf(token),
      serviceKeyId,
      display: maskToken(displayPrefix(this.deps.prefix, "service"), last4(token)),
      createdAt: now,
      validUntil: null,
      retiredReason: null,
    };
  }

  private view(k: ServiceKey, tokens: ServiceKeyToken[], now: number): ServiceKeyView {
    const current = tokens.find((t) => t.validUntil === null) ?? tokens[tokens.length - 1];
    const old = tokens.find(
      (t) => t.retiredReason === "rotated" && t.validUntil !== null && t.validUntil > now,
    );
    return {
      id: k.id,
      name: k.name,
      agencyId: k.agencyId,
      scopes: k.scopes as ServiceScope[],
      token: current?.display ?? "",
      status: k.status,
      createdAt: iso(k.createdAt)!,
      createdBy: k.createdBy,
      rotation:
        old && k.status === "active"
          ? { pending: true, oldToken: old.display, oldTokenExpiresAt: iso(old.validUntil)! }
          : null,
      revokedAt: iso(k.revokedAt),
    };
  }
}
