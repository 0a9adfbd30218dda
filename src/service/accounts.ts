/**
 * Agencies and their locations, and what a person sees of their agency. Every caller comes through
 * the same methods: a signed-in person is judged by the rules of people, a key by the rules of keys
 * (core/permissions.ts), and the operator and the service token are trusted.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Agency, AuditEntry, Location, User } from "../core/model.js";
import {
  canChangeAgencySettings,
  canManageLocations,
  canReadAudit,
  canSeeLocation,
  consolePermissions,
  isKeyActor,
  type KeyActor,
  keyLocationRefusal,
  keyLocations,
  keyOutsideLocationRefusal,
  keySeesLocation,
  type Plan,
} from "../core/permissions.js";
import { Email, ensure, Name, Password } from "../core/validate.js";
import type { AuditFilter, Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { AfterCommit } from "./after-commit.js";
import type { Audit } from "./audit.js";
import { changed } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import { refuseIf, requireScopes } from "./refusals.js";
import type { UserService } from "./users.js";

export interface AccountDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  cache: VerificationCache;
  bus: CacheBus;
  /** Makes an agency's owner with the agency. */
  users: UserService;
  /** What other capabilities do when a location comes or goes (the legacy location key). */
  hooks: AccountHooks;
}

export interface LocationInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  timezone?: string | null | undefined;
}

/** Hooks other capabilities provide at construction (the legacy location key on location creation …). */
export interface AccountHooks {
  locationCreated?(
    ctx: Ctx,
    store: Store,
    agency: Agency,
    location: Location,
  ): Promise<Record<string, unknown>>;
  locationDeleted?(ctx: Ctx, store: Store, location: Location): Promise<string[]>;
}

export function publicLocation(l: Location) {
  return {
    id: l.id,
    agencyId: l.agencyId,
    name: l.name,
    email: l.email,
    phone: l.phone,
    timezone: l.timezone,
    createdAt: new Date(l.createdAt).toISOString(),
    updatedAt: new Date(l.updatedAt).toISOString(),
  };
}

