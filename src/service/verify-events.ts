/**
 * The verification event stream (`GET /api/verify/events`): what an SDK's in-process cache must
 * drop, as it happens. Its source is the invalidation bus — the same messages that clear this node's
 * own verification cache, whichever node made the change (PostgreSQL nodes hear each other over
 * LISTEN/NOTIFY, SQLite processes over the change log) — so an SDK connected to one node hears a
 * revocation made on another.
 *
 * Events carry ids only (key, agency, location), never a token or its hash: the SDK indexes its cache
 * by key id and agency id. Each event gets an id (`<epoch>-<seq>`, the epoch is this process's) and
 * is kept in a bounded ring, so a client reconnecting with `Last-Event-ID` is replayed what it missed;
 * when it cannot be (another process's id, or one older than the ring), it is told to flush
 * everything. A subscriber whose `write` refuses (its buffer is full: a client that does not read) is
 * dropped, and nobody else waits for it.
 */
import { randomBytes } from "node:crypto";
import { ApiError } from "../core/errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { CacheBus, Invalidation } from "../store/invalidation.js";
import type { Store } from "../store/store.js";
import { UsageStore } from "../store/usage-store.js";

/** One SSE frame, encoded once and shared by every stream it goes to. */
interface Frame {
  seq: number;
  /** The agency it concerns; undefined: unknown, sent to every stream (an id alone tells nothing). */
  agencyId: string | undefined;
  /** A key's or location's event emitted while no agency stream listened: its owner was never read. */
  unresolved?: true;
  bytes: Uint8Array;
}

export interface EventSink {
  /** The credential's agency (an agency's own credential), or null for an operator-level one. */
  agencyId: string | null;
  /**
   * Who holds the stream (a service credential's id), for the cap on streams per credential;
   * undefined: not counted (an in-process subscriber).
   */
  holder?: string;
  /** Queues bytes for the client; false when its buffer is full (it is then dropped). */
  write(bytes: Uint8Array): boolean;
  /** Ends the stream (dropped, or the server is closing). */
  close(reason: "slow" | "closing"): void;
}

export interface VerifyEventsOptions {
  bus: CacheBus;
  store: Store;
  logger: Logger;
  /** Events kept for `Last-Event-ID` resynchronisation. */
  ringSize?: number;
  /** How often every stream gets a heartbeat (real time: it is about the network). */
  heartbeatMs?: number;
  metrics: Metrics;
  /** Streams one holder may have open at once (KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL). */
  maxPerHolder: number;
}

/** How long a refused stream is told to wait: a slot frees when one of its holder's streams ends. */
const STREAM_RETRY_AFTER_SECONDS = 30;

const ENCODER = new TextEncoder();
const FOREVER = Number.MAX_SAFE_INTEGER;

export class VerifyEvents {
  /** This process's epoch: ids of another process (or of before a restart) cannot be resumed here. */
  readonly epoch = randomBytes(4).toString("hex");
  readonly heartbeatMs: number;
  private readonly ringSize: number;
  private readonly ring: Frame[] = [];
  private seq = 0;
  private readonly sinks = new Set<EventSink>();
  /** Open streams per holder (a credential cannot hold every connection this node can take). */
  private readonly held = new Map<string, number>();
  private scoped = 0;
  private queue: Invalidation[] = [];
  private draining = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  /** Streams dropped for not reading, for tests and /metrics-minded operators. */
  dropped = 0;

  constructor(private readonly opts: VerifyEventsOptions) {
    this.ringSize = opts.ringSize ?? 10_000;
    this.heartbeatMs = opts.heartbeatMs ?? 500;
    opts.bus.subscribe((msg) => this.onMessage(msg));
  }

  get streams(): number {
    return this.sinks.size;
  }

  /** The id of the newest event, as a client would send it back. */
  get lastEventId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  /**
   * Throws 429 too_many_streams when `holder` already holds as many streams as it may; `subscribe`
   * checks the same. Asked first, it lets a caller refuse before it builds anything for the stream.
   */
  admit(holder: string | undefined): void {
    if (holder === undefined || (this.held.get(holder) ?? 0) < this.opts.maxPerHolder) return;
    this.opts.metrics.verifyStreamsRefused.inc();
    throw new ApiError(
      "too_many_streams",
      `This credential already holds ${this.opts.maxPerHolder} event streams on this server (KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL): close one (one stream per SDK instance is enough) or retry in ${STREAM_RETRY_AFTER_SECONDS} seconds.`,
      { retryAfter: STREAM_RETRY_AFTER_SECONDS },
    );
  }

  /**
   * Starts a stream: the `ready` event (after a `flush` when `lastEventId` cannot be resumed, or the
   * events missed since it when it can), then every event as it happens. Returns the unsubscribe.
   */
  subscribe(sink: EventSink, lastEventId?: string): () => void {
    if (this.closed) {
      sink.close("closing");
      return () => {};
    }
    const holder = sink.holder;
    this.admit(holder);
    let from = lastEventId ? this.resumable(lastEventId) : null;
    // An agency's stream is never replayed events of unknown owners (they may be other agencies'
    // keys): it drops everything instead, which loses nothing it needed.
    if (from !== null && sink.agencyId !== null && this.ring.some((f) => f.seq > from! && f.unresolved))
      from = null;
    if (lastEventId && from === null)
      sink.write(
        this.frameBytes(this.seq, "flush", {
          reason: `cannot resume from Last-Event-ID ${JSON.stringify(lastEventId.slice(0, 40))}: it is older than the events kept, from another server process, or followed by events this stream cannot be told; drop everything cached`,
        }),
      );
    const replay = from === null ? [] : this.ring.filter((f) => f.seq > from && this.concerns(sink, f));
    sink.write(
      this.frameBytes(this.seq, "ready", {
        resumed: from !== null,
        heartbeatMs: this.heartbeatMs,
        vouched: this.vouched(),
      }),
    );
    for (const f of replay) if (!sink.write(f.bytes)) return this.drop(sink);
    this.sinks.add(sink);
    if (sink.agencyId !== null) this.scoped++;
    if (holder !== undefined) this.held.set(holder, (this.held.get(holder) ?? 0) + 1);
    this.opts.metrics.verifyStreams.set(this.sinks.size);
    this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    return () => this.remove(sink);
  }

