/**
 * The Store: storage named for what the services mean (`revokeKey`, `findToken`, `recordUses` …),
 * one implementation over SQLite and PostgreSQL. Services own transactions through `transaction()`;
 * inside it they get a Store bound to that transaction.
 */
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type {
  Agency,
  ApiKey,
  AuditEntry,
  KeyStatus,
  KeyToken,
  Location,
  Session,
  User,
} from "../core/model.js";
import type { Plan } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import { type DialectInfo, SQLITE_WRITE_WAIT_MS, WriteLockBusy } from "./dialect.js";
import { OAuthStore } from "./oauth-store.js";
import {
  agencyFromRow,
  auditFromRow,
  auditToRow,
  bool,
  int,
  keyFromRow,
  keyToRow,
  locationFromRow,
  type NewAudit,
  tokenFromRow,
  userFromRow,
} from "./rows.js";
import type { Database, UserTable } from "./schema.js";
import { StorageUnavailable } from "./storage-errors.js";
import { WebhookStore } from "./webhook-store.js";

// Callers outside store/ that write rows directly (the simulation) or build audits.
export { keyToRow, type NewAudit } from "./rows.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Rows per multi-row insert: well under SQLite's and PostgreSQL's limits on bound parameters. */
const BATCH_ROWS = 500;

function tokenToRow(t: KeyToken) {
  return {
    hash: t.hash,
    key_id: t.keyId,
    display: t.display,
    created_at: t.createdAt,
    valid_until: t.validUntil,
    retired_reason: t.retiredReason,
    last_used_at: t.lastUsedAt,
  };
}

/** What a token lookup returns: everything verification needs, in one read. */
export interface TokenLookup {
  token: KeyToken;
  key: ApiKey;
  agency: { plan: Plan; enhancedSecurity: boolean; ipAllowlist?: string[] | null };
  /** The IP allowlist of the key's location (issue 13 §2); absent or null: none. */
  locationIpAllowlist?: string[] | null;
  /** An OAuth access token (kind `oauth`): its app and install (docs/oauth.md); absent otherwise. */
  oauth?: { appId: string; appName: string; installId: string; agencyInstall: boolean } | null;
}

export interface KeyFilter {
  agencyId: string;
  /** undefined: every key of the agency; null: agency-level keys only; a list: those locations. */
  locationIds?: string[] | null;
  statuses?: KeyStatus[];
  createdBy?: string;
  /** A kind; without one, every kind but `oauth` (apps' access tokens are shown as installs). */
  kind?: KeyKind;
  /** With no `kind`: `oauth` access tokens too (what deleting a location revokes). */
  includeOauth?: boolean;
}

export interface AuditFilter {
  agencyId: string;
  action?: string;
  actorId?: string;
  targetId?: string;
  targetType?: string;
  since?: number;
  until?: number;
  beforeSeq?: number;
  limit: number;
}

export class Store {
  constructor(
    readonly db: Db,
    readonly dialect: DialectInfo,
  ) {}

