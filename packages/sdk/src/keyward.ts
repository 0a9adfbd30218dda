/**
 * `Keyward`: verifies API keys in-process. The first verification of a token asks Keyward
 * (`POST /api/verify`); a valid answer is kept, keyed by the token's SHA-256, so the next one is a
 * hash and a map look-up, with the scope and location checks done here exactly as Keyward does them.
 * The cache stays correct through Keyward's event stream (`GET /api/verify/events`): every
 * revocation, rotation, deletion, expiry, scope or plan change drops what it concerns. While the
 * stream is down an entry is trusted for at most 1 s. Uses answered here are reported to Keyward in
 * batches (`POST /api/verify/uses`), so its last-used times and inactivity lifecycle see them.
 */
import { type Entry, sha256, TokenCache } from "./cache.js";
import { EventStream, type StreamEvent, type StreamState } from "./events.js";
import { type LimitReport, LocalLimits } from "./limits.js";
import type { Clock, Timers, VerifiedKey, VerifyAnswer, VerifyCode, VerifyOptions } from "./types.js";
import { ReportError, UseBatcher } from "./uses.js";

export interface KeywardOptions {
  /** Where Keyward answers, e.g. `https://keyward.internal`. */
  baseUrl: string;
  /** A service credential with the `verify` scope (or KEYWARD_SERVICE_TOKEN). */
  credential: string;
  /** How long a valid answer is kept while the event stream is connected (default 5 minutes). */
  cacheTtlMs?: number;
  /** Tokens kept at most (default 100,000); beyond it the oldest-loaded entry goes. */
  maxEntries?: number;
  /**
   * What `verify` answers when Keyward cannot be reached: "closed" (default) answers `unavailable`;
   * "open" answers from a cached entry even past its lifetime (marked `stale`), and `unavailable`
   * for a token it never saw valid. An entry an event dropped is gone in either mode.
   */
  failMode?: "closed" | "open";
  /** How long a trip to Keyward may take (default 2 s). */
  timeoutMs?: number;
  /** Use reports are sent this often at most (default 5 s). */
  reportIntervalMs?: number;
  /**
   * Enforce the keys' `local` rate limits in-process (default true): Keyward is asked with
   * `consume: true`, cached verifications are counted against the limits it names, and refused
   * `rate_limited` as Keyward refuses. Keys under a `strict` limit are never answered from the cache.
   */
  rateLimits?: boolean;
  /** How often the rate-limit counts are reconciled with Keyward (default 500 ms). */
  limitSyncMs?: number;
  /** Hold the event stream (default true). Without it, every entry lives at most 1 s. */
  stream?: boolean;
  /**
   * The longest the event stream waits when Keyward refuses it with `Retry-After` (429
   * `too_many_streams`; default 60 s): a wrong or hostile value must not keep the stream down for long.
   */
  maxRetryAfterMs?: number;
  /** Time, for tests (default Date.now). */
  clock?: Clock;
  /** The use report's timer, for tests (default setInterval). */
  timers?: Timers;
  /** Told of failures that are not any verification's answer (a use report that failed). */
  onError?: (err: unknown) => void;
}

export interface Health {
  /** The event stream: connected (live invalidation), connecting, or down. */
  stream: StreamState;
  /** Whether cached answers are trusted for `cacheTtlMs` (false: 1 s, the stream cannot vouch). */
  live: boolean;
  /** How long a cached answer is trusted right now. */
  cacheTtlMs: number;
  entries: number;
  lastEventId: string | null;
  /** Why the stream is not connected, when it is not. */
  detail?: string;
  /** Since when the stream is in its state (ms since the epoch). */
  since: number;
  reconnects: number;
  pendingUses: number;
  useReports: number;
  failMode: "closed" | "open";
}

/** While the event stream cannot vouch for an entry: Keyward's promise for a revocation. */
export const UNVOUCHED_TTL_MS = 1_000;

/** The default options, shared: a default parameter `= {}` would allocate on every call. */
const NO_OPTIONS: VerifyOptions = Object.freeze({});

