/**
 * Uses answered from the SDK's cache, gathered per key (and UTC day: an entry's count is of the day
 * of its last use) and sent to `POST /api/verify/uses` on a timer — every 5 s by default — and on
 * `close()`. A legacy v1 key's uses are kept apart per route, client and address, since Keyward's
 * migration report lists them. A report that fails is merged back into the next one.
 *
 * The cache's refusals of a valid key (`insufficient_scope`, `location_forbidden`) are not uses —
 * Keyward does not count them as uses either — but they are verifications by code (usage by code):
 * they are reported as entries of their own (`count` 0, `refused` per code), in requests sent after
 * the uses' — so that a Keyward older than `refused`, which refuses those requests (400), still
 * records every use; such a refusal report is dropped, not resent forever.
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
  /** Verifications refused here that are not uses, by code (undefined: none). */
  refused: Partial<Record<CacheRefusal, number>> | undefined;
}

/** What the cache refuses of a key known valid without it being a use. */
export type CacheRefusal = "insufficient_scope" | "location_forbidden";

export class UseBatcher {
  private pending = new Map<string, UseEntry>();
  /** Entries of a UTC day already over, waiting for the next report. */
  private finished: UseEntry[] = [];
  private dayEnd = 0;
  /** Reports sent (requests), for tests and the benchmark. */
  reports = 0;

  constructor(
    private readonly send: (body: string) => Promise<void>,
    /** Told of refusal reports Keyward could not take (400) and dropped. */
    private readonly onDropped: (err: unknown) => void = () => {},
  ) {}

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
    const slot = slotOf(keyId, legacy, ip, userAgent, endpoint);
    const e = this.pending.get(slot);
    if (e === undefined) {
      const created: UseEntry = {
        keyId,
        count: 1,
        lastUsedAt: now,
        ip,
        userAgent,
        endpoint,
        rateLimited: 0,
        refused: undefined,
      };
      this.pending.set(slot, created);
      return created;
    }
    // An entry of refusals alone dates from its latest refusal: its first use sets the time.
    if (e.count++ === 0 || now >= e.lastUsedAt) {
      e.lastUsedAt = now;
      if (ip !== undefined) e.ip = ip;
      if (userAgent !== undefined) e.userAgent = userAgent;
      if (endpoint !== undefined) e.endpoint = endpoint;
    }
    return e;
  }

  /**
   * One verification refused at `now` with `code` (not a use): counted on the key's entry, which it
   * creates with `count` 0 if need be. Not the hot path (a refusal), so plainly written.
   */
  refuse(
    keyId: string,
    legacy: boolean,
    now: number,
    code: CacheRefusal,
    ip?: string,
    userAgent?: string,
    endpoint?: string,
  ): void {
    if (now >= this.dayEnd) this.newDay(now);
    const slot = slotOf(keyId, legacy, ip, userAgent, endpoint);
    let e = this.pending.get(slot);
    if (e === undefined) {
      e = { keyId, count: 0, lastUsedAt: now, ip, userAgent, endpoint, rateLimited: 0, refused: undefined };
      this.pending.set(slot, e);
    } else if (e.count === 0 && now > e.lastUsedAt) e.lastUsedAt = now;
    e.refused ??= {};
    e.refused[code] = (e.refused[code] ?? 0) + 1;
  }

  get pendingEntries(): number {
    return this.pending.size + this.finished.length;
  }

  /**
   * Sends everything gathered, uses first, then refusals; what fails to send is kept for the next
   * flush, except a refusal report Keyward answers 400 (it does not know `refused`): dropped.
   */
  async flush(): Promise<void> {
    const batch = [...this.finished, ...this.pending.values()];
    this.finished = [];
    this.pending = new Map();
    if (batch.length === 0) return;
    const uses: UseEntry[] = [];
    const refusals: UseEntry[] = [];
    for (const e of batch) {
      if (e.count > 0) uses.push(e.refused === undefined ? e : { ...e, refused: undefined });
      if (e.refused !== undefined)
        refusals.push({
          ...e,
          count: 0,
          rateLimited: 0,
          ip: undefined,
          userAgent: undefined,
          endpoint: undefined,
        });
    }
    const parts = [...chunks(uses), ...chunks(refusals)];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      try {
        await this.send(JSON.stringify({ uses: part.map(wire) }));
        this.reports++;
      } catch (err) {
        if (part[0]!.count === 0 && err instanceof ReportError && err.status === 400) {
          this.onDropped(err);
          continue;
        }
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

/** A key's entry; a legacy key's per route, client and address. */
function slotOf(keyId: string, legacy: boolean, ip?: string, userAgent?: string, endpoint?: string): string {
  return legacy ? `${keyId}\u0000${endpoint ?? ""}\u0000${userAgent ?? ""}\u0000${ip ?? ""}` : keyId;
}

/** A report Keyward answered with an error status. */
export class ReportError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
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
    ...(e.refused !== undefined ? { refused: e.refused } : {}),
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
