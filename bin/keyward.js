#!/usr/bin/env node
// The `keyward` command. Runs the compiled server in dist/ (`npm run build`; the published package
// ships it), so an install without devDependencies works. In a checkout whose dist/ is missing or
// older than src/, it runs src/ through tsx (a devDependency) instead: development and the tests
// never wait for a compilation, and `npx keyward …` always runs the code in front of you.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/index.js", import.meta.url);
const checkout = existsSync(new URL("../src/cli/index.ts", import.meta.url));

async function tsx() {
  try {
    return await import("tsx/esm/api");
  } catch {
    return null;
  }
}

const { isFresh } = checkout ? await import("../scripts/build-server.mjs") : { isFresh: () => true };
const loader = isFresh() ? null : await tsx();
if (loader) {
  loader.register();
  await import("../src/cli/index.ts");
} else if (existsSync(dist)) {
  if (!isFresh())
    console.warn(
      "keyward: dist/ is older than src/ and tsx is not installed: running the older build (npm run build).",
    );
  await import(dist.href);
} else {
  console.error("keyward: the server is not built. From the project folder run: npm ci && npm run build");
  process.exit(1);
}
