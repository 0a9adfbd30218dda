/**
 * Listings a page at a time, in SQL on SQLite and PostgreSQL alike: keys, users and the audit log,
 * filtered, sorted with ties broken by id, and continued after a cursor position (keyset paging:
 * `WHERE (sortKey, id) > (last served)`, never OFFSET, so a page costs the same wherever it is).
 * Each query fetches `limit + 1` rows: the extra one only tells the caller a next page exists.
 */
import { type ExpressionBuilder, type RawBuilder, type Selectable, sql } from "kysely";
import { type CursorPosition, likeLiteral } from "../core/listing.js";
import type { ApiKey, AuditEntry, KeyStatus, User } from "../core/model.js";
import type { Role, UserType } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import { auditFromRow, keyFromRow, userFromRow } from "./rows.js";
import type { Database, UserTable } from "./schema.js";
import type { Store } from "./store.js";

export type KeySortField = "lastUsed" | "created" | "name";
export type Direction = "asc" | "desc";

export interface KeyPageFilter {
  agencyId: string;
  /** undefined: every key of the agency; null: agency-level keys only; a list: those locations. */
  locationIds?: string[] | null;
  statuses: KeyStatus[];
  kind?: KeyKind;
  /** Name (case-insensitive, part of it), a token's last four characters, or the key's id. */
  q?: string;
  /** true: keys whose current cycle has had its first inactivity warning; false: the others. */
  warned?: boolean;
  sort: KeySortField;
  direction: Direction;
  after?: CursorPosition;
  limit: number;
}

export interface UserPageFilter {
  agencyId: string;
  /** Name or e-mail, case-insensitive, part of it. */
  q?: string;
  role?: Role;
  type?: UserType;
  disabled?: boolean;
  /** An account-type viewer: only themselves and the people of these locations. */
  visibleTo?: { userId: string; locationIds: readonly string[] };
  after?: CursorPosition;
  limit: number;
}

export interface AuditPageFilter {
  agencyId: string;
  /** Action, actor or target id, an actor's name, or text in the recorded changes. */
  q?: string;
  /** Action prefix, e.g. `key.` */
  action?: string;
  /** Action prefixes left out, e.g. the sign-ins folded away by default. */
  excludeActions?: string[];
  actorId?: string;
  targetId?: string;
  targetType?: string;
  from?: number;
  to?: number;
  after?: CursorPosition;
  limit: number;
}

type KeysEb = ExpressionBuilder<Database, "api_keys">;

/** The SQL of each key sort: last use puts never-used keys after every used one (as the oldest). */
function keySortKey(field: KeySortField): RawBuilder<string | number> {
  switch (field) {
    case "lastUsed":
      return sql`coalesce(api_keys.last_used_at, -1)`;
    case "created":
      return sql`api_keys.created_at`;
    case "name":
      return sql`lower(api_keys.name)`;
  }
}

/** A literal prefix (action names contain `_`, a LIKE wildcard): compare the leading characters. */
const startsWith = (column: string, prefix: string) =>
  sql<boolean>`substr(${sql.ref(column)}, 1, ${prefix.length}) = ${prefix}`;

