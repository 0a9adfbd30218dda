/**
 * The composition root: wires config, clock, store, cache, services and background work together.
 * `createKeyward` is used by `keyward serve`, the tests, the benchmarks and `keyward simulate`;
 * two instances in one process share nothing.
 */
import type { Config } from "./config.js";
import { type Clock, systemClock } from "./core/clock.js";
import { ScopeCatalogue } from "./core/scopes.js";
import { createLogger, type Logger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { AccountService } from "./service/accounts.js";
import { Attempts } from "./service/attempts.js";
import { Audit } from "./service/audit.js";
import { type CacheBus, VerificationCache } from "./service/cache.js";
import { KeyService } from "./service/keys.js";
import { SessionService } from "./service/sessions.js";
import { SettingsService } from "./service/settings.js";
import { UsageRecorder } from "./service/usage.js";
import { UserService } from "./service/users.js";
import { Verifier } from "./service/verify.js";
import { AttemptsStore } from "./store/attempts-store.js";
import { type OpenedDatabase, openDatabase } from "./store/dialect.js";
import { migrateSchema } from "./store/migrate-schema.js";
import { PgBus } from "./store/pg-bus.js";
import { SqliteBus } from "./store/sqlite-bus.js";
import { StorageHealth } from "./store/storage-health.js";
import { Store } from "./store/store.js";

export interface KeywardOptions {
  config: Readonly<Config>;
  clock?: Clock;
  logger?: Logger;
  /** An already opened database (tests share one between several instances). */
  database?: OpenedDatabase;
  bus?: CacheBus;
}

export interface Keyward {
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
  accounts: AccountService;
  users: UserService;
  sessions: SessionService;
  settings: SettingsService;
  audit: Audit;
  /** The brute-force limits (sign-in, failed verifications and service tokens). */
  attempts: Attempts;
  scopes: ScopeCatalogue;
  metrics: Metrics;
  /** Background work to start with the server and stop before closing (scheduler, outbox …). */
  background: { start(): void; stop(): Promise<void> }[];
  /** Whether the database can be written (/readyz), told of storage failures requests meet. */
  storage: StorageHealth;
  /** Readiness checks beyond the database (e.g. the invalidation channel). */
  readiness: (() => Promise<{ name: string; ok: boolean; detail?: string }>)[];
  start(): void;
  close(): Promise<void>;
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
  const keys = new KeyService({
    store,
    clock,
    audit,
    cache,
    bus,
    scopes,
    prefix: config.tokenPrefix,
    legacyCreationDefault: config.legacy.creation,
  });
  const users = new UserService({ store, clock, audit, keys });
  const sessions = new SessionService({ store, clock, audit, sessionTtlMs: config.sessionTtlMs });
  const accounts = new AccountService({ store, clock, audit, cache, bus, users });
  const settings = new SettingsService({ store, accounts, legacy: config.legacy });
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
  const background: Keyward["background"] = [attempts];
  let started = false;
  const kw: Keyward = {
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
    accounts,
    users,
    sessions,
    settings,
    audit,
    attempts,
    scopes,
    metrics,
    background,
    storage,
    readiness: [() => storage.check(), ...(bus instanceof PgBus ? [async () => bus.health()] : [])],
    start() {
      if (started) return;
      started = true;
      usage.start(config.usageFlushMs);
      for (const b of background) b.start();
    },
    async close() {
      for (const b of [...background].reverse()) await b.stop();
      await usage.stop();
      await bus.close();
      if (!opts.database) await database.close();
    },
  };
  return kw;
}
