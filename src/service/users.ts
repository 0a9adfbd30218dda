/**
 * The agency's people: who sees, creates, changes and removes whom. Every caller comes through the
 * same methods; a signed-in person is judged by the rules of people, a key by the rules of keys
 * (core/permissions.ts), and the operator and the service token are trusted.
 */
import type { Clock } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { User } from "../core/model.js";
import {
  type Actor,
  canManageUsers,
  canSeeUser,
  isKeyActor,
  type KeyActor,
  keyChangeUserRefusal,
  keyCreateUserRefusal,
  keyDisableUserRefusal,
  keySeesUser,
  keyUserApiRefusal,
  type Role,
  selfChangeRefusal,
  type UserType,
  userChangeRefusal,
  userDisableRefusal,
  userEnableRefusal,
} from "../core/permissions.js";
import { InvitationStore } from "../store/invitation-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { AfterCommit } from "./after-commit.js";
import type { Audit } from "./audit.js";
import { changed } from "./audit.js";
import type { Ctx } from "./context.js";
import type { KeyService, KeyView } from "./keys.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { refuseIf, requireScopes } from "./refusals.js";

export interface UserDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  /** Offboarding lists and revokes the keys a user created. */
  keys: KeyService;
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

export class UserService {
  constructor(readonly deps: UserDeps) {}

  /** This service inside the caller's transaction `s`: the same rules, every read and write on `s`. */
  within(s: Store, later: AfterCommit): UserService {
    return new UserService({ ...this.deps, store: s, keys: this.deps.keys.within(s, later) });
  }

  /** The users the caller sees: a person's by their reach, a key's by where it lives. */
  async listUsers(ctx: Ctx, agencyId: string): Promise<User[]> {
    if (ctx.actor && isKeyActor(ctx.actor)) {
      const key = ctx.actor;
      requireScopes(key, ["users.readonly"]);
      if (key.agencyId !== agencyId) throw notFound("Agency");
      return (await this.deps.store.listUsers(agencyId)).filter((u) => keySeesUser(key, u));
    }
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    return (await this.deps.store.listUsers(agencyId)).filter((u) => canSeeUser(actor, u));
  }

  /** A user the caller sees; any other answers 404, so nobody learns about users they cannot see. */
  async getUser(ctx: Ctx, userId: string): Promise<User> {
    if (ctx.actor && isKeyActor(ctx.actor)) {
      requireScopes(ctx.actor, ["users.readonly"]);
      return this.keySees(ctx.actor, userId);
    }
    const actor = requireActor(ctx);
    const u = await this.deps.store.getUser(userId);
    if (!u || !canSeeUser(actor, u)) throw notFound("User");
    return u;
  }

