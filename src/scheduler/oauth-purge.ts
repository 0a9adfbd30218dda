/**
 * The OAuth purge (docs/oauth.md "Purge"): every refresh, client_credentials call and location token
 * adds an access-token row (and a refresh adds a refresh-token row); codes and authorization requests
 * pile up too. This job deletes what ended long enough ago (core/oauth.ts: OAUTH_PURGE_AFTER_MS, a
 * week; SPENT_REFRESH_PURGE_AFTER_MS, 30 days, for spent refresh tokens; expired requests at once),
 * and forgets the sealed pairs of refreshes whose 30 s replay window has passed.
 *
 * Safe on every node: each kind is one short transaction of at most OAUTH_PURGE_BATCH rows, claimed
 * with FOR UPDATE SKIP LOCKED on PostgreSQL (two nodes take different rows) and under SQLite's write
 * lock; deleting is idempotent. A run is bounded; a run that found a full batch of some kind is
 * followed at once by another, so a backlog drains without any run being long.
 */
import type { Clock } from "../core/clock.js";
import {
  OAUTH_PURGE_AFTER_MS,
  OAUTH_PURGE_BATCH,
  OAUTH_PURGE_INTERVAL_MS,
  REFRESH_REPLAY_WINDOW_MS,
  SPENT_REFRESH_PURGE_AFTER_MS,
} from "../core/oauth.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { PollLoop, withRetry } from "../notify/worker.js";
import { OAuthPurgeStore } from "../store/oauth-purge-store.js";
import type { Store } from "../store/store.js";

export interface OAuthPurgeReport {
  at: number;
  accessTokens: number;
  refreshTokens: number;
  codes: number;
  requests: number;
  /** Some kind filled its batch: more is due, and the next run follows at once. */
  more: boolean;
}

export interface OAuthPurgeDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Rows of each kind per run (tests make it small). */
  batch?: number;
}

export class OAuthPurge {
  private readonly loop = new PollLoop(
    async () => (await this.run()).more,
    (err) => this.deps.logger.error({ err }, "oauth purge failed; will try again"),
  );
  /** Runs never overlap within one instance. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly deps: OAuthPurgeDeps) {}

  /** One bounded run at `now`; logs and counts what it deleted. */
  run(now = this.deps.clock.now()): Promise<OAuthPurgeReport> {
    const run = this.queue.catch(() => {}).then(() => this.purge(now));
    this.queue = run;
    return run;
  }

  private async purge(now: number): Promise<OAuthPurgeReport> {
    const { store, metrics, logger } = this.deps;
    const limit = this.deps.batch ?? OAUTH_PURGE_BATCH;
    const ended = now - OAUTH_PURGE_AFTER_MS;
    const inTx = <T>(fn: (p: OAuthPurgeStore) => Promise<T>) =>
      withRetry(() => store.transaction((s) => fn(new OAuthPurgeStore(s.db, s.dialect))));

    const accessTokens = await inTx(async (p) => {
      const keys = await p.endedAccessKeys(ended, limit);
      const lastUse = new Map<string, number>();
      for (const k of keys)
        if (k.installId && k.lastUsedAt !== null)
          lastUse.set(k.installId, Math.max(lastUse.get(k.installId) ?? 0, k.lastUsedAt));
      await p.keepLastUses(lastUse);
      await p.deleteAccessKeys(keys.map((k) => k.id));
      return keys.length;
    });
    const refreshTokens = await inTx((p) =>
      p.deleteRefreshTokens(ended, now - SPENT_REFRESH_PURGE_AFTER_MS, limit),
    );
    const codes = await inTx((p) => p.deleteCodes(ended, limit));
    const requests = await inTx((p) => p.deleteRequests(now, limit));
    // Sealed pairs past their replay window: a refresh forgets them too, but only when one happens.
    await withRetry(() => store.oauth().forgetPairs(now - REFRESH_REPLAY_WINDOW_MS));

    const report: OAuthPurgeReport = {
      at: now,
      accessTokens,
      refreshTokens,
      codes,
      requests,
      more: [accessTokens, refreshTokens, codes, requests].some((n) => n >= limit),
    };
    metrics.oauthPurged.labels("access_token").inc(accessTokens);
    metrics.oauthPurged.labels("refresh_token").inc(refreshTokens);
    metrics.oauthPurged.labels("code").inc(codes);
    metrics.oauthPurged.labels("request").inc(requests);
    if (accessTokens + refreshTokens + codes + requests > 0)
      logger.info(
        { accessTokens, refreshTokens, codes, requests, more: report.more },
        "oauth purge: ended tokens, codes and requests deleted",
      );
    return report;
  }

  start(intervalMs = OAUTH_PURGE_INTERVAL_MS): void {
    this.loop.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.queue.catch(() => {});
  }
}
