/**
 * Configuration: one schema, read from the environment once, frozen. Nothing else reads
 * `process.env`. Every setting is named `KEYWARD_…` and documented in the README.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import type { FailureRule } from "./core/attempts.js";
import { INACTIVITY_ACTIONS, type InactivityAction } from "./core/lifecycle.js";
import { LEGACY_CREATION_RULES, type LegacyCreation } from "./core/model.js";
import { DEFAULT_PLAN, PLANS, type Plan } from "./core/permissions.js";
import { DEFAULT_RATE_LIMITS, type RateLimit, RateLimitList } from "./core/rate-limits.js";
import { BUILTIN_SCOPES, SCOPE_NAME, type ScopeDef } from "./core/scopes.js";

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"])
  .transform((v) => ["true", "1", "yes", "on"].includes(v));

/** A JSON setting, checked against its schema (the message says which field is wrong). */
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `must be JSON (${(e as Error).message})` });
        return z.NEVER;
      }
    })
    .pipe(schema);

const EnvSchema = z.object({
  KEYWARD_PORT: intIn(0, 65535).default(8080),
  KEYWARD_HOST: z.string().min(1).default("127.0.0.1"),
  KEYWARD_PUBLIC_URL: z.url().optional(),
  KEYWARD_DATA_DIR: z.string().min(1).default("./data"),
  KEYWARD_DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      "must be a postgres:// URL (leave it unset for the embedded SQLite database)",
    )
    .optional(),
  KEYWARD_TOKEN_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,9}$/, "1–10 lowercase letters or digits, starting with a letter")
    .default("kw"),
  KEYWARD_SERVICE_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  KEYWARD_BOOTSTRAP_EMAIL: z.email().default("admin@keyward.local"),
  // Judged by the rules for new passwords and names when the first agency is created from them
  // (cli/bootstrap.ts), not at every start.
  KEYWARD_BOOTSTRAP_PASSWORD: z.string().optional(),
  KEYWARD_BOOTSTRAP_PLAN: z.enum(PLANS).default(DEFAULT_PLAN),
  KEYWARD_BOOTSTRAP_AGENCY_NAME: z.string().default("My Agency"),
  KEYWARD_SESSION_TTL_HOURS: intIn(1, 24 * 90).default(12),
  KEYWARD_USAGE_FLUSH_MS: intIn(100, 10_000).default(5_000),
  KEYWARD_CACHE_TTL_MS: intIn(1_000, 24 * 3_600_000).default(300_000),
  KEYWARD_MAX_BODY_BYTES: intIn(1024, 10 * 1024 * 1024).default(64 * 1024),
  KEYWARD_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  KEYWARD_SCOPES_FILE: z.string().optional(),
  KEYWARD_TRUST_PROXY: bool.default(false),
  KEYWARD_ACCESS_LOG: bool.default(true),
  KEYWARD_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  KEYWARD_MAIL_FROM: z.string().min(3).default("Keyward <keyward@localhost>"),
  KEYWARD_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  KEYWARD_SCHEDULER: bool.default(true),
  KEYWARD_LEGACY_END_OF_SUPPORT: z.iso.date().default("2025-12-31"),
  KEYWARD_LEGACY_DEPRECATED_SINCE: z.iso.date().optional(),
  KEYWARD_LEGACY_CREATION: z.enum(LEGACY_CREATION_RULES).default("existing_users"),
  KEYWARD_INACTIVITY_DAYS: intIn(1, 3650).default(90),
  KEYWARD_INACTIVITY_ACTION: z.enum(INACTIVITY_ACTIONS).default("delete"),
  KEYWARD_SWEEP_CRON: z.string().min(9).default("0 0 1 1,4,7,10 *"),
  KEYWARD_INAPP_LEADS_DAYS: z
    .string()
    .regex(/^\d+(,\d+)*$/, "a comma-separated list of days, e.g. 15,7,1")
    .default("15,7,1"),
  KEYWARD_EMAIL_LEAD_DAYS: intIn(1, 3650).default(15),
  KEYWARD_BANNER_HOURS: intIn(1, 8760).default(24),
  KEYWARD_SIGNIN_MAX_FAILURES: intIn(0, 1_000_000).default(10),
  KEYWARD_SIGNIN_ADDRESS_MAX_FAILURES: intIn(0, 1_000_000).default(50),
  KEYWARD_SIGNIN_WINDOW_MINUTES: intIn(1, 24 * 60).default(15),
  KEYWARD_SIGNIN_LOCK_SECONDS: intIn(1, 86_400).default(60),
  KEYWARD_SIGNIN_MAX_LOCK_SECONDS: intIn(1, 7 * 86_400).default(3_600),
  KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: intIn(0, 1_000_000).default(30),
  KEYWARD_FAILED_AUTH_LOCK_SECONDS: intIn(1, 86_400).default(60),
  KEYWARD_ATTEMPTS_SYNC_MS: intIn(50, 10_000).default(250),
  KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL: intIn(1, 100_000).default(32),
  KEYWARD_METRICS_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  KEYWARD_SHUTDOWN_TIMEOUT_MS: intIn(100, 600_000).default(10_000),
  KEYWARD_REQUEST_TIMEOUT_MS: intIn(1_000, 600_000).default(30_000),
  KEYWARD_LEAK_REPORT_KEYS: z.string().min(1).optional(),
  KEYWARD_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .default("")
    .refine(
      (v) => v === "" || v.split(",").every((r) => cidr(r.trim()) !== null),
      "a comma-separated list of address ranges, e.g. 10.0.0.0/8,127.0.0.0/8,::1/128",
    ),
  // Rate limits (docs/traffic-policy.md): every key's default limits ("[]" = none), per plan
  // defaults, and how often nodes share their counts of `local` limits.
  KEYWARD_RATE_LIMITS: jsonOf(RateLimitList).optional(),
  KEYWARD_PLAN_RATE_LIMITS: jsonOf(z.partialRecord(z.enum(PLANS), RateLimitList)).optional(),
  KEYWARD_RATE_LIMIT_SYNC_MS: intIn(50, 10_000).default(500),
});