  /**
   * Runs `fn` in one transaction; nested calls join the outer one. On SQLite, while another process
   * holds the write lock, the transaction is retried after short asynchronous pauses (the event loop
   * keeps serving meanwhile), for up to SQLITE_WRITE_WAIT_MS; then it fails as storage unavailable.
   */
  async transaction<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    const db = this.db as Kysely<Database>;
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await db.transaction().execute((tx) => fn(new Store(tx, this.dialect)));
      } catch (err) {
        // Only a failed `begin immediate` is retried: `fn` has not run, so nothing is done twice.
        if (!(err instanceof WriteLockBusy)) throw err;
        const waited = performance.now() - started;
        if (waited >= SQLITE_WRITE_WAIT_MS)
          throw new StorageUnavailable(
            `another process has held the database's write lock for over ${Math.round(waited / 1000)} s`,
            err,
          );
        const pause = Math.min(100, 2 ** attempt) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  // ── agencies ────────────────────────────────────────────────────────────

  async countAgencies(): Promise<number> {
    const r = await this.db
      .selectFrom("agencies")
      .select(sql<number>`count(*)`.as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertAgency(a: Agency): Promise<void> {
    await this.db
      .insertInto("agencies")
      .values({
        id: a.id,
        name: a.name,
        plan: a.plan,
        enhanced_security: int(a.enhancedSecurity),
        legacy_creation: a.legacyCreation,
        policy_json: a.policyOverride ? JSON.stringify(a.policyOverride) : null,
        key_rules_json: a.keyRules ? JSON.stringify(a.keyRules) : null,
        ip_allowlist_json: a.ipAllowlist ? JSON.stringify(a.ipAllowlist) : null,
        max_key_lifetime_days: a.maxKeyLifetimeDays ?? null,
        created_at: a.createdAt,
        updated_at: a.updatedAt,
      })
      .execute();
  }

  async getAgency(id: string): Promise<Agency | null> {
    const r = await this.db.selectFrom("agencies").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? agencyFromRow(r) : null;
  }

  /** Several agencies by id, in one statement per 400 (the scheduler's batches). */
  async getAgencies(ids: readonly string[]): Promise<Map<string, Agency>> {
    const out = new Map<string, Agency>();
    for (let i = 0; i < ids.length; i += 400) {
      const rows = await this.db
        .selectFrom("agencies")
        .selectAll()
        .where("id", "in", ids.slice(i, i + 400))
        .execute();
      for (const r of rows) out.set(r.id, agencyFromRow(r));
    }
    return out;
  }

  /** Reads an agency to change it, inside a transaction; locked until commit where rows can be locked. */
  async getAgencyForUpdate(id: string): Promise<Agency | null> {
    let q = this.db.selectFrom("agencies").selectAll().where("id", "=", id);
    if (this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? agencyFromRow(r) : null;
  }

  async listAgencies(): Promise<Agency[]> {
    const rows = await this.db.selectFrom("agencies").selectAll().orderBy("created_at").execute();
    return rows.map(agencyFromRow);
  }

  async updateAgency(a: Agency): Promise<void> {
    await this.db
      .updateTable("agencies")
      .set({
        name: a.name,
        plan: a.plan,
        enhanced_security: int(a.enhancedSecurity),
        legacy_creation: a.legacyCreation,
        policy_json: a.policyOverride ? JSON.stringify(a.policyOverride) : null,
        key_rules_json: a.keyRules ? JSON.stringify(a.keyRules) : null,
        ip_allowlist_json: a.ipAllowlist ? JSON.stringify(a.ipAllowlist) : null,
        max_key_lifetime_days: a.maxKeyLifetimeDays ?? null,
        updated_at: a.updatedAt,
      })
      .where("id", "=", a.id)
      .execute();
  }

  // ── locations ───────────────────────────────────────────────────────────

  async insertLocation(l: Location): Promise<void> {
    await this.db
      .insertInto("locations")
      .values({
        id: l.id,
        agency_id: l.agencyId,
        name: l.name,
        email: l.email,
        phone: l.phone,
        timezone: l.timezone,
        created_at: l.createdAt,
        updated_at: l.updatedAt,
        deleted_at: l.deletedAt,
      })
      .execute();
  }

  /** A live (not deleted) location. */
  async getLocation(id: string): Promise<Location | null> {
    const r = await this.db
      .selectFrom("locations")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return r ? locationFromRow(r) : null;
  }

  async listLocations(agencyId: string, onlyIds?: string[]): Promise<Location[]> {
    if (onlyIds && onlyIds.length === 0) return [];
    let q = this.db
      .selectFrom("locations")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("deleted_at", "is", null);
    if (onlyIds) q = q.where("id", "in", onlyIds);
    const rows = await q.orderBy("created_at").orderBy("id").execute();
    return rows.map(locationFromRow);
  }

  async updateLocation(l: Location): Promise<void> {
    await this.db
      .updateTable("locations")
      .set({
        name: l.name,
        email: l.email,
        phone: l.phone,
        timezone: l.timezone,
        updated_at: l.updatedAt,
        deleted_at: l.deletedAt,
      })
      .where("id", "=", l.id)
      .execute();
  }

  // ── users and sessions ──────────────────────────────────────────────────

  async insertUser(u: User): Promise<void> {
    await this.db
      .insertInto("users")
      .values({
        id: u.id,
        agency_id: u.agencyId,
        email: u.email,
        name: u.name,
        password_hash: u.passwordHash,
        type: u.type,
        role: u.role,
        is_owner: int(u.isOwner),
        can_manage_keys: int(u.canManageKeys),
        digest_opt_out: int(u.digestOptOut),
        created_at: u.createdAt,
        updated_at: u.updatedAt,
        disabled_at: u.disabledAt,
      })
      .execute();
    await this.setUserLocations(u.id, u.locationIds);
  }

  async updateUser(u: User): Promise<void> {
    await this.db
      .updateTable("users")
      .set({
        email: u.email,
        name: u.name,
        password_hash: u.passwordHash,
        type: u.type,
        role: u.role,
        is_owner: int(u.isOwner),
        can_manage_keys: int(u.canManageKeys),
        digest_opt_out: int(u.digestOptOut),
        updated_at: u.updatedAt,
        disabled_at: u.disabledAt,
      })
      .where("id", "=", u.id)
      .execute();
    await this.setUserLocations(u.id, u.locationIds);
  }

  private async setUserLocations(userId: string, locationIds: string[]): Promise<void> {
    await this.db.deleteFrom("user_locations").where("user_id", "=", userId).execute();
    if (locationIds.length > 0)
      await this.db
        .insertInto("user_locations")
        .values(locationIds.map((location_id) => ({ user_id: userId, location_id })))
        .execute();
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

  async getUser(id: string): Promise<User | null> {
    const r = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? ((await this.withLocations([r]))[0] ?? null) : null;
  }

  /** Reads a user to change it, inside a transaction; locked until commit where rows can be locked. */
  async getUserForUpdate(id: string): Promise<User | null> {
    let q = this.db.selectFrom("users").selectAll().where("id", "=", id);
    if (this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? ((await this.withLocations([r]))[0] ?? null) : null;
  }

  /** The agency's user with this e-mail: addresses are unique per agency, not across agencies. */
  async getUserByEmail(agencyId: string, email: string): Promise<User | null> {
    const r = await this.db
      .selectFrom("users")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("email", "=", email.toLowerCase())
      .executeTakeFirst();
    return r ? ((await this.withLocations([r]))[0] ?? null) : null;
  }

  /** Every user with this e-mail, one per agency at most (sign-in), oldest first. */
  async listUsersByEmail(email: string): Promise<User[]> {
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email.toLowerCase())
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return this.withLocations(rows);
  }

  async listUsers(agencyId: string): Promise<User[]> {
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return this.withLocations(rows);
  }

  /** `listUsers` and `listLocations` of several agencies at once (same order within each agency). */
  async peopleOf(
    agencyIds: readonly string[],
  ): Promise<Map<string, { users: User[]; locations: Location[] }>> {
    const out = new Map<string, { users: User[]; locations: Location[] }>();
    for (const id of agencyIds) out.set(id, { users: [], locations: [] });
    for (let i = 0; i < agencyIds.length; i += 400) {
      const part = agencyIds.slice(i, i + 400);
      const users = await this.db
        .selectFrom("users")
        .selectAll()
        .where("agency_id", "in", part)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      for (let j = 0; j < users.length; j += 400)
        for (const u of await this.withLocations(users.slice(j, j + 400))) out.get(u.agencyId)?.users.push(u);
      const locations = await this.db
        .selectFrom("locations")
        .selectAll()
        .where("agency_id", "in", part)
        .where("deleted_at", "is", null)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      for (const l of locations) out.get(l.agency_id)?.locations.push(locationFromRow(l));
    }
    return out;
  }

  async insertSession(s: Session & { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto("sessions")
      .values({
        id: s.id,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        revoked_at: s.revokedAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async getSession(id: string): Promise<Session | null> {
    const r = await this.db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
    return r
      ? {
          id: r.id,
          userId: r.user_id,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          revokedAt: r.revoked_at,
          lastSeenAt: r.last_seen_at ?? null,
        }
      : null;
  }

  async revokeSession(id: string, at: number): Promise<void> {
    await this.db.updateTable("sessions").set({ revoked_at: at }).where("id", "=", id).execute();
  }

  /** Ends the user's sessions, all of them or all but `exceptId` (the one making a change). */
  async revokeUserSessions(userId: string, at: number, exceptId?: string): Promise<void> {
    let q = this.db
      .updateTable("sessions")
      .set({ revoked_at: at })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
    await q.execute();
  }

  // ── keys and tokens ─────────────────────────────────────────────────────

  async insertKey(k: ApiKey): Promise<void> {
    await this.db.insertInto("api_keys").values(keyToRow(k)).execute();
  }

  /** Many keys in multi-row statements (500 rows each), in the caller's transaction. */
  async insertKeys(keys: readonly ApiKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_ROWS)
      await this.db
        .insertInto("api_keys")
        .values(keys.slice(i, i + BATCH_ROWS).map(keyToRow))
        .execute();
  }

  async updateKey(k: ApiKey): Promise<void> {
    const { id: _id, ...row } = keyToRow(k);
    await this.db.updateTable("api_keys").set(row).where("id", "=", k.id).execute();
  }

  async getKey(id: string): Promise<ApiKey | null> {
    const r = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? keyFromRow(r) : null;
  }

  /**
   * Reads a key to change it, inside a transaction: the row stays locked until commit on
   * PostgreSQL, so two changes to one key (revoke and rotate, two rotations) run one after the other
   * instead of one overwriting the other.
   */
  async getKeyForUpdate(id: string): Promise<ApiKey | null> {
    let q = this.db.selectFrom("api_keys").selectAll().where("id", "=", id);
    if (this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? keyFromRow(r) : null;
  }

  async listKeys(f: KeyFilter): Promise<ApiKey[]> {
    let q = this.db.selectFrom("api_keys").selectAll().where("agency_id", "=", f.agencyId);
    if (f.locationIds === null) q = q.where("location_id", "is", null);
    else if (f.locationIds !== undefined) {
      if (f.locationIds.length === 0) return [];
      q = q.where("location_id", "in", f.locationIds);
    }
    if (f.statuses) q = q.where("status", "in", f.statuses);
    if (f.createdBy) q = q.where("created_by", "=", f.createdBy);
    if (f.kind) q = q.where("kind", "=", f.kind);
    else if (!f.includeOauth) q = q.where("kind", "!=", "oauth");
    const rows = await q.orderBy("created_at").orderBy("id").execute();
    return rows.map(keyFromRow);
  }

  async insertToken(t: KeyToken): Promise<void> {
    await this.db
      .insertInto("key_tokens")
      .values({
        hash: t.hash,
        key_id: t.keyId,
        display: t.display,
        created_at: t.createdAt,
        valid_until: t.validUntil,
        retired_reason: t.retiredReason,
        last_used_at: t.lastUsedAt,
      })
      .execute();
  }

  /** Many tokens in multi-row statements (500 rows each), in the caller's transaction. */
  async insertTokens(tokens: readonly KeyToken[]): Promise<void> {
    for (let i = 0; i < tokens.length; i += BATCH_ROWS)
      await this.db
        .insertInto("key_tokens")
        .values(tokens.slice(i, i + BATCH_ROWS).map(tokenToRow))
        .execute();
  }

  async updateToken(t: KeyToken): Promise<void> {
    await this.db
      .updateTable("key_tokens")
      .set({ valid_until: t.validUntil, retired_reason: t.retiredReason, last_used_at: t.lastUsedAt })
      .where("hash", "=", t.hash)
      .execute();
  }

  async tokensOfKey(keyId: string): Promise<KeyToken[]> {
    const rows = await this.db
      .selectFrom("key_tokens")
      .selectAll()
      .where("key_id", "=", keyId)
      .orderBy("created_at")
      .execute();
    return rows.map(tokenFromRow);
  }

  async tokensOfKeys(keyIds: string[]): Promise<KeyToken[]> {
    if (keyIds.length === 0) return [];
    const out: KeyToken[] = [];
    for (let i = 0; i < keyIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("key_tokens")
        .selectAll()
        .where("key_id", "in", keyIds.slice(i, i + 500))
        .orderBy("created_at")
        .execute();
      out.push(...rows.map(tokenFromRow));
    }
    return out;
  }

  /** The key a stored token hash belongs to (any state, tombstones included), or null. */
  async keyOfHash(hash: string): Promise<{ keyId: string; agencyId: string } | null> {
    const r = await this.db
      .selectFrom("key_tokens as t")
      .innerJoin("api_keys as k", "k.id", "t.key_id")
      .select(["k.id", "k.agency_id"])
      .where("t.hash", "=", hash)
      .executeTakeFirst();
    return r ? { keyId: r.id, agencyId: r.agency_id } : null;
  }

  async hashExists(hash: string): Promise<boolean> {
    const r = await this.db
      .selectFrom("key_tokens")
      .select("hash")
      .where("hash", "=", hash)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** The verification read: token, key and the owner's plan and security setting, in one query. */
  async findToken(hash: string): Promise<TokenLookup | null> {
    const r = await this.db
      .selectFrom("key_tokens as t")
      .innerJoin("api_keys as k", "k.id", "t.key_id")
      .innerJoin("agencies as a", "a.id", "k.agency_id")
      .leftJoin("locations as l", "l.id", "k.location_id")
      .selectAll("k")
      .select([
        "t.hash as t_hash",
        "t.display as t_display",
        "t.created_at as t_created_at",
        "t.valid_until as t_valid_until",
        "t.retired_reason as t_retired_reason",
        "t.last_used_at as t_last_used_at",
        "a.plan as a_plan",
        "a.enhanced_security as a_eas",
        "a.ip_allowlist_json as a_ips",
        "l.ip_allowlist_json as l_ips",
      ])
      .where("t.hash", "=", hash)
      .executeTakeFirst();
    if (!r) return null;
    return {
      token: {
        hash: r.t_hash,
        keyId: r.id,
        display: r.t_display,
        createdAt: r.t_created_at,
        validUntil: r.t_valid_until,
        retiredReason: r.t_retired_reason as KeyToken["retiredReason"],
        lastUsedAt: r.t_last_used_at,
      },
      key: keyFromRow(r),
      agency: {
        plan: r.a_plan as Plan,
        enhancedSecurity: bool(r.a_eas),
        ipAllowlist: r.a_ips === null ? null : (JSON.parse(r.a_ips) as string[]),
      },
      locationIpAllowlist:
        r.l_ips === null || r.l_ips === undefined ? null : (JSON.parse(r.l_ips) as string[]),
      // Only an app's access token has these (the other keys read exactly as before, in one query).
      ...(r.oauth_app_id && r.oauth_install_id
        ? { oauth: await this.oauthFacts(r.oauth_app_id, r.oauth_install_id) }
        : {}),
    };
  }

  /** What verification names of an app's access token: a second read, for those tokens only. */
  private async oauthFacts(appId: string, installId: string): Promise<NonNullable<TokenLookup["oauth"]>> {
    const r = await this.db
      .selectFrom("oauth_installs as i")
      .leftJoin("oauth_apps as o", "o.id", "i.app_id")
      .select(["o.name", "i.location_id"])
      .where("i.id", "=", installId)
      .executeTakeFirst();
    return { appId, appName: r?.name ?? "", installId, agencyInstall: r ? r.location_id === null : false };
  }

  // ── audit ───────────────────────────────────────────────────────────────

  async appendAudit(e: NewAudit): Promise<void> {
    await this.db.insertInto("audit_log").values(auditToRow(e)).execute();
    await this.webhooks().enqueueForAudits([e]);
  }

  /** OAuth apps, installs, codes and refresh tokens, on this store's connection (its transaction, if any). */
  oauth(): OAuthStore {
    return new OAuthStore(this.db, this.dialect);
  }

  /** The webhook endpoints and outbox, on this store's connection (its transaction, if any). */
  webhooks(): WebhookStore {
    return new WebhookStore(this.db as Kysely<Database>, this.dialect);
  }

  /** Many entries in multi-row statements (500 rows each), in the caller's transaction. */
  async appendAudits(entries: readonly NewAudit[]): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH_ROWS)
      await this.db
        .insertInto("audit_log")
        .values(entries.slice(i, i + BATCH_ROWS).map(auditToRow))
        .execute();
    // The changes these entries record are events too: their webhooks go out with the same commit.
    await this.webhooks().enqueueForAudits(entries);
  }

  async listAudit(f: AuditFilter): Promise<AuditEntry[]> {
    let q = this.db.selectFrom("audit_log").selectAll().where("agency_id", "=", f.agencyId);
    // A literal prefix (action names contain `_`, a LIKE wildcard): compare the leading characters.
    if (f.action) q = q.where(sql<string>`substr(action, 1, ${f.action.length})`, "=", f.action);
    if (f.actorId) q = q.where("actor_id", "=", f.actorId);
    if (f.targetId) q = q.where("target_id", "=", f.targetId);
    if (f.targetType) q = q.where("target_type", "=", f.targetType);
    if (f.since !== undefined) q = q.where("at", ">=", f.since);
    if (f.until !== undefined) q = q.where("at", "<", f.until);
    if (f.beforeSeq !== undefined) q = q.where("seq", "<", f.beforeSeq);
    const rows = await q.orderBy("seq", "desc").limit(f.limit).execute();
    return rows.map(auditFromRow);
  }
}
