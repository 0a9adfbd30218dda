/**
 * Readable API docs rendered on the server from the OpenAPI document: no CDN, no script, so they
 * work on an air-gapped deployment.
 */
import { type ErrorCode, statusOf, TITLES } from "../core/errors.js";

type Json = Record<string, unknown>;

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function schemaText(schema: Json | undefined, components: Json, depth = 0): string {
  if (!schema) return "";
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop()!;
    if (depth > 1) return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
    return schemaText(components[name] as Json, components, depth + 1);
  }
  if (schema.type === "object" && schema.properties) {
    const req = new Set((schema.required as string[] | undefined) ?? []);
    const rows = Object.entries(schema.properties as Record<string, Json>).map(
      ([k, v]) =>
        `<li><code>${esc(k)}</code>${req.has(k) ? "" : " <small>(optional)</small>"}: ${typeText(v, components, depth)}${v.description ? ` — ${inlineMarkdown(v.description)}` : ""}</li>`,
    );
    return `<ul>${rows.join("")}</ul>`;
  }
  return typeText(schema, components, depth);
}

function typeText(v: Json, components: Json, depth: number): string {
  if (typeof v.$ref === "string") {
    const name = v.$ref.split("/").pop()!;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  if (Array.isArray(v.enum)) return v.enum.map((e) => `<code>${esc(JSON.stringify(e))}</code>`).join(" | ");
  if (v.type === "array") return `array of ${typeText((v.items as Json) ?? {}, components, depth)}`;
  if (Array.isArray(v.anyOf))
    return (v.anyOf as Json[]).map((x) => typeText(x, components, depth)).join(" or ");
  const limits = [
    v.minLength !== undefined ? `min length ${v.minLength}` : "",
    v.maxLength !== undefined ? `max length ${v.maxLength}` : "",
    v.minimum !== undefined ? `≥ ${v.minimum}` : "",
    v.maximum !== undefined ? `≤ ${v.maximum}` : "",
  ].filter(Boolean);
  const t = Array.isArray(v.type) ? v.type.join(" or ") : String(v.type ?? "any");
  return `${esc(t)}${limits.length ? ` <small>(${esc(limits.join(", "))})</small>` : ""}`;
}

const slug = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/**
 * The Markdown the descriptions use, inline only: `code`, **bold**, [text](https://… or /path).
 * Escaped first, so nothing in a description becomes markup it did not ask for.
 */
export function inlineMarkdown(text: unknown): string {
  return esc(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/|#)[^)\s]*)\)/g, '<a href="$2">$1</a>');
}

/** What a path or query parameter is, when its schema does not say: `{keyId}` is "the key's id". */
function parameterText(p: Json): string {
  const schema = (p.schema as Json | undefined) ?? {};
  const described = (p.description ?? schema.description) as string | undefined;
  const name = String(p.name);
  const id = /^(\w+?)Id$/.exec(name);
  const what = described ?? (p.in === "path" && id ? `The ${id[1]}'s id.` : "");
  const allowed = typeText(schema, {}, 0);
  return `${what ? `${inlineMarkdown(what)} ` : ""}<small>${allowed}</small>`;
}

/** A plausible value for a schema, for the request and response examples (its own `example` first). */
export function exampleOf(schema: Json | undefined, components: Json, name = "", depth = 0): unknown {
  if (!schema || depth > 8) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (typeof schema.$ref === "string")
    return exampleOf(components[schema.$ref.split("/").pop()!] as Json, components, name, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (alternatives) {
    const first = alternatives.find((a) => a.type !== "null") ?? alternatives[0];
    return exampleOf(first, components, name, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((schema.properties as Record<string, Json>) ?? {}))
        out[k] = exampleOf(v, components, k, depth + 1);
      return out;
    }
    case "array":
      return [exampleOf(schema.items as Json, components, name.replace(/s$/, ""), depth + 1)];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" && schema.minimum > 1 ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "string":
      return exampleString(schema, name);
    default:
      return null;
  }
}

function exampleString(schema: Json, name: string): string {
  if (schema.format === "date-time" || /At$/.test(name)) return "2026-04-01T00:00:00.000Z";
  if (schema.format === "date") return "2026-04-01";
  if (schema.format === "email" || /email/i.test(name)) return "ada@example.com";
  if (schema.format === "uri" || /url$/i.test(name)) return "https://example.com/hook";
  if (/token$/i.test(name)) return "kw_pit_0123456789ABCDEFGHIJabcdefghij01uVw3xY";
  if (/password/i.test(name)) return "a long passphrase you chose";
  if (name === "scope" || name === "scopes") return "locations.readonly";
  const id = /^(\w+?)Id$/.exec(name);
  if (id || name === "id") return `${id?.[1]?.slice(0, 3) ?? "obj"}_01j9x3k2m4`;
  if (name === "name") return "Zapier — production";
  return "text";
}

function exampleBlock(schema: Json | undefined, components: Json): string {
  if (!schema) return "";
  const value = exampleOf(schema, components);
  return `<details><summary>Example</summary><pre>${esc(JSON.stringify(value, null, 2))}</pre></details>`;
}

export function renderDocs(doc: Json): string {
  const components = ((doc.components as Json)?.schemas as Json) ?? {};
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = ((op.tags as string[]) ?? ["Other"])[0]!;
      const params = ((op.parameters as Json[]) ?? [])
        .map(
          (p) =>
            `<li><code>${esc(p.name)}</code> <small>(${esc(p.in)}${p.required ? ", required" : ""})</small> ${parameterText(p)}</li>`,
        )
        .join("");
      const body = ((op.requestBody as Json)?.content as Json)?.["application/json"] as Json | undefined;
      const responses = Object.entries((op.responses as Record<string, Json>) ?? {})
        .filter(([s]) => s !== "default")
        .map(([s, r]) => {
          const schema = ((r.content as Json)?.["application/json"] as Json)?.schema as Json | undefined;
          return `<li><b>${esc(s)}</b> ${inlineMarkdown(r.description)}${schema ? schemaText(schema, components) + exampleBlock(schema, components) : ""}</li>`;
        })
        .join("");
      const security = ((op.security as Json[]) ?? []).map((s) =>
        Object.entries(s)
          .map(([k, v]) => (Array.isArray(v) && v.length ? `${k} (${v.join(", ")})` : k))
          .join(", "),
      );
      const html = `<section class="op" id="${esc(method)}-${esc(path)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${inlineMarkdown(op.summary)}${op.description ? `<br><small>${inlineMarkdown(op.description)}</small>` : ""}</p>
${security.length ? `<p><small>Authentication: ${esc(security.join("; "))}</small></p>` : ""}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}
${body ? `<h4>Body (application/json)</h4>${schemaText(body.schema as Json, components)}${exampleBlock(body.schema as Json, components)}` : ""}
<h4>Responses</h4><ul>${responses}<li>Errors: application/problem+json, see <a href="#errors">the catalogue</a></li></ul>
</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const toc = [...byTag.keys()].map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a></li>`).join("");
  const sections = [...byTag.entries()]
    // A short anchor too (`/docs#v1`: the legacy API's Deprecation link points there).
    .map(([t, ops]) => `<h2 id="tag-${esc(t)}"><a id="${esc(slug(t))}"></a>${esc(t)}</h2>${ops.join("")}`)
    .join("");
  const errors = (Object.keys(TITLES) as ErrorCode[])
    .map(
      (code) =>
        `<tr id="error-${code}"><td><code>${code}</code></td><td>${statusOf(code)}</td><td>${esc(TITLES[code])}</td></tr>`,
    )
    .join("");
  const info = doc.info as Json;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Keyward API</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:0 auto;padding:1rem;color:#1d2433}
code{background:#f2f4f8;padding:0 .25em;border-radius:3px}.op{border:1px solid #dde2ea;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:.1em .4em}
.get{background:#2f6fdd}.post{background:#1f8a4c}.patch,.put{background:#b7791f}.delete{background:#c53030}
table{border-collapse:collapse}pre{background:#f2f4f8;padding:.5rem;border-radius:4px;overflow-x:auto}
@media (prefers-color-scheme:dark){body{background:#12151c;color:#dfe3ea}code,pre{background:#232833}.op,td,th{border-color:#343b48}a{color:#8db4ff}}td,th{border:1px solid #dde2ea;padding:.25em .6em;text-align:left}
</style></head><body><h1>${esc(info.title)} API</h1><p>${inlineMarkdown(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p><ul>${toc}<li><a href="#errors">Errors</a></li></ul>
${sections}<h2 id="errors">Errors</h2><p>Every error is <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>status</code>, a stable <code>code</code> and a <code>detail</code> that says what to fix; invalid requests add <code>issues</code> (field and message). 401s from API keys carry <code>WWW-Authenticate: Bearer error="invalid_token"</code>.</p>
<table><tr><th>code</th><th>HTTP</th><th>meaning</th></tr>${errors}</table></body></html>`;
}
