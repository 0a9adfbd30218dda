/**
 * Rows ↔ model: the one place that knows how a table's snake_case row maps to the model of
 * core/model.ts and back (booleans as 0/1, JSON columns as text). Rows never leave store/.
 */
import type { Selectable } from "kysely";
import type { Agency, ApiKey, AuditEntry, KeyStatus, KeyToken, Location, User } from "../core/model.js";
import type { Plan, Role, UserType } from "../core/permissions.js";
import type { KeyKind } from "../core/token.js";
import type {
  AgencyTable,
  ApiKeyTable,
  AuditTable,
  KeyTokenTable,
  LocationTable,
  UserTable,
} from "./schema.js";

export const bool = (n: number) => n === 1;
export const int = (b: boolean) => (b ? 1 : 0);
const parseJson = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export function agencyFromRow(r: Selectable<AgencyTable>): Agency {
  return {
    id: r.id,
    name: r.name,
    plan: r.plan as Plan,
    enhancedSecurity: bool(r.enhanced_security),
    legacyCreation: r.legacy_creation as Agency["legacyCreation"],
    policyOverride: parseJson(r.policy_json),
    // Only when set: an agency without its own rules reads exactly as before (core/key-rules.ts defaults).
    ...(r.key_rules_json === null ? {} : { keyRules: parseJson(r.key_rules_json) as Agency["keyRules"] }),
    ...(r.ip_allowlist_json ? { ipAllowlist: JSON.parse(r.ip_allowlist_json) as string[] } : {}),
    ...(r.max_key_lifetime_days ? { maxKeyLifetimeDays: r.max_key_lifetime_days } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function locationFromRow(r: Selectable<LocationTable>): Location {
  return {
    id: r.id,
    agencyId: r.agency_id,
    name: r.name,
    email: r.email,
    phone: r.phone,
    timezone: r.timezone,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export function userFromRow(r: Selectable<UserTable>, locationIds: string[]): User {
  return {
    id: r.id,
    agencyId: r.agency_id,
    email: r.email,
    name: r.name,
    passwordHash: r.password_hash,
    type: r.type as UserType,
    role: r.role as Role,
    isOwner: bool(r.is_owner),
    canManageKeys: bool(r.can_manage_keys),
    digestOptOut: bool(r.digest_opt_out),
    locationIds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    disabledAt: r.disabled_at,
  };
}

export function keyFromRow(r: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: r.id,
    agencyId: r.agency_id,
    locationId: r.location_id,
    kind: r.kind as KeyKind,
    name: r.name,
    description: r.description,
    scopes: JSON.parse(r.scopes_json) as string[],
    status: r.status as KeyStatus,
    imported: bool(r.imported),
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    activityAt: r.activity_at,
    lastUsedAt: r.last_used_at,
    lastUsedIp: r.last_used_ip,
    lastUsedUa: r.last_used_ua,
    revokedAt: r.revoked_at,
    expiredAt: r.expired_at,
    deletedAt: r.deleted_at,
    inactiveDays: r.inactive_days,
    warnedAt: r.warned_at,
    secretEnc: r.secret_enc,
    locationIds: r.location_ids_json === null ? null : (JSON.parse(r.location_ids_json) as string[]),
    ipAllowlist: r.ip_allowlist_json === null ? null : (JSON.parse(r.ip_allowlist_json) as string[]),
    // Only when set: a key without a lifetime reads exactly as before (issue 13 §3).
    ...(r.expires_at === null || r.expires_at === undefined ? {} : { expiresAt: r.expires_at }),
    ...(r.lifetime_warned_at === null || r.lifetime_warned_at === undefined
      ? {}
      : { lifetimeWarnedAt: r.lifetime_warned_at }),
  };
}

export function tokenFromRow(r: Selectable<KeyTokenTable>): KeyToken {
  return {
    hash: r.hash,
    keyId: r.key_id,
    display: r.display,
    createdAt: r.created_at,
    validUntil: r.valid_until,
    retiredReason: r.retired_reason as KeyToken["retiredReason"],
    lastUsedAt: r.last_used_at,
  };
}

export function auditFromRow(r: Selectable<AuditTable>): AuditEntry {
  return {
    seq: r.seq,
    id: r.id,
    at: r.at,
    agencyId: r.agency_id,
    actorType: r.actor_type as AuditEntry["actorType"],
    actorId: r.actor_id,
    ip: r.ip,
    userAgent: r.user_agent,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: parseJson(r.before_json),
    after: parseJson(r.after_json),
  };
}

export function keyToRow(k: ApiKey): ApiKeyTable {
  return {
    id: k.id,
    agency_id: k.agencyId,
    location_id: k.locationId,
    kind: k.kind,
    name: k.name,
    description: k.description,
    scopes_json: JSON.stringify(k.scopes),
    status: k.status,
    imported: int(k.imported),
    created_at: k.createdAt,
    created_by: k.createdBy,
    updated_at: k.updatedAt,
    activity_at: k.activityAt,
    last_used_at: k.lastUsedAt,
    last_used_ip: k.lastUsedIp,
    last_used_ua: k.lastUsedUa,
    revoked_at: k.revokedAt,
    expired_at: k.expiredAt,
    deleted_at: k.deletedAt,
    inactive_days: k.inactiveDays,
    warned_at: k.warnedAt,
    secret_enc: k.secretEnc,
    location_ids_json: k.locationIds === null ? null : JSON.stringify(k.locationIds),
    ip_allowlist_json: k.ipAllowlist === null ? null : JSON.stringify(k.ipAllowlist),
    expires_at: k.expiresAt ?? null,
    lifetime_warned_at: k.lifetimeWarnedAt ?? null,
  };
}
export type NewAudit = Omit<AuditEntry, "seq">;

export function auditToRow(e: NewAudit): Omit<AuditTable, "seq"> {
  return {
    id: e.id,
    at: e.at,
    agency_id: e.agencyId,
    actor_type: e.actorType,
    actor_id: e.actorId,
    ip: e.ip,
    user_agent: e.userAgent,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    before_json: e.before ? JSON.stringify(e.before) : null,
    after_json: e.after ? JSON.stringify(e.after) : null,
  };
}
