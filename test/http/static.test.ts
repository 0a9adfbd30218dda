/** The console's static files: content types, caching, the SPA fallback, and what stays the API's. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { staticSite } from "../../src/http/static.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), "keyward-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(dir, "assets", "index-abc123.css"), "body{}");
  writeFileSync(join(dir, "favicon.svg"), "<svg/>");
});

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const appWith = (d: string) => createApp(h.kw, { staticSite: staticSite(d) });

describe("the console's files", () => {
  it("serves index.html at / and for console paths, never cached, with a content security policy", async () => {
    const app = appWith(dir);
    for (const path of ["/", "/agency/keys", "/location/loc_1/keys?highlight=a,b", "/accounts/x/keys"]) {
      const r = await app.request(path);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(r.headers.get("cache-control")).toBe("no-cache");
      expect(r.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(await r.text()).toContain('<div id="root">');
    }
  });

  it("caches hashed assets for good, with the right content types", async () => {
    const app = appWith(dir);
    const js = await app.request("/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const css = await app.request("/assets/index-abc123.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const svg = await app.request("/favicon.svg");
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("answers 404 for a missing file and refuses to leave its folder", async () => {
    const app = appWith(dir);
    expect((await app.request("/assets/gone-123.js")).status).toBe(404);
    expect((await app.request("/..%2f..%2fetc%2fpasswd.txt")).status).toBe(404);
    expect((await app.request("/assets/..%2f..%2fpackage.json")).status).toBe(404);
  });

  it("leaves API paths to the API: unknown ones are problem+json 404s", async () => {
    const app = appWith(dir);
    for (const path of ["/api/nothing-here", "/v1/nothing", "/v2/nothing", "/api"]) {
      const r = await app.request(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.headers.get("content-type"), path).toBe("application/problem+json");
    }
    // Only GET and HEAD reach the console; other methods get the API's answer.
    const post = await app.request("/agency/keys", { method: "POST" });
    expect(post.status).toBe(404);
    expect(post.headers.get("content-type")).toBe("application/problem+json");
    const head = await app.request("/agency/keys", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await head.text()).toBe("");
    expect((await app.request("/healthz")).headers.get("content-type")).toContain("application/json");
    expect((await app.request("/openapi.json")).headers.get("content-type")).toContain("application/json");
  });

  it("says how to build the console when it is not built", async () => {
    const app = appWith(join(dir, "missing"));
    const r = await app.request("/agency/keys");
    expect(r.status).toBe(503);
    const html = await r.text();
    expect(html).toContain("The Keyward console is not built");
    expect(html).toContain("node scripts/build-web.mjs");
  });
});
