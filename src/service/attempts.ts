/**
 * The brute-force limits (docs/security-and-legacy.md, "Brute-force limits"):
 *
 * - sign-in, per account (the normalised e-mail, whether or not such a user exists, so the answer
 *   tells nothing about existence) and per source address: `too_many_attempts`;
 * - failed verifications (unknown or malformed tokens), wrong service tokens and leak reports with
 *   a bad signature, per source address:
 *   `too_many_failures`. Through `/api/verify` the address is the client's, as the calling service
 *   passes it, never the service's own.
 *
 * Only failures write. The success path of a verification asks one question — is any address
 * blocked at all? — and looks the address up only when one is. On PostgreSQL the nodes share the
 * counts through `auth_failures`: sign-in failures synchronously (a sign-in already spends far
 * longer on the password hash), verification failures in batches every `syncMs`, and every node
 * reads the blocks the others decided at the same pace.
 */

import type { Config } from "../config.js";
import { FailureLimiter, type FailureRule, retryAfterSeconds } from "../core/attempts.js";
import type { Clock } from "../core/clock.js";
import { ApiError } from "../core/errors.js";
import { hashToken } from "../core/token.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { AttemptsStore, SharedFailure } from "../store/attempts-store.js";
import type { Store } from "../store/store.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";

export type AttemptKind = "signin_account" | "signin_address" | "failed_auth";

export interface AttemptsDeps {
  limits: Config["limits"];
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  store: Store;
  audit: Audit;
  /** The table shared by the nodes; absent on SQLite (one server). */
  shared?: AttemptsStore;
}

export interface SignInOptions {
  /** The agency the caller named (sign-in's `agencyId`), when any. */
  agencyId?: string | undefined;
  /** The refusal that counts as a failed attempt (default `login_failed`). */
  failureCode?: "login_failed" | "current_password_wrong";
}

export class Attempts {
  readonly signinAccount: FailureLimiter;
  readonly signinAddress: FailureLimiter;
  readonly failedAuth: FailureLimiter;
  private readonly limiters: Record<AttemptKind, FailureLimiter>;
  /** Failed-auth counts not yet added to the shared table. */
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastPull = 0;
  private lastPrune = 0;
  private syncing: Promise<void> | undefined;

  constructor(private readonly deps: AttemptsDeps) {
    this.signinAccount = new FailureLimiter(deps.limits.signinAccount);
    this.signinAddress = new FailureLimiter(deps.limits.signinAddress);
    this.failedAuth = new FailureLimiter(deps.limits.failedAuth);
    this.limiters = {
      signin_account: this.signinAccount,
      signin_address: this.signinAddress,
      failed_auth: this.failedAuth,
    };
  }

  // ── failed verifications and service tokens ─────────────────────────────

  /** Throws `too_many_failures` when the address is blocked. Cheap: see the file's note. */
  refuseBlockedAddress(ip: string | null): void {
    if (ip === null || !this.failedAuth.mayBeBlocked(ip)) return;
    const now = this.deps.clock.now();
    const until = this.failedAuth.blockedUntil(ip, now);
    if (until === 0) return;
    this.deps.metrics.attemptsRefused.labels("failed_auth").inc();
    const retryAfter = retryAfterSeconds(until, now);
    throw new ApiError(
      "too_many_failures",
      `Too many failed attempts from this address: try again in ${retryAfter} seconds.`,
      { retryAfter },
    );
  }

  /** Counts a failure of the address (`kind` is for the metric: a token, a service token, a leak report's signature). */
  failedAuthFrom(ip: string | null, kind: "token" | "service_token" | "leak_signature"): void {
    this.deps.metrics.failedAuth.labels(kind).inc();
    if (ip === null || !this.failedAuth.enabled) return;
    this.failedAuth.fail(ip, this.deps.clock.now());
    if (this.deps.shared) this.pending.set(ip, (this.pending.get(ip) ?? 0) + 1);
  }

  // ── sign-in ─────────────────────────────────────────────────────────────

