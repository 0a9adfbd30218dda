/**
 * What the SDK tests share: timers a test fires by hand (use reports without sleeping 5 s), a TCP
 * proxy a test can cut and restore (the event stream genuinely down), and polling for cross-process
 * outcomes (an event reaching the SDK over loopback).
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Timers } from "../../packages/sdk/src/index.js";

/** Intervals that run only when the test says so. */
export class ManualTimers implements Timers {
  readonly intervals = new Map<number, { fn: () => void; ms: number }>();
  private next = 1;
  setInterval(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.intervals.set(id, { fn, ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.intervals.delete(handle as number);
  }
  /** Runs every interval once (as if its period had passed). */
  fire(): void {
    for (const t of this.intervals.values()) t.fn();
  }
}

/** A loopback TCP proxy to `target`; `cut()` drops every connection and refuses new ones until `restore()`. */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private cutOff = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.cutOff) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Polls `check` every 2 ms until it holds; answers the milliseconds it took, or null after `withinMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  withinMs = 3_000,
): Promise<number | null> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > withinMs) return null;
    await new Promise((r) => setTimeout(r, 2));
  }
}
