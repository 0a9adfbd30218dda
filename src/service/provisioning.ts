/**
 * The platform mirrors its tenants into Keyward by its own ids (issue 12 §3): agencies, their
 * locations and their people, created or updated by PUT (the same answer however often it is sent),
 * deleted with the console's effects, or a whole agency at once (`sync`).
 *
 * Nothing here decides who may do what to a person or a location: every change goes through the
 * services the console uses (accounts, users), acting as an agency admin on behalf of the calling
 * credential (audited as that credential). What is decided here is provisioning's own contract:
 * which object an external id names, that an agency's credential stays in its agency and never
 * sets its plan, and that an agency is never left without its owner. A change is only made (and
 * audited) when something differs, so a repeated request changes nothing.
 *
 * Every request is all or nothing: it runs in one transaction (a sync: the whole agency), with the
 * services bound to it (their `within` variants), and the cache invalidations and bus messages they
 * ask for go out only after the commit. A refusal or failure anywhere leaves nothing behind.
 */
import type { Clock } from "../core/clock.js";
import { ApiError, notFound } from "../core/errors.js";
import type { Agency, Location, User } from "../core/model.js";
import type { Actor, Plan, Role, UserType } from "../core/permissions.js";
import { Email, ensure, Name } from "../core/validate.js";
import { ExternalIdStore } from "../store/external-id-store.js";
import { isUniqueViolation } from "../store/storage-errors.js";
import type { Store } from "../store/store.js";
import type { AccountService } from "./accounts.js";
import { AfterCommit } from "./after-commit.js";
import { type Ctx, isOperator } from "./context.js";
import type { InvitationService } from "./invitations.js";
import type { KeyService } from "./keys.js";
import type { ServiceKeyService } from "./service-keys.js";
import type { UserService } from "./users.js";

export type ProvisionResult = "created" | "updated" | "deleted" | "unchanged";

export interface AgencyInput {
  name: string;
  plan?: Plan | undefined;
  /** Names an existing agency (made in the console or by the CLI) with this external id. */
  id?: string | undefined;
}

export interface LocationInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  timezone?: string | null | undefined;
  id?: string | undefined;
}

export interface UserInput {
  email: string;
  name: string;
  type?: UserType | undefined;
  role?: Role | undefined;
  owner?: boolean | undefined;
  /** Locations by their external ids (account users). */
  locations?: string[] | undefined;
  canManageKeys?: boolean | undefined;
  disabled?: boolean | undefined;
  id?: string | undefined;
}

export interface SyncInput {
  agency: AgencyInput & { externalId: string };
  locations: (LocationInput & { externalId: string })[];
  users: (UserInput & { externalId: string })[];
}

export interface ProvisionedAgency {
  id: string;
  externalId: string;
  name: string;
  plan: Plan;
  createdAt: string;
}

export interface ProvisionedLocation {
  id: string;
  externalId: string;
  agencyId: string;
  name: string;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  createdAt: string;
}

export interface ProvisionedUser {
  id: string;
  externalId: string;
  agencyId: string;
  email: string;
  name: string;
  type: UserType;
  role: Role;
  owner: boolean;
  canManageKeys: boolean;
  /** External ids of the locations (a location the platform never named shows its Keyward id). */
  locations: string[];
  locationIds: string[];
  disabled: boolean;
  createdAt: string;
}

export interface SyncReport {
  agency: { externalId: string; id: string; result: ProvisionResult };
  locations: { externalId: string; id: string; result: ProvisionResult }[];
  users: { externalId: string; id: string; result: ProvisionResult }[];
}

export interface ProvisioningDeps {
  store: Store;
  clock: Clock;
  accounts: AccountService;
  users: UserService;
  keys: KeyService;
  serviceKeys: ServiceKeyService;
  invitations: InvitationService;
  /**
   * The agency is being closed (in the closing transaction): its OAuth app installs go with it, or
   * the apps' tokens and refresh tokens would outlive it and come back on reopening. Answers how
   * many were uninstalled and the access keys to invalidate after the commit.
   */
  agencyClosed?: (
    ctx: Ctx,
    store: Store,
    agencyId: string,
  ) => Promise<{ uninstalled: number; keyIds: string[] }>;
}

