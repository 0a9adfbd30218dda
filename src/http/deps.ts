/**
 * What the HTTP layer needs from a running instance, named here so that `http/` depends on the
 * services below it and not on the composition root above it (`app/keyward.ts`, whose `Keyward`
 * offers all of this and more). A route reads only these.
 */

import type { Config } from "../config.js";
import type { Clock } from "../core/clock.js";
import type { ScopeCatalogue } from "../core/scopes.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { AccountService } from "../service/accounts.js";
import type { Attempts } from "../service/attempts.js";
import type { Audit } from "../service/audit.js";
import type { CacheBus, VerificationCache } from "../service/cache.js";
import type { InvitationService } from "../service/invitations.js";
import type { KeepService } from "../service/keep.js";
import type { KeyService } from "../service/keys.js";
import type { LeakService } from "../service/leaks.js";
import type { LegacyService } from "../service/legacy.js";
import type { LegacyMigrations } from "../service/legacy-migration.js";
import type { LegacyReports } from "../service/legacy-report.js";
import type { LifecycleService } from "../service/lifecycle.js";
import type { ListingService } from "../service/listings.js";
import type { LocationSettingsService } from "../service/location-settings.js";
import type { OAuthService } from "../service/oauth.js";
import type { OAuthProtocol } from "../service/oauth-server.js";
import type { ProfileService } from "../service/profile.js";
import type { ProvisioningService } from "../service/provisioning.js";
import type { RateLimiter } from "../service/rate-limits.js";
import type { ReportedUses } from "../service/reported-uses.js";
import type { ServiceKeyService } from "../service/service-keys.js";
import type { SessionService } from "../service/sessions.js";
import type { SettingsService } from "../service/settings.js";
import type { UsageRecorder } from "../service/usage.js";
import type { UsageCodes } from "../service/usage-codes.js";
import type { UserService } from "../service/users.js";
import type { Verifier } from "../service/verify.js";
import type { VerifyEvents } from "../service/verify-events.js";
import type { WebhookService } from "../service/webhooks.js";
import type { OpenedDatabase } from "../store/dialect.js";
import type { StorageHealth } from "../store/storage-health.js";
import type { Store } from "../store/store.js";

export interface Deps {
  config: Readonly<Config>;
  clock: Clock;
  logger: Logger;
  database: OpenedDatabase;
  store: Store;
  cache: VerificationCache;
  bus: CacheBus;
  usage: UsageRecorder;
  verifier: Verifier;
  keys: KeyService;
  /** Keys, users and the audit log a page at a time: search, filters, sort, cursor. */
  listings: ListingService;
  accounts: AccountService;
  users: UserService;
  sessions: SessionService;
  /** Inviting people by e-mail, and accepting an invitation (issue 16 item 3). */
  invitations: InvitationService;
  /** A person's own sessions (issue 16 item 4). */
  profile: ProfileService;
  settings: SettingsService;
  audit: Audit;
  /** The brute-force limits (sign-in, failed verifications and service tokens). */
  attempts: Attempts;
  scopes: ScopeCatalogue;
  metrics: Metrics;
  /** The inactivity lifecycle as people see it (policy, next actions, banner, forecast, notifications). */
  lifecycle: LifecycleService;
  /** Enhanced Account Security and the legacy v1 location keys. */
  legacy: LegacyService;
  /** The migration report of legacy v1 keys. */
  legacyReports: LegacyReports;
  /** Replacing a legacy v1 key with a private integration token. */
  legacyMigrations: LegacyMigrations;
  /** Leaked tokens: partners' signed reports and admins' reports (issue 14). */
  leaks: LeakService;
  /** Keep a warned key (issue 14). */
  keep: KeepService;
  /** The platform's service credentials (kw_svc_…): management and authentication (issue 12 §2). */
  serviceKeys: ServiceKeyService;
  /** The platform's tenants mirrored by their own ids (issue 12 §3). */
  provisioning: ProvisioningService;
  /** An agency's webhook endpoints, their secrets, tests, replays and delivery logs. */
  webhooks: WebhookService;
  /** Rate limits and quotas of keys, locations and agencies (docs/traffic-policy.md). */
  limits: RateLimiter;
  /** Verifications per key per day per code. */
  usageCodes: UsageCodes;
  /** OAuth apps, installs and the consent step (docs/oauth.md). */
  oauth: OAuthService;
  /** The OAuth protocol endpoints: token, location tokens, revocation, introspection, metadata. */
  oauthProtocol: OAuthProtocol;
  /** A location's settings: its IP allowlist (issue 13 §2). */
  locationSettings: LocationSettingsService;
  /** Whether the database can be written (/readyz), told of storage failures requests meet. */
  storage: StorageHealth;
  /** The SDK's event stream of what verification caches must drop (GET /api/verify/events). */
  verifyEvents: VerifyEvents;
  /** Uses an SDK answered from its cache (POST /api/verify/uses). */
  reportedUses: ReportedUses;
  /** Readiness checks: the storage write probe, and the invalidation channel on PostgreSQL. */
  readiness: (() => Promise<{ name: string; ok: boolean; detail?: string }>)[];
}
