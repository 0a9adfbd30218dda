/**
 * Uses answered from the SDK's cache, gathered per key (and UTC day: an entry's count is of the day
 * of its last use) and sent to `POST /api/verify/uses` on a timer — every 5 s by default — and on
 * `close()`. A legacy v1 key's uses are kept apart per route, client and address, since Keyward's
 * migration report lists them. A report that fails is merged back into the next one.
 */
const DAY = 86_400_000;
/** Entries per request, and roughly its size: well under Keyward's default body limit (64 KiB). */
const MAX_ENTRIES_PER_REQUEST = 1000;
const MAX_BYTES_PER_REQUEST = 48 * 1024;

export interface UseEntry {
  keyId: string;
  count: number;
  lastUsedAt: number;
  ip: string | undefined;
  userAgent: string | undefined;
  endpoint: string | undefined;
  /** How many of `count` were refused rate_limited here (Keyward counts them from the limit reports). */
  rateLimited: number;
}

export class UseBatcher {
  private pending = new Map<string, UseEntry>();
  /** Entries of a UTC day already over, waiting for the next report. */
  private finished: UseEntry[] = [];
  private dayEnd = 0;
  /** Reports sent (requests), for tests and the benchmark. */
  reports = 0;

  constructor(private readonly send: (body: string) => Promise<void>) {}

  /**
   * One use at `now` (the hot path: a map read and a few field writes). Answers its entry, whose
   * `rateLimited` the caller raises when it refuses the use.
   */
  add(
    keyId: string,
    legacy: boolean,
    now: number,
    ip?: string,
    userAgent?: string,
    endpoint?: string,
  ): UseEntry {
    if (now >= this.dayEnd) this.newDay(now);
    const slot = legacy ? `${keyId}\u0000${endpoint ?? ""}\u0000${userAgent ?? ""}\u0000${ip ?? ""}` : keyId;
    const e = this.pending.get(slot);
    if (e === undefined) {
      const created = { keyId, count: 1, lastUsedAt: now, ip, userAgent, endpoint, rateLimited: 0 };
      this.pending.set(slot, created);
      return created;
    }
    e.count++;
    if (now >= e.lastUsedAt) {
      e.lastUsedAt = now;
      if (ip !== undefined) e.ip = ip;
      if (userAgent !== undefined) e.userAgent = userAgent;
      if (endpoint !== undefined) e.endpoint = endpoint;
    }
    return e;
  }

  get pendingEntries(): number {
    return this.pending.size + this.finished.length;
  }

  /** Sends everything gathered; what fails to send is kept for the next flush. */
  async flush(): Promise<void> {
    const batch = [...this.finished, ...this.pending.values()];
    this.finished = [];
    this.pending = new Map();
    if (batch.length === 0) return;
    const parts = [...chunks(batch)];
    for (let i = 0; i < parts.length; i++) {
      try {
        await this.send(JSON.stringify({ uses: parts[i]!.map(wire) }));
        this.reports++;
      } catch (err) {
        this.finished.push(...parts.slice(i).flat());
        throw err;
      }
    }
  }

  private newDay(now: number): void {
    // Uses of the day that ended are reported as that day's.
    this.finished.push(...this.pending.values());
    this.pending = new Map();
    this.dayEnd = (Math.floor(now / DAY) + 1) * DAY;
  }
}

function wire(e: UseEntry) {
  return {
    keyId: e.keyId,
    count: e.count,
    lastUsedAt: new Date(e.lastUsedAt).toISOString(),
    ...(e.ip !== undefined ? { ip: e.ip.slice(0, 64) } : {}),
    ...(e.userAgent !== undefined ? { userAgent: e.userAgent.slice(0, 500) } : {}),
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint.slice(0, 200) } : {}),
    ...(e.rateLimited > 0 ? { rateLimited: e.rateLimited } : {}),
  };
}

function* chunks(batch: UseEntry[]): Generator<UseEntry[]> {
  let part: UseEntry[] = [];
  let bytes = 0;
  for (const e of batch) {
    const size = 120 + (e.ip?.length ?? 0) + (e.userAgent?.length ?? 0) + (e.endpoint?.length ?? 0);
    if (part.length > 0 && (part.length >= MAX_ENTRIES_PER_REQUEST || bytes + size > MAX_BYTES_PER_REQUEST)) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(e);
    bytes += size;
  }
  if (part.length > 0) yield part;
}
