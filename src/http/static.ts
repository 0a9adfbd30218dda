/**
 * Serves the admin console (web/dist, built by scripts/build-web.mjs) at `/`. Hashed assets are
 * cached for good; index.html never is, so a new build is picked up on the next page load. Any
 * other GET that is not an API path gets index.html (the console routes in the browser).
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import type { AppEnv } from "./env.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Paths that belong to the API: never answered with the console. */
const API_PREFIXES = ["/api/", "/v1/", "/v2/"];
const API_EXACT = new Set(["/api", "/v1", "/v2"]);

const HTML_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keyward</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The Keyward console is not built</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but the admin console's files are missing.
Build them once from the project folder with:</p>
<pre style="background:#f3f4f6;padding:1rem;border-radius:6px">npm ci
node scripts/build-web.mjs</pre>
<p>(<code>npm start</code> does this for you.) Then reload this page.</p></body></html>`;

/** The project folder: the nearest folder above this file holding a package.json. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}

export function defaultWebDir(): string {
  return join(projectRoot(), "web", "dist");
}

function isApiPath(path: string): boolean {
  return API_EXACT.has(path) || API_PREFIXES.some((p) => path.startsWith(p));
}

async function fileIfAny(path: string): Promise<Buffer | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

/**
 * `staticSite` for createApp: serves `dir` (default web/dist) with an SPA fallback, for the
 * requests no route answers; null for what is not the console's (other methods, API paths).
 */
export function staticSite(dir: string = defaultWebDir()): (c: Context<AppEnv>) => Promise<Response | null> {
  const root = normalize(dir);

  const indexHtml = async (c: Context<AppEnv>) => {
    const body = await fileIfAny(join(root, "index.html"));
    if (!body)
      return c.html(NOT_BUILT, 503, { ...HTML_HEADERS, "cache-control": "no-store", "retry-after": "60" });
    return c.body(new Uint8Array(body), 200, {
      ...HTML_HEADERS,
      "content-type": TYPES[".html"]!,
      "cache-control": "no-cache",
    });
  };

  return async (c) => {
    const method = c.req.method;
    const path = c.req.path;
    if ((method !== "GET" && method !== "HEAD") || isApiPath(path)) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return null;
    }
    const ext = extname(decoded);
    if (ext && ext !== ".html") {
      // A file: serve it if it is inside the folder; a missing asset is a 404, not the console.
      const file = normalize(join(root, decoded));
      if (!file.startsWith(root + sep)) return null;
      const body = await fileIfAny(file);
      if (!body) return c.text("Not found", 404, { "cache-control": "no-store" });
      const hashed = decoded.startsWith("/assets/");
      return c.body(new Uint8Array(body), 200, {
        "content-type": TYPES[ext.toLowerCase()] ?? "application/octet-stream",
        "cache-control": hashed ? "public, max-age=31536000, immutable" : "public, max-age=300",
        "x-content-type-options": "nosniff",
      });
    }
    return indexHtml(c);
  };
}
