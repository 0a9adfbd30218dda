/**
 * The composition root: the one place that builds an application — config, clock, store, cache,
 * every service (each given its dependencies in its constructor), the lifecycle scheduler and the
 * outbox worker, legacy v1, and the HTTP app with the console. `keyward serve`, the CLI, the tests,
 * the benchmarks and `keyward simulate` all call `createKeyward`; two instances in one process share
 * nothing. Nothing is attached afterwards.
 */
import { join } from "node:path";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import { type Clock, systemClock } from "../core/clock.js";
import { ScopeCatalogue } from "../core/scopes.js";
import { SecretBox } from "../core/secretbox.js";
import { createApp, type RouteModule } from "../http/app.js";
import type { Deps } from "../http/deps.js";
import type { AppEnv } from "../http/env.js";
import { lifecycleRoutes } from "../http/routes/lifecycle.js";
import { lifetimeBannerRoutes } from "../http/routes/lifetime-banner.js";
import { legacyRoutes } from "../http/routes/migration.js";
import { webhookRoutes } from "../http/routes/webhooks.js";
import { staticSite } from "../http/static.js";
import { createLogger, type Logger } from "../logger.js";
import { Metrics } from "../metrics.js";
import { fileTransport, type MailTransport, OutboxDelivery, smtpTransport } from "../notify/delivery.js";
import { WebhookSender } from "../notify/webhook-delivery.js";
import { OAuthPurge } from "../scheduler/oauth-purge.js";
import { Scheduler, type SchedulerDeps } from "../scheduler/scheduler.js";
import { AccountService } from "../service/accounts.js";
import { Attempts } from "../service/attempts.js";
import { Audit } from "../service/audit.js";
import { type CacheBus, VerificationCache } from "../service/cache.js";
import { InvitationService } from "../service/invitations.js";
import { ipAllowlistSettingsExtension } from "../service/ip-allowlist-settings.js";
import { KeepService } from "../service/keep.js";
import { keyLifetimeSettingsExtension } from "../service/key-lifetime-settings.js";
import { keyRulesSettingsExtension } from "../service/key-rules.js";
import { KeyService } from "../service/keys.js";
import { LeakReportKeys } from "../service/leak-keys.js";
import { LeakService } from "../service/leaks.js";
import { LegacyService } from "../service/legacy.js";
import { LegacyMigrations } from "../service/legacy-migration.js";
import { LegacyReports } from "../service/legacy-report.js";
import { loadDeploymentSecret, openDeploymentSecretBox } from "../service/legacy-secret.js";
import { LifecycleService } from "../service/lifecycle.js";
import { ListingService } from "../service/listings.js";
import { LocationSettingsService } from "../service/location-settings.js";
import { OAuthService } from "../service/oauth.js";
import { OAuthLeaks } from "../service/oauth-leaks.js";
import { OAuthProtocol } from "../service/oauth-server.js";
import { ProfileService } from "../service/profile.js";
import { ProvisioningService } from "../service/provisioning.js";
import { rateLimitWebhooks } from "../service/rate-limit-webhooks.js";
import { type FirstRefusal, RateLimiter } from "../service/rate-limits.js";
import { ReportedUses } from "../service/reported-uses.js";
import { SdkLimits } from "../service/sdk-limits.js";
import { ServiceKeyService } from "../service/service-keys.js";
import { SessionService } from "../service/sessions.js";
import { SettingsService } from "../service/settings.js";
import { UsageRecorder } from "../service/usage.js";
import { UsageCodes } from "../service/usage-codes.js";
import { UserService } from "../service/users.js";
import { Verifier } from "../service/verify.js";
import { VerifyEvents } from "../service/verify-events.js";
import { WebhookGuard } from "../service/webhook-guard.js";
import { WebhookService } from "../service/webhooks.js";
import { AttemptsStore } from "../store/attempts-store.js";
import { type OpenedDatabase, openDatabase } from "../store/dialect.js";
import { migrateSchema } from "../store/migrate-schema.js";
import { PgBus } from "../store/pg-bus.js";
import { SqliteBus } from "../store/sqlite-bus.js";
import { StorageHealth } from "../store/storage-health.js";
import { Store } from "../store/store.js";

/** A first warning at most this late counts as on time (ticks are up to a minute apart). */
export const ON_TIME_WITHIN_MS = 5 * 60_000;