  /**
   * Runs a sign-in under the limits: refused with `too_many_attempts` while the account or the
   * address is blocked (before the password is even checked), counted when it fails with
   * `login_failed`, and the account's count forgotten when it succeeds.
   */
  async signIn<T>(
    email: string,
    ip: string | null,
    userAgent: string | null,
    run: () => Promise<T>,
    opts: SignInOptions = {},
  ): Promise<T> {
    const { clock, shared } = this.deps;
    // Hashed: an unknown "e-mail" may be a password typed in the wrong field; it is kept nowhere.
    const account = hashToken(`signin:${email.trim().toLowerCase()}`);
    const keys: [AttemptKind, string][] = [["signin_account", account]];
    if (ip !== null) keys.push(["signin_address", ip]);
    const active = keys.filter(([kind]) => this.limiters[kind].enabled);

    let now = clock.now();
    if (shared)
      for (const [kind, key] of active) {
        const s = await shared.read(kind, key);
        if (s) this.limiters[kind].absorb(key, s, now);
      }
    let until = 0;
    for (const [kind, key] of active) {
      const u = this.limiters[kind].blockedUntil(key, now);
      if (u > until) until = u;
      if (u > 0) this.deps.metrics.attemptsRefused.labels(kind).inc();
    }
    if (until > 0) {
      const retryAfter = retryAfterSeconds(until, now);
      throw new ApiError(
        "too_many_attempts",
        `Too many sign-in attempts: try again in ${retryAfter} seconds.`,
        {
          retryAfter,
        },
      );
    }

    try {
      const result = await run();
      this.signinAccount.reset(account);
      if (shared) await shared.reset("signin_account", account);
      return result;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== (opts.failureCode ?? "login_failed")) throw err;
      now = clock.now();
      if (shared && active.length > 0) {
        const states = await shared.addFailures(
          active.map(([kind, key]) => ({ kind, key, n: 1 })),
          now,
          (kind) => this.ruleOf(kind),
        );
        this.absorbAll(states, now);
      } else for (const [kind, key] of active) this.limiters[kind].fail(key, now);
      this.deps.metrics.failedSignins.inc();
      await this.auditFailedSignIn(email, ip, userAgent, opts);
      throw err;
    }
  }

  /**
   * The audit entry. It goes to the account's agency only when the attempt can only have meant that
   * account: the address has one account, or the caller named the agency. An address may have
   * accounts in several agencies (one per agency), and any agency can add an account with any
   * address — so an attempt that could have meant another tenant's account is recorded without an
   * agency (the operator's log), never in an agency that may not be the one the person meant.
   */
  private async auditFailedSignIn(
    email: string,
    ip: string | null,
    userAgent: string | null,
    opts: SignInOptions,
  ): Promise<void> {
    const { store, audit } = this.deps;
    const users = (await store.listUsersByEmail(email.trim())).filter(
      (u) => opts.agencyId === undefined || u.agencyId === opts.agencyId,
    );
    const user = users.length === 1 ? users[0]! : null;
    const ctx: Ctx = { actor: null, actorType: "user", actorId: null, ip, userAgent };
    await audit.record(store, ctx, {
      agencyId: user?.agencyId ?? null,
      action: "session.login_failed",
      targetType: "user",
      targetId: user?.id ?? null,
      after: {
        reason:
          opts.failureCode === "current_password_wrong"
            ? "wrong_current_password"
            : users.length === 0
              ? "unknown_account"
              : users.length === 1
                ? "wrong_password_or_disabled"
                : "several_accounts",
      },
    });
  }

  // ── sharing between nodes (PostgreSQL) ──────────────────────────────────

  private ruleOf(kind: string): FailureRule {
    return this.limiters[kind as AttemptKind]?.rule ?? this.deps.limits.failedAuth;
  }

  private absorbAll(states: SharedFailure[], now: number): void {
    for (const { kind, key, state } of states) this.limiters[kind as AttemptKind]?.absorb(key, state, now);
  }

  /**
   * Adds this node's pending failures to the shared table and takes the blocks other nodes decided
   * since the last time. Called every `syncMs` while started; tests call it directly.
   */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const shared = this.deps.shared;
    if (!shared) return;
    const now = this.deps.clock.now();
    if (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const states = await shared.addFailures(
        [...batch].map(([key, n]) => ({ kind: "failed_auth", key, n })),
        now,
        (kind) => this.ruleOf(kind),
      );
      // The shared state includes this node's batch; failures counted here meanwhile go on top.
      const later = this.deps.clock.now();
      for (const { key, state } of states) {
        this.failedAuth.absorb(key, state, later);
        const more = this.pending.get(key);
        if (more) this.failedAuth.fail(key, later, more);
      }
    }
    // Blocks decided by other nodes, for addresses and accounts this node has not seen fail.
    const since = this.lastPull === 0 ? 0 : this.lastPull - 5 * this.deps.limits.syncMs;
    this.lastPull = now;
    this.absorbAll(await shared.blockedSince(now, since), this.deps.clock.now());
    if (now - this.lastPrune > 600_000) {
      this.lastPrune = now;
      await shared.prune(now);
    }
  }

  start(): void {
    if (!this.deps.shared || this.timer) return;
    this.timer = setInterval(() => {
      this.sync().catch((err) =>
        this.deps.logger.warn({ err }, "sharing failure counts with the other nodes failed; will retry"),
      );
    }, this.deps.limits.syncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // What this node counted and has not shared yet (a CLI process that never failed has nothing).
    if (this.pending.size > 0) await this.sync().catch(() => {});
  }
}
