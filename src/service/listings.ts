/**
 * The listings people search and page through — an account's keys, an agency's users, its audit
 * log — one page at a time (core/listing.ts: limit, sort, opaque cursor). Who may see what is
 * decided here, as for the unpaged reads; the filtering and the order are the database's
 * (store/listing-store.ts), so a page costs the same on page 1 and page 1,000.
 */
import { ApiError, denied, notFound } from "../core/errors.js";
import { type CursorPosition, decodeCursor, pageOf } from "../core/listing.js";
import type { AuditEntry, KeyStatus, User } from "../core/model.js";
import { canReadAudit, type Role, type UserType } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import { type Direction, type KeySortField, ListingStore } from "../store/listing-store.js";
import type { Store } from "../store/store.js";
import { requireActor, resolveAccount } from "./access.js";
import type { Ctx } from "./context.js";
import type { KeyService, KeyView } from "./keys.js";

export interface KeyListQuery {
  statuses?: KeyStatus[];
  /** On an agency: its locations' keys too. */
  includeLocations?: boolean;
  /** Narrows an agency-wide listing to one account: the agency's own keys, or one location's. */
  accountId?: string;
  kind?: KeyKind;
  q?: string;
  warned?: boolean;
  sort?: KeySortField;
  direction?: Direction;
  cursor?: string;
  limit: number;
}

export interface UserListQuery {
  q?: string;
  role?: Role;
  type?: UserType;
  disabled?: boolean;
  cursor?: string;
  limit: number;
}

export interface AuditListQuery {
  q?: string;
  action?: string;
  /** Show sign-ins (`session.created`, sign-outs); folded away when false. Failed sign-ins always show. */
  signIns?: boolean;
  actorId?: string;
  targetId?: string;
  targetType?: string;
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
}

/** An audit entry with the names of its actor and target, as they are now (null: unknown or gone). */
export type NamedAuditEntry = AuditEntry & { actorName: string | null; targetName: string | null };

/** Successful sign-ins and sign-outs: many, and rarely what an admin looks for. */
export const SIGN_IN_ACTIONS = ["session.created", "session.revoked", "session.ended"];

export class ListingService {
  constructor(private readonly deps: { store: Store; keys: KeyService }) {}

  private get listing() {
    return new ListingStore(this.deps.store);
  }

