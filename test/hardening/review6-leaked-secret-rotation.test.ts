/**
 * Review 6: after a rotation with grace, the new client secret leaked and was revoked; the previous
 * one still authenticates the app for the rest of its grace (docs/leaks.md: "the developer who had
 * rotated loses nothing"), and the notice says "Rotate the secret and deploy the new one". Rotating
 * with grace then dropped the previous secret at once — the one the deployed app still used — so the
 * app was locked out until the new secret was deployed, which is what a grace is there to avoid.
 * A rotation now keeps a previous secret still in its grace, until that grace ends (not longer).
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { basic, type RegisteredApp, registerApp, tokenRequest } from "../oauth/helpers.js";

const ORIGIN = { origin: "https://keys.acme.test" };
let h: Harness;
let w: World;
let dir: string;
let owner: Client;
const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyward-r6-leak-rotate-"));
  const keyFile = join(dir, "keys.json");
  writeFileSync(
    keyFile,
    JSON.stringify({
      public_keys: [{ key_identifier: "gh-1", key: publicKey.export({ type: "spki", format: "pem" }) }],
    }),
  );
  h = await startHarness({
    env: { KEYWARD_LEAK_REPORT_KEYS: keyFile, KEYWARD_PUBLIC_URL: "https://keys.acme.test" },
  });
  w = await seedWorld(h.kw);
  owner = await new Client(h, ORIGIN).login(w.owner);
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function reportLeaked(token: string) {
  const body = JSON.stringify([
    { token, type: "keyward_oauth", url: "https://github.com/octo/app/blob/main/.env", source: "content" },
  ]);
  const res = await fetch(`${h.url}/api/leaks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "Github-Public-Key-Identifier": "gh-1",
      "Github-Public-Key-Signature": sign("sha256", Buffer.from(body), privateKey).toString("base64"),
    },
    body,
  });
  return (await res.json()) as { label: string }[];
}

const cc = (app: RegisteredApp, secret: string) =>
  tokenRequest(h, { grant_type: "client_credentials" }, { authorization: basic(app.clientId, secret) });

it("rotating with grace after the new secret leaked keeps the previous one until its grace ends", async () => {
  const app = await registerApp(owner, w.agencyId, { name: "Deployed" });
  const deployed = app.clientSecret!;
  const first = await owner.post(`/api/apps/${app.id}/rotate-secret`, { graceSeconds: 3600 });
  expect(first.status).toBe(200);
  const leaked = first.body.clientSecret as string;
  expect((await reportLeaked(leaked)).map((f) => f.label)).toEqual(["true_positive"]);
  expect((await cc(app, deployed)).status).toBe(200);

  // As the notice says: rotate (with grace, to keep the app running) and deploy the new one.
  h.clock.advance(10 * 60_000);
  const second = await owner.post(`/api/apps/${app.id}/rotate-secret`, { graceSeconds: 86_400 });
  expect(second.status, JSON.stringify(second.body)).toBe(200);
  const next = second.body.clientSecret as string;
  expect((await cc(app, next)).status).toBe(200);
  const still = await cc(app, deployed);
  expect(still.status, JSON.stringify(still.body)).toBe(200);
  expect((await cc(app, leaked)).status).toBe(401);

  // Not longer than the grace it had: 60 minutes from the first rotation.
  h.clock.advance(50 * 60_000 + 1_000);
  expect((await cc(app, deployed)).status).toBe(401);
  expect((await cc(app, next)).status).toBe(200);

  // Without grace, a rotation ends every other secret at once, as before.
  const app2 = await registerApp(owner, w.agencyId, { name: "Deployed too" });
  const r = await owner.post(`/api/apps/${app2.id}/rotate-secret`, { graceSeconds: 3600 });
  expect((await reportLeaked(r.body.clientSecret)).map((f) => f.label)).toEqual(["true_positive"]);
  const hard = await owner.post(`/api/apps/${app2.id}/rotate-secret`, { graceSeconds: 0 });
  expect((await cc(app2, app2.clientSecret!)).status).toBe(401);
  expect((await cc(app2, hard.body.clientSecret)).status).toBe(200);
});
