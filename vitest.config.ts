import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `.only` left in a test fails CI instead of silently skipping the rest.
    allowOnly: !process.env.CI,
    pool: "forks",
  },
});