  async keys(
    ctx: Ctx,
    accountId: string,
    query: KeyListQuery,
  ): Promise<{ keys: KeyView[]; nextCursor: string | null }> {
    const actor = requireActor(ctx);
    const { owner } = await resolveAccount(this.deps.store, actor, accountId);
    let locationIds: string[] | null | undefined = owner.locationId === null ? null : [owner.locationId];
    if (owner.locationId === null && query.includeLocations) locationIds = undefined;
    if (query.accountId !== undefined && query.accountId !== accountId) {
      // Within what the path names: the agency's own keys, or one of its locations.
      if (owner.locationId !== null)
        throw fieldError("query.accountId", "must be this location's id on a location's listing");
      if (query.accountId === owner.agencyId) locationIds = null;
      else {
        const loc = await this.deps.store.getLocation(query.accountId);
        if (!loc || loc.agencyId !== owner.agencyId || loc.deletedAt !== null)
          throw fieldError("query.accountId", `${query.accountId} is not a location of this agency`);
        locationIds = [loc.id];
      }
    } else if (query.accountId === accountId && owner.locationId === null) locationIds = null;
    const sort = query.sort ?? "created";
    const direction = query.direction ?? "asc";
    const sortName = `${sort}:${direction}`;
    const after = query.cursor ? decodeCursor(query.cursor, sortName) : undefined;
    const rows = await this.listing.keysPage({
      agencyId: owner.agencyId,
      locationIds,
      statuses: query.statuses ?? ["active", "expired"],
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.warned !== undefined ? { warned: query.warned } : {}),
      sort,
      direction,
      ...(after ? { after } : {}),
      limit: query.limit,
    });
    const page = pageOf(rows, query.limit, sortName, (r) => ({ value: r.sortValue, id: r.key.id }));
    return { keys: await this.deps.keys.views(page.rows.map((r) => r.key)), nextCursor: page.nextCursor };
  }

  async users(
    ctx: Ctx,
    agencyId: string,
    query: UserListQuery,
  ): Promise<{ users: User[]; nextCursor: string | null }> {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    const after = query.cursor ? decodeCursor(query.cursor, "name:asc") : undefined;
    const rows = await this.listing.usersPage({
      agencyId,
      ...(query.q ? { q: query.q } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.disabled !== undefined ? { disabled: query.disabled } : {}),
      ...(actor.type === "agency"
        ? {}
        : { visibleTo: { userId: actor.userId, locationIds: actor.locationIds } }),
      ...(after ? { after } : {}),
      limit: query.limit,
    });
    const page = pageOf(rows, query.limit, "name:asc", (r) => ({ value: r.sortValue, id: r.user.id }));
    return { users: page.rows.map((r) => r.user), nextCursor: page.nextCursor };
  }

  async audit(
    ctx: Ctx,
    agencyId: string,
    query: AuditListQuery,
  ): Promise<{ entries: NamedAuditEntry[]; nextCursor: string | null }> {
    this.mayReadAudit(ctx, agencyId);
    const after = query.cursor ? decodeCursor(query.cursor, "seq:desc") : undefined;
    if (after && typeof after.value !== "number")
      throw new ApiError(
        "invalid_cursor",
        "The cursor is not one this listing gave out: pass `nextCursor` unchanged.",
      );
    const rows = await this.auditRows(agencyId, query, after, query.limit + 1);
    const page = pageOf(rows, query.limit, "seq:desc", (e) => ({ value: e.seq, id: e.id }));
    return { entries: await this.named(page.rows), nextCursor: page.nextCursor };
  }

  /**
   * Every entry the filters match, newest first, in batches (for the CSV and JSON-lines export):
   * the export streams them, so its memory does not grow with the log.
   */
  async *auditAll(ctx: Ctx, agencyId: string, query: Omit<AuditListQuery, "cursor" | "limit">) {
    this.mayReadAudit(ctx, agencyId);
    let after: CursorPosition | undefined;
    for (;;) {
      const rows = await this.auditRows(agencyId, { ...query, limit: 500 }, after, 500);
      if (rows.length === 0) return;
      yield await this.named(rows);
      if (rows.length < 500) return;
      const last = rows[rows.length - 1]!;
      after = { value: last.seq, id: last.id };
    }
  }

  private mayReadAudit(ctx: Ctx, agencyId: string): void {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canReadAudit(actor, agencyId)) throw denied("Only agency admins can read the audit log.");
  }

  private auditRows(agencyId: string, q: AuditListQuery, after: CursorPosition | undefined, limit: number) {
    return this.listing.auditPage({
      agencyId,
      ...(q.q ? { q: q.q } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.signIns === false ? { excludeActions: SIGN_IN_ACTIONS } : {}),
      ...(q.actorId ? { actorId: q.actorId } : {}),
      ...(q.targetId ? { targetId: q.targetId } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(after ? { after } : {}),
      limit: limit - 1,
    });
  }

  private async named(entries: AuditEntry[]): Promise<NamedAuditEntry[]> {
    const ids = entries.flatMap((e) => [e.actorId, e.targetId]).filter((x): x is string => x !== null);
    const names = await this.listing.namesOf(ids);
    return entries.map((e) => ({
      ...e,
      actorName: e.actorId ? (names.get(e.actorId) ?? null) : null,
      targetName: e.targetId ? (names.get(e.targetId) ?? null) : null,
    }));
  }
}

function fieldError(field: string, message: string): ApiError {
  return new ApiError("validation_failed", `The request is not valid: ${field}: ${message}.`, {
    issues: [{ field, message }],
  });
}
