import { type OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { Hono } from "hono";
import { sql } from "kysely";
import { renderDocs } from "../docs.js";
import type { AppEnv, Deps } from "../env.js";

export function openApiDocument(registry: OpenAPIRegistry) {
  registry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "keyward_session",
  });
  registry.registerComponent("securitySchemes", "serviceToken", {
    type: "http",
    scheme: "bearer",
    description: "KEYWARD_SERVICE_TOKEN",
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

export function systemRoutes(app: Hono<AppEnv>, deps: Deps, registry: OpenAPIRegistry): void {
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

  app.get("/healthz", (c) => c.json({ status: "ok" }));
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
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    deps.metrics.cacheEntries.set(deps.cache.size);
    return c.text(await deps.metrics.registry.metrics(), 200, {
      "content-type": deps.metrics.registry.contentType,
    });
  });
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => c.html(docsHtml()));
}
