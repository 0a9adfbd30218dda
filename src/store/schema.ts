/**
 * Table shapes as Kysely sees them. Rows are snake_case and never leave `store/`.
 * Times are integer milliseconds since the epoch (UTC) on both databases; booleans are 0/1;
 * lists are JSON text. That keeps one implementation correct on SQLite and PostgreSQL.
 */
import type { Generated } from "kysely";

export interface AgencyTable {
  id: string;
  name: string;
  plan: string;
  enhanced_security: number;
  legacy_creation: string | null;
  policy_json: string | null;
  /** Leak and Keep rules (schema migration 007): JSON of Partial<KeyRules>, null for the defaults. */
  key_rules_json: string | null;
  /** IP allowlist (schema migration 012): JSON array of CIDRs, null for none. */
  ip_allowlist_json: string | null;
  /** The longest lifetime of a new key, in days (schema migration 013); null: no maximum. */
  max_key_lifetime_days?: number | null;
  created_at: number;
  updated_at: number;
  /** The platform's id for it (migration 009), unique. */
  external_id?: string | null;
}

export interface LocationTable {
  id: string;
  agency_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** The platform's id for it (migration 009), unique within the agency. */
  external_id?: string | null;
  /** IP allowlist (schema migration 012): JSON array of CIDRs, null for none. */
  ip_allowlist_json: string | null;
}

export interface UserTable {
  id: string;
  agency_id: string;
  email: string;
  name: string;
  password_hash: string | null;
  type: string;
  role: string;
  is_owner: number;
  can_manage_keys: number;
  digest_opt_out: number;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  /** The platform's id for it (migration 009), unique within the agency. */
  external_id?: string | null;
}

export interface UserLocationTable {
  user_id: string;
  location_id: string;
}

export interface SessionTable {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  /** When the session was last used (schema migration 008; at most a minute behind). */
  last_seen_at: number | null;
}

export interface ApiKeyTable {
  id: string;
  agency_id: string;
  location_id: string | null;
  kind: string;
  name: string;
  description: string;
  scopes_json: string;
  status: string;
  imported: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  /** docs/spec.md §4 lastActivity: the latest of creation, last use, last refresh or rotation. */
  activity_at: number;
  last_used_at: number | null;
  last_used_ip: string | null;
  last_used_ua: string | null;
  revoked_at: number | null;
  expired_at: number | null;
  deleted_at: number | null;
  /** Days without use that led to expiry or deletion, for the verification message. */
  inactive_days: number | null;
  /** When the first inactivity warning of the current cycle was issued (null: not warned). */
  warned_at: number | null;
  /** Legacy location key while Enhanced Account Security is off: AES-256-GCM ciphertext. */
  secret_enc: string | null;
  /** An agency key limited to these locations (schema migration 012): JSON array, null for all. */
  location_ids_json: string | null;
  /** IP allowlist (schema migration 012): JSON array of CIDRs, null for none. */
  ip_allowlist_json: string | null;
  /** When its lifetime ends (schema migration 013); null: no lifetime. */
  expires_at?: number | null;
  /** The last lifetime-ending warning issued since the lifetime was set (migration 013); null: none. */
  lifetime_warned_at?: number | null;
  /** An OAuth access token (kind `oauth`, migration 014): the app and install it was issued to. */
  oauth_app_id?: string | null;
  oauth_install_id?: string | null;
}

/** Every token a key has had. Lookup by hash finds the key; retired tokens explain themselves. */
export interface KeyTokenTable {
  hash: string;
  key_id: string;
  display: string;
  created_at: number;
  /** Null: valid while the key is. Otherwise the instant this token stops (rotation, cancel). */
  valid_until: number | null;
  retired_reason: string | null;
  last_used_at: number | null;
}

export interface UsageDailyTable {
  key_id: string;
  day: string;
  count: number;
}

export interface UsageDetailTable {
  key_id: string;
  day: string;
  endpoint: string;
  user_agent: string;
  ip: string;
  count: number;
}

export interface AuditTable {
  seq: Generated<number>;
  id: string;
  at: number;
  agency_id: string | null;
  actor_type: string;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
}

export interface LifecycleEventTable {
  key_id: string;
  cycle_at: number;
  kind: string;
  lead_days: number;
  issued_at: number;
  action_at: number;
  skipped: number;
  ref_id: string | null;
}

export interface NotificationTable {
  id: string;
  agency_id: string;
  account_id: string;
  type: string;
  lead_days: number | null;
  action_at: number | null;
  key_ids_json: string;
  title: string;
  body: string;
  created_at: number;
  /** Set when no key it warns about is pending any more because of a Keep (schema migration 007). */
  cleared_at: number | null;
}

export interface NotificationRecipientTable {
  notification_id: string;
  user_id: string;
  read_at: number | null;
}

