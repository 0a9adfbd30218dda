/** The deployment secret and AES-256-GCM sealing of legacy location keys; the report's pure rules. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createKeyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { advice, clientName, purposeOf, suggestScopes } from "../../src/core/legacy.js";
import { SecretBox, SecretBoxError } from "../../src/core/secretbox.js";
import { generateToken } from "../../src/core/token.js";
import { createLogger } from "../../src/logger.js";
import { loadDeploymentSecret } from "../../src/service/legacy-secret.js";
import { Client, startHarness } from "../helpers/harness.js";
import { call, seedKey } from "./helpers.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "keyward-secret-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("SecretBox", () => {
  const box = new SecretBox("x".repeat(40));
  const token = generateToken("kw", "legacy_v1");

  it("seals and opens; every seal differs; nothing of the plaintext shows", () => {
    const a = box.seal(token);
    const b = box.seal(token);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain(token.slice(6, 20));
    expect(box.open(a)).toBe(token);
    expect(box.open(b)).toBe(token);
  });

  it("refuses an altered value, another secret's value, and a short secret", () => {
    const sealed = box.seal(token);
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw[20] = raw[20]! ^ 1;
    expect(() => box.open(`v1.${raw.toString("base64url")}`)).toThrow(SecretBoxError);
    expect(() => new SecretBox("y".repeat(40)).open(sealed)).toThrow(SecretBoxError);
    expect(() => box.open("v2.abc")).toThrow(SecretBoxError);
    expect(() => box.open("v1.abc")).toThrow(SecretBoxError);
    expect(() => new SecretBox("short")).toThrow(SecretBoxError);
  });
});

describe("the deployment secret", () => {
  it("is generated once into <dataDir>/secret.key with mode 0600, then read back", () => {
    const dir = tempDir();
    const first = loadDeploymentSecret({ secret: undefined, dataDir: dir });
    expect(first.source).toBe("generated");
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    const again = loadDeploymentSecret({ secret: undefined, dataDir: dir });
    expect(again).toMatchObject({ source: "file", secret: first.secret, looseMode: false });
  });

  it("KEYWARD_SECRET wins; an unusable file is refused with what to do", () => {
    expect(loadDeploymentSecret({ secret: "s".repeat(32), dataDir: tempDir() })).toEqual({
      secret: "s".repeat(32),
      source: "env",
    });
    const dir = tempDir();
    writeFileSync(join(dir, "secret.key"), "too short\n", { mode: 0o600 });
    expect(() => loadDeploymentSecret({ secret: undefined, dataDir: dir })).toThrow(/KEYWARD_SECRET/);
  });

  it("a restarted deployment reads its legacy location keys back; another secret cannot", async () => {
    const h = await startHarness();
    const { kw } = h;
    const dir = h.dataDir;
    try {
      const { agency } = await kw.accounts.createAgency(
        { actor: null, actorType: "system", actorId: null, ip: null, userAgent: null },
        {
          name: "Restart Co",
          plan: "agency_pro",
          owner: { email: "o@restart.test", name: "O", password: "a restart owner password" },
        },
      );
      const owner = await new Client(h).login("o@restart.test", "a restart owner password");
      await owner.patch(`/api/agencies/${agency.id}/settings`, { enhancedSecurity: false, confirm: true });
      const loc = await owner.post(`/api/agencies/${agency.id}/locations`, { name: "Kept" });
      const apiKey: string = loc.body.apiKey;
      const locationId: string = loc.body.id;
      const agencyKey = await seedKey(h, agency.id, null);
      expect((await call(h, agencyKey.token, "GET", `/v1/locations/${locationId}`)).body.apiKey).toBe(apiKey);
      // A second instance on the same data folder (a restart) reads the key back through secret.key …
      const reopen = async (env: Record<string, string>) => {
        const kw2 = await createKeyward({
          config: loadConfig({ KEYWARD_DATA_DIR: dir, KEYWARD_LOG_LEVEL: "silent", ...env }),
          clock: h.clock,
          logger: createLogger("silent"),
        });
        try {
          return await kw2.legacy.apiKeys(agency.id, [locationId]);
        } finally {
          await kw2.close();
        }
      };
      expect((await reopen({})).get(locationId)).toBe(apiKey);
      // … and one with another secret cannot (logged, never a 500).
      expect((await reopen({ KEYWARD_SECRET: "z".repeat(40) })).size).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe("the report's rules", () => {
  it("maps endpoints to scopes", () => {
    expect(purposeOf("GET /v1/locations").scope).toBe("locations.readonly");
    expect(purposeOf("GET /v2/locations/:id").scope).toBe("locations.readonly");
    expect(purposeOf("DELETE /v1/locations/:id").scope).toBe("locations.write");
    expect(purposeOf("POST /v1/users").scope).toBe("users.write");
    expect(purposeOf("GET /v2/users").scope).toBe("users.readonly");
    expect(purposeOf("GET /v2/token")).toMatchObject({ scope: null, known: true });
    expect(purposeOf("POST /api/verify")).toMatchObject({ scope: null, known: false });
    const location = new Set(["locations.readonly", "users.readonly", "users.write"]);
    expect(
      suggestScopes(
        [
          { endpoint: "PUT /v1/users/:id", count: 2 },
          { endpoint: "POST /v1/locations", count: 1 },
          { endpoint: "GET /v1/locations", count: 9 },
        ],
        location,
      ),
    ).toEqual({
      scopes: ["locations.readonly", "users.write"],
      purposes: ["read locations", "create, change or remove users"],
      unavailable: [{ scope: "locations.write", purpose: "create, change or delete locations" }],
      unmapped: [],
    });
  });

  it("says it in plain words", () => {
    expect(clientName("Zapier/2.3 (+https://zapier.com)")).toBe("Zapier");
    expect(clientName("")).toBe("an unnamed client");
    const all = new Set(["locations.readonly", "locations.write", "users.readonly", "users.write"]);
    expect(
      advice({
        level: "agency",
        status: "active",
        windowDays: 90,
        total: 1204,
        userAgents: [{ userAgent: "Zapier/1.0", count: 1204 }],
        ips: [{ ip: "203.0.113.4", count: 1204 }],
        suggestion: suggestScopes([{ endpoint: "GET /v1/locations", count: 1204 }], all),
        migration: null,
      }),
    ).toBe(
      "Used 1,204 times in the last 90 days by Zapier from 203.0.113.4 to read locations; replace with a private integration token with locations.readonly.",
    );
    expect(
      advice({
        level: "agency",
        status: "expired",
        windowDays: 90,
        total: 3,
        userAgents: [
          { userAgent: "n8n", count: 2 },
          { userAgent: "curl/8", count: 1 },
        ],
        ips: [
          { ip: "198.51.100.1", count: 2 },
          { ip: "198.51.100.2", count: 1 },
        ],
        suggestion: suggestScopes([{ endpoint: "POST /api/verify", count: 3 }], all),
        migration: null,
      }),
    ).toBe(
      "Used 3 times in the last 90 days by n8n and 1 other client from 198.51.100.1 and 1 other address. For its calls to POST /api/verify, give the token the scopes your platform's services require. It is expired now: nothing can use it until it is refreshed.",
    );
  });
});