const systemClock: Clock = { now: () => Date.now() };
const systemTimers: Timers = {
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export class Keyward {
  readonly baseUrl: string;
  readonly failMode: "closed" | "open";
  private readonly credential: string;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly cache: TokenCache;
  private readonly uses: UseBatcher;
  private readonly stream: EventStream | null;
  private readonly reportTimer: unknown;
  /** The keys' local rate limits, or null when not enforced here. */
  private readonly limits: LocalLimits | null;
  private readonly limitTimer: unknown;
  private limitSync: Promise<void> | null = null;
  private readonly onError: (err: unknown) => void;
  private vouched = true;
  private streamSince: number;
  private streamDetail: string | undefined = "connecting";
  private closed = false;

  constructor(opts: KeywardOptions) {
    if (!opts.baseUrl) throw new TypeError("Keyward: baseUrl is required, e.g. https://keyward.internal");
    if (!opts.credential) throw new TypeError("Keyward: credential (a service credential) is required");
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.credential = opts.credential;
    this.ttlMs = opts.cacheTtlMs ?? 300_000;
    this.timeoutMs = opts.timeoutMs ?? 2_000;
    this.failMode = opts.failMode ?? "closed";
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
    this.onError = opts.onError ?? (() => {});
    this.cache = new TokenCache(opts.maxEntries ?? 100_000);
    this.uses = new UseBatcher(
      (body) => this.sendUses(body),
      (err) => this.onError(err),
    );
    this.streamSince = Date.now();
    this.reportTimer = this.timers.setInterval(() => {
      this.uses.flush().catch(this.onError);
    }, opts.reportIntervalMs ?? 5_000);
    this.limits = opts.rateLimits === false ? null : new LocalLimits();
    this.limitTimer =
      this.limits === null
        ? null
        : this.timers.setInterval(() => {
            this.syncLimits().catch(this.onError);
          }, opts.limitSyncMs ?? 500);
    this.stream =
      opts.stream === false
        ? null
        : new EventStream({
            url: `${this.baseUrl}/api/verify/events`,
            headers: { authorization: `Bearer ${this.credential}` },
            now: () => Date.now(),
            onEvent: (e) => this.onEvent(e),
            onState: (_state, detail) => {
              this.streamSince = Date.now();
              this.streamDetail = detail;
            },
            ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
          });
    this.stream?.start();
  }

  /**
   * Verifies a token: from the cache when it holds a live valid answer for it, else by asking
   * Keyward. Answers as `POST /api/verify` does; never throws for an outcome.
   */
  verify(token: string, opts: VerifyOptions = NO_OPTIONS): Promise<VerifyAnswer> {
    // Hashed once: a miss takes the hash to the request (its answer is cached under it).
    const hash = sha256(token);
    const hit = this.fromCache(hash, opts);
    return hit !== undefined ? Promise.resolve(hit) : this.remote(token, hash, opts);
  }

  /**
   * The cached answer for a token, synchronously, or undefined when Keyward must be asked (not
   * cached, too old, or an agency key asked about a location not yet seen). Counts as a use when it
   * answers valid (a refusal it answers is counted by code, as Keyward counts its own).
   */
  verifyCached(token: string, opts: VerifyOptions = NO_OPTIONS): VerifyAnswer | undefined {
    return this.fromCache(sha256(token), opts);
  }

  /** Whether cached answers are trusted for the full lifetime: the stream is live and vouches for them. */
  private get live(): boolean {
    const s = this.stream;
    return s !== null && s.state === "connected" && this.vouched && Date.now() - s.lastSeen <= s.staleAfterMs;
  }

  health(): Health {
    const live = this.live;
    return {
      stream: this.stream ? this.stream.state : "down",
      live,
      cacheTtlMs: live ? this.ttlMs : Math.min(this.ttlMs, UNVOUCHED_TTL_MS),
      entries: this.cache.size,
      lastEventId: this.stream?.lastEventId ?? null,
      ...(!live
        ? {
            detail: !this.stream
              ? "the event stream is off (stream: false)"
              : !this.vouched
                ? "the Keyward node does not hear the other nodes right now"
                : (this.streamDetail ?? "no heartbeat"),
          }
        : {}),
      since: this.streamSince,
      reconnects: Math.max(0, (this.stream?.connections ?? 0) - 1),
      pendingUses: this.uses.pendingEntries,
      useReports: this.uses.reports,
      failMode: this.failMode,
    };
  }

  /** Sends the uses gathered so far (the timer does it every 5 s; `close()` does it last). */
  flushUses(): Promise<void> {
    return this.uses.flush();
  }

  /**
   * Reports the rate-limit units counted here since the last report and takes Keyward's shared
   * counts (the timer does it every `limitSyncMs`). Reports never overlap.
   */
  syncLimits(): Promise<void> {
    this.limitSync ??= this.reconcile().finally(() => {
      this.limitSync = null;
    });
    return this.limitSync;
  }

  /** Stops the stream and the timers, and reports the last uses and rate-limit counts. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.close();
    this.timers.clearInterval(this.reportTimer);
    if (this.limits !== null) {
      this.timers.clearInterval(this.limitTimer);
      await this.syncLimits().catch(this.onError);
    }
    await this.uses.flush();
  }

  // ── the cache ──

  private fromCache(hash: string, opts: VerifyOptions): VerifyAnswer | undefined {
    const e = this.cache.get(hash);
    if (e === undefined) return undefined;
    const now = this.clock.now();
    const age = now - e.loadedAt;
    if (age > this.ttlMs || (age > UNVOUCHED_TTL_MS && !this.live)) return undefined;
    return this.judge(e, opts, now);
  }

  /**
   * The checks Keyward makes of a key already known valid: location, then scopes; then a use. A
   * refusal is not a use, but it is reported, as Keyward counts its own refusals by code.
   */
  private judge(e: Entry, opts: VerifyOptions, now: number): VerifyAnswer | undefined {
    const loc = opts.locationId;
    if (loc !== undefined) {
      const reaches =
        e.locationId !== null
          ? e.locationId === loc
          : // An agency key reaches its agency's locations; one not seen yet is Keyward's to judge.
            this.cache.agencyOfLocation(loc);
      if (reaches === undefined) return undefined;
      if (reaches !== true && reaches !== e.key.agencyId) {
        this.uses.refuse(
          e.key.id,
          e.legacy,
          now,
          "location_forbidden",
          opts.clientIp,
          opts.userAgent,
          opts.endpoint,
        );
        return {
          valid: false,
          code: "location_forbidden",
          message: "The token does not have access to this location.",
          key: e.key,
        };
      }
    }
    const required = opts.requiredScopes;
    if (required !== undefined && !e.legacy) {
      let missing: string[] | undefined;
      for (const s of required)
        if (!e.key.scopes.includes(s)) {
          missing ??= [];
          missing.push(s);
        }
      if (missing) {
        this.uses.refuse(
          e.key.id,
          e.legacy,
          now,
          "insufficient_scope",
          opts.clientIp,
          opts.userAgent,
          opts.endpoint,
        );
        return {
          valid: false,
          code: "insufficient_scope",
          message: `The token is not authorized for this scope: ${missing.join(", ")}.`,
          missingScopes: missing,
          key: e.key,
        };
      }
    }
    const use = this.uses.add(e.key.id, e.legacy, now, opts.clientIp, opts.userAgent, opts.endpoint);
    // Counted against its limits; a refusal is still a use (its owner is plainly using the key),
    // reported as refused so that Keyward does not count it `valid` too.
    const limits = e.limits;
    if (limits !== null) {
      const i = this.limits!.take(limits, now);
      if (i >= 0) {
        use.rateLimited++;
        return this.limits!.refusal(limits, i, e.key, now);
      }
    }
    return e.answer;
  }

  // ── Keyward ──

  private async remote(token: string, hash: string, opts: VerifyOptions): Promise<VerifyAnswer> {
    const gen = this.cache.generation;
    let res: Response;
    let body: Record<string, unknown>;
    try {
      res = await fetch(`${this.baseUrl}/api/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.credential}`, "content-type": "application/json" },
        body: JSON.stringify({
          token,
          ...(opts.requiredScopes ? { requiredScopes: opts.requiredScopes } : {}),
          ...(opts.locationId !== undefined ? { locationId: opts.locationId } : {}),
          ...(opts.clientIp !== undefined ? { clientIp: opts.clientIp } : {}),
          ...(this.limits !== null ? { consume: true } : {}),
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = (await res.json()) as Record<string, unknown>;
    } catch (err) {
      return this.unreachable(hash, opts, `Keyward could not be reached: ${(err as Error).message}`);
    }
    if (res.status === 429 && body.code === "too_many_failures")
      return {
        valid: false,
        code: "too_many_failures",
        message: String(body.detail ?? "Too many failed attempts."),
        retryAfter: Number(res.headers.get("retry-after") ?? body.retryAfter ?? 60),
      };
    if (res.status !== 200 || typeof body.code !== "string")
      return this.unreachable(
        hash,
        opts,
        `Keyward answered ${res.status} ${String(body.code ?? "")}: ${String(body.detail ?? "")}`.trim(),
      );
    const answer = toAnswer(body);
    if (answer.valid && answer.key) {
      const key = answer.key;
      if (opts.locationId !== undefined && key.owner.type === "agency")
        this.cache.learnLocation(opts.locationId, key.agencyId);
      // An event during the trip may concern what it answered: use it once, keep nothing.
      if (body.cache !== false && this.cache.generation === gen) {
        const now = this.clock.now();
        const rl = body.rateLimit as VerifyAnswer["rateLimit"];
        const limits = this.limits !== null && rl ? this.limits.policyFor(key, rl.limits, now) : null;
        // A strict limit is decided by Keyward alone (it says cache: false too).
        if (rl?.limits.some((l) => l.mode === "strict")) return answer;
        this.cache.put({
          hash,
          key,
          limits,
          locationId: key.owner.type === "location" ? key.owner.id : null,
          legacy: key.kind === "legacy_v1",
          answer: Object.freeze({ valid: true, code: "valid", key }),
          loadedAt: now,
        });
      }
    }
    return answer;
  }

  private unreachable(hash: string, opts: VerifyOptions, message: string): VerifyAnswer {
    if (this.failMode === "open") {
      const e = this.cache.get(hash);
      if (e) {
        const a = this.judge(e, opts, this.clock.now());
        if (a) return a.valid ? { ...a, stale: true } : a;
      }
    }
    return { valid: false, code: "unavailable", message };
  }

  private async reconcile(): Promise<void> {
    const limits = this.limits;
    if (limits === null) return;
    const report: LimitReport | null = limits.report(this.clock.now());
    if (report === null) return;
    try {
      const res = await fetch(`${this.baseUrl}/api/verify/limits`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.credential}`, "content-type": "application/json" },
        body: JSON.stringify(report.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`POST /api/verify/limits answered ${res.status}: ${await res.text()}`);
      limits.apply((await res.json()) as Parameters<LocalLimits["apply"]>[0], this.clock.now());
    } catch (err) {
      limits.putBack(report);
      throw err;
    }
  }

  private async sendUses(body: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/verify/uses`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.credential}`, "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(this.timeoutMs * 5),
    });
    if (!res.ok)
      throw new ReportError(res.status, `POST /api/verify/uses answered ${res.status}: ${await res.text()}`);
    await res.body?.cancel();
  }

  // ── events ──

  private onEvent(e: StreamEvent): void {
    const d = (e.data ?? {}) as Record<string, unknown>;
    switch (e.event) {
      case "ready":
        this.vouched = d.vouched !== false;
        // Not resumed: what was cached before may have missed events.
        if (d.resumed !== true) this.cache.clear();
        break;
      case "heartbeat":
        this.vouched = d.vouched !== false;
        break;
      case "key":
        if (typeof d.keyId === "string") this.cache.dropKey(d.keyId);
        break;
      case "agency":
        if (typeof d.agencyId === "string") this.cache.dropAgency(d.agencyId);
        break;
      case "location":
        if (typeof d.locationId === "string") this.cache.dropLocation(d.locationId);
        break;
      case "flush":
        this.cache.clear();
        break;
    }
  }
}

function toAnswer(body: Record<string, unknown>): VerifyAnswer {
  const a: VerifyAnswer = { valid: body.valid === true, code: body.code as VerifyCode };
  if (typeof body.message === "string") a.message = body.message;
  if (body.key && typeof body.key === "object") a.key = body.key as VerifiedKey;
  if (Array.isArray(body.missingScopes)) a.missingScopes = body.missingScopes as string[];
  // Valid answers are the same from Keyward and from the cache: the limits' state only with a refusal.
  if (a.code === "rate_limited" && body.rateLimit && typeof body.rateLimit === "object")
    a.rateLimit = body.rateLimit as VerifyAnswer["rateLimit"];
  return a;
}