export function publicAgency(a: Agency) {
  return {
    id: a.id,
    name: a.name,
    plan: a.plan,
    enhancedSecurity: a.enhancedSecurity,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

export class AccountService {
  readonly hooks: AccountHooks;
  constructor(readonly deps: AccountDeps) {
    this.hooks = deps.hooks;
  }

  /**
   * This service inside the caller's transaction `s` (provisioning: one transaction per request):
   * the same rules, every read and write on `s`, and cache invalidations held by `later` until the
   * caller commits.
   */
  within(s: Store, later: AfterCommit): AccountService {
    return new AccountService({
      ...this.deps,
      store: s,
      cache: later.cache(this.deps.cache),
      bus: later.bus(this.deps.bus),
      users: this.deps.users.within(s, later),
    });
  }

  // ── agencies ────────────────────────────────────────────────────────────

  /** Creates an agency and its owner (bootstrap, the platform's service API, the CLI, simulations). */
  async createAgency(
    ctx: Ctx,
    input: {
      id?: string;
      name: string;
      plan: Plan;
      owner?: { email: string; name: string; password?: string };
    },
  ): Promise<{ agency: Agency; owner: User | null }> {
    const { store, clock } = this.deps;
    // The same rules as the HTTP schemas, for the CLI and other callers of the service.
    const name = ensure(Name, input.name, "name");
    if (input.owner)
      input = {
        ...input,
        owner: {
          email: ensure(Email, input.owner.email, "owner.email"),
          name: ensure(Name, input.owner.name, "owner.name"),
          ...(input.owner.password !== undefined
            ? { password: ensure(Password, input.owner.password, "owner.password") }
            : {}),
        },
      };
    const now = clock.now();
    const agency: Agency = {
      id: input.id ?? newId("agency"),
      name,
      plan: input.plan,
      enhancedSecurity: true,
      legacyCreation: null,
      policyOverride: null,
      createdAt: now,
      updatedAt: now,
    };
    return store.transaction(async (s) => {
      if (await s.getAgency(agency.id))
        throw new ApiError("conflict", `An agency with id ${agency.id} already exists.`);
      await s.insertAgency(agency);
      await this.deps.audit.record(s, ctx, {
        agencyId: agency.id,
        action: "agency.created",
        targetType: "agency",
        targetId: agency.id,
        after: { name: agency.name, plan: agency.plan, enhancedSecurity: true },
      });
      let owner: User | null = null;
      if (input.owner) {
        owner = await this.deps.users.insertUser(ctx, s, agency.id, {
          ...input.owner,
          type: "agency",
          role: "admin",
          isOwner: true,
        });
      }
      return { agency, owner };
    });
  }

  async getAgency(ctx: Ctx, agencyId: string): Promise<Agency> {
    const actor = requireActor(ctx);
    const agency = actor.agencyId === agencyId ? await this.deps.store.getAgency(agencyId) : null;
    if (!agency) throw notFound("Agency");
    return agency;
  }

  async updateAgency(
    ctx: Ctx,
    agencyId: string,
    patch: { name?: string | undefined; plan?: Plan | undefined },
  ): Promise<Agency> {
    const actor = requireActor(ctx);
    const current = await this.getAgency(ctx, agencyId);
    if (!canChangeAgencySettings(actor, agencyId)) throw denied("Only agency admins can change the agency.");
    // The plan is the deployment's to set, never the tenant's: a client echoing the agency back
    // with its unchanged plan is fine, a change is refused.
    if (patch.plan !== undefined && patch.plan !== current.plan)
      throw new ApiError(
        "plan_managed_by_operator",
        `The plan is set by the deployment's operator (the keyward CLI or the platform's service API), not by the agency's admins. This agency is on ${current.plan}.`,
      );
    return this.changeAgency(ctx, agencyId, (a) => ({ ...a, name: patch.name ?? a.name }));
  }

  /**
   * Sets an agency's plan: the operator's CLI and the platform's service token only (no signed-in
   * person, whatever their role). Audited as `agency.plan_changed`; a downgrade suspends agency keys.
   */
  async setPlan(ctx: Ctx, agencyId: string, plan: Plan): Promise<Agency> {
    if (ctx.actorType !== "system" && ctx.actorType !== "service")
      throw new ApiError(
        "plan_managed_by_operator",
        "The plan is set by the deployment's operator (the keyward CLI or the platform's service API).",
      );
    return this.changeAgency(ctx, agencyId, (a) => ({ ...a, plan }));
  }

  /**
   * Applies a change to an agency with its audit entry, then drops the agency's cached facts here
   * and on every node (a plan or security change alters how its keys verify).
   */
  async changeAgency(
    ctx: Ctx,
    agencyId: string,
    fn: (a: Agency) => Agency,
    store = this.deps.store,
    /** Runs in the change's transaction, after its audit entry (outbox e-mails, derived data). */
    within?: (s: Store, before: Agency, after: Agency) => Promise<void>,
  ): Promise<Agency> {
    const after = await store.transaction(async (s) => {
      // Locked: a plan change and a security change at the same time must not undo each other.
      const before = await s.getAgencyForUpdate(agencyId);
      if (!before) throw notFound("Agency");
      const after = { ...fn(before), updatedAt: this.deps.clock.now() };
      const diff = changed(
        {
          name: before.name,
          plan: before.plan,
          enhancedSecurity: before.enhancedSecurity,
          legacyCreation: before.legacyCreation,
          policy: before.policyOverride,
          keyRules: before.keyRules ?? null,
          ipAllowlist: before.ipAllowlist ?? null,
          maxKeyLifetimeDays: before.maxKeyLifetimeDays ?? null,
        },
        {
          name: after.name,
          plan: after.plan,
          enhancedSecurity: after.enhancedSecurity,
          legacyCreation: after.legacyCreation,
          policy: after.policyOverride,
          keyRules: after.keyRules ?? null,
          ipAllowlist: after.ipAllowlist ?? null,
          maxKeyLifetimeDays: after.maxKeyLifetimeDays ?? null,
        },
      );
      if (Object.keys(diff.after).length === 0) return before;
      await s.updateAgency(after);
      const action =
        "plan" in diff.after
          ? "agency.plan_changed"
          : "enhancedSecurity" in diff.after
            ? "agency.security_changed"
            : "agency.updated";
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action,
        targetType: "agency",
        targetId: agencyId,
        ...diff,
      });
      if (within) await within(s, before, after);
      return after;
    });
    this.deps.cache.apply({ type: "agency", id: agencyId });
    await this.deps.bus.publish({ type: "agency", id: agencyId });
    return after;
  }

  // ── locations ───────────────────────────────────────────────────────────

  /** The agency's locations the caller sees: all of them, or a location key's and an account user's own. */
  async listLocations(ctx: Ctx, agencyId: string): Promise<Location[]> {
    if (ctx.actor && isKeyActor(ctx.actor)) {
      const key = ctx.actor;
      requireScopes(key, ["locations.readonly"]);
      if (key.agencyId !== agencyId) throw notFound("Agency");
      const reach = keyLocations(key);
      return this.deps.store.listLocations(agencyId, reach === null ? undefined : [...reach]);
    }
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    return this.deps.store.listLocations(
      agencyId,
      actor.type === "agency" ? undefined : [...actor.locationIds],
    );
  }

  /**
   * The locations page (issue 16 item 2): each location the caller sees with its live keys (active
   * and expired: what deleting it would revoke), its admins, and how many people are assigned to it.
   */
  async locationOverview(ctx: Ctx, agencyId: string) {
    const locations = await this.listLocations(ctx, agencyId);
    const { store } = this.deps;
    const [keys, users] = await Promise.all([
      locations.length === 0
        ? []
        : store.listKeys({
            agencyId,
            locationIds: locations.map((l) => l.id),
            statuses: ["active", "expired"],
          }),
      store.listUsers(agencyId),
    ]);
    return locations.map((l) => {
      const people = users.filter((u) => u.disabledAt === null && u.locationIds.includes(l.id));
      return {
        location: l,
        keyCount: keys.filter((k) => k.locationId === l.id).length,
        admins: people
          .filter((u) => u.role === "admin")
          .map((u) => ({ id: u.id, name: u.name, email: u.email }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        userCount: people.length,
      };
    });
  }

  async getLocation(ctx: Ctx, locationId: string): Promise<Location> {
    if (ctx.actor && isKeyActor(ctx.actor)) {
      requireScopes(ctx.actor, ["locations.readonly"]);
      return this.keySees(ctx.actor, locationId);
    }
    const actor = requireActor(ctx);
    const loc = await this.deps.store.getLocation(locationId);
    if (!loc || !canSeeLocation(actor, loc.agencyId, loc.id)) throw notFound("Location");
    return loc;
  }

  /**
   * Another agency's location is not found (nor, as ever, another location to a location key); one of
   * its agency's that an agency key limited to chosen locations does not reach is location_forbidden.
   */
  private async keySees(key: KeyActor, locationId: string): Promise<Location> {
    const loc = await this.deps.store.getLocation(locationId);
    if (!loc || loc.agencyId !== key.agencyId) throw notFound("Location");
    if (keySeesLocation(key, loc.agencyId, loc.id)) return loc;
    if (key.locationId === null) refuseIf(keyOutsideLocationRefusal(key));
    throw notFound("Location");
  }

  /**
   * The location a caller is about to change or delete, with the caller's right to: an agency
   * admin; a key with `locations.write` that reaches it (only an agency key deletes); the operator.
   */
  private async writableLocation(
    ctx: Ctx,
    locationId: string,
    action: "update" | "delete",
  ): Promise<Location> {
    const actor = ctx.actor;
    if (actor && isKeyActor(actor)) {
      requireScopes(actor, ["locations.write"]);
      const loc = await this.keySees(actor, locationId);
      refuseIf(keyLocationRefusal(actor, action));
      return loc;
    }
    const loc = actor
      ? await this.getLocation(ctx, locationId)
      : await this.deps.store.getLocation(locationId);
    if (!loc) throw notFound("Location");
    if (actor && !canManageLocations(actor, loc.agencyId))
      throw denied(`Only agency admins can ${action === "update" ? "change" : "delete"} locations.`);
    return loc;
  }

  async createLocation(ctx: Ctx, agencyId: string, input: LocationInput & { id?: string }) {
    const { store, clock } = this.deps;
    const actor = ctx.actor;
    if (actor && isKeyActor(actor)) {
      requireScopes(actor, ["locations.write"]);
      refuseIf(keyLocationRefusal(actor, "create"));
      if (actor.agencyId !== agencyId) throw notFound("Agency");
    } else if (actor) {
      if (actor.agencyId !== agencyId) throw notFound("Agency");
      if (!canManageLocations(actor, agencyId)) throw denied("Only agency admins can create locations.");
    }
    return store.transaction(async (s) => {
      const agency = await s.getAgency(agencyId);
      if (!agency) throw notFound("Agency");
      const now = clock.now();
      const loc: Location = {
        id: input.id ?? newId("location"),
        agencyId,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        timezone: input.timezone ?? null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      await s.insertLocation(loc);
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "location.created",
        targetType: "location",
        targetId: loc.id,
        after: { name: loc.name, email: loc.email, phone: loc.phone, timezone: loc.timezone },
      });
      const extra = this.hooks.locationCreated ? await this.hooks.locationCreated(ctx, s, agency, loc) : {};
      return { location: loc, extra };
    });
  }

  async updateLocation(ctx: Ctx, locationId: string, patch: Partial<LocationInput>): Promise<Location> {
    const { store, clock } = this.deps;
    const loc = await this.writableLocation(ctx, locationId, "update");
    const after: Location = {
      ...loc,
      name: patch.name ?? loc.name,
      email: patch.email === undefined ? loc.email : patch.email,
      phone: patch.phone === undefined ? loc.phone : patch.phone,
      timezone: patch.timezone === undefined ? loc.timezone : patch.timezone,
      updatedAt: clock.now(),
    };
    const pick = (l: Location) => ({ name: l.name, email: l.email, phone: l.phone, timezone: l.timezone });
    const diff = changed(pick(loc), pick(after));
    if (Object.keys(diff.after).length === 0) return loc; // nothing to change, nothing to record
    await store.transaction(async (s) => {
      await s.updateLocation(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: loc.agencyId,
        action: "location.updated",
        targetType: "location",
        targetId: loc.id,
        ...diff,
      });
    });
    return after;
  }

  /** Deletes a location; its keys are revoked with it (they cannot outlive their account). */
  async deleteLocation(ctx: Ctx, locationId: string): Promise<void> {
    const { store, clock } = this.deps;
    const loc = await this.writableLocation(ctx, locationId, "delete");
    const revoked = await store.transaction(async (s) => {
      const now = clock.now();
      await s.updateLocation({ ...loc, deletedAt: now, updatedAt: now });
      await this.deps.audit.record(s, ctx, {
        agencyId: loc.agencyId,
        action: "location.deleted",
        targetType: "location",
        targetId: loc.id,
        before: { name: loc.name },
      });
      // Its keys cannot outlive it: revoked in the same transaction, whatever capabilities are attached.
      const keys = await s.listKeys({
        agencyId: loc.agencyId,
        locationIds: [loc.id],
        statuses: ["active", "expired"],
        includeOauth: true,
      });
      for (const k of keys) {
        await s.updateKey({ ...k, status: "revoked", revokedAt: now, updatedAt: now, secretEnc: null });
        await this.deps.audit.record(s, ctx, {
          agencyId: k.agencyId,
          action: "key.revoked",
          targetType: "key",
          targetId: k.id,
          before: { status: k.status },
          after: { status: "revoked", reason: "location deleted" },
        });
      }
      // Nobody stays assigned to it: an assignment to a deleted location would make every later
      // change to that user fail as "unknown location".
      for (const u of await s.listUsers(loc.agencyId))
        if (u.locationIds.includes(loc.id))
          await s.updateUser({
            ...u,
            locationIds: u.locationIds.filter((l) => l !== loc.id),
            updatedAt: now,
          });
      const more = this.hooks.locationDeleted ? await this.hooks.locationDeleted(ctx, s, loc) : [];
      return [...new Set([...keys.map((k) => k.id), ...more])];
    });
    for (const id of revoked) {
      this.deps.cache.apply({ type: "key", id });
      await this.deps.bus.publish({ type: "key", id });
    }
    await this.deps.bus.publish({ type: "location", id: loc.id });
  }

  // ── what a person sees of their agency ─────────────────────────────────

  /** `GET /api/me`: the person's agency, the locations they see, and what the console may offer them. */
  async overview(ctx: Ctx) {
    const actor = requireActor(ctx);
    const agency = await this.getAgency(ctx, actor.agencyId);
    const locations = await this.listLocations(ctx, actor.agencyId);
    const owners = locations.map((l) => ({ agencyId: l.agencyId, locationId: l.id }));
    return { agency, locations, permissions: consolePermissions(actor, owners) };
  }

  /** The agency's audit log, newest first: its admins only. */
  async auditLog(ctx: Ctx, agencyId: string, filter: Omit<AuditFilter, "agencyId">): Promise<AuditEntry[]> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canReadAudit(actor, agencyId)) throw denied("Only agency admins can read the audit log.");
    return this.deps.store.listAudit({ ...filter, agencyId });
  }

  /** On an empty database: the first agency and its owner. Returns the generated password, if any. */
  async bootstrap(opts: {
    email: string;
    password: string | undefined;
    plan: Plan;
    agencyName: string;
  }): Promise<{
    created: boolean;
    generatedPassword?: string;
  }> {
    if ((await this.deps.store.countAgencies()) > 0) return { created: false };
    const generated = opts.password ? undefined : randomBytes(15).toString("base64url");
    const password = opts.password ?? generated!;
    await this.createAgency(
      { actor: null, actorType: "system", actorId: null, ip: null, userAgent: null },
      { name: opts.agencyName, plan: opts.plan, owner: { email: opts.email, name: "Owner", password } },
    );
    return generated ? { created: true, generatedPassword: generated } : { created: true };
  }
}
