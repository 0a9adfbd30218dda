import { createHash, timingSafeEqual } from "node:crypto";
import { type OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { Context, Hono } from "hono";
import { sql } from "kysely";
import { z } from "zod";
import { renderDocs } from "../docs.js";
import type { AppEnv, Deps } from "../env.js";
import type { ResponseHeaders } from "../headers.js";
import { problemResponse } from "../problem.js";

export function openApiDocument(registry: OpenAPIRegistry) {
  registry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "keyward_session",
  });
  registry.registerComponent("securitySchemes", "serviceToken", {
    type: "http",
    scheme: "bearer",
    description:
      "A service credential (kw_svc_…, of the scope the route lists) or KEYWARD_SERVICE_TOKEN; a keys:manage credential with Keyward-Acting-User also reaches the session routes as that person (docs/service-credentials.md)",
  });
  registry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description: "KEYWARD_METRICS_TOKEN (only when it is set)",
  });
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A Keyward API key (kw_pit_… or kw_v1_…)",
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Keyward",
      version: "0.1.0",
      description:
        "Self-hosted API credential service. Errors are RFC 9457 application/problem+json with a stable `code`. State-changing management requests need the session cookie and an Origin header naming this service.",
    },
  });
}

/**
 * The docs page is server-rendered HTML with an inline stylesheet and no script: it may load
 * nothing, run nothing and be framed by nobody.
 */
const DOCS_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-cache",
};

/** Whether `/metrics` may be read: always without KEYWARD_METRICS_TOKEN, else with that bearer token. */
function metricsAllowed(c: Context<AppEnv>, expected: string | undefined): boolean {
  if (!expected) return true;
  const header = c.req.header("authorization") ?? "";
  const given = /^bearer /i.test(header) ? header.slice(7) : "";
  // Compared as digests: equal lengths, and the time taken says nothing about the token.
  return given !== "" && timingSafeEqual(digest(given), digest(expected));
}

const digest = (s: string) => createHash("sha256").update(s).digest();

const Readiness = z.object({
  status: z.enum(["ready", "unavailable"]),
  checks: z.array(
    z.object({
      name: z.string().meta({ description: "`database`, `storage`, `invalidation` …" }),
      ok: z.boolean(),
      detail: z.string().optional().meta({ description: "Why a check failed" }),
    }),
  ),
});

/**
 * The probes and metrics are plain Hono routes (no guard of the Router's kinds: `/metrics` checks its
 * own token), so the Router does not document them: they are described here, in the same document.
 */
function documentSystemRoutes(registry: OpenAPIRegistry): void {
  const tags = ["System"];
  registry.registerPath({
    method: "get",
    path: "/healthz",
    summary: "Liveness: the process answers",
    description:
      'Always `200 {"status":"ok"}` while the process serves requests; it checks nothing else. Use it as a liveness probe (restart when it fails).',
    tags,
    security: [],
    responses: {
      200: {
        description: "The process is alive",
        content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
      },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/readyz",
    summary: "Readiness: the database answers and can be written",
    description:
      "`200` with `status: ready` when the database answers and can be written; `503` with `status: unavailable` otherwise. Degraded checks (the invalidation channel between nodes) are listed with `ok: false` without making the node unready. Use it as a readiness probe (stop sending traffic when it fails).",
    tags,
    security: [],
    responses: {
      200: { description: "Ready", content: { "application/json": { schema: Readiness } } },
      503: { description: "Not ready", content: { "application/json": { schema: Readiness } } },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    description:
      "Prometheus text format: responses by status, verifications by code and their latency, the verification cache's size, the invalidation channel, failed sign-ins and verifications, and requests refused by a brute-force limit. Open unless `KEYWARD_METRICS_TOKEN` is set; then send `Authorization: Bearer <KEYWARD_METRICS_TOKEN>` (`401 unauthenticated` otherwise).",
    tags,
    security: [{}, { metricsToken: [] }],
    responses: {
      200: {
        description: "The metrics",
        content: {
          "text/plain; version=0.0.4": {
            schema: z.string().meta({ example: 'keyward_http_responses_total{status="200"} 42' }),
          },
        },
      },
    },
  });
}

export function systemRoutes(
  app: Hono<AppEnv>,
  deps: Deps,
  registry: OpenAPIRegistry,
  headers: ResponseHeaders,
): void {
  documentSystemRoutes(registry);
  // Built on first request, when every route module has registered.
  let doc: ReturnType<typeof openApiDocument> | null = null;
  let html: string | null = null;
  const document = () => {
    doc ??= openApiDocument(registry);
    return doc;
  };
  const docsHtml = () => {
    html ??= renderDocs(document() as unknown as Record<string, unknown>);
    return html;
  };

  app.get("/healthz", (c) => headers.apply(c, c.json({ status: "ok" })));
  app.get("/readyz", async (c) => {
    const checks: { name: string; ok: boolean; detail?: string }[] = [];
    try {
      await sql`select 1`.execute(deps.store.db);
      checks.push({ name: "database", ok: true });
    } catch (e) {
      checks.push({ name: "database", ok: false, detail: (e as Error).message });
    }
    for (const check of deps.readiness) checks.push(await check());
    // Degraded checks (e.g. the invalidation channel) are reported; the database, and whether it can
    // be written, gate readiness.
    const ready = checks.every((x) => x.ok || (x.name !== "database" && x.name !== "storage"));
    return headers.apply(c, c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503));
  });
  app.get("/metrics", async (c) => {
    if (!metricsAllowed(c, deps.config.metricsToken)) {
      const res = problemResponse(
        "unauthenticated",
        "Send the metrics token as Authorization: Bearer <KEYWARD_METRICS_TOKEN>.",
      );
      res.headers.set("www-authenticate", 'Bearer realm="keyward-metrics"');
      return headers.apply(c, res);
    }
    deps.metrics.cacheEntries.set(deps.cache.size);
    const text = await deps.metrics.registry.metrics();
    return headers.apply(c, c.text(text, 200, { "content-type": deps.metrics.registry.contentType }));
  });
  app.get("/openapi.json", (c) => headers.apply(c, c.json(document())));
  app.get("/docs", (c) => headers.apply(c, c.html(docsHtml(), 200, DOCS_HEADERS)));
}
