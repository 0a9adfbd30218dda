/**
 * The console's API types (web/src/api-types.ts) are generated from /openapi.json: this fails
 * when a route's schemas changed and nobody regenerated them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, generateApiTypes, SDK_API_TYPES_FILE } from "../../scripts/gen-api-types.js";

describe("generated API types", () => {
  it("web/src/api-types.ts matches what /openapi.json generates (else run `npm run gen:api`)", async () => {
    const committed = readFileSync(API_TYPES_FILE, "utf8");
    const fresh = await generateApiTypes();
    expect(
      committed === fresh,
      "web/src/api-types.ts is stale: run `npm run gen:api` and commit the result",
    ).toBe(true);
  });

  it("packages/sdk/src/api-types.ts is the same generated text (else run `npm run gen:api`)", async () => {
    const sdk = readFileSync(SDK_API_TYPES_FILE, "utf8");
    expect(
      sdk === (await generateApiTypes()),
      "packages/sdk/src/api-types.ts is stale: run `npm run gen:api` and commit the result",
    ).toBe(true);
  });

  it("types the responses the console reads, not unknown", async () => {
    const fresh = await generateApiTypes();
    for (const schema of [
      "Key",
      "Me",
      "Settings",
      "Policy",
      "Digest",
      "AuditEntry",
      "Notification",
      "Banner",
    ])
      expect(fresh).toMatch(new RegExp(`^ {8}${schema}: \\{`, "m"));
    // The settings page's digest is a count, and a notification's link is always there.
    expect(fresh).toMatch(/Digest: \{\s+subscribedAdmins: number;/);
    expect(fresh).toMatch(/link: string;/);
  });
});