export interface KeywardOptions {
  config: Readonly<Config>;
  clock?: Clock;
  logger?: Logger;
  /** An already opened database (tests share one between several instances). */
  database?: OpenedDatabase;
  bus?: CacheBus;
  /** How the lifecycle runs here (tests and `keyward simulate` choose; the defaults are production's). */
  lifecycle?: {
    /** Where e-mails go (default: KEYWARD_SMTP_URL, else files under `<dataDir>/outbox`). */
    transport?: MailTransport;
    onTimeWithinMs?: number;
    /** Tests: called inside each agency's transaction just before it commits (throw to simulate a crash). */
    beforeCommit?: SchedulerDeps["beforeCommit"];
    /** Run the scheduler and the outbox worker on `start()` (default: KEYWARD_SCHEDULER). */
    background?: boolean;
  };
  /** Told of each limit's first refusal per window (the hook for `key.rate_limited` webhooks). */
  onFirstRefusal?: FirstRefusal;
  /** Routes added after Keyward's own (the HTTP benchmark's reference route). */
  extraRoutes?: RouteModule[];
  /** Webhook sending (tests fix the retries' jitter). */
  webhooks?: { random?: () => number; leaseMs?: number; timeoutMs?: number };
}

export interface Keyward extends Deps {
  /** The HTTP application: every route, the problem+json mapper and the console. */
  app: Hono<AppEnv>;
  /** The inactivity scheduler (warns and acts; `tick()` runs it once). */
  scheduler: Scheduler;
  /** Deletes ended OAuth tokens, codes and requests (runs with the scheduler). */
  oauthPurge: OAuthPurge;
  /** The e-mail outbox worker (`deliverDue()` sends what is due). */
  outbox: OutboxDelivery;
  /** The webhook outbox sender (`deliverDue()` sends what is due). */
  webhookSender: WebhookSender;
  /** `key.rate_limited` events being queued (`settled()` waits for them). */
  rateLimitWebhooks: { settled(): Promise<void> };
  /** Background work to start with the server and stop before closing (scheduler, outbox …). */
  background: { start(): void; stop(): Promise<void> }[];
  start(): void;
  close(): Promise<void>;
}

/** Keyward's routes beyond the core ones, and the console: the app `serve` runs. */
export function buildApp(deps: Deps, extraRoutes: RouteModule[] = []): Hono<AppEnv> {
  return createApp(deps, {
    extraRoutes: [...legacyRoutes, lifecycleRoutes, lifetimeBannerRoutes, webhookRoutes, ...extraRoutes],
    staticSite: staticSite(),
  });
}

