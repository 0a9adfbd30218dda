/**
 * Generates web/src/api-types.ts and packages/sdk/src/api-types.ts — the console's and the SDK's
 * TypeScript types of the HTTP API, one text in both — from the OpenAPI document a real Keyward
 * serves at /openapi.json, with openapi-typescript.
 *
 *   npm run gen:api            writes the file
 *   npm run gen:api -- --check exits 1 when the committed file is stale
 *
 * test/http/api-types.test.ts runs the same check, so a route whose schemas change without a
 * regeneration fails the tests.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { startHarness } from "../test/helpers/harness.js";

export const API_TYPES_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "web",
  "src",
  "api-types.ts",
);

/** The SDK's copy (packages/sdk has no dependency on the console or the server). */
export const SDK_API_TYPES_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "packages",
  "sdk",
  "src",
  "api-types.ts",
);

const FILES = [API_TYPES_FILE, SDK_API_TYPES_FILE];
const shortName = (f: string) => f.slice(join(dirname(fileURLToPath(import.meta.url)), "..").length + 1);

const HEADER = `/**
 * GENERATED from Keyward's /openapi.json by openapi-typescript: do not edit by hand.
 * Regenerate with \`npm run gen:api\` after changing a route's schemas (a test fails while stale).
 */

`;

/** The OpenAPI document, exactly as a freshly started Keyward serves it. */
export async function fetchOpenApiDocument(): Promise<Record<string, unknown>> {
  const h = await startHarness();
  try {
    const res = await fetch(`${h.url}/openapi.json`);
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await h.close();
  }
}

/** The text web/src/api-types.ts must hold. */
export async function generateApiTypes(): Promise<string> {
  const doc = await fetchOpenApiDocument();
  const ast = await openapiTS(doc as unknown as OpenAPI3);
  return HEADER + astToString(ast);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = await generateApiTypes();
  if (process.argv.includes("--check")) {
    let stale = false;
    for (const file of FILES) {
      let current = "";
      try {
        current = readFileSync(file, "utf8");
      } catch {}
      if (current !== text) {
        console.error(`${shortName(file)} is stale: run \`npm run gen:api\` and commit the result.`);
        stale = true;
      } else console.log(`${shortName(file)} is up to date.`);
    }
    if (stale) process.exit(1);
  } else
    for (const file of FILES) {
      writeFileSync(file, text);
      console.log(`keyward: wrote ${shortName(file)}`);
    }
}
