/**
 * Builds the admin console once before any test file runs (quiet when web/dist is fresh). Tests
 * that request `/` (the fuzz test, static files) otherwise race the browser tests' build and meet
 * its "console not built" 503.
 */
import { buildWeb } from "../scripts/build-web.mjs";

export default async function setup(): Promise<void> {
  await buildWeb({ quiet: true });
}
