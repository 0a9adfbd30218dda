/**
 * An open-loop, rate-limited HTTP/1.1 load generator with microsecond latencies, run as its own
 * process by verify-http.ts (autocannon's latency histogram has 1 ms resolution, too coarse for a
 * 2 ms target).
 *
 * Requests are due at fixed intervals (rate per second); each one's latency runs from the moment
 * it was due, not from when a connection was free, so a stalled server is not hidden
 * (coordinated omission). Keep-alive connections, one request in flight on each.
 *
 * Input: one JSON argument {url, method, headers, body, rate, seconds, connections}.
 * Output: one JSON line {sent, ok, failed, seconds, p50, p90, p99, p999, max} (latencies in ms).
 */
import { connect, type Socket } from "node:net";

interface Options {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  rate: number;
  seconds: number;
  connections: number;
}

const opts = JSON.parse(process.argv[2] ?? "{}") as Options;
const target = new URL(opts.url);
const body = opts.body ?? "";
const head = [
  `${opts.method} ${target.pathname}${target.search} HTTP/1.1`,
  `host: ${target.host}`,
  ...Object.entries(opts.headers).map(([k, v]) => `${k}: ${v}`),
  ...(body ? [`content-length: ${Buffer.byteLength(body)}`] : []),
  "",
  "",
].join("\r\n");
const request = Buffer.from(head + body);

// Times are performance.now() milliseconds (doubles, sub-microsecond resolution): no BigInt per
// request, so the generator's own garbage collection stays out of the latencies it measures.
const intervalMs = 1000 / opts.rate;
const total = Math.floor(opts.rate * opts.seconds);
const latenciesUs = new Float64Array(total);
let sent = 0;
let done = 0;
let ok = 0;
let failed = 0;

interface Conn {
  socket: Socket;
  busy: boolean;
  dueAt: number;
  buf: Buffer;
}

const free: Conn[] = [];
let start = 0;
let scheduled = false;

function wake(): void {
  scheduled = false;
  pump();
}

function finish(c: Conn, status: number): void {
  latenciesUs[done++] = (performance.now() - c.dueAt) * 1000;
  if (status >= 200 && status < 300) ok++;
  else failed++;
  c.busy = false;
  free.push(c);
  pump();
}

/** Parses as many complete responses as the buffer holds (one in flight, so at most one). */
function onData(c: Conn, chunk: Buffer): void {
  c.buf = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
  const end = c.buf.indexOf("\r\n\r\n");
  if (end < 0) return;
  const headText = c.buf.subarray(0, end).toString("latin1");
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
  const len = m ? Number(m[1]) : 0;
  if (c.buf.length < end + 4 + len) return;
  const status = Number(headText.slice(9, 12));
  c.buf = c.buf.subarray(end + 4 + len);
  finish(c, status);
}

function pump(): void {
  const now = performance.now();
  while (sent < total && free.length > 0) {
    const due = start + sent * intervalMs;
    if (due > now) break;
    const c = free.shift()!; // round robin: no connection sits idle long enough to be closed
    c.busy = true;
    c.dueAt = due;
    sent++;
    c.socket.write(request);
  }
  if (done >= total) {
    report();
    return;
  }
  if (sent < total && free.length > 0 && !scheduled) {
    scheduled = true;
    const waitMs = start + sent * intervalMs - now;
    // Timers have ~1 ms granularity: sleep when far ahead, spin through the event loop when close.
    if (waitMs > 1.5) setTimeout(wake, Math.floor(waitMs - 1));
    else setImmediate(wake);
  }
}

function report(): void {
  const sorted = latenciesUs.subarray(0, done).sort();
  const q = (p: number) => sorted[Math.min(done - 1, Math.max(0, Math.ceil(p * done) - 1))]! / 1000;
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    `${JSON.stringify({ sent, ok, failed, seconds, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: q(1) })}\n`,
  );
  process.exit(0);
}

function open(): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const c: Conn = { socket, busy: false, dueAt: 0, buf: Buffer.alloc(0) };
    socket.once("connect", () => resolve(c));
    socket.once("error", reject);
    socket.on("data", (d: Buffer) => onData(c, d));
    socket.on("close", () => {
      if (done >= total) return;
      if (c.busy) {
        process.stderr.write("the server closed a connection with a request in flight\n");
        process.exit(1);
      }
      // An idle keep-alive connection the server let go: replace it.
      const i = free.indexOf(c);
      if (i >= 0) free.splice(i, 1);
      open().then((n) => {
        free.push(n);
        pump();
      }, fail);
    });
  });
}

function fail(err: unknown): void {
  process.stderr.write(`rate-load: ${String(err)}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  free.push(...(await Promise.all(Array.from({ length: opts.connections }, open))));
  start = performance.now();
  pump();
}

await main();
