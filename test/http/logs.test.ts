/**
 * No secret in the logs: a server logging at debug level to a buffer serves sign-ins, key
 * creations, rotations, imports, verifications (good and bad) and errors; no token, password,
 * session cookie or token hash appears in what it wrote.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logger.js";
import { Client, type Harness, PASSWORD, SERVICE_TOKEN, seedWorld, T0 } from "../helpers/harness.js";

const chunks: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    chunks.push(chunk.toString());
    cb();
  },
});

let kw: Keyward;
let h: Harness;
let close: () => Promise<void>;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "keyward-logs-"));
  const config = loadConfig({
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_SERVICE_TOKEN: SERVICE_TOKEN,
    KEYWARD_LOG_LEVEL: "debug",
  });
  const clock = new ManualClock(T0);
  kw = await createKeyward({ config, clock, logger: createLogger("debug", sink) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: kw.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = { kw, url, origin: url, clock, dataDir, close: async () => {} };
  close = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await kw.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
});
afterAll(() => close());

describe("logs", () => {
  it("never hold a token, a password, a session cookie or a token hash", async () => {
    const w = await seedWorld(kw);
    const secrets: string[] = [PASSWORD, SERVICE_TOKEN];
    const admin = await new Client(h).login(w.owner);
    secrets.push(admin.cookie.split("=")[1]!);
    const created = await admin.post(`/api/accounts/${w.loc1}/keys`, {
      name: "k",
      scopes: ["locations.readonly"],
    });
    secrets.push(created.body.token);
    const rotated = await admin.post(`/api/keys/${created.body.key.id}/rotate`, {
      expireOldAfterSeconds: 60,
    });
    secrets.push(rotated.body.token);
    const foreign = "imported-secret-value-0123456789abcdef";
    secrets.push(foreign);
    await admin.post(`/api/accounts/${w.loc1}/keys/import`, {
      name: "i",
      kind: "private_integration",
      token: foreign,
    });
    // Failed sign-ins with the password in the body, and a password change.
    await new Client(h).post("/api/auth/login", { email: w.owner, password: "wrong-password-42!" });
    secrets.push("wrong-password-42!");
    const me = (await admin.get("/api/me")).body.user;
    await admin.patch(`/api/users/${me.id}`, { password: "a brand new password 77" });
    secrets.push("a brand new password 77");
    // Verifications, good and bad, both ways.
    for (const t of [
      created.body.token,
      rotated.body.token,
      foreign,
      `${created.body.token}x`,
      ` ${foreign}`,
    ]) {
      await fetch(`${h.url}/v2/locations`, {
        headers: { authorization: `Bearer ${t}`, "user-agent": "probe" },
      });
      await fetch(`${h.url}/api/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ token: t }),
      });
    }
    // Errors: bad JSON with a token inside, a wrong service token, an unknown route carrying one.
    await admin.request("POST", `/api/accounts/${w.loc1}/keys/import`, `{"token":"${foreign}"`, {
      "content-type": "application/json",
    });
    await fetch(`${h.url}/api/verify`, { method: "POST", headers: { authorization: `Bearer ${foreign}` } });
    await fetch(`${h.url}/nowhere`, { headers: { authorization: `Bearer ${created.body.token}` } });
    await kw.usage.flush();
    kw.logger.debug({ token: created.body.token, password: PASSWORD }, "a careless debug line");
    kw.logger.flush?.();

    const text = chunks.join("");
    expect(text.length).toBeGreaterThan(0); // something was logged at debug level
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(createHash("sha256").update(s).digest("hex"));
    }
    // And the audit log holds no secret either.
    const audit = JSON.stringify(await kw.store.listAudit({ agencyId: w.agencyId, limit: 1000 }));
    for (const s of secrets) expect(audit).not.toContain(s);
  });
});