export interface OutboxTable {
  id: string;
  agency_id: string | null;
  kind: string;
  to_json: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A legacy v1 key and the private integration token created to replace it (guided migration). */
export interface LegacyMigrationTable {
  legacy_key_id: string;
  replacement_key_id: string;
  agency_id: string;
  started_at: number;
  started_by: string | null;
  completed_at: number | null;
}

/** Keys whose first warning of the current cycle has been issued (schema migration 002). */
export interface LifecycleWatchTable {
  key_id: string;
  agency_id: string;
  account_id: string;
  cycle_at: number;
  first_warning_at: number;
  action_at: number;
  next_at: number;
}

/** Failure counts shared by the nodes for the brute-force limits (schema migration 005). */
export interface AuthFailureTable {
  kind: string;
  key: string;
  window_start: number;
  failures: number;
  blocked_until: number;
  strikes: number;
  updated_at: number;
}

/** Where a key's token was reported leaked, and what was done (schema migration 007). */
export interface KeyLeakTable {
  id: string;
  key_id: string;
  agency_id: string;
  /** `github` style partner source (the report's `source`), or `admin` for a report from the console/API. */
  source: string;
  url: string | null;
  /** The scanning partner's token type, e.g. `keyward_private_integration_token`. */
  token_type: string | null;
  reason: string | null;
  reported_at: number;
  reporter_type: string;
  reporter_id: string | null;
  /** `revoked` or `notified`: what the agency's leakAction did. */
  action: string;
}

/** Signed leak reports seen recently, to refuse a replay of the same body (schema migration 007). */
export interface LeakReportReceiptTable {
  digest: string;
  received_at: number;
}

/** An invitation to join an agency (schema migration 008); only its token's hash is stored. */
export interface InvitationTable {
  id: string;
  agency_id: string;
  email: string;
  name: string | null;
  type: string;
  role: string;
  location_ids_json: string;
  can_manage_keys: number;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  sent_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_user_id: string | null;
  cancelled_at: number | null;
}

/** The platform's service credentials (migration 009): of one agency, or the operator's (agency_id null). */
export interface ServiceKeyTable {
  id: string;
  agency_id: string | null;
  name: string;
  scopes_json: string;
  status: string;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  revoked_at: number | null;
}

/** Every token a service credential has had, hash only (like key_tokens). */
export interface ServiceKeyTokenTable {
  hash: string;
  service_key_id: string;
  display: string;
  created_at: number;
  valid_until: number | null;
  retired_reason: string | null;
}

/** An agency's webhook endpoint; secrets sealed with the deployment secret (schema migration 010). */
export interface WebhookEndpointTable {
  id: string;
  agency_id: string;
  url: string;
  description: string;
  events_json: string;
  scheme: string;
  secret_enc: string;
  public_key: string | null;
  previous_secret_enc: string | null;
  previous_until: number | null;
  enabled: number;
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

/** One message to one endpoint, and its latest attempt (schema migration 010). */
export interface WebhookDeliveryTable {
  seq: Generated<number>;
  id: string;
  message_id: string;
  endpoint_id: string;
  agency_id: string;
  event_type: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Limits set on a key, a location, an agency (shared) or an agency's keys (`agency_keys`): migration 011. */
export interface RateLimitPolicyTable {
  scope: string;
  owner_id: string;
  agency_id: string;
  limits_json: string;
  updated_at: number;
}

/** The counts of a limit's windows shared by the nodes of one database. */
export interface RateLimitCountTable {
  bucket: string;
  window_ms: number;
  window_start: number;
  count: number;
}

/** Verifications per key per UTC day per code, kept 90 days. */
export interface UsageCodeTable {
  key_id: string;
  day: string;
  code: string;
  count: number;
}

export interface Database {
  agencies: AgencyTable;
  locations: LocationTable;
  users: UserTable;
  user_locations: UserLocationTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  key_tokens: KeyTokenTable;
  usage_daily: UsageDailyTable;
  usage_details: UsageDetailTable;
  rate_limit_policies: RateLimitPolicyTable;
  rate_limit_counts: RateLimitCountTable;
  usage_codes: UsageCodeTable;
  audit_log: AuditTable;
  lifecycle_events: LifecycleEventTable;
  notifications: NotificationTable;
  notification_recipients: NotificationRecipientTable;
  outbox: OutboxTable;
  lifecycle_watch: LifecycleWatchTable;
  legacy_migrations: LegacyMigrationTable;
  auth_failures: AuthFailureTable;
  key_leaks: KeyLeakTable;
  leak_report_receipts: LeakReportReceiptTable;
  invitations: InvitationTable;
  service_keys: ServiceKeyTable;
  service_key_tokens: ServiceKeyTokenTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  oauth_apps: OAuthAppTable;
  oauth_installs: OAuthInstallTable;
  oauth_requests: OAuthRequestTable;
  oauth_codes: OAuthCodeTable;
  oauth_refresh_tokens: OAuthRefreshTokenTable;
}

/** OAuth apps (schema migration 014, docs/oauth.md). */
export interface OAuthAppTable {
  id: string;
  agency_id: string;
  client_id: string;
  name: string;
  logo_url: string | null;
  redirect_uris_json: string;
  scopes_json: string;
  distribution: string;
  visibility: string;
  public_client: number;
  webhook_url: string | null;
  webhook_endpoint_id: string | null;
  secret_hash: string | null;
  secret_display: string | null;
  secret_created_at: number | null;
  previous_secret_hash: string | null;
  previous_valid_until: number | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  deleted_at: number | null;
}

export interface OAuthInstallTable {
  id: string;
  app_id: string;
  agency_id: string;
  location_id: string | null;
  /** An agency install's chosen locations: JSON array, null for all. */
  location_ids_json: string | null;
  scopes_json: string;
  installed_by: string | null;
  installed_at: number;
  last_used_at: number | null;
  uninstalled_at: number | null;
  /** Why it ended (migration 015): `uninstalled` (an admin), `revoked_by_app`, `app_deleted`, … */
  uninstall_reason?: string | null;
}

export interface OAuthRequestTable {
  id: string;
  app_id: string;
  params_json: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthCodeTable {
  hash: string;
  app_id: string;
  install_id: string;
  redirect_uri: string;
  scopes_json: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthRefreshTokenTable {
  hash: string;
  app_id: string;
  install_id: string;
  scopes_json: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  /** The pair this token was exchanged for, sealed, kept for the idempotency window. */
  next_pair_enc: string | null;
}
