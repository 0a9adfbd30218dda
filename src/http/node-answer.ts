/**
 * Writing answers from node:http exactly as @hono/node-server writes the Response a route made
 * (its `responseViaCache`), and reading headers as it reads them: for the raw fast paths
 * (fast-verify.ts, fast-get.ts), whose answers must be the framework's byte for byte.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The headers Node keeps one of (the first) while the adapter joins every occurrence with ", "
 * (its `nonJoinedHeaders`): read from the raw list, as it reads them.
 */
const NON_JOINED = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** A request header (lower-case name) as `c.req.header(name)` answers it under the adapter. */
export function joinedHeader(req: IncomingMessage, lower: string): string | undefined {
  if (!NON_JOINED.has(lower)) {
    const v = req.headers[lower];
    return typeof v === "string" ? v : v?.join(", ");
  }
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lower.length && name.toLowerCase() === lower)
      value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/** Whether the request came over TLS (a node:https server's socket). */
export function encrypted(req: IncomingMessage): boolean | undefined {
  return (req.socket as { encrypted?: boolean }).encrypted;
}

// ── writing, as @hono/node-server writes a Response made with a string body (responseViaCache) ──

type NodeResponse = ServerResponse & {
  _contentLength: number | null;
  _hasBody: boolean;
  _removedContLen: boolean;
};

/** Node computes Content-Length itself when it may (the adapter's `trySetContentLength`). */
function trySetContentLength(res: ServerResponse, status: number, length: number): boolean {
  const r = res as NodeResponse;
  if (
    r._contentLength === null &&
    r._hasBody &&
    r.useChunkedEncodingByDefault &&
    !r._removedContLen &&
    status >= 200 &&
    status !== 204 &&
    status !== 304 &&
    !res.hasHeader("content-length") &&
    !res.hasHeader("transfer-encoding") &&
    !res.hasHeader("trailer")
  ) {
    r._contentLength = length;
    return true;
  }
  return false;
}

/** A response whose headers were a plain object (`reply.serialized`): given here as a flat list. */
export function writePlain(res: ServerResponse, status: number, flat: readonly string[], text: string): void {
  const length = Buffer.byteLength(text);
  const list = trySetContentLength(res, status, length) ? flat : [...flat, "Content-Length", String(length)];
  res.writeHead(status, list as string[]);
  res.end(text);
}

/** A response whose headers were a `Headers` (every problem): its entries, then Content-Length. */
export function writeProblem(res: ServerResponse, problem: Response, text: string): void {
  const out: Record<string, string | string[] | number> = {};
  const cookies: string[] = [];
  for (const [k, v] of problem.headers)
    if (k === "set-cookie") cookies.push(v);
    else out[k] = v;
  if (cookies.length > 0) out["set-cookie"] = cookies;
  out["content-type"] ??= "text/plain; charset=UTF-8";
  out["Content-Length"] = Buffer.byteLength(text);
  res.writeHead(problem.status, out);
  res.end(text);
}

/** A response whose headers were a plain object (`reply.serialized`), written as the adapter does. */
export function writePlainObject(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
): void {
  const length = Buffer.byteLength(text);
  const out = trySetContentLength(res, status, length) ? headers : { ...headers, "Content-Length": length };
  res.writeHead(status, out);
  res.end(text);
}