const iso = (t: number) => new Date(t).toISOString();
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/**
 * The calling credential as an agency admin of the agency it provisions: the console's rules then
 * apply to every change, and the audit log names the credential (actorType `service`).
 */
function adminOf(ctx: Ctx, agencyId: string): Ctx {
  const actor: Actor = {
    userId: ctx.actorId ?? "service",
    agencyId,
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: true,
    locationIds: [],
  };
  return { ...ctx, actor };
}

function ownerMissing(message: string): ApiError {
  return new ApiError("agency_owner_required", message);
}

export class ProvisioningService {
  constructor(
    private readonly deps: ProvisioningDeps,
    /** Set on the copy bound to a request's transaction (see `atomically`). */
    private readonly bound = false,
  ) {}

  /**
   * Runs `fn` on a copy of this service whose store and services are bound to one transaction;
   * what they held for after the commit (cache invalidations, bus messages) runs once it commits,
   * and never if it rolls back.
   */
  private async atomically<T>(fn: (p: ProvisioningService) => Promise<T>): Promise<T> {
    try {
      return await this.once(fn);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    // Two first PUTs of one external id at once (PostgreSQL): both found nothing and created; the
    // unique index let the other commit and rolled this one back entirely. Run again: it now sees
    // the other's objects and answers as the repeat it is (`unchanged`, the same body).
    try {
      return await this.once(fn);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new ApiError(
        "conflict",
        "Another request changed the same objects at the same time (an external id or an e-mail it takes is now someone else's): nothing was changed; send this request again.",
      );
    }
  }

  private async once<T>(fn: (p: ProvisioningService) => Promise<T>): Promise<T> {
    const later = new AfterCommit();
    const out = await this.deps.store.transaction((s) => {
      const { accounts, users, keys, serviceKeys, invitations } = this.deps;
      const deps: ProvisioningDeps = {
        ...this.deps,
        store: s,
        accounts: accounts.within(s, later),
        users: users.within(s, later),
        keys: keys.within(s, later),
        serviceKeys: serviceKeys.within(s, later),
        invitations: invitations.within(s),
      };
      return fn(new ProvisioningService(deps, true));
    });
    await later.run();
    return out;
  }

  private get ext() {
    return new ExternalIdStore(this.deps.store);
  }

  /**
   * What a management route's id names when it is given as an external id (docs/service-credentials.md):
   * `ext:<externalId>` within the caller's agency, or `ext:<agencyExternalId>/<externalId>` naming
   * the agency too (the operator's credentials have no agency of their own). An `accountId` is the
   * agency when the external id is the agency's, else a location. Any other value is returned as it
   * is, and so is one that names nothing (the route then answers 404 as for any unknown id).
   */
  async resolveRef(
    callerAgencyId: string | null,
    kind: "agency" | "location" | "user" | "account",
    ref: string,
  ): Promise<string> {
    if (!ref.startsWith("ext:")) return ref;
    const body = ref.slice(4);
    const ext = this.ext;
    if (kind === "agency") return (await ext.agencyOf(body)) ?? ref;
    const slash = body.indexOf("/");
    let agencyId = callerAgencyId;
    let externalId = body;
    if (slash >= 0) {
      agencyId = await ext.agencyOf(body.slice(0, slash));
      externalId = body.slice(slash + 1);
    } else if (kind === "account") {
      const a = await ext.agencyOf(body);
      if (a && (callerAgencyId === null || a === callerAgencyId)) return a;
    }
    if (!agencyId) return ref;
    if (kind === "user") return (await ext.userOf(agencyId, externalId)) ?? ref;
    return (await ext.locationOf(agencyId, externalId))?.id ?? ref;
  }

  // ── agencies ──────────────────────────────────────────────────────────────

  /**
   * The agency an external id names, as this caller may reach it: an agency's credential reaches
   * only its own (any other answers 404, as if it did not exist). Null: no agency has the id.
   */
  private async findAgency(ctx: Ctx, externalId: string): Promise<Agency | null> {
    const id = await this.ext.agencyOf(externalId);
    const agency = id ? await this.deps.store.getAgency(id) : null;
    const own = ctx.credential?.agencyId ?? null;
    if (agency && own !== null && agency.id !== own) throw notFound("Agency");
    return agency;
  }

  /** The agency an external id names, or 404. */
  async agency(ctx: Ctx, externalId: string): Promise<Agency> {
    const agency = await this.findAgency(ctx, externalId);
    if (!agency) throw notFound("Agency");
    return agency;
  }

  /** The object `id` names is to carry `externalId`: refused when either already has another. */
  private adoptionConflict(
    what: string,
    externalId: string,
    id: string,
    currentExt: string | null | undefined,
  ) {
    return currentExt && currentExt !== externalId
      ? new ApiError(
          "conflict",
          `${what} ${id} already has the external id ${currentExt}: send that one, or leave out id.`,
        )
      : null;
  }

  async putAgency(
    ctx: Ctx,
    externalId: string,
    input: AgencyInput,
  ): Promise<{ agency: ProvisionedAgency; result: ProvisionResult }> {
    if (!this.bound) return this.atomically((p) => p.putAgency(ctx, externalId, input));
    const name = ensure(Name, input.name, "name");
    let agency = await this.findAgency(ctx, externalId);
    let adopt = false;
    if (input.id !== undefined) {
      if (agency && agency.id !== input.id)
        throw new ApiError(
          "conflict",
          `The external id ${externalId} already names agency ${agency.id}, not ${input.id}: leave out id, or use another external id.`,
        );
      if (!agency) {
        const target = await this.deps.store.getAgency(input.id);
        const own = ctx.credential?.agencyId ?? null;
        if (!target || (own !== null && target.id !== own)) throw notFound("Agency");
        const conflict = this.adoptionConflict(
          "Agency",
          externalId,
          target.id,
          (await this.ext.externalIdsOf("agency", [target.id])).get(target.id),
        );
        if (conflict) throw conflict;
        agency = target;
        adopt = true;
      }
    }
    if (!agency) {
      // As for another agency's id (findAgency): a 403 here would tell free ids from taken ones.
      if (!isOperator(ctx)) throw notFound("Agency");
      if (input.plan === undefined)
        throw new ApiError("validation_failed", "plan is required to create an agency.", {
          issues: [{ field: "plan", message: "required when the agency is created" }],
        });
      const plan = input.plan;
      const { agency: created } = await this.deps.accounts.createAgency(ctx, { name, plan });
      await this.ext.set("agency", created.id, externalId);
      return { agency: this.agencyView(created, externalId), result: "created" };
    }
    const planChanges = input.plan !== undefined && input.plan !== agency.plan;
    // Refused before anything is written: an agency's credential never sets its plan.
    if (planChanges && !isOperator(ctx))
      throw new ApiError(
        "plan_managed_by_operator",
        `The plan is the operator's to set: an agency's credential cannot change it (this agency is on ${agency.plan}). Send the current plan or leave it out.`,
      );
    let result: ProvisionResult = "unchanged";
    if (adopt) {
      await this.ext.set("agency", agency.id, externalId);
      result = "updated";
    }
    if (name !== agency.name) {
      agency = await this.deps.accounts.updateAgency(adminOf(ctx, agency.id), agency.id, { name });
      result = "updated";
    }
    if (planChanges) {
      agency = await this.deps.accounts.setPlan(ctx, agency.id, input.plan!);
      result = "updated";
    }
    return { agency: this.agencyView(agency, externalId), result };
  }

  /**
   * Closes an agency (the operator's only): its locations are deleted (their keys revoked), its
   * agency keys and service credentials revoked, and everyone removed, the owner too — each through
   * the service the console uses. The agency keeps its external id: PUT it and its people again to
   * reopen it. Nothing left to close: `unchanged`.
   */
  async deleteAgency(ctx: Ctx, externalId: string): Promise<ProvisionResult> {
    if (!this.bound) return this.atomically((p) => p.deleteAgency(ctx, externalId));
    const agency = await this.agency(ctx, externalId);
    if (!isOperator(ctx))
      throw new ApiError(
        "operator_credential_required",
        "Only the operator's credentials close agencies: an agency's credential cannot close its own.",
      );
    const admin = adminOf(ctx, agency.id);
    let changed = false;
    for (const l of await this.deps.store.listLocations(agency.id)) {
      await this.deps.accounts.deleteLocation(admin, l.id);
      changed = true;
    }
    // Listed from the store, not `keys.list`: its views read lifecycle facts outside this
    // transaction. `revoke` still judges each key by the console's rules.
    const live = await this.deps.store.listKeys({ agencyId: agency.id, statuses: ["active", "expired"] });
    for (const k of live) {
      await this.deps.keys.revoke(admin, k.id);
      changed = true;
    }
    if (this.deps.agencyClosed) {
      const closed = await this.deps.agencyClosed(admin, this.deps.store, agency.id);
      for (const id of closed.keyIds) await this.deps.keys.invalidate(id);
      if (closed.uninstalled > 0) changed = true;
    }
    if ((await this.deps.serviceKeys.revokeAllOf(ctx, agency.id)) > 0) changed = true;
    // An open invitation would let someone join the closed agency (as an admin, even).
    for (const inv of await this.deps.invitations.list(admin, agency.id)) {
      await this.deps.invitations.cancel(admin, agency.id, inv.id);
      changed = true;
    }
    for (const u of await this.deps.store.listUsers(agency.id))
      if (u.disabledAt === null) {
        await this.deps.users.removeForClosedAgency(admin, u.id);
        changed = true;
      }
    return changed ? "deleted" : "unchanged";
  }

  private agencyView(a: Agency, externalId: string): ProvisionedAgency {
    return { id: a.id, externalId, name: a.name, plan: a.plan, createdAt: iso(a.createdAt) };
  }

  // ── locations ─────────────────────────────────────────────────────────────

  async putLocation(
    ctx: Ctx,
    agencyExternalId: string,
    externalId: string,
    input: LocationInput,
  ): Promise<{ location: ProvisionedLocation; result: ProvisionResult }> {
    if (!this.bound) return this.atomically((p) => p.putLocation(ctx, agencyExternalId, externalId, input));
    const agency = await this.agency(ctx, agencyExternalId);
    return this.putLocationIn(ctx, agency, externalId, input);
  }

  private async putLocationIn(
    ctx: Ctx,
    agency: Agency,
    externalId: string,
    input: LocationInput,
  ): Promise<{ location: ProvisionedLocation; result: ProvisionResult }> {
    const admin = adminOf(ctx, agency.id);
    const fields = {
      name: ensure(Name, input.name, "name"),
      email: input.email ?? null,
      phone: input.phone ?? null,
      timezone: input.timezone ?? null,
    };
    const named = await this.ext.locationOf(agency.id, externalId, true);
    let current = named && !named.deleted ? await this.deps.store.getLocation(named.id) : null;
    let adopt = false;
    if (input.id !== undefined && current?.id !== input.id) {
      if (current)
        throw new ApiError(
          "conflict",
          `The external id ${externalId} already names location ${current.id}, not ${input.id}: leave out id, or use another external id.`,
        );
      const target = await this.deps.store.getLocation(input.id);
      if (!target || target.agencyId !== agency.id) throw notFound("Location");
      const conflict = this.adoptionConflict(
        "Location",
        externalId,
        target.id,
        (await this.ext.externalIdsOf("location", [target.id])).get(target.id),
      );
      if (conflict) throw conflict;
      current = target;
      adopt = true;
    }
    if (!current) {
      // A deleted location keeps its external id until a new one takes it.
      if (named?.deleted) await this.ext.set("location", named.id, null);
      const { location } = await this.deps.accounts.createLocation(admin, agency.id, fields);
      await this.ext.set("location", location.id, externalId);
      return { location: this.locationView(location, externalId), result: "created" };
    }
    let result: ProvisionResult = "unchanged";
    if (adopt) {
      if (named?.deleted) await this.ext.set("location", named.id, null);
      await this.ext.set("location", current.id, externalId);
      result = "updated";
    }
    const before = current;
    const differs = (Object.keys(fields) as (keyof typeof fields)[]).some((k) => fields[k] !== before[k]);
    if (differs) {
      current = await this.deps.accounts.updateLocation(admin, current.id, fields);
      result = "updated";
    }
    return { location: this.locationView(current, externalId), result };
  }

  async deleteLocation(ctx: Ctx, agencyExternalId: string, externalId: string): Promise<ProvisionResult> {
    if (!this.bound) return this.atomically((p) => p.deleteLocation(ctx, agencyExternalId, externalId));
    const agency = await this.agency(ctx, agencyExternalId);
    const named = await this.ext.locationOf(agency.id, externalId, true);
    if (!named) throw notFound("Location");
    if (named.deleted) return "unchanged";
    await this.deps.accounts.deleteLocation(adminOf(ctx, agency.id), named.id);
    return "deleted";
  }

  private locationView(l: Location, externalId: string): ProvisionedLocation {
    return {
      id: l.id,
      externalId,
      agencyId: l.agencyId,
      name: l.name,
      email: l.email,
      phone: l.phone,
      timezone: l.timezone,
      createdAt: iso(l.createdAt),
    };
  }

  // ── users ─────────────────────────────────────────────────────────────────

  async putUser(
    ctx: Ctx,
    agencyExternalId: string,
    externalId: string,
    input: UserInput,
  ): Promise<{ user: ProvisionedUser; result: ProvisionResult }> {
    if (!this.bound) return this.atomically((p) => p.putUser(ctx, agencyExternalId, externalId, input));
    const agency = await this.agency(ctx, agencyExternalId);
    return this.putUserIn(ctx, agency, externalId, input);
  }

  /** The user an external id names in the agency, or the one the input adopts (by id, or by e-mail). */
  private async targetUser(agency: Agency, externalId: string, input: UserInput, email: string) {
    const namedId = await this.ext.userOf(agency.id, externalId);
    const named = namedId ? await this.deps.store.getUser(namedId) : null;
    if (input.id !== undefined && named && named.id !== input.id)
      throw new ApiError(
        "conflict",
        `The external id ${externalId} already names user ${named.id}, not ${input.id}: leave out id, or use another external id.`,
      );
    if (named) return { user: named, adopt: false };
    const target =
      input.id !== undefined
        ? await this.deps.store.getUser(input.id)
        : await this.deps.store.getUserByEmail(agency.id, email);
    if (!target) {
      if (input.id !== undefined) throw notFound("User");
      return { user: null, adopt: false };
    }
    if (target.agencyId !== agency.id) throw notFound("User");
    const theirs = (await this.ext.externalIdsOf("user", [target.id])).get(target.id);
    if (theirs && theirs !== externalId)
      throw new ApiError(
        "conflict",
        input.id !== undefined
          ? `User ${target.id} already has the external id ${theirs}: send that one, or leave out id.`
          : `The e-mail ${email} belongs to the user with external id ${theirs}: change that user's e-mail first, or send ${theirs}.`,
      );
    return { user: target, adopt: true };
  }

  private async putUserIn(
    ctx: Ctx,
    agency: Agency,
    externalId: string,
    input: UserInput,
  ): Promise<{ user: ProvisionedUser; result: ProvisionResult }> {
    const admin = adminOf(ctx, agency.id);
    const email = ensure(Email, input.email, "email").toLowerCase();
    const name = ensure(Name, input.name, "name");
    const owner = input.owner ?? false;
    const type: UserType = input.type ?? (owner ? "agency" : "account");
    const role: Role = input.role ?? (owner ? "admin" : "user");
    const canManageKeys = input.canManageKeys ?? true;
    const disabled = input.disabled ?? false;
    const locationIds = type === "agency" ? [] : await this.locationIdsOf(agency.id, input.locations ?? []);
    if (owner && (type !== "agency" || role !== "admin" || !canManageKeys))
      throw new ApiError(
        "validation_failed",
        "The owner is an agency admin who may manage keys: send type agency, role admin and canManageKeys true (or leave them out).",
        { issues: [{ field: "owner", message: "an owner is type agency, role admin, canManageKeys true" }] },
      );
    const { user: current, adopt } = await this.targetUser(agency, externalId, input, email);
    const holder = (await this.deps.store.listUsers(agency.id)).find((u) => u.isOwner);
    if (current?.isOwner && (!owner || disabled))
      throw ownerMissing(
        `User ${externalId} is the agency's owner: the agency would be left without one. Keep owner: true and disabled: false on it (ownership does not move between users).`,
      );
    if (owner && !current?.isOwner) {
      const holderExt = holder
        ? ((await this.ext.externalIdsOf("user", [holder.id])).get(holder.id) ?? holder.id)
        : null;
      if (holder)
        throw new ApiError(
          "conflict",
          `The agency already has an owner (${holderExt}, ${holder.email}); an agency has one owner and it does not move: send owner: false for ${externalId}, or owner: true for ${holderExt}.`,
        );
      if (current)
        throw new ApiError(
          "conflict",
          `User ${externalId} exists and is not the owner; an existing user cannot become the owner. Provision the owner as a new user.`,
        );
    }
    if (!current) {
      const created = await this.deps.users.createUser(admin, agency.id, {
        email,
        name,
        type,
        role,
        locationIds,
        canManageKeys,
        isOwner: owner,
      });
      await this.ext.set("user", created.id, externalId);
      const user = disabled ? await this.deps.users.disableUser(admin, created.id) : created;
      return { user: await this.userView(user, externalId), result: "created" };
    }
    let user = current;
    let result: ProvisionResult = "unchanged";
    if (adopt) {
      await this.ext.set("user", user.id, externalId);
      result = "updated";
    }
    const patch = {
      ...(email !== user.email ? { email } : {}),
      ...(name !== user.name ? { name } : {}),
      ...(type !== user.type ? { type } : {}),
      ...(role !== user.role ? { role } : {}),
      ...(canManageKeys !== user.canManageKeys ? { canManageKeys } : {}),
      ...(!sameList(locationIds, user.locationIds) ? { locationIds } : {}),
    };
    if (Object.keys(patch).length > 0) {
      user = await this.deps.users.updateUser(admin, user.id, patch);
      result = "updated";
    }
    if (disabled !== (user.disabledAt !== null)) {
      user = disabled
        ? await this.deps.users.disableUser(admin, user.id)
        : await this.deps.users.enableUser(admin, user.id);
      result = "updated";
    }
    return { user: await this.userView(user, externalId), result };
  }

  /** Location external ids to Keyward ids; an unknown one is refused with what to do. */
  private async locationIdsOf(agencyId: string, externalIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const unknown: string[] = [];
    for (const e of new Set(externalIds)) {
      const l = await this.ext.locationOf(agencyId, e);
      if (l) out.push(l.id);
      else unknown.push(e);
    }
    if (unknown.length > 0)
      throw new ApiError(
        "validation_failed",
        `Unknown location ${unknown.join(", ")}: provision the location first (PUT …/locations/{externalId}).`,
        { issues: [{ field: "locations", message: `unknown location ${unknown.join(", ")}` }] },
      );
    return out.sort();
  }

  /** A removed user, as in the console (they can no longer sign in; their sessions end). */
  async deleteUser(ctx: Ctx, agencyExternalId: string, externalId: string): Promise<ProvisionResult> {
    if (!this.bound) return this.atomically((p) => p.deleteUser(ctx, agencyExternalId, externalId));
    const agency = await this.agency(ctx, agencyExternalId);
    const id = await this.ext.userOf(agency.id, externalId);
    const user = id ? await this.deps.store.getUser(id) : null;
    if (!user) throw notFound("User");
    if (user.isOwner)
      throw ownerMissing(
        `User ${externalId} is the agency's owner and cannot be removed: the agency would be left without one.`,
      );
    if (user.disabledAt !== null) return "unchanged";
    await this.deps.users.disableUser(adminOf(ctx, agency.id), user.id);
    return "deleted";
  }

  private async userView(u: User, externalId: string): Promise<ProvisionedUser> {
    const exts = await this.ext.externalIdsOf("location", u.locationIds);
    return {
      id: u.id,
      externalId,
      agencyId: u.agencyId,
      email: u.email,
      name: u.name,
      type: u.type,
      role: u.role,
      owner: u.isOwner,
      canManageKeys: u.canManageKeys,
      locations: u.locationIds.map((id) => exts.get(id) ?? id),
      locationIds: [...u.locationIds],
      disabled: u.disabledAt !== null,
      createdAt: iso(u.createdAt),
    };
  }

  // ── a whole agency ────────────────────────────────────────────────────────

  /**
   * Makes the agency what the body says: its locations and people named by external id are
   * created or updated, and those it names no more are deleted (locations) or removed (people).
   * Objects the platform never named (made in the console) are left alone. What the body itself
   * gets wrong is checked before the first change; then each object is applied as its own PUT
   * would, all in the request's one transaction: a refusal only one object's rules find (say, the
   * owner's e-mail) rolls back every change made before it.
   */
  async sync(ctx: Ctx, input: SyncInput): Promise<SyncReport> {
    if (!this.bound) return this.atomically((p) => p.sync(ctx, input));
    await this.checkSync(ctx, input);
    const { agency: a, result } = await this.putAgency(ctx, input.agency.externalId, input.agency);
    const agency = (await this.deps.store.getAgency(a.id))!;
    const report: SyncReport = {
      agency: { externalId: a.externalId, id: a.id, result },
      locations: [],
      users: [],
    };
    for (const l of input.locations) {
      const { location, result } = await this.putLocationIn(ctx, agency, l.externalId, l);
      report.locations.push({ externalId: l.externalId, id: location.id, result });
    }
    for (const u of input.users) {
      const { user, result } = await this.putUserIn(ctx, agency, u.externalId, u);
      report.users.push({ externalId: u.externalId, id: user.id, result });
    }
    const admin = adminOf(ctx, agency.id);
    const wantedUsers = new Set(input.users.map((u) => u.externalId));
    const people = await this.deps.store.listUsers(agency.id);
    const userExt = await this.ext.externalIdsOf(
      "user",
      people.map((u) => u.id),
    );
    for (const u of people) {
      const e = userExt.get(u.id);
      if (!e || wantedUsers.has(e) || u.disabledAt !== null || u.isOwner) continue;
      await this.deps.users.disableUser(admin, u.id);
      report.users.push({ externalId: e, id: u.id, result: "deleted" });
    }
    const wantedLocations = new Set(input.locations.map((l) => l.externalId));
    const places = await this.deps.store.listLocations(agency.id);
    const locExt = await this.ext.externalIdsOf(
      "location",
      places.map((l) => l.id),
    );
    for (const l of places) {
      const e = locExt.get(l.id);
      if (!e || wantedLocations.has(e)) continue;
      await this.deps.accounts.deleteLocation(admin, l.id);
      report.locations.push({ externalId: e, id: l.id, result: "deleted" });
    }
    return report;
  }

  /** What would refuse the sync, found before anything changes. */
  private async checkSync(ctx: Ctx, input: SyncInput): Promise<void> {
    const dup = (xs: string[]) => xs.find((x, i) => xs.indexOf(x) !== i);
    const dupLoc = dup(input.locations.map((l) => l.externalId));
    if (dupLoc)
      throw new ApiError("conflict", `Location ${dupLoc} is listed twice: list each location once.`);
    const dupUser = dup(input.users.map((u) => u.externalId));
    if (dupUser) throw new ApiError("conflict", `User ${dupUser} is listed twice: list each user once.`);
    const dupEmail = dup(input.users.map((u) => u.email.toLowerCase()));
    if (dupEmail)
      throw new ApiError(
        "conflict",
        `The e-mail ${dupEmail} is given to two users: each user needs their own.`,
      );
    const locs = new Set(input.locations.map((l) => l.externalId));
    for (const u of input.users)
      for (const l of u.locations ?? [])
        if (!locs.has(l))
          throw new ApiError(
            "validation_failed",
            `User ${u.externalId} is assigned to location ${l}, which the body does not list: add it to locations.`,
            { issues: [{ field: "users.locations", message: `unknown location ${l}` }] },
          );
    const owners = input.users.filter((u) => u.owner && !u.disabled);
    if (owners.length === 0)
      throw ownerMissing(
        "The body leaves the agency without an owner: mark one active user owner: true (the agency's current owner, if it has one).",
      );
    if (owners.length > 1)
      throw new ApiError(
        "conflict",
        `An agency has one owner; the body marks ${owners.map((o) => o.externalId).join(", ")}: keep owner: true on one.`,
      );
    const agency = await this.findAgency(ctx, input.agency.externalId);
    if (!agency) {
      // As for another agency's id (findAgency): a 403 here would tell free ids from taken ones.
      if (!isOperator(ctx)) throw notFound("Agency");
      if (input.agency.plan === undefined)
        throw new ApiError("validation_failed", "agency.plan is required to create an agency.", {
          issues: [{ field: "agency.plan", message: "required when the agency is created" }],
        });
      return;
    }
    if (input.agency.plan !== undefined && input.agency.plan !== agency.plan && !isOperator(ctx))
      throw new ApiError(
        "plan_managed_by_operator",
        `The plan is the operator's to set: an agency's credential cannot change it (this agency is on ${agency.plan}). Send the current plan or leave it out.`,
      );
    // The current owner must be the body's owner: by external id, or by e-mail if never named.
    const holder = (await this.deps.store.listUsers(agency.id)).find((u) => u.isOwner);
    if (holder) {
      const holderExt = (await this.ext.externalIdsOf("user", [holder.id])).get(holder.id);
      const owner = owners[0]!;
      const same = holderExt ? holderExt === owner.externalId : holder.email === owner.email.toLowerCase();
      if (!same)
        throw ownerMissing(
          `The agency's owner is ${holderExt ?? holder.email}, and the body does not keep them as owner: list them with owner: true (ownership does not move between users).`,
        );
    }
    // E-mails held by people outside the body who carry another external id.
    for (const u of input.users) {
      const other = await this.deps.store.getUserByEmail(agency.id, u.email.toLowerCase());
      if (!other) continue;
      const theirs = (await this.ext.externalIdsOf("user", [other.id])).get(other.id);
      if (theirs && theirs !== u.externalId && !input.users.some((x) => x.externalId === theirs))
        throw new ApiError(
          "conflict",
          `The e-mail ${u.email} belongs to the user with external id ${theirs}: change that user's e-mail first, or send ${theirs}.`,
        );
    }
  }
}
