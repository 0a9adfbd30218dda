/**
 * The platform's service credentials (migration 009): their rows and their tokens, hash only.
 * Kept apart from the API keys' tables and queries: a credential is never an agency's API key.
 */
import type { Store } from "./store.js";

export type ServiceKeyStatus = "active" | "revoked";

export interface ServiceKey {
  id: string;
  /** Null: the operator's credential, good for every agency. */
  agencyId: string | null;
  name: string;
  scopes: string[];
  status: ServiceKeyStatus;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  revokedAt: number | null;
}

export interface ServiceKeyToken {
  hash: string;
  serviceKeyId: string;
  display: string;
  createdAt: number;
  validUntil: number | null;
  retiredReason: "rotated" | null;
}

type KeyRow = {
  id: string;
  agency_id: string | null;
  name: string;
  scopes_json: string;
  status: string;
  created_at: number | string;
  created_by: string | null;
  updated_at: number | string;
  revoked_at: number | string | null;
};

type TokenRow = {
  hash: string;
  service_key_id: string;
  display: string;
  created_at: number | string;
  valid_until: number | string | null;
  retired_reason: string | null;
};

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function keyFromRow(r: KeyRow): ServiceKey {
  return {
    id: r.id,
    agencyId: r.agency_id,
    name: r.name,
    scopes: JSON.parse(r.scopes_json) as string[],
    status: r.status as ServiceKeyStatus,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    updatedAt: Number(r.updated_at),
    revokedAt: num(r.revoked_at),
  };
}

function tokenFromRow(r: TokenRow): ServiceKeyToken {
  return {
    hash: r.hash,
    serviceKeyId: r.service_key_id,
    display: r.display,
    createdAt: Number(r.created_at),
    validUntil: num(r.valid_until),
    retiredReason: r.retired_reason === "rotated" ? "rotated" : null,
  };
}

export class ServiceKeyStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  async insert(k: ServiceKey, t: ServiceKeyToken): Promise<void> {
    await this.db
      .insertInto("service_keys")
      .values({
        id: k.id,
        agency_id: k.agencyId,
        name: k.name,
        scopes_json: JSON.stringify(k.scopes),
        status: k.status,
        created_at: k.createdAt,
        created_by: k.createdBy,
        updated_at: k.updatedAt,
        revoked_at: k.revokedAt,
      })
      .execute();
    await this.insertToken(t);
  }

  async insertToken(t: ServiceKeyToken): Promise<void> {
    await this.db
      .insertInto("service_key_tokens")
      .values({
        hash: t.hash,
        service_key_id: t.serviceKeyId,
        display: t.display,
        created_at: t.createdAt,
        valid_until: t.validUntil,
        retired_reason: t.retiredReason,
      })
      .execute();
  }

  async get(id: string): Promise<ServiceKey | null> {
    const r = await this.db.selectFrom("service_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? keyFromRow(r) : null;
  }

  /** An agency's credentials, or the operator's (agencyId null); newest first. */
  async list(agencyId: string | null, includeRevoked: boolean): Promise<ServiceKey[]> {
    let q = this.db.selectFrom("service_keys").selectAll();
    q = agencyId === null ? q.where("agency_id", "is", null) : q.where("agency_id", "=", agencyId);
    if (!includeRevoked) q = q.where("status", "=", "active");
    const rows = await q.orderBy("created_at", "desc").orderBy("id").execute();
    return rows.map(keyFromRow);
  }

  async update(k: ServiceKey): Promise<void> {
    await this.db
      .updateTable("service_keys")
      .set({
        name: k.name,
        scopes_json: JSON.stringify(k.scopes),
        status: k.status,
        updated_at: k.updatedAt,
        revoked_at: k.revokedAt,
      })
      .where("id", "=", k.id)
      .execute();
  }

  async tokensOf(ids: readonly string[]): Promise<ServiceKeyToken[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("service_key_tokens")
      .selectAll()
      .where("service_key_id", "in", [...ids])
      .orderBy("created_at")
      .execute();
    return rows.map(tokenFromRow);
  }

  async updateToken(t: ServiceKeyToken): Promise<void> {
    await this.db
      .updateTable("service_key_tokens")
      .set({ valid_until: t.validUntil, retired_reason: t.retiredReason })
      .where("hash", "=", t.hash)
      .execute();
  }

  /** What authenticating a presented credential needs, in one read. */
  async findByHash(hash: string): Promise<{ key: ServiceKey; token: ServiceKeyToken } | null> {
    const t = await this.db
      .selectFrom("service_key_tokens")
      .selectAll()
      .where("hash", "=", hash)
      .executeTakeFirst();
    if (!t) return null;
    const key = await this.get(t.service_key_id);
    return key ? { key, token: tokenFromRow(t) } : null;
  }
}
