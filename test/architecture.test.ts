/**
 * The layers of docs/architecture.md, enforced: the folders of src/ import each other downwards only
 * (core at the bottom, cli at the top), and no file imports itself back through others. Type-only
 * imports count too: a type is a dependency a reader has to follow.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** Bottom to top. "." is the files directly under src/ (config, logger, metrics). */
const LAYERS = [".", "store", "service", "notify", "scheduler", "http", "app", "cli"];
const ORDER = ["core", ...LAYERS];

/** File cycles known and owned elsewhere; each one names who removes it. None today. */
const KNOWN_CYCLES: string[][] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** src-relative path → the src-relative files it imports. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    // TypeScript's own scanner: static, type-only, re-exports and dynamic imports, never comments.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const out = new Set<string>();
    for (const { fileName: spec } of importedFiles) {
      if (!spec.startsWith(".")) continue; // packages and node: builtins
      out.add(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ".ts"));
    }
    graph.set(relative(SRC, file), out);
  }
  return graph;
}

const layerOf = (file: string) => (file.includes("/") ? file.split("/")[0]! : ".");

/** Strongly connected components of more than one file (Tarjan). */
function fileCycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe("architecture", () => {
  const graph = importGraph();

  it("reads the imports it checks", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("app/keyward.ts")).toContain("http/app.ts");
    expect(graph.get("cli/serve.ts")).toContain("app/keyward.ts");
    // Type-only and multi-line imports are seen too.
    expect(graph.get("http/deps.ts")).toContain("service/keys.ts");
  });

  it("places every folder of src/ in the documented order", () => {
    const folders = [...new Set([...graph.keys()].map(layerOf))];
    expect(folders.filter((f) => !ORDER.includes(f))).toEqual([]);
  });

  it("imports only downwards between folders", () => {
    const upwards: string[] = [];
    for (const [file, targets] of graph)
      for (const target of targets) {
        const from = ORDER.indexOf(layerOf(file));
        const to = ORDER.indexOf(layerOf(target));
        if (to > from) upwards.push(`${file} → ${target}`);
      }
    expect(upwards).toEqual([]);
  });

  it("keeps core free of anything of ours", () => {
    const out = [...graph]
      .filter(([file]) => layerOf(file) === "core")
      .flatMap(([file, targets]) =>
        [...targets].filter((t) => layerOf(t) !== "core").map((t) => `${file} → ${t}`),
      );
    expect(out).toEqual([]);
  });

  it("has no import cycle between files", () => {
    const known = new Set(KNOWN_CYCLES.map((c) => [...c].sort().join(" ↔ ")));
    const cycles = fileCycles(graph).map((c) => c.join(" ↔ "));
    expect(cycles.filter((c) => !known.has(c))).toEqual([]);
  });

  it("is the order docs/architecture.md draws", () => {
    const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
    const line = ORDER.map((l) => (l === "." ? "src/*.ts" : l)).join(" → ");
    expect(doc).toContain(line);
  });

  it("keeps the SDK (packages/sdk) free of the server's code: it imports only its own files and packages", () => {
    const SDK = join(ROOT, "packages", "sdk", "src");
    const outside: string[] = [];
    for (const file of sourceFiles(SDK)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
      for (const { fileName: spec } of importedFiles) {
        if (!spec.startsWith(".")) {
          // Packages: Node's built-ins and the frameworks it adapts to (optional peers), nothing else.
          if (!/^(node:|hono($|\/)|express$|fastify$)/.test(spec))
            outside.push(`${relative(ROOT, file)} → ${spec}`);
          continue;
        }
        const target = resolve(dirname(file), spec);
        if (relative(SDK, target).startsWith("..")) outside.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
    expect(sourceFiles(SDK).length).toBeGreaterThan(5);
    expect(outside).toEqual([]);
  });
});
