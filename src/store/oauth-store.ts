/**
 * OAuth apps, installs, pending authorization requests, authorization codes and refresh tokens
 * (schema migration 014, docs/oauth.md). Access tokens are keys (`api_keys` of kind `oauth`), written
 * here with the install and app they belong to so that one install's tokens can be found and revoked.
 */
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { ApiKey, KeyToken } from "../core/model.js";
import type { DialectInfo } from "./dialect.js";
import { keyFromRow, keyToRow } from "./rows.js";
import type {
  Database,
  OAuthAppTable,
  OAuthCodeTable,
  OAuthInstallTable,
  OAuthRefreshTokenTable,
} from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

export type Distribution = "agency" | "location";
export type Visibility = "private" | "public";

export interface OAuthApp {
  id: string;
  agencyId: string;
  clientId: string;
  name: string;
  logoUrl: string | null;
  redirectUris: string[];
  scopes: string[];
  distribution: Distribution;
  visibility: Visibility;
  /** A public (PKCE-only) client: no secret. */
  publicClient: boolean;
  webhookUrl: string | null;
  webhookEndpointId: string | null;
  secretHash: string | null;
  secretDisplay: string | null;
  secretCreatedAt: number | null;
  previousSecretHash: string | null;
  previousValidUntil: number | null;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  deletedAt: number | null;
}

export interface OAuthInstall {
  id: string;
  appId: string;
  agencyId: string;
  /** A location install's location; null for an agency install. */
  locationId: string | null;
  /** An agency install's chosen locations; null: all of them (or a location install). */
  locationIds: string[] | null;
  scopes: string[];
  installedBy: string | null;
  installedAt: number;
  lastUsedAt: number | null;
  uninstalledAt: number | null;
  /** Why it ended: `uninstalled` (an admin), `revoked_by_app`, `app_deleted`, `location_deleted`, … */
  uninstallReason?: string | null;
}

