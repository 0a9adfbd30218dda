/** Prometheus metrics, one registry per Keyward instance (two apps in one process share nothing). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  readonly verifications = new Counter({
    name: "keyward_verifications_total",
    help: "Token verifications by outcome code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly verifyLatency = new Histogram({
    name: "keyward_verification_duration_seconds",
    help: "Time to verify a token, cache hits and misses",
    buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: "keyward_http_requests_total",
    help: "HTTP requests by status class",
    labelNames: ["status"] as const,
    registers: [this.registry],
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
  /** Pre-bound children: the hot path does not look labels up by name. */
  private readonly byCode = new Map<string, { inc(): void }>();

  countVerification(code: string): void {
    let c = this.byCode.get(code);
    if (!c) {
      c = this.verifications.labels(code);
      this.byCode.set(code, c);
    }
    c.inc();
  }
}