  /** Ends every stream (the server is shutting down: SDKs reconnect to another node). */
  close(): void {
    this.closed = true;
    for (const s of [...this.sinks]) {
      this.remove(s);
      s.close("closing");
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** The ring's seq to replay after, or null when the id cannot be resumed. */
  private resumable(id: string): number | null {
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(id.trim());
    if (!m || m[1] !== this.epoch) return null;
    const seq = Number(m[2]);
    if (seq > this.seq) return null;
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    // Every event after `seq` must still be in the ring.
    return seq + 1 >= oldest || seq === this.seq ? seq : null;
  }

  /** Whether this node's bus vouches for cache entries (on PostgreSQL: its LISTEN connection is alive). */
  private vouched(): boolean {
    return this.opts.bus.maxEntryAgeMs(FOREVER) === FOREVER;
  }

  private concerns(sink: EventSink, f: Frame): boolean {
    return sink.agencyId === null || f.agencyId === undefined || f.agencyId === sink.agencyId;
  }

  private onMessage(msg: Invalidation): void {
    if (this.closed) return;
    this.queue.push(msg);
    if (!this.draining) void this.drain();
  }

  /**
   * Emits queued messages in order. Synchronous while every stream is operator-level; when an
   * agency's credential listens, the owners of the keys named are read first (one query per batch),
   * so that it hears of its own keys only.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const owners = this.scoped > 0 ? await this.ownersOf(batch) : undefined;
        for (const m of batch) this.emit(m, owners);
      }
    } finally {
      this.draining = false;
    }
  }

  private async ownersOf(batch: Invalidation[]): Promise<Map<string, string> | undefined> {
    const ids = batch.flatMap((m) => (m.type === "key" ? [m.id] : []));
    const locationIds = batch.flatMap((m) => (m.type === "location" ? [m.id] : []));
    if (ids.length === 0 && locationIds.length === 0) return undefined;
    try {
      const found = await new UsageStore(this.opts.store).ownersOf(ids);
      const owners = new Map([...found].map(([id, o]) => [id, o.agencyId]));
      // A deleted location keeps its row (soft deletion): its agency is still known.
      if (locationIds.length > 0)
        for (const l of await this.opts.store.db
          .selectFrom("locations")
          .select(["id", "agency_id"])
          .where("id", "in", locationIds)
          .execute())
          owners.set(l.id, l.agency_id);
      return owners;
    } catch (err) {
      // Sent to everyone instead: a missed invalidation would leave a revoked key verifying.
      this.opts.logger.warn({ err }, "verify events: could not read key owners; sending to every stream");
      return undefined;
    }
  }

  private emit(msg: Invalidation, owners: Map<string, string> | undefined): void {
    // A service credential's change concerns the guard of this server, not what an SDK caches.
    if (msg.type === "service_key") return;
    const seq = ++this.seq;
    let frame: Frame;
    switch (msg.type) {
      case "key":
        frame = { seq, agencyId: owners?.get(msg.id), bytes: this.frameBytes(seq, "key", { keyId: msg.id }) };
        if (!owners) frame.unresolved = true;
        break;
      case "agency":
        frame = { seq, agencyId: msg.id, bytes: this.frameBytes(seq, "agency", { agencyId: msg.id }) };
        break;
      case "location":
        frame = {
          seq,
          agencyId: owners?.get(msg.id),
          bytes: this.frameBytes(seq, "location", { locationId: msg.id }),
        };
        if (!owners) frame.unresolved = true;
        break;
      case "all":
        frame = {
          seq,
          agencyId: undefined,
          bytes: this.frameBytes(seq, "flush", { reason: "Keyward dropped its whole cache" }),
        };
        break;
    }
    this.ring.push(frame);
    if (this.ring.length > this.ringSize) this.ring.splice(0, this.ring.length - this.ringSize);
    for (const s of this.sinks) if (this.concerns(s, frame) && !s.write(frame.bytes)) this.drop(s);
  }

  private beat(): void {
    const bytes = ENCODER.encode(`event: heartbeat\ndata: {"vouched":${this.vouched()}}\n\n`);
    for (const s of this.sinks) if (!s.write(bytes)) this.drop(s);
  }

  private frameBytes(seq: number, event: string, data: object): Uint8Array {
    return ENCODER.encode(`id: ${this.epoch}-${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private drop(sink: EventSink): () => void {
    this.remove(sink);
    this.dropped++;
    this.opts.metrics.verifyStreamsDropped.inc();
    this.opts.logger.warn("verify events: dropped a stream whose client does not read");
    sink.close("slow");
    return () => {};
  }

  private remove(sink: EventSink): void {
    if (!this.sinks.delete(sink)) return;
    if (sink.agencyId !== null) this.scoped--;
    if (sink.holder !== undefined) {
      const n = (this.held.get(sink.holder) ?? 1) - 1;
      if (n > 0) this.held.set(sink.holder, n);
      else this.held.delete(sink.holder);
    }
    this.opts.metrics.verifyStreams.set(this.sinks.size);
    if (this.sinks.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