/** `10.0.0.0/8` → its parts, or null when it is not a range. */
function cidr(s: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [address = "", bits = ""] = s.split("/");
  const v = isIP(address);
  const prefix = Number(bits);
  if (v === 0 || !/^\d+$/.test(bits) || prefix > (v === 4 ? 32 : 128)) return null;
  return { address, prefix, family: v === 4 ? "ipv4" : "ipv6" };
}

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  tokenPrefix: string;
  serviceToken: string | undefined;
  bootstrap: {
    email: string;
    password: string | undefined;
    plan: Env["KEYWARD_BOOTSTRAP_PLAN"];
    agencyName: string;
  };
  sessionTtlMs: number;
  usageFlushMs: number;
  cacheTtlMs: number;
  maxBodyBytes: number;
  logLevel: Env["KEYWARD_LOG_LEVEL"];
  scopes: ScopeDef[];
  trustProxy: boolean;
  /** One `info` line per request (http/access-log.ts). */
  accessLog: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  secret: string | undefined;
  scheduler: boolean;
  /** `deprecatedSince`: when the v1 deprecation was announced (`Deprecation`); `endOfSupport`: `Sunset`. */
  legacy: { deprecatedSince: string; endOfSupport: string; creation: LegacyCreation };
  policy: {
    inactivityDays: number;
    action: InactivityAction;
    sweep: string;
    inAppLeadsDays: number[];
    emailLeadDays: number;
    bannerHours: number;
  };
  /** Brute-force limits (docs/security-and-legacy.md, "Brute-force limits"). */
  limits: {
    /** Failed sign-ins per account (normalised e-mail, known or not). */
    signinAccount: FailureRule;
    /** Failed sign-ins per source address. */
    signinAddress: FailureRule;
    /** Failed verifications and service tokens per source address. */
    failedAuth: FailureRule;
    /** How often a PostgreSQL node shares its failure counts with the others. */
    syncMs: number;
  };
  /** Event streams (`GET /api/verify/events`) one service credential may hold open on a node. */
  verifyStreamsPerCredential: number;
  /** Bearer token `/metrics` requires; unset = open. */
  metricsToken: string | undefined;
  /** How long a shutdown waits for requests in progress before closing their connections. */
  shutdownTimeoutMs: number;
  /** The longest a client may take to send a whole request (headers and body). */
  requestTimeoutMs: number;
  /**
   * The file of a secret-scanning partner's public keys (`{public_keys: [{key_identifier, key,
   * is_current}]}` as GitHub publishes them, or the bare array) that sign leak reports; re-read when
   * it changes. Unset: every leak report is refused (docs/leaks.md).
   */
  leakReportKeysFile: string | undefined;
  /** Address ranges webhooks may reach although private (and over plain HTTP): KEYWARD_WEBHOOK_ALLOW_PRIVATE. */
  webhookAllowPrivate: { address: string; prefix: number; family: "ipv4" | "ipv6" }[];
  /** Rate limits (docs/traffic-policy.md). */
  rateLimits: {
    /** Every key's limits unless its plan, agency or an admin says otherwise. */
    defaults: readonly RateLimit[];
    planDefaults: Partial<Record<Plan, readonly RateLimit[]>>;
    /** How often a node shares its counts of `local` limits with the others. */
    syncMs: number;
  };
}