export interface OAuthCode {
  hash: string;
  appId: string;
  installId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface OAuthRefreshToken {
  hash: string;
  appId: string;
  installId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
  nextPairEnc: string | null;
}

export interface OAuthRequest {
  id: string;
  appId: string;
  params: AuthorizeParams;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** What an authorization request asked for, kept until the person decides. */
export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  /** The request named no redirect_uri (the app's only one was used): the token request need not either. */
  redirectUriOmitted?: boolean;
}

const json = (v: unknown) => JSON.stringify(v);

function appFromRow(r: Selectable<OAuthAppTable>): OAuthApp {
  return {
    id: r.id,
    agencyId: r.agency_id,
    clientId: r.client_id,
    name: r.name,
    logoUrl: r.logo_url,
    redirectUris: JSON.parse(r.redirect_uris_json),
    scopes: JSON.parse(r.scopes_json),
    distribution: r.distribution as Distribution,
    visibility: r.visibility as Visibility,
    publicClient: r.public_client === 1,
    webhookUrl: r.webhook_url,
    webhookEndpointId: r.webhook_endpoint_id,
    secretHash: r.secret_hash,
    secretDisplay: r.secret_display,
    secretCreatedAt: r.secret_created_at === null ? null : Number(r.secret_created_at),
    previousSecretHash: r.previous_secret_hash,
    previousValidUntil: r.previous_valid_until === null ? null : Number(r.previous_valid_until),
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    updatedAt: Number(r.updated_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

function appToRow(a: OAuthApp): OAuthAppTable {
  return {
    id: a.id,
    agency_id: a.agencyId,
    client_id: a.clientId,
    name: a.name,
    logo_url: a.logoUrl,
    redirect_uris_json: json(a.redirectUris),
    scopes_json: json(a.scopes),
    distribution: a.distribution,
    visibility: a.visibility,
    public_client: a.publicClient ? 1 : 0,
    webhook_url: a.webhookUrl,
    webhook_endpoint_id: a.webhookEndpointId,
    secret_hash: a.secretHash,
    secret_display: a.secretDisplay,
    secret_created_at: a.secretCreatedAt,
    previous_secret_hash: a.previousSecretHash,
    previous_valid_until: a.previousValidUntil,
    created_at: a.createdAt,
    created_by: a.createdBy,
    updated_at: a.updatedAt,
    deleted_at: a.deletedAt,
  };
}

function installFromRow(r: Selectable<OAuthInstallTable>): OAuthInstall {
  return {
    id: r.id,
    appId: r.app_id,
    agencyId: r.agency_id,
    locationId: r.location_id,
    locationIds: r.location_ids_json === null ? null : JSON.parse(r.location_ids_json),
    scopes: JSON.parse(r.scopes_json),
    installedBy: r.installed_by,
    installedAt: Number(r.installed_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    uninstalledAt: r.uninstalled_at === null ? null : Number(r.uninstalled_at),
    uninstallReason: r.uninstall_reason ?? null,
  };
}

function installToRow(i: OAuthInstall): OAuthInstallTable {
  return {
    id: i.id,
    app_id: i.appId,
    agency_id: i.agencyId,
    location_id: i.locationId,
    location_ids_json: i.locationIds === null ? null : json(i.locationIds),
    scopes_json: json(i.scopes),
    installed_by: i.installedBy,
    installed_at: i.installedAt,
    last_used_at: i.lastUsedAt,
    uninstalled_at: i.uninstalledAt,
    uninstall_reason: i.uninstallReason ?? null,
  };
}

function codeFromRow(r: Selectable<OAuthCodeTable>): OAuthCode {
  return {
    hash: r.hash,
    appId: r.app_id,
    installId: r.install_id,
    redirectUri: r.redirect_uri,
    scopes: JSON.parse(r.scopes_json),
    codeChallenge: r.code_challenge,
    codeChallengeMethod: r.code_challenge_method,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

function refreshFromRow(r: Selectable<OAuthRefreshTokenTable>): OAuthRefreshToken {
  return {
    hash: r.hash,
    appId: r.app_id,
    installId: r.install_id,
    scopes: JSON.parse(r.scopes_json),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    nextPairEnc: r.next_pair_enc,
  };
}

export class OAuthStore {
  constructor(
    readonly db: Db,
    readonly dialect: DialectInfo,
  ) {}

  // ── apps ────────────────────────────────────────────────────────────────

  async insertApp(a: OAuthApp): Promise<void> {
    await this.db.insertInto("oauth_apps").values(appToRow(a)).execute();
  }

  async updateApp(a: OAuthApp): Promise<void> {
    const { id: _id, ...row } = appToRow(a);
    await this.db.updateTable("oauth_apps").set(row).where("id", "=", a.id).execute();
  }

  /** A live (not deleted) app. */
  async getApp(id: string, forUpdate = false): Promise<OAuthApp | null> {
    let q = this.db.selectFrom("oauth_apps").selectAll().where("id", "=", id).where("deleted_at", "is", null);
    if (forUpdate && this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? appFromRow(r) : null;
  }

  async getAppByClientId(clientId: string): Promise<OAuthApp | null> {
    const r = await this.db
      .selectFrom("oauth_apps")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return r ? appFromRow(r) : null;
  }

  /**
   * The live app whose current client secret has this hash, or whose previous one does while its
   * rotation's grace lasts (a leak report); locked until commit where rows can be locked.
   */
  async appBySecretHash(hash: string, now: number): Promise<OAuthApp | null> {
    let q = this.db
      .selectFrom("oauth_apps")
      .selectAll()
      .where("deleted_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("secret_hash", "=", hash),
          eb.and([eb("previous_secret_hash", "=", hash), eb("previous_valid_until", ">", now)]),
        ]),
      );
    if (this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? appFromRow(r) : null;
  }

  async listApps(agencyId: string): Promise<OAuthApp[]> {
    const rows = await this.db
      .selectFrom("oauth_apps")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("deleted_at", "is", null)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(appFromRow);
  }

  /** Live apps by id, deleted ones included (an install's view names its app). */
  async appsById(ids: readonly string[]): Promise<Map<string, OAuthApp>> {
    const out = new Map<string, OAuthApp>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom("oauth_apps")
      .selectAll()
      .where("id", "in", [...ids])
      .execute();
    for (const r of rows) out.set(r.id, appFromRow(r));
    return out;
  }

  async countActiveInstalls(appId: string): Promise<number> {
    const r = await this.db
      .selectFrom("oauth_installs")
      .select(sql<number>`count(*)`.as("n"))
      .where("app_id", "=", appId)
      .where("uninstalled_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ── installs ────────────────────────────────────────────────────────────

  async insertInstall(i: OAuthInstall): Promise<void> {
    await this.db.insertInto("oauth_installs").values(installToRow(i)).execute();
  }

  /**
   * Inserts the install unless the app already has an active one there (the unique index
   * `oauth_installs_active`, migration 015): false when another got there first — two first
   * client_credentials calls racing each other make one install.
   */
  async insertInstallIfNone(i: OAuthInstall): Promise<boolean> {
    const r = await this.db
      .insertInto("oauth_installs")
      .values(installToRow(i))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** The app's latest agency-level install in an agency that has ended (null: none ended). */
  async lastEndedAgencyInstall(appId: string, agencyId: string): Promise<OAuthInstall | null> {
    const r = await this.db
      .selectFrom("oauth_installs")
      .selectAll()
      .where("app_id", "=", appId)
      .where("agency_id", "=", agencyId)
      .where("location_id", "is", null)
      .where("uninstalled_at", "is not", null)
      .orderBy("uninstalled_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return r ? installFromRow(r) : null;
  }

  async updateInstall(i: OAuthInstall): Promise<void> {
    await this.db
      .updateTable("oauth_installs")
      .set({
        location_ids_json: i.locationIds === null ? null : json(i.locationIds),
        scopes_json: json(i.scopes),
        installed_by: i.installedBy,
        installed_at: i.installedAt,
        uninstalled_at: i.uninstalledAt,
        uninstall_reason: i.uninstalledAt === null ? null : (i.uninstallReason ?? null),
      })
      .where("id", "=", i.id)
      .execute();
  }

  async getInstall(id: string, forUpdate = false): Promise<OAuthInstall | null> {
    let q = this.db.selectFrom("oauth_installs").selectAll().where("id", "=", id);
    if (forUpdate && this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? installFromRow(r) : null;
  }

  /** The active install of an app in an agency (locationId null) or one of its locations. */
  async findActiveInstall(
    appId: string,
    agencyId: string,
    locationId: string | null,
  ): Promise<OAuthInstall | null> {
    let q = this.db
      .selectFrom("oauth_installs")
      .selectAll()
      .where("app_id", "=", appId)
      .where("agency_id", "=", agencyId)
      .where("uninstalled_at", "is", null);
    q = locationId === null ? q.where("location_id", "is", null) : q.where("location_id", "=", locationId);
    const r = await q.executeTakeFirst();
    return r ? installFromRow(r) : null;
  }

  /** Active installs in an agency (its own and its locations'), oldest first. */
  async listInstalls(agencyId: string): Promise<OAuthInstall[]> {
    const rows = await this.db
      .selectFrom("oauth_installs")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("uninstalled_at", "is", null)
      .orderBy("installed_at")
      .orderBy("id")
      .execute();
    return rows.map(installFromRow);
  }

  async activeInstallsOfApp(appId: string): Promise<OAuthInstall[]> {
    const rows = await this.db
      .selectFrom("oauth_installs")
      .selectAll()
      .where("app_id", "=", appId)
      .where("uninstalled_at", "is", null)
      .execute();
    return rows.map(installFromRow);
  }

  /** When each install's tokens were last used (the latest use of any of its access tokens). */
  async lastUsesOf(installIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < installIds.length; i += 400) {
      const rows = await this.db
        .selectFrom("api_keys")
        .select(["oauth_install_id", sql<number | null>`max(last_used_at)`.as("last")])
        .where("oauth_install_id", "in", installIds.slice(i, i + 400))
        .groupBy("oauth_install_id")
        .execute();
      for (const r of rows)
        if (r.oauth_install_id && r.last !== null) out.set(r.oauth_install_id, Number(r.last));
    }
    return out;
  }

  // ── authorization requests ──────────────────────────────────────────────

  async insertRequest(r: OAuthRequest): Promise<void> {
    await this.db
      .insertInto("oauth_requests")
      .values({
        id: r.id,
        app_id: r.appId,
        params_json: json(r.params),
        created_at: r.createdAt,
        expires_at: r.expiresAt,
        used_at: r.usedAt,
      })
      .execute();
  }

  async getRequest(id: string): Promise<OAuthRequest | null> {
    const r = await this.db.selectFrom("oauth_requests").selectAll().where("id", "=", id).executeTakeFirst();
    return r
      ? {
          id: r.id,
          appId: r.app_id,
          params: JSON.parse(r.params_json),
          createdAt: Number(r.created_at),
          expiresAt: Number(r.expires_at),
          usedAt: r.used_at === null ? null : Number(r.used_at),
        }
      : null;
  }

  /** Marks the request decided; false when another decision got there first. */
  async useRequest(id: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable("oauth_requests")
      .set({ used_at: at })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** How many of the app's requests still wait for a decision (unused, not expired). */
  async countPendingRequests(appId: string, now: number): Promise<number> {
    const r = await this.db
      .selectFrom("oauth_requests")
      .select((e) => e.fn.countAll<number>().as("n"))
      .where("app_id", "=", appId)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Forgets requests that expired (they are useless after 10 minutes). */
  async pruneRequests(before: number): Promise<void> {
    await this.db.deleteFrom("oauth_requests").where("expires_at", "<", before).execute();
  }

  // ── authorization codes ─────────────────────────────────────────────────

  async insertCode(c: OAuthCode): Promise<void> {
    await this.db
      .insertInto("oauth_codes")
      .values({
        hash: c.hash,
        app_id: c.appId,
        install_id: c.installId,
        redirect_uri: c.redirectUri,
        scopes_json: json(c.scopes),
        code_challenge: c.codeChallenge,
        code_challenge_method: c.codeChallengeMethod,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
        used_at: c.usedAt,
      })
      .execute();
  }

  async getCode(hash: string): Promise<OAuthCode | null> {
    const r = await this.db.selectFrom("oauth_codes").selectAll().where("hash", "=", hash).executeTakeFirst();
    return r ? codeFromRow(r) : null;
  }

  /** Spends the code; false when it was spent already (a replay). */
  async useCode(hash: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable("oauth_codes")
      .set({ used_at: at })
      .where("hash", "=", hash)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ── refresh tokens ──────────────────────────────────────────────────────

  async insertRefreshToken(t: OAuthRefreshToken): Promise<void> {
    await this.db
      .insertInto("oauth_refresh_tokens")
      .values({
        hash: t.hash,
        app_id: t.appId,
        install_id: t.installId,
        scopes_json: json(t.scopes),
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        used_at: t.usedAt,
        revoked_at: t.revokedAt,
        next_pair_enc: t.nextPairEnc,
      })
      .execute();
  }

  /** Locked until commit where rows can be locked: two refreshes of one token run one after the other. */
  async getRefreshTokenForUpdate(hash: string): Promise<OAuthRefreshToken | null> {
    let q = this.db.selectFrom("oauth_refresh_tokens").selectAll().where("hash", "=", hash);
    if (this.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? refreshFromRow(r) : null;
  }

  async markRefreshUsed(hash: string, at: number, nextPairEnc: string): Promise<void> {
    await this.db
      .updateTable("oauth_refresh_tokens")
      .set({ used_at: at, next_pair_enc: nextPairEnc })
      .where("hash", "=", hash)
      .execute();
  }

  /** Forgets the sealed pairs whose idempotency window has passed (nothing secret stays longer). */
  async forgetPairs(usedBefore: number): Promise<void> {
    await this.db
      .updateTable("oauth_refresh_tokens")
      .set({ next_pair_enc: null })
      .where("used_at", "<", usedBefore)
      .where("next_pair_enc", "is not", null)
      .execute();
  }

  /** Revokes every live refresh token of the install. */
  async revokeRefreshTokens(installId: string, at: number): Promise<void> {
    await this.db
      .updateTable("oauth_refresh_tokens")
      .set({ revoked_at: at, next_pair_enc: null })
      .where("install_id", "=", installId)
      .where("revoked_at", "is", null)
      .execute();
  }

  // ── access tokens (keys of kind oauth) ──────────────────────────────────

  async insertAccessKey(k: ApiKey, t: KeyToken, appId: string, installId: string): Promise<void> {
    await this.db
      .insertInto("api_keys")
      .values({ ...keyToRow(k), oauth_app_id: appId, oauth_install_id: installId })
      .execute();
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

  /** The install's access tokens still live at `now`: what an uninstall must revoke. */
  async liveAccessKeys(installId: string, now: number): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("oauth_install_id", "=", installId)
      .where("status", "=", "active")
      // One without an end of lifetime is live too: uninstall must never miss a token.
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .execute();
    return rows.map(keyFromRow);
  }

  async revokeAccessKeys(ids: readonly string[], at: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 400)
      await this.db
        .updateTable("api_keys")
        .set({ status: "revoked", revoked_at: at, updated_at: at })
        .where("id", "in", ids.slice(i, i + 400))
        .where("status", "=", "active")
        .execute();
  }

  /** The access key of a token hash, with its install (introspection, revocation, location tokens). */
  async accessKeyOfHash(hash: string): Promise<{ key: ApiKey; appId: string; installId: string } | null> {
    const r = await this.db
      .selectFrom("key_tokens as t")
      .innerJoin("api_keys as k", "k.id", "t.key_id")
      .selectAll("k")
      .where("t.hash", "=", hash)
      .where("k.kind", "=", "oauth")
      .executeTakeFirst();
    if (!r?.oauth_app_id || !r.oauth_install_id) return null;
    return { key: keyFromRow(r), appId: r.oauth_app_id, installId: r.oauth_install_id };
  }

  async getRefreshToken(hash: string): Promise<OAuthRefreshToken | null> {
    const r = await this.db
      .selectFrom("oauth_refresh_tokens")
      .selectAll()
      .where("hash", "=", hash)
      .executeTakeFirst();
    return r ? refreshFromRow(r) : null;
  }
}