  /**
   * Creates a user: an agency admin, a key (a location key makes plain account users of its own
   * location only), or the operator.
   */
  async createUser(ctx: Ctx, agencyId: string, input: NewUserInput): Promise<User> {
    if (ctx.actor && isKeyActor(ctx.actor)) return this.createUserWithKey(ctx, ctx.actor, agencyId, input);
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
    if (ctx.actor && isKeyActor(ctx.actor)) return this.updateUserWithKey(ctx, ctx.actor, userId, patch);
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    const self = actor.userId === userId;
    const refusal = userChangeRefusal(actor, before, patch);
    if (refusal) throw denied(refusal);
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

  // ── keys acting on people (the v1 and v2 user APIs) ──────────────────────

  private async keySees(key: KeyActor, userId: string): Promise<User> {
    const u = await this.deps.store.getUser(userId);
    if (!u || !keySeesUser(key, u)) throw notFound("User");
    return u;
  }

  /** In order: the key may change people at all, its scope, the agency, then the user it would make. */
  private async createUserWithKey(ctx: Ctx, key: KeyActor, agencyId: string, input: NewUserInput) {
    refuseIf(keyUserApiRefusal(key));
    requireScopes(key, ["users.write"]);
    if (key.agencyId !== agencyId) throw notFound("Agency");
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
   * The rules (core/permissions.ts `keyChangeUserRefusal`) are checked on the user as read, then
   * again on the locked row, so an assignment made meanwhile is not missed.
   */
  private async updateUserWithKey(ctx: Ctx, key: KeyActor, userId: string, patch: UserPatch) {
    refuseIf(keyUserApiRefusal(key));
    requireScopes(key, ["users.write"]);
    const before = await this.keySees(key, userId);
    refuseIf(keyChangeUserRefusal(key, before, patch));
    return this.applyUserPatch(ctx, before, patch, false, (locked) => {
      if (!keySeesUser(key, locked)) throw notFound("User");
      refuseIf(keyChangeUserRefusal(key, locked, patch));
    });
  }

  private async disableUserWithKey(ctx: Ctx, key: KeyActor, userId: string) {
    refuseIf(keyUserApiRefusal(key));
    requireScopes(key, ["users.write"]);
    const before = await this.keySees(key, userId);
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
      if (canManageUsers(toActor(before), before.agencyId) && !canManageUsers(toActor(after), after.agencyId))
        await this.cancelInvitationsOf(s, ctx, after, "their inviter may no longer invite people");
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

  /** Offboarding: the active and expired keys a user (whom the caller sees) created, that the caller sees. */
  async keysCreatedBy(ctx: Ctx, userId: string): Promise<KeyView[]> {
    const user = await this.getUser(ctx, userId);
    return this.deps.keys.list(ctx, user.agencyId, { includeLocations: true, createdBy: user.id });
  }

  /** Offboarding: revokes those of them the caller may manage, all in one transaction. */
  async revokeKeysCreatedBy(ctx: Ctx, userId: string): Promise<{ revoked: string[]; skipped: string[] }> {
    return this.deps.keys.revokeCreatedBy(ctx, await this.getUser(ctx, userId));
  }

  /** Offboarding: the user can no longer sign in; their sessions end. Their keys are listed separately. */
  async disableUser(ctx: Ctx, userId: string): Promise<User> {
    if (ctx.actor && isKeyActor(ctx.actor)) return this.disableUserWithKey(ctx, ctx.actor, userId);
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    const refusal = userDisableRefusal(actor, before);
    if (refusal) throw denied(refusal);
    return this.applyDisable(ctx, before);
  }

  /**
   * Closing an agency (the platform's DELETE of the agency, issue 12 §3): everyone goes, the owner
   * too. The one case where an owner is removed: there is no agency left for them to own.
   */
  async removeForClosedAgency(ctx: Ctx, userId: string): Promise<User> {
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    if (!canManageUsers(actor, before.agencyId)) throw denied("Only agency admins can remove users.");
    return before.disabledAt === null ? this.applyDisable(ctx, before) : before;
  }

  /** Lets a disabled user sign in again (their old sessions stay ended). A user not disabled is left as is. */
  async enableUser(ctx: Ctx, userId: string): Promise<User> {
    const actor = requireActor(ctx);
    const before = await this.getUser(ctx, userId);
    const refusal = userEnableRefusal(actor, before);
    if (refusal) throw denied(refusal);
    if (before.disabledAt === null) return before;
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (s) => {
      const locked = (await s.getUserForUpdate(userId)) ?? before;
      if (locked.disabledAt === null) return locked;
      const after = { ...locked, disabledAt: null, updatedAt: now };
      await s.updateUser(after);
      await this.deps.audit.record(s, ctx, {
        agencyId: after.agencyId,
        action: "user.enabled",
        targetType: "user",
        targetId: after.id,
        before: { disabled: true },
        after: { disabled: false },
      });
      return after;
    });
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
      await this.cancelInvitationsOf(s, ctx, after, "their inviter was removed");
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

  /**
   * An invitation carries its sender's right to add people: when they are removed or lose it, their
   * open invitations are cancelled in the same transaction (and acceptance checks the sender again).
   */
  private async cancelInvitationsOf(s: Store, ctx: Ctx, inviter: User, reason: string): Promise<void> {
    for (const inv of await new InvitationStore(s).cancelOpenInvitedBy(inviter.id, this.deps.clock.now()))
      await this.deps.audit.record(s, ctx, {
        agencyId: inv.agencyId,
        action: "invitation.cancelled",
        targetType: "invitation",
        targetId: inv.id,
        before: { email: inv.email, type: inv.type, role: inv.role },
        after: { reason },
      });
  }
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
