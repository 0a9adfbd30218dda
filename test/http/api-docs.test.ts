/**
 * `/docs` is readable on its own: every operation with a body or a JSON answer shows an example, path
 * parameters say what they are and what they accept, the descriptions' Markdown is rendered (no raw
 * backticks), and the probes and metrics are in `/openapi.json` like every other route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleOf, inlineMarkdown } from "../../src/http/docs.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
let html: string;
let doc: any;
beforeAll(async () => {
  h = await startHarness();
  html = await (await fetch(`${h.url}/docs`)).text();
  doc = await (await fetch(`${h.url}/openapi.json`)).json();
});
afterAll(() => h.close());

const sections = () => html.split('<section class="op"').slice(1);

describe("/docs", () => {
  it("shows an example for every request body and JSON answer", () => {
    expect(sections().length).toBeGreaterThan(30);
    for (const section of sections()) {
      const bodies = (section.match(/<h4>Body \(application\/json\)<\/h4>/g) ?? []).length;
      const examples = (section.match(/<details><summary>Example<\/summary><pre>/g) ?? []).length;
      expect(examples, section.slice(0, 200)).toBeGreaterThanOrEqual(bodies);
    }
    // The example of key creation is a body a reader could send.
    const create = sections().find((s) => s.startsWith(' id="post-/api/accounts/{accountId}/keys"'))!;
    expect(create).toContain("&quot;name&quot;: &quot;Zapier — production&quot;");
  });

  it("says what each path parameter is and accepts", () => {
    const get = sections().find((s) => s.startsWith(' id="get-/api/keys/{keyId}"'))!;
    expect(get).toMatch(
      /<code>keyId<\/code> <small>\(path, required\)<\/small> The key&#39;s id\. <small>string/,
    );
  });

  it("renders the descriptions' Markdown instead of showing backticks", () => {
    const prose = html.replace(/<pre>[\s\S]*?<\/pre>/g, "");
    expect(prose).not.toMatch(/`[^`<]+`/);
    expect(inlineMarkdown("send `x` and **y**, see [docs](/docs#errors) <b>")).toBe(
      'send <code>x</code> and <b>y</b>, see <a href="/docs#errors">docs</a> &lt;b&gt;',
    );
    // Only links to http(s), this site or an anchor become links.
    expect(inlineMarkdown("[x](javascript:alert(1))")).not.toContain("<a ");
    expect(html).toContain('<link rel="icon" href="/favicon.svg"');
  });

  it("lists /healthz, /readyz and /metrics in /openapi.json", () => {
    expect(doc.paths["/healthz"].get.responses["200"]).toBeDefined();
    expect(doc.paths["/readyz"].get.responses["503"]).toBeDefined();
    expect(doc.paths["/metrics"].get.security).toEqual([{}, { metricsToken: [] }]);
    expect(html).toContain('id="get-/readyz"');
  });

  it("builds examples from the schema: its own example, enums, formats and ids", () => {
    const schema = {
      type: "object",
      properties: {
        id: { type: "string" },
        keyId: { type: "string" },
        status: { type: "string", enum: ["active", "revoked"] },
        createdAt: { type: "string" },
        count: { type: "integer", minimum: 5 },
        tags: { type: "array", items: { type: "string", example: "x" } },
        owner: { anyOf: [{ type: "null" }, { $ref: "#/components/schemas/Owner" }] },
      },
    };
    const components = { Owner: { type: "object", properties: { type: { const: "agency" } } } };
    expect(exampleOf(schema, components)).toEqual({
      id: "obj_01j9x3k2m4",
      keyId: "key_01j9x3k2m4",
      status: "active",
      createdAt: "2026-04-01T00:00:00.000Z",
      count: 5,
      tags: ["x"],
      owner: { type: "agency" },
    });
  });
});
