/** Prometheus metrics, one registry per Keyward instance (two apps in one process share nothing). */
import { Counter, Gauge, Registry } from "prom-client";

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A label-less histogram that counts into a plain array: prom-client's `Histogram.observe` hashes
 * labels and copies objects on every call, a measurable share of a cached verification
 * (bench/verify-http.ts). The registry reads it through `get()`, in the same shape as prom-client's
 * histograms (`_bucket` with cumulative `le` counts, `_sum`, `_count`).
 */
export class CheapHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  /** Same bucket rule as prom-client: the first bucket whose bound is at least the value. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    let acc = 0;
    const bucket = `${this.name}_bucket`;
    this.buckets.forEach((le, i) => {
      acc += this.counts[i]!;
      values.push({ labels: { le }, value: acc, metricName: bucket });
    });
    values.push({ labels: { le: "+Inf" }, value: this.count, metricName: bucket });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class Metrics {
  readonly registry = new Registry();
  /** Verifications by code since the last scrape, counted in plain numbers (the hot path). */
  private readonly unreported = new Map<string, number>();
  readonly verifications = new Counter({
    name: "keyward_verifications_total",
    help: "Token verifications by outcome code",
    labelNames: ["code"] as const,
    registers: [this.registry],
    collect: () => {
      for (const [code, n] of this.unreported) if (n > 0) this.verifications.labels(code).inc(n);
      this.unreported.clear();
    },
  });
  readonly sdkVerifications = new Counter({
    name: "keyward_sdk_verifications_total",
    help: "Token verifications SDKs answered from their caches, by outcome code, as their use and limit reports tell",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly verifyLatency = new CheapHistogram(
    "keyward_verification_duration_seconds",
    "Time to verify a token, cache hits and misses",
    [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
  );
  /** Responses by status code since the last scrape, in a plain array (counted on every request). */
  private readonly responses = new Float64Array(600);
  readonly httpRequests = new Counter({
    name: "keyward_http_requests_total",
    help: "HTTP responses by status code",
    labelNames: ["status"] as const,
    registers: [this.registry],
    collect: () => {
      for (let status = 100; status < 600; status++) {
        const n = this.responses[status]!;
        if (n > 0) this.httpRequests.labels(String(status)).inc(n);
      }
      this.responses.fill(0);
    },
  });
  readonly cacheEntries = new Gauge({
    name: "keyward_cache_entries",
    help: "Tokens held in the verification cache",
    registers: [this.registry],
  });
  readonly invalidationConnected = new Gauge({
    name: "keyward_invalidation_connected",
    help: "1 while this node receives cache invalidations from other nodes (always 1 on one node)",
    registers: [this.registry],
  });
  readonly failedSignins = new Counter({
    name: "keyward_failed_signins_total",
    help: "Sign-ins refused for a wrong e-mail or password",
    registers: [this.registry],
  });
  readonly failedAuth = new Counter({
    name: "keyward_failed_auth_total",
    help: "Failures counted by the per-address limit (unknown or malformed tokens, wrong service tokens)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly attemptsRefused = new Counter({
    name: "keyward_attempts_refused_total",
    help: "Requests refused by a brute-force limit, by limit",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });
  readonly verifyStreams = new Gauge({
    name: "keyward_verify_streams",
    help: "SDK event streams (GET /api/verify/events) open on this node",
    registers: [this.registry],
  });
  readonly verifyStreamsDropped = new Counter({
    name: "keyward_verify_streams_dropped_total",
    help: "SDK event streams dropped because their client did not read",
    registers: [this.registry],
  });
  readonly verifyStreamsRefused = new Counter({
    name: "keyward_verify_streams_refused_total",
    help: "SDK event streams refused: their credential held as many as it may (429 too_many_streams)",
    registers: [this.registry],
  });
  readonly oauthPurged = new Counter({
    name: "keyward_oauth_purged_total",
    help: "OAuth rows deleted by the purge, by kind (access_token, refresh_token, code, request)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  constructor() {
    this.registry.registerMetric(this.verifyLatency as never);
  }

  countResponse(status: number): void {
    if (status >= 100 && status < 600) this.responses[status]!++;
  }

  /** `n` verifications an SDK answered from its cache (reported later, off the hot path). */
  countSdkVerifications(code: string, n: number): void {
    this.sdkVerifications.labels(code).inc(n);
  }

  countVerification(code: string): void {
    this.unreported.set(code, (this.unreported.get(code) ?? 0) + 1);
  }
}
