/** The domain as services and handlers see it: camelCase, times in epoch milliseconds. */
import type { KeyRules } from "./key-rules.js";
import type { Plan, Role, UserType } from "./permissions.js";
import type { KeyKind } from "./token.js";

export type KeyStatus = "active" | "expired" | "revoked" | "deleted";
/** Who may still create legacy v1 keys (KEYWARD_LEGACY_CREATION, or an agency's own setting). */
export const LEGACY_CREATION_RULES = ["existing_users", "disabled"] as const;
export type LegacyCreation = (typeof LEGACY_CREATION_RULES)[number];

export interface Agency {
  id: string;
  name: string;
  plan: Plan;
  enhancedSecurity: boolean;
  legacyCreation: LegacyCreation | null;
  /** The agency's own lifecycle policy fields, over the deployment default. */
  policyOverride: Record<string, unknown> | null;
  /** Leak and Keep rules the agency set (issue 14); absent or null: the defaults (core/key-rules.ts). */
  keyRules?: Partial<KeyRules> | null | undefined;
  /** The agency's IP allowlist (issue 13 §2): canonical CIDRs; absent or null: none. */
  ipAllowlist?: string[] | null | undefined;
  /** The longest lifetime a new key may have, in days (issue 13 §3); absent or null: no maximum. */
  maxKeyLifetimeDays?: number | null | undefined;
  createdAt: number;
  updatedAt: number;
}

export interface Location {
  id: string;
  agencyId: string;
  name: string;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface User {
  id: string;
  agencyId: string;
  email: string;
  name: string;
  passwordHash: string | null;
  type: UserType;
  role: Role;
  isOwner: boolean;
  canManageKeys: boolean;
  digestOptOut: boolean;
  locationIds: string[];
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

export interface ApiKey {
  id: string;
  agencyId: string;
  locationId: string | null;
  kind: KeyKind;
  name: string;
  description: string;
  scopes: string[];
  status: KeyStatus;
  imported: boolean;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  activityAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  lastUsedUa: string | null;
  revokedAt: number | null;
  expiredAt: number | null;
  deletedAt: number | null;
  inactiveDays: number | null;
  /** First inactivity warning of the current cycle; a use of a warned key is written through. */
  warnedAt: number | null;
  secretEnc: string | null;
  /** An agency key limited to these locations (issue 13 §4); null: every location of its agency. */
  locationIds: string[] | null;
  /** CIDRs a request with this key must come from (issue 13 §2); null: no list of its own. */
  ipAllowlist: string[] | null;
  /** When its lifetime ends (issue 13 §3); absent or null: no lifetime. */
  expiresAt?: number | null;
  /** The last lifetime-ending warning since the lifetime was set (issue 13 §3); absent or null: none. */
  lifetimeWarnedAt?: number | null;
}

export interface KeyToken {
  hash: string;
  keyId: string;
  /** What may be shown: the prefix and the last four characters, e.g. `kw_pit_…abcd`. */
  display: string;
  createdAt: number;
  validUntil: number | null;
  retiredReason: "rotated" | "cancelled" | null;
  lastUsedAt: number | null;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** When it was last used (noted at most once a minute); null until then. */
  lastSeenAt?: number | null;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: number;
  agencyId: string | null;
  actorType: "user" | "key" | "system" | "service";
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