export class ConfigError extends Error {}

const ScopeFile = z.array(
  z.strictObject({
    name: z.string().regex(SCOPE_NAME, "like contacts.readonly"),
    levels: z.array(z.enum(["agency", "location"])).min(1),
    description: z.string().max(200).default(""),
  }),
);

function loadScopes(file: string | undefined): ScopeDef[] {
  if (!file) return BUILTIN_SCOPES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`KEYWARD_SCOPES_FILE: cannot read ${file} as JSON (${(e as Error).message})`);
  }
  const parsed = ScopeFile.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`KEYWARD_SCOPES_FILE: ${z.prettifyError(parsed.error)}`);
  const builtin = new Set(BUILTIN_SCOPES.map((s) => s.name));
  return [...BUILTIN_SCOPES, ...parsed.data.filter((s) => !builtin.has(s.name))];
}

/**
 * When the v1 API's deprecation was announced: the setting, else a year before the end of support (a
 * common notice period). It cannot come after the end of support.
 */
function legacyDeprecatedSince(given: string | undefined, endOfSupport: string): string {
  if (given === undefined) {
    const d = new Date(`${endOfSupport}T00:00:00Z`);
    d.setUTCFullYear(d.getUTCFullYear() - 1);
    return d.toISOString().slice(0, 10);
  }
  if (given > endOfSupport)
    throw new ConfigError(
      `Invalid configuration:\n  KEYWARD_LEGACY_DEPRECATED_SINCE: ${given} is after KEYWARD_LEGACY_END_OF_SUPPORT (${endOfSupport}); deprecation is announced before support ends.`,
    );
  return given;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const picked = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("KEYWARD_") && v !== undefined && v !== ""),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.KEYWARD_PORT,
    host: e.KEYWARD_HOST,
    publicUrl: e.KEYWARD_PUBLIC_URL,
    dataDir: resolve(e.KEYWARD_DATA_DIR),
    databaseUrl: e.KEYWARD_DATABASE_URL,
    tokenPrefix: e.KEYWARD_TOKEN_PREFIX,
    serviceToken: e.KEYWARD_SERVICE_TOKEN,
    bootstrap: {
      email: e.KEYWARD_BOOTSTRAP_EMAIL,
      password: e.KEYWARD_BOOTSTRAP_PASSWORD,
      plan: e.KEYWARD_BOOTSTRAP_PLAN,
      agencyName: e.KEYWARD_BOOTSTRAP_AGENCY_NAME,
    },
    sessionTtlMs: e.KEYWARD_SESSION_TTL_HOURS * 3_600_000,
    usageFlushMs: e.KEYWARD_USAGE_FLUSH_MS,
    cacheTtlMs: e.KEYWARD_CACHE_TTL_MS,
    maxBodyBytes: e.KEYWARD_MAX_BODY_BYTES,
    logLevel: e.KEYWARD_LOG_LEVEL,
    scopes: loadScopes(e.KEYWARD_SCOPES_FILE),
    trustProxy: e.KEYWARD_TRUST_PROXY,
    accessLog: e.KEYWARD_ACCESS_LOG,
    smtpUrl: e.KEYWARD_SMTP_URL,
    mailFrom: e.KEYWARD_MAIL_FROM,
    secret: e.KEYWARD_SECRET,
    scheduler: e.KEYWARD_SCHEDULER,
    legacy: {
      deprecatedSince: legacyDeprecatedSince(
        e.KEYWARD_LEGACY_DEPRECATED_SINCE,
        e.KEYWARD_LEGACY_END_OF_SUPPORT,
      ),
      endOfSupport: e.KEYWARD_LEGACY_END_OF_SUPPORT,
      creation: e.KEYWARD_LEGACY_CREATION,
    },
    policy: {
      inactivityDays: e.KEYWARD_INACTIVITY_DAYS,
      action: e.KEYWARD_INACTIVITY_ACTION,
      sweep: e.KEYWARD_SWEEP_CRON,
      inAppLeadsDays: e.KEYWARD_INAPP_LEADS_DAYS.split(",").map(Number),
      emailLeadDays: e.KEYWARD_EMAIL_LEAD_DAYS,
      bannerHours: e.KEYWARD_BANNER_HOURS,
    },
    limits: limitsOf(e),
    verifyStreamsPerCredential: e.KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL,
    metricsToken: e.KEYWARD_METRICS_TOKEN,
    shutdownTimeoutMs: e.KEYWARD_SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: e.KEYWARD_REQUEST_TIMEOUT_MS,
    leakReportKeysFile:
      e.KEYWARD_LEAK_REPORT_KEYS === undefined ? undefined : resolve(e.KEYWARD_LEAK_REPORT_KEYS),
    webhookAllowPrivate: e.KEYWARD_WEBHOOK_ALLOW_PRIVATE.split(",")
      .map((r) => cidr(r.trim()))
      .filter((r) => r !== null),
    rateLimits: {
      defaults: e.KEYWARD_RATE_LIMITS ?? DEFAULT_RATE_LIMITS,
      planDefaults: e.KEYWARD_PLAN_RATE_LIMITS ?? {},
      syncMs: e.KEYWARD_RATE_LIMIT_SYNC_MS,
    },
  });
}

function limitsOf(e: Env): Config["limits"] {
  const signin = (max: number): FailureRule => ({
    max,
    windowMs: e.KEYWARD_SIGNIN_WINDOW_MINUTES * 60_000,
    lockMs: e.KEYWARD_SIGNIN_LOCK_SECONDS * 1000,
    maxLockMs: Math.max(e.KEYWARD_SIGNIN_LOCK_SECONDS, e.KEYWARD_SIGNIN_MAX_LOCK_SECONDS) * 1000,
  });
  return {
    signinAccount: signin(e.KEYWARD_SIGNIN_MAX_FAILURES),
    signinAddress: signin(e.KEYWARD_SIGNIN_ADDRESS_MAX_FAILURES),
    failedAuth: {
      max: e.KEYWARD_FAILED_AUTH_MAX_PER_MINUTE,
      windowMs: 60_000,
      lockMs: e.KEYWARD_FAILED_AUTH_LOCK_SECONDS * 1000,
      // An address that keeps failing right after each block waits longer, up to 16 times the first.
      maxLockMs: e.KEYWARD_FAILED_AUTH_LOCK_SECONDS * 16_000,
    },
    syncMs: e.KEYWARD_ATTEMPTS_SYNC_MS,
  };
}