export async function createKeyward(opts: KeywardOptions): Promise<Keyward> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const database =
    opts.database ??
    openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      onIdleError: (err) => logger.warn({ err }, "an idle database connection failed; it will be replaced"),
    });
  await migrateSchema(database.db, database.dialect);
  const store = new Store(database.db, database.dialect);
  const cache = new VerificationCache();
  const metrics = new Metrics();
  metrics.invalidationConnected.set(1);
  // Several processes may share the database: on PostgreSQL invalidations travel over LISTEN/NOTIFY,
  // on SQLite through the change log each process polls (the CLI, or servers on one data folder). The
  // bus is listening before anything is served.
  const bus =
    opts.bus ??
    (database.pool
      ? await PgBus.open({
          connectionString: config.databaseUrl ?? database.pool.options.connectionString ?? "",
          pool: database.pool,
          logger,
          metrics,
        })
      : await SqliteBus.open({ db: database.db, logger }));
  bus.subscribe((msg) => cache.apply(msg));
  const audit = new Audit(clock);
  const scopes = new ScopeCatalogue(config.scopes);
  const usage = new UsageRecorder(store, clock, (err) =>
    logger.error({ err }, "recording uses failed; will retry"),
  );
  const verifier = new Verifier({
    store,
    cache,
    bus,
    usage,
    clock,
    prefix: config.tokenPrefix,
    cacheTtlMs: config.cacheTtlMs,
  });
  bus.subscribe((msg) => {
    if (msg.type === "location") verifier.forgetLocation(msg.id);
  });
  // The SDK's side of verification: the stream of what its cache must drop, and its reported uses.
  const verifyEvents = new VerifyEvents({
    bus,
    store,
    logger,
    metrics,
    maxPerHolder: config.verifyStreamsPerCredential,
  });

  // The services, each after what it needs: the lifecycle (which key listings ask for next actions),
  // keys, legacy v1 (which creates keys), users (who may own keys), sessions, accounts (whose new
  // locations get a legacy key, whose agencies get an owner), settings.
  const lifecycle = new LifecycleService({ store, clock, policy: config.policy });
  const box = openDeploymentSecretBox(config, logger);
  const keys = new KeyService({
    store,
    clock,
    audit,
    cache,
    bus,
    scopes,
    prefix: config.tokenPrefix,
    legacyCreationDefault: config.legacy.creation,
    lifecycle,
    encryptSecret: (plaintext) => box.seal(plaintext),
  });
  const legacy = new LegacyService({
    store,
    clock,
    audit,
    logger,
    keys,
    box,
    creationDefault: config.legacy.creation,
  });
  const legacyReports = new LegacyReports({
    store,
    clock,
    usage,
    keys,
    scopes,
    endOfSupport: config.legacy.endOfSupport,
  });
  const legacyMigrations = new LegacyMigrations({
    store,
    clock,
    audit,
    usage,
    keys,
    reports: legacyReports,
  });
  const users = new UserService({ store, clock, audit, keys });
  const sessions = new SessionService({ store, clock, audit, sessionTtlMs: config.sessionTtlMs });
  const invitations = new InvitationService({ store, clock, audit, users, publicUrl: config.publicUrl });
  const profile = new ProfileService({ store, clock, audit });
  const accounts = new AccountService({
    store,
    clock,
    audit,
    cache,
    bus,
    users,
    hooks: {
      ...legacy.accountHooks(),
      // A deleted location's app installs are uninstalled with it (the OAuth service is made below).
      locationDeleted: (ctx, s, loc) => oauth.locationDeleted(ctx, s, loc),
    },
  });
  // Rate limits: resolved per key, decided in memory (or in the database for strict limits), their
  // counts shared between nodes by the limiter's sync; verifications counted per key per day per code.
  // A limit's first refusal in a window queues `key.rate_limited`, off the refusal's path.
  const rlWebhooks = rateLimitWebhooks({ store, clock, logger });
  const limits = new RateLimiter(
    {
      store,
      clock,
      audit,
      cache,
      bus,
      logger,
      defaults: config.rateLimits.defaults,
      planDefaults: config.rateLimits.planDefaults,
      onFirstRefusal: opts.onFirstRefusal
        ? (e) => {
            rlWebhooks.onFirstRefusal(e);
            opts.onFirstRefusal?.(e);
          }
        : rlWebhooks.onFirstRefusal,
    },
    config.rateLimits.syncMs,
  );
  const usageCodes = new UsageCodes(store, clock, (err) =>
    logger.error({ err }, "recording verification codes failed; will retry"),
  );
  // An SDK's cached verifications are uses, and `valid` verifications by code (issue 13 §5).
  const reportedUses = new ReportedUses({
    store,
    clock,
    usageCodes,
    onCounted: (code, n) => metrics.countSdkVerifications(code, n),
  });
  const settings = new SettingsService({
    store,
    accounts,
    legacy: config.legacy,
    extensions: [
      legacy.settingsExtension(),
      lifecycle.settingsExtension(),
      keyRulesSettingsExtension(),
      limits.settingsExtension(),
      ipAllowlistSettingsExtension(),
      keyLifetimeSettingsExtension(),
    ],
  });
  // Leaked tokens and Keep (issue 14).
  const leaks = new LeakService({
    store,
    clock,
    audit,
    keys,
    prefix: config.tokenPrefix,
    reportKeys: new LeakReportKeys(config.leakReportKeysFile, logger),
    publicUrl: config.publicUrl,
    logger,
    // Leaked client secrets and refresh tokens revoke through the OAuth service (made below).
    oauthLeaks: new OAuthLeaks({
      clock,
      audit,
      oauth: { revokeInstallTokens: (s, installId, now) => oauth.revokeInstallTokens(s, installId, now) },
      publicUrl: config.publicUrl,
    }),
  });
  const keep = new KeepService({ store, clock, audit, keys, lifecycle });
  // The platform's service credentials: their cache is dropped on every node like the keys'.
  const serviceKeys = new ServiceKeyService({
    store,
    clock,
    audit,
    bus,
    prefix: config.tokenPrefix,
    cacheTtlMs: config.cacheTtlMs,
  });
  bus.subscribe((msg) => serviceKeys.apply(msg));
  const provisioning = new ProvisioningService({
    store,
    clock,
    accounts,
    users,
    keys,
    serviceKeys,
    invitations,
    // A closed agency's app installs are uninstalled with it (the OAuth service is made below).
    agencyClosed: (ctx, s, agencyId) => oauth.agencyClosed(ctx, s, agencyId),
  });
  // Webhook signing secrets are sealed under the deployment secret too, with a key of their own.
  const webhookBox = new SecretBox(loadDeploymentSecret(config).secret, "keyward webhook secret");
  const webhookGuard = new WebhookGuard(config.webhookAllowPrivate);
  const webhooks = new WebhookService({ store, clock, audit, box: webhookBox, guard: webhookGuard });
  // OAuth apps (docs/oauth.md): access tokens are keys of kind `oauth`; a refreshed pair is sealed
  // for its 30-second idempotency window under the deployment secret, with a key of its own.
  const oauth = new OAuthService({
    store,
    clock,
    audit,
    cache,
    bus,
    scopes,
    usage,
    webhooks,
    prefix: config.tokenPrefix,
  });
  const oauthProtocol = new OAuthProtocol({
    store,
    clock,
    oauth,
    verifier,
    scopes,
    box: new SecretBox(loadDeploymentSecret(config).secret, "keyward oauth refresh pair"),
    prefix: config.tokenPrefix,
  });
  const storage = new StorageHealth(database.db, database.dialect, clock);
  const attempts = new Attempts({
    limits: config.limits,
    clock,
    metrics,
    logger,
    store,
    audit,
    // Nodes sharing a PostgreSQL database share their failure counts; one SQLite server needs not.
    ...(database.pool ? { shared: new AttemptsStore(database.db, database.dialect) } : {}),
  });

  // Background work: the scheduler issues warnings and acts; the outbox worker sends e-mails.
  const lc = opts.lifecycle ?? {};
  const scheduler = new Scheduler({
    store,
    clock,
    lifecycle,
    cache,
    bus,
    logger,
    publicUrl: config.publicUrl,
    onTimeWithinMs: lc.onTimeWithinMs ?? ON_TIME_WITHIN_MS,
    ...(lc.beforeCommit ? { beforeCommit: lc.beforeCommit } : {}),
  });
  const transport =
    lc.transport ??
    (config.smtpUrl ? smtpTransport(config.smtpUrl) : fileTransport(join(config.dataDir, "outbox"), logger));
  const outbox = new OutboxDelivery({ store, clock, logger, audit, transport, from: config.mailFrom });
  const webhookSender = new WebhookSender({
    store,
    clock,
    logger,
    audit,
    box: webhookBox,
    guard: webhookGuard,
    publicUrl: config.publicUrl,
    ...opts.webhooks,
  });
  const background: Keyward["background"] = [
    // Stopped last: the events of the last refusals are written before the database closes.
    { start() {}, stop: () => rlWebhooks.settled() },
    attempts,
    limits,
    { start: () => usageCodes.start(config.usageFlushMs), stop: () => usageCodes.stop() },
  ];
  // OAuth rows that ended long ago go (docs/oauth.md "Purge"): every node, bounded runs.
  const oauthPurge = new OAuthPurge({ store, clock, logger, metrics });
  if (lc.background ?? config.scheduler) background.push(scheduler, outbox, webhookSender, oauthPurge);
  else
    background.push({
      start() {},
      stop: async () => {
        transport.close();
        await webhookSender.stop(); // its keep-alive connections, when tests drive it by hand
      },
    });

  const deps: Deps = {
    config,
    clock,
    logger,
    database,
    store,
    cache,
    bus,
    usage,
    verifier,
    keys,
    listings: new ListingService({ store, keys }),
    accounts,
    users,
    sessions,
    invitations,
    profile,
    settings,
    audit,
    attempts,
    scopes,
    metrics,
    lifecycle,
    legacy,
    legacyReports,
    legacyMigrations,
    leaks,
    keep,
    serviceKeys,
    provisioning,
    webhooks,
    limits,
    usageCodes,
    oauth,
    oauthProtocol,
    locationSettings: new LocationSettingsService({ store, clock, audit, cache, bus, accounts }),
    storage,
    verifyEvents,
    reportedUses,
    sdkLimits: new SdkLimits({
      store,
      clock,
      limits,
      usageCodes,
      onRefused: (n) => metrics.countSdkVerifications("rate_limited", n),
    }),
    readiness: [() => storage.check(), ...(bus instanceof PgBus ? [async () => bus.health()] : [])],
  };
  let started = false;
  // One object: the routes see the same instance the caller holds.
  return Object.assign(deps, {
    app: buildApp(deps, opts.extraRoutes),
    scheduler,
    oauthPurge,
    outbox,
    webhookSender,
    rateLimitWebhooks: rlWebhooks,
    background,
    start() {
      if (started) return;
      started = true;
      usage.start(config.usageFlushMs);
      for (const b of background) b.start();
    },
    async close() {
      verifyEvents.close();
      for (const b of [...background].reverse()) await b.stop();
      await usage.stop();
      await bus.close();
      if (!opts.database) await database.close();
    },
  });
}