export class ListingStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  async keysPage(f: KeyPageFilter): Promise<{ key: ApiKey; sortValue: string | number }[]> {
    if (Array.isArray(f.locationIds) && f.locationIds.length === 0) return [];
    const sortKey = keySortKey(f.sort);
    let q = this.db
      .selectFrom("api_keys")
      .selectAll("api_keys")
      .select(sortKey.as("sort_value"))
      .where("api_keys.agency_id", "=", f.agencyId)
      .where("api_keys.status", "in", f.statuses);
    if (f.locationIds === null) q = q.where("api_keys.location_id", "is", null);
    else if (f.locationIds !== undefined) q = q.where("api_keys.location_id", "in", f.locationIds);
    if (f.kind) q = q.where("api_keys.kind", "=", f.kind);
    // OAuth access tokens are shown as installs (docs/oauth.md), not one row per token.
    else q = q.where("api_keys.kind", "!=", "oauth");
    if (f.q) {
      const needle = f.q.trim();
      const pattern = `%${likeLiteral(needle.toLowerCase())}%`;
      const last4 = needle.replace(/^…/, "");
      q = q.where((eb: KeysEb) =>
        eb.or([
          eb("api_keys.id", "=", needle),
          sql<boolean>`lower(api_keys.name) like ${pattern} escape '\\'`,
          ...(last4.length === 4
            ? [
                eb.exists(
                  eb
                    .selectFrom("key_tokens as t")
                    .select("t.key_id")
                    .whereRef("t.key_id", "=", "api_keys.id")
                    .where(sql<string>`substr(t.display, length(t.display) - 3)`, "=", last4),
                ),
              ]
            : []),
        ]),
      );
    }
    if (f.warned !== undefined) {
      const warned = (eb: KeysEb) =>
        eb.exists(
          eb
            .selectFrom("lifecycle_watch as w")
            .select("w.key_id")
            .whereRef("w.key_id", "=", "api_keys.id")
            .whereRef("w.cycle_at", "=", "api_keys.activity_at"),
        );
      q = f.warned
        ? q.where((eb: KeysEb) => eb.and([eb("api_keys.status", "=", "active"), warned(eb)]))
        : q.where((eb: KeysEb) => eb.not(warned(eb)));
    }
    if (f.after) {
      const { value, id } = f.after;
      const cmp = f.direction === "asc" ? ">" : "<";
      q = q.where((eb: KeysEb) =>
        eb.or([
          eb(sortKey, cmp, value as never),
          eb.and([eb(sortKey, "=", value as never), eb("api_keys.id", cmp, id)]),
        ]),
      );
    }
    const rows = await q
      .orderBy(sortKey, f.direction)
      .orderBy("api_keys.id", f.direction)
      .limit(f.limit + 1)
      .execute();
    return rows.map((r) => {
      const { sort_value, ...row } = r;
      return {
        key: keyFromRow(row),
        sortValue: typeof sort_value === "string" ? sort_value : Number(sort_value),
      };
    });
  }

  /** Users by name (case-insensitive), then id. */
  async usersPage(f: UserPageFilter): Promise<{ user: User; sortValue: string }[]> {
    const sortKey = sql<string>`lower(users.name)`;
    let q = this.db
      .selectFrom("users")
      .selectAll("users")
      .select(sortKey.as("sort_value"))
      .where("users.agency_id", "=", f.agencyId);
    if (f.q) {
      const pattern = `%${likeLiteral(f.q.trim().toLowerCase())}%`;
      q = q.where((eb) =>
        eb.or([
          sql<boolean>`lower(users.name) like ${pattern} escape '\\'`,
          sql<boolean>`users.email like ${pattern} escape '\\'`,
        ]),
      );
    }
    if (f.role) q = q.where("users.role", "=", f.role);
    if (f.type) q = q.where("users.type", "=", f.type);
    if (f.disabled !== undefined) q = q.where("users.disabled_at", f.disabled ? "is not" : "is", null);
    if (f.visibleTo) {
      const { userId, locationIds } = f.visibleTo;
      q = q.where((eb) =>
        eb.or([
          eb("users.id", "=", userId),
          ...(locationIds.length
            ? [
                eb.exists(
                  eb
                    .selectFrom("user_locations as ul")
                    .select("ul.user_id")
                    .whereRef("ul.user_id", "=", "users.id")
                    .where("ul.location_id", "in", [...locationIds]),
                ),
              ]
            : []),
        ]),
      );
    }
    if (f.after) {
      const { value, id } = f.after;
      q = q.where((eb) =>
        eb.or([
          eb(sortKey, ">", String(value)),
          eb.and([eb(sortKey, "=", String(value)), eb("users.id", ">", id)]),
        ]),
      );
    }
    const rows = await q
      .orderBy(sortKey)
      .orderBy("users.id")
      .limit(f.limit + 1)
      .execute();
    const users = await this.withLocations(rows.map(({ sort_value: _, ...r }) => r));
    return users.map((user, i) => ({ user, sortValue: String(rows[i]!.sort_value) }));
  }

  /** Audit entries newest first (by seq, the order they were written). */
  async auditPage(f: AuditPageFilter): Promise<AuditEntry[]> {
    let q = this.db.selectFrom("audit_log").selectAll().where("agency_id", "=", f.agencyId);
    if (f.action) q = q.where(startsWith("action", f.action));
    for (const x of f.excludeActions ?? []) q = q.where((eb) => eb.not(startsWith("action", x)));
    if (f.actorId) q = q.where("actor_id", "=", f.actorId);
    if (f.targetId) q = q.where("target_id", "=", f.targetId);
    if (f.targetType) q = q.where("target_type", "=", f.targetType);
    if (f.from !== undefined) q = q.where("at", ">=", f.from);
    if (f.to !== undefined) q = q.where("at", "<", f.to);
    if (f.q) {
      const needle = f.q.trim();
      const pattern = `%${likeLiteral(needle.toLowerCase())}%`;
      const agencyId = f.agencyId;
      q = q.where((eb) =>
        eb.or([
          eb("actor_id", "=", needle),
          eb("target_id", "=", needle),
          sql<boolean>`action like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(after_json, '')) like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(before_json, '')) like ${pattern} escape '\\'`,
          eb(
            "actor_id",
            "in",
            eb
              .selectFrom("users")
              .select("users.id")
              .where("users.agency_id", "=", agencyId)
              .where(sql<boolean>`lower(users.name) like ${pattern} escape '\\'`),
          ),
        ]),
      );
    }
    if (f.after) q = q.where("seq", "<", Number(f.after.value));
    const rows = await q
      .orderBy("seq", "desc")
      .limit(f.limit + 1)
      .execute();
    return rows.map(auditFromRow);
  }

  /** Display names of the ids an audit page mentions (people, keys, locations, agencies). */
  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return out;
    const [users, keys, locations, agencies] = await Promise.all([
      this.db.selectFrom("users").select(["id", "name"]).where("id", "in", unique).execute(),
      this.db.selectFrom("api_keys").select(["id", "name"]).where("id", "in", unique).execute(),
      this.db.selectFrom("locations").select(["id", "name"]).where("id", "in", unique).execute(),
      this.db.selectFrom("agencies").select(["id", "name"]).where("id", "in", unique).execute(),
    ]);
    for (const r of [...users, ...keys, ...locations, ...agencies]) out.set(r.id, r.name);
    return out;
  }

  private async withLocations(rows: Selectable<UserTable>[]): Promise<User[]> {
    if (rows.length === 0) return [];
    const links = await this.db
      .selectFrom("user_locations")
      .selectAll()
      .where(
        "user_id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    const by = new Map<string, string[]>();
    for (const l of links) by.set(l.user_id, [...(by.get(l.user_id) ?? []), l.location_id]);
    return rows.map((r) => userFromRow(r, (by.get(r.id) ?? []).sort()));
  }
}
