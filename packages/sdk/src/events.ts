/**
 * The SDK's end of `GET /api/verify/events`: a server-sent-events stream read with `fetch`, kept
 * open, reconnected with backoff (sending `Last-Event-ID` so that Keyward replays what was missed),
 * and watched: with nothing heard for `staleAfterMs` (heartbeats come every `heartbeatMs`) it counts
 * as down, and is reopened. A refusal carrying `Retry-After` (429 `too_many_streams`: the credential
 * holds as many streams as Keyward allows it) is honoured, up to `maxRetryAfterMs`.
 */

/** The longest wait a Retry-After gets: a wrong or hostile value must not keep the stream down for hours. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** A Retry-After header (seconds, or an HTTP date) in milliseconds from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  const v = header?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date starts with its day's name ("Thu, 01 Jan 2026 …"); Date.parse would take "-5" too.
  if (!/^[A-Za-z]/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

export type StreamState = "connecting" | "connected" | "down";

export interface EventStreamOptions {
  url: string;
  headers: Record<string, string>;
  onEvent(e: StreamEvent): void;
  onState(state: StreamState, detail?: string): void;
  /** Real time: liveness is about the network. */
  now(): number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A refusal's Retry-After is honoured up to this (default 60 s). */
  maxRetryAfterMs?: number;
}

export class EventStream {
  private abort: AbortController | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private attempt = 0;
  lastEventId: string | undefined;
  /** When anything (an event, a heartbeat) was last read. */
  lastSeen = 0;
  heartbeatMs = 500;
  state: StreamState = "connecting";
  connections = 0;

  constructor(private readonly opts: EventStreamOptions) {}

  start(): void {
    void this.connect();
    this.watchdog = setInterval(() => {
      if (this.state === "connected" && this.opts.now() - this.lastSeen > this.staleAfterMs) {
        // A silent connection (a partition, a stuck proxy): reopen it.
        this.abort?.abort();
      }
    }, 250);
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  /** Heartbeats are `heartbeatMs` apart: two missed and a little slack, and it counts as down. */
  get staleAfterMs(): number {
    return 2 * this.heartbeatMs + 250;
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    if (this.retry) clearTimeout(this.retry);
    if (this.watchdog) clearInterval(this.watchdog);
  }

  private setState(state: StreamState, detail?: string): void {
    this.state = state;
    this.opts.onState(state, detail);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const abort = new AbortController();
    this.abort = abort;
    let detail = "the stream ended";
    /** How long the server asked us to wait before trying again, if it refused. */
    let asked: number | null = null;
    try {
      const headers: Record<string, string> = { ...this.opts.headers, accept: "text/event-stream" };
      if (this.lastEventId) headers["last-event-id"] = this.lastEventId;
      const res = await fetch(this.opts.url, { headers, signal: abort.signal });
      if (!res.ok || !res.body) {
        asked = res.ok ? null : retryAfterMs(res.headers.get("retry-after"), Date.now());
        const text = await res.text().catch(() => "");
        throw new Error(`GET /api/verify/events answered ${res.status}: ${text.slice(0, 300)}`);
      }
      await this.read(res.body);
    } catch (err) {
      detail = abort.signal.aborted && !this.closed ? "no heartbeat: reconnecting" : (err as Error).message;
    }
    if (this.closed) return;
    const min = this.opts.reconnectMinMs ?? 100;
    const max = this.opts.reconnectMaxMs ?? 5_000;
    let delay = Math.min(max, min * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    if (asked !== null) {
      // At least what was asked (bounded), plus up to 10 % so that refused clients do not return together.
      const bound = this.opts.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
      delay = Math.max(delay, Math.min(bound, asked * (1 + Math.random() * 0.1)));
      detail += `; retrying in ${Math.ceil(delay / 1000)} s (Retry-After)`;
    }
    this.setState("down", detail);
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, delay);
  }

  /** Reads frames until the stream ends; `ready` marks it connected. */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      this.lastSeen = this.opts.now();
      buf += decoder.decode(chunk, { stream: true });
      buf = buf.replace(/\r\n?/g, "\n");
      let end = buf.indexOf("\n\n");
      while (end >= 0) {
        this.frame(buf.slice(0, end));
        buf = buf.slice(end + 2);
        end = buf.indexOf("\n\n");
      }
    }
  }

  private frame(text: string): void {
    let id: string | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    let parsed: unknown = null;
    try {
      parsed = data.length > 0 ? JSON.parse(data.join("\n")) : null;
    } catch {
      return;
    }
    if (event === "ready") {
      const hb = (parsed as { heartbeatMs?: unknown } | null)?.heartbeatMs;
      if (typeof hb === "number" && hb > 0) this.heartbeatMs = hb;
    }
    // Handled before the id is kept: a reconnect resumes after the last event applied.
    this.opts.onEvent({ id, event, data: parsed });
    if (id !== undefined) this.lastEventId = id;
    if (event === "ready") {
      this.attempt = 0;
      this.connections++;
      this.setState("connected");
    }
  }
}
