/**
 * Agencies, locations, users and sign-in. Sessions are random tokens handed out as an HTTP-only
 * cookie; only their SHA-256 is stored, like API keys.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Agency, Location, User } from "../core/model.js";
import {
  type Actor,
  canChangeAgencySettings,
  canManageLocations,
  canManageUsers,
  canSeeLocation,
  type KeyActor,
  keyChangeUserRefusal,
  keyCreateUserRefusal,
  keyDisableUserRefusal,
  keySeesUser,
  type Plan,
  type Refusal,
  type Role,
  selfChangeRefusal,
  type UserType,
} from "../core/permissions.js";
import { hashToken } from "../core/token.js";
import { Email, ensure, Name, Password } from "../core/validate.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import { changed } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import { hashPassword, verifyPassword } from "./passwords.js";

export interface AccountDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  cache: VerificationCache;
  bus: CacheBus;
  sessionTtlMs: number;
  /** What other capabilities do when a location comes or goes (the legacy location key). */
  hooks: AccountHooks;
}

export interface NewUserInput {
  email: string;
  name: string;
  password?: string | undefined;
  type: UserType;
  role: Role;
  locationIds?: string[] | undefined;
  canManageKeys?: boolean | undefined;
  isOwner?: boolean | undefined;
}

export interface UserPatch {
  name?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
  type?: UserType | undefined;
  role?: Role | undefined;
  locationIds?: string[] | undefined;
  canManageKeys?: boolean | undefined;
  digestOptOut?: boolean | undefined;
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

export function toActor(u: User): Actor {
  return {
    userId: u.id,
    agencyId: u.agencyId,
    type: u.type,
    role: u.role,
    isOwner: u.isOwner,
    canManageKeys: u.canManageKeys,
    locationIds: u.locationIds,
  };
}

export function publicUser(u: User) {
  return {
    id: u.id,
    agencyId: u.agencyId,
    email: u.email,
    name: u.name,
    type: u.type,
    role: u.role,
    isOwner: u.isOwner,
    canManageKeys: u.canManageKeys,
    digestOptOut: u.digestOptOut,
    locationIds: u.locationIds,
    createdAt: new Date(u.createdAt).toISOString(),
    disabled: u.disabledAt !== null,
  };
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

  // ── sign-in ─────────────────────────────────────────────────────────────

  /**
   * Signs in. One address may have an account in several agencies (e-mails are unique per agency):
   * the password is checked against each of them, and when it opens more than one the caller is
   * asked to choose (`agency_choice_required`, naming only those agencies); `agencyId` picks one.
   * Every path costs at least one password hash, so the time taken does not tell who exists.
   */
  async login(
    email: string,
    password: string,
    ip: string | null,
    userAgent: string | null,
    agencyId?: string | undefined,
  ) {
    const { store, clock } = this.deps;
    const candidates = (await store.listUsersByEmail(email)).filter(
      (u) => agencyId === undefined || u.agencyId === agencyId,
    );
    let matched: User[];
    if (candidates.length === 0) {
      await verifyPassword(null, password);
      matched = [];
    } else {
      const ok = await Promise.all(candidates.map((u) => verifyPassword(u.passwordHash, password)));
      matched = candidates.filter((u, i) => ok[i] && u.disabledAt === null);
    }
    if (matched.length === 0) throw new ApiError("login_failed", "The e-mail or password is wrong.");
    if (matched.length > 1) {
      const agencies = await Promise.all(matched.map((u) => store.getAgency(u.agencyId)));
      throw new ApiError(
        "agency_choice_required",
        "This e-mail and password open accounts in several agencies: send the same request again with agencyId set to one of those listed.",
        {
          agencies: agencies
            .flatMap((a) => (a ? [{ id: a.id, name: a.name }] : []))
            .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
        },
      );
    }
    const user = matched[0]!;
    const token = randomBytes(32).toString("base64url");
    const now = clock.now();
    await store.transaction(async (s) => {
      await s.insertSession({
        id: hashToken(token),
        userId: user.id,
        createdAt: now,
        expiresAt: now + this.deps.sessionTtlMs,
        revokedAt: null,
        ip,
        userAgent,
      });
      const ctx: Ctx = { actor: toActor(user), actorType: "user", actorId: user.id, ip, userAgent };
      await this.deps.audit.record(s, ctx, {
        agencyId: user.agencyId,
        action: "session.created",
        targetType: "user",
        targetId: user.id,
      });
    });
    return { token, user, expiresAt: now + this.deps.sessionTtlMs };
  }

  /** The signed-in user behind a session cookie, or null when the session is unknown, expired or revoked. */
  async authenticate(sessionToken: string): Promise<User | null> {
    const { store, clock } = this.deps;
    const session = await store.getSession(hashToken(sessionToken));
    if (!session || session.revokedAt !== null || session.expiresAt <= clock.now()) return null;
    const user = await store.getUser(session.userId);
    return user && user.disabledAt === null ? user : null;
  }

  async logout(sessionToken: string): Promise<void> {
    await this.deps.store.revokeSession(hashToken(sessionToken), this.deps.clock.now());
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
        owner = await this.insertUser(ctx, s, agency.id, {
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
        },
        {
          name: after.name,
          plan: after.plan,
          enhancedSecurity: after.enhancedSecurity,
          legacyCreation: after.legacyCreation,
          policy: after.policyOverride,
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

  async listLocations(ctx: Ctx, agencyId: string): Promise<Location[]> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    return this.deps.store.listLocations(
      agencyId,
      actor.type === "agency" ? undefined : [...actor.locationIds],
    );
  }

  async getLocation(ctx: Ctx, locationId: string): Promise<Location> {
    const actor = requireActor(ctx);
    const loc = await this.deps.store.getLocation(locationId);
    if (!loc || !canSeeLocation(actor, loc.agencyId, loc.id)) throw notFound("Location");
    return loc;
  }

  async createLocation(ctx: Ctx, agencyId: string, input: LocationInput & { id?: string }) {
    const { store, clock } = this.deps;
    if (ctx.actor) {
      if (ctx.actor.agencyId !== agencyId) throw notFound("Agency");
      if (!canManageLocations(ctx.actor, agencyId)) throw denied("Only agency admins can create locations.");
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
    const loc = ctx.actor ? await this.getLocation(ctx, locationId) : await store.getLocation(locationId);
    if (!loc) throw notFound("Location");
    if (ctx.actor && !canManageLocations(ctx.actor, loc.agencyId))
      throw denied("Only agency admins can change locations.");
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
    const loc = ctx.actor ? await this.getLocation(ctx, locationId) : await store.getLocation(locationId);
    if (!loc) throw notFound("Location");
    if (ctx.actor && !canManageLocations(ctx.actor, loc.agencyId))
      throw denied("Only agency admins can delete locations.");
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

  // ── users ───────────────────────────────────────────────────────────────

  async listUsers(ctx: Ctx, agencyId: string): Promise<User[]> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    const users = await this.deps.store.listUsers(agencyId);
    if (actor.type === "agency") return users;
    // Account users see the people of their own locations.
    return users.filter(
      (u) => u.id === actor.userId || u.locationIds.some((l) => actor.locationIds.includes(l)),
    );
  }

  async getUser(ctx: Ctx, userId: string): Promise<User> {
    const actor = requireActor(ctx);
    const u = await this.deps.store.getUser(userId);
    if (!u || u.agencyId !== actor.agencyId) throw notFound("User");
    if (
      actor.type !== "agency" &&
      u.id !== actor.userId &&
      !u.locationIds.some((l) => actor.locationIds.includes(l))
    )
      throw notFound("User");
    return u;
  }

  async createUser(ctx: Ctx, agencyId: string, input: NewUserInput): Promise<User> {
    if (ctx.actor) {
      if (ctx.actor.agencyId !== agencyId) throw notFound("Agency");
      if (!canManageUsers(ctx.actor, agencyId)) throw denied("Only agency admins can add users.");
    }
    return this.deps.store.transaction((s) => this.insertUser(ctx, s, agencyId, input));
  }

  async insertUser(ctx: Ctx, s: Store, agencyId: string, input: NewUserInput): Promise<User> {
    const now = this.deps.clock.now();
    // Unique within the agency only: whether another agency has this address is none of its business.
    if (await s.getUserByEmail(agencyId, input.email))
      throw new ApiError("conflict", `A user with e-mail ${input.email} already exists in this agency.`);
    const locationIds = input.type === "account" ? [...new Set(input.locationIds ?? [])].sort() : [];
    await this.checkLocations(s, agencyId, locationIds);
    const user: User = {
      id: newId("user"),
      agencyId,
      email: input.email.toLowerCase(),
      name: input.name,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      type: input.type,
      role: input.role,
      isOwner: input.isOwner ?? false,
      canManageKeys: input.canManageKeys ?? true,
      digestOptOut: false,
      locationIds,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
    await s.insertUser(user);
    await this.deps.audit.record(s, ctx, {
      agencyId,
      action: "user.created",
      targetType: "user",
      targetId: user.id,
      after: auditUser(user),
    });
    return user;
  }

  private async checkLocations(s: Store, agencyId: string, locationIds: string[]): Promise<void> {
    if (locationIds.length === 0) return;
    const found = await s.listLocations(agencyId, locationIds);
    const missing = locationIds.filter((id) => !found.some((l) => l.id === id));
    if (missing.length > 0)
      throw new ApiError("validation_failed", `Unknown location: ${missing.join(", ")}.`, {
        issues: [{ field: "locationIds", message: `unknown location ${missing.join(", ")}` }],
      });
  }

  async updateUser(
    ctx: Ctx,
    userId: string,
    patch: UserPatch,
    proof: { currentPassword?: string | undefined } = {},
  ): Promise<User> {
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    const self = actor.userId === userId;
    const own = self ? selfChangeRefusal(before, patch) : null;
    if (own) throw denied(own);
    const onlySelfFields = Object.entries(patch).every(
      ([k, v]) => v === undefined || ["name", "password", "digestOptOut"].includes(k),
    );
    if (!(canManageUsers(actor, before.agencyId) || (self && onlySelfFields)))
      throw denied("Only agency admins can change other users, roles and permissions.");
    if (
      before.isOwner &&
      !self &&
      (patch.role === "user" || patch.type === "account" || patch.canManageKeys === false)
    )
      throw denied("The owner's role and permissions cannot be reduced.");
    if (before.isOwner && !self && (patch.email !== undefined || patch.password !== undefined))
      throw denied(
        "Only the owner can change the owner's e-mail or password (it would hand over the agency).",
      );
    if (self && patch.password !== undefined) await this.checkCurrentPassword(before, proof.currentPassword);
    // Checked again on the locked row: a right reduced meanwhile must not be restored by a patch
    // that repeats its old value.
    const recheckSelf = (locked: User) => {
      const r = selfChangeRefusal(locked, patch);
      if (r) throw denied(r);
    };
    return this.applyUserPatch(ctx, before, patch, self, self ? recheckSelf : undefined);
  }

  /** Changing your own password proves you know the current one: a borrowed session is not enough. */
  private async checkCurrentPassword(user: User, currentPassword: string | undefined): Promise<void> {
    if (currentPassword === undefined || currentPassword === "")
      throw new ApiError(
        "current_password_required",
        "To change your password, send your current password as currentPassword.",
        { issues: [{ field: "currentPassword", message: "your current password is required" }] },
      );
    if (!(await verifyPassword(user.passwordHash, currentPassword)))
      throw new ApiError(
        "current_password_wrong",
        "The current password is wrong: your password was not changed.",
        {
          issues: [{ field: "currentPassword", message: "this is not your current password" }],
        },
      );
  }

  // ── users, for API keys (the v1 and v2 user APIs share these) ──────────

  /** The users a key sees: its agency's, or those assigned to its location. */
  async listUsersForKey(key: KeyActor): Promise<User[]> {
    return (await this.deps.store.listUsers(key.agencyId)).filter((u) => keySeesUser(key, u));
  }

  /** A user the key sees; any other answers 404, so a key learns nothing about users it cannot see. */
  async getUserForKey(key: KeyActor, userId: string): Promise<User> {
    const u = await this.deps.store.getUser(userId);
    if (!u || !keySeesUser(key, u)) throw notFound("User");
    return u;
  }

  /** Creates a user with a key: a location key makes plain account users of its own location only. */
  async createUserForKey(ctx: Ctx, key: KeyActor, input: NewUserInput): Promise<User> {
    const locationIds = input.locationIds ?? (key.locationId ? [key.locationId] : []);
    const facts = {
      agencyId: key.agencyId,
      type: input.type,
      role: input.role,
      isOwner: false,
      canManageKeys: input.canManageKeys ?? true,
      locationIds: input.type === "agency" ? [] : locationIds,
    };
    refuseIf(keyCreateUserRefusal(key, facts));
    if (input.type === "account" && locationIds.length === 0)
      throw new ApiError("validation_failed", "An account user needs locationIds.", {
        issues: [{ field: "locationIds", message: "required for account users" }],
      });
    const { isOwner: _never, ...rest } = input; // an owner is made with its agency, never by a key
    return this.deps.store.transaction((s) =>
      this.insertUser(ctx, s, key.agencyId, { ...rest, locationIds }),
    );
  }

  /**
   * Changes a user with a key. The rules (core/permissions.ts `keyChangeUserRefusal`) are checked on
   * the user as read, then again on the locked row, so an assignment made meanwhile is not missed.
   */
  async updateUserForKey(ctx: Ctx, key: KeyActor, userId: string, patch: UserPatch): Promise<User> {
    const before = await this.getUserForKey(key, userId);
    refuseIf(keyChangeUserRefusal(key, before, patch));
    return this.applyUserPatch(ctx, before, patch, false, (locked) => {
      if (!keySeesUser(key, locked)) throw notFound("User");
      refuseIf(keyChangeUserRefusal(key, locked, patch));
    });
  }

  /** Removes (disables) a user with a key: a location key only users of its own location alone. */
  async disableUserForKey(ctx: Ctx, key: KeyActor, userId: string): Promise<User> {
    const before = await this.getUserForKey(key, userId);
    refuseIf(keyDisableUserRefusal(key, before));
    return this.applyDisable(ctx, before, (locked) => {
      if (!keySeesUser(key, locked)) throw notFound("User");
      refuseIf(keyDisableUserRefusal(key, locked));
    });
  }

  private async applyUserPatch(
    ctx: Ctx,
    checked: User,
    patch: UserPatch,
    self: boolean,
    /** Throws when the locked row no longer allows the change (nothing is written then). */
    recheck?: (locked: User) => void,
  ): Promise<User> {
    const userId = checked.id;
    const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
    // The patch applies to the row as it is now (locked), not as it was read for the permission
    // check: a rename must not restore a permission or an account removed meanwhile.
    return this.deps.store.transaction(async (s) => {
      const before = (await s.getUserForUpdate(userId)) ?? checked;
      recheck?.(before);
      const type = patch.type ?? before.type;
      const after: User = {
        ...before,
        name: patch.name ?? before.name,
        email: patch.email ?? before.email,
        passwordHash: passwordHash ?? before.passwordHash,
        type,
        role: patch.role ?? before.role,
        canManageKeys: patch.canManageKeys ?? before.canManageKeys,
        digestOptOut: patch.digestOptOut ?? before.digestOptOut,
        locationIds: type === "agency" ? [] : [...new Set(patch.locationIds ?? before.locationIds)].sort(),
        updatedAt: this.deps.clock.now(),
      };
      if (after.email !== before.email && (await s.getUserByEmail(after.agencyId, after.email)))
        throw new ApiError("conflict", `A user with e-mail ${after.email} already exists in this agency.`);
      await this.checkLocations(s, after.agencyId, after.locationIds);
      await s.updateUser(after);
      // A new password ends every session of the user: all of them when someone else set it,
      // all but the one making the change when it is their own.
      if (patch.password)
        await s.revokeUserSessions(userId, this.deps.clock.now(), self ? ctx.sessionId : undefined);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "user.updated",
        targetType: "user",
        targetId: after.id,
        ...changed(auditUser(before), auditUser(after)),
      });
      return after;
    });
  }

  /** Offboarding: the user can no longer sign in; their sessions end. Their keys are listed separately. */
  async disableUser(ctx: Ctx, userId: string): Promise<User> {
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    if (!canManageUsers(actor, before.agencyId)) throw denied("Only agency admins can remove users.");
    if (before.isOwner) throw denied("The agency owner cannot be removed.");
    if (before.id === actor.userId)
      throw denied("You cannot remove yourself: nobody changes their own rights. Ask another agency admin.");
    return this.applyDisable(ctx, before);
  }

  private async applyDisable(ctx: Ctx, checked: User, recheck?: (locked: User) => void): Promise<User> {
    const userId = checked.id;
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (s) => {
      const before = (await s.getUserForUpdate(userId)) ?? checked;
      recheck?.(before);
      const after = { ...before, disabledAt: now, updatedAt: now };
      await s.updateUser(after);
      await s.revokeUserSessions(userId, now);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "user.disabled",
        targetType: "user",
        targetId: after.id,
        before: { disabled: false },
        after: { disabled: true },
      });
      return after;
    });
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

function refuseIf(r: Refusal | null): void {
  if (r) throw new ApiError(r.code, r.message);
}

function auditUser(u: User): Record<string, unknown> {
  return {
    email: u.email,
    name: u.name,
    type: u.type,
    role: u.role,
    canManageKeys: u.canManageKeys,
    locationIds: u.locationIds,
    digestOptOut: u.digestOptOut,
  };
}
