/**
 * docs/integration.md, end to end against a real Keyward: a service credential, an agency provisioned
 * through the typed management client, a location and a key made by the agency's owner, the SDK's
 * middleware in front of a Hono app and an Express app, and a revoked key that stops working in
 * those apps within a second. (Provisioning by external ids, PUT /api/provision/…, and service
 * credentials from `keyward service-keys create` come with issue 12 §2–3; until then this uses
 * POST /api/agencies and KEYWARD_SERVICE_TOKEN, as the guide says.)
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyward as expressKeyward } from "../../packages/sdk/src/express.js";
import { keyward as honoKeyward, type KeywardVariables } from "../../packages/sdk/src/hono.js";
import { Keyward, KeywardAdmin, KeywardApiError } from "../../packages/sdk/src/index.js";
import { Client, type Harness, PASSWORD, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";
import { until } from "./helpers.js";

let h: Harness;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  h = await startHarness({ start: true });
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await h?.close();
});

describe("docs/integration.md", () => {
  it("provision, protect a Hono and an Express app, and watch a revoked key stop within a second", async () => {
    // 1. The service credential (KEYWARD_SERVICE_TOKEN until `keyward service-keys create` lands).
    const admin = new KeywardAdmin({ baseUrl: h.url, credential: SERVICE_TOKEN });

    // 2. Provision an agency with its owner, typed by the OpenAPI paths.
    const made = await admin.post("/api/agencies", {
      body: {
        id: "crm-agency-42",
        name: "Sunrise Realty",
        plan: "agency_pro",
        owner: { email: "owner@sunrise.test", name: "Sam Owner", password: PASSWORD },
      },
    });
    expect(made.agency.id).toBe("crm-agency-42");
    // A refusal is Keyward's problem, thrown.
    const again = await admin
      .post("/api/agencies", {
        body: {
          id: "crm-agency-42",
          name: "Twice",
          plan: "starter",
          owner: { email: "x@sunrise.test", name: "X" },
        },
      })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KeywardApiError);
    expect((again as KeywardApiError).status).toBe(409);

    // The agency's owner makes a location and a key for an integration (in the console, or so).
    const owner = await new Client(h).login("owner@sunrise.test");
    const loc = await owner.post(`/api/agencies/${made.agency.id}/locations`, { name: "Downtown office" });
    expect(loc.status).toBe(201);
    const locationId = loc.body.id as string;
    const key = await owner.post(`/api/accounts/${locationId}/keys`, {
      name: "Zapier",
      scopes: ["locations.readonly"],
    });
    expect(key.status).toBe(201);

    // 3. The SDK and its middleware in front of the platform's own apps.
    const kw = new Keyward({ baseUrl: h.url, credential: SERVICE_TOKEN, clock: h.clock });
    closers.push(() => kw.close());
    const hono = new Hono<{ Variables: KeywardVariables }>();
    hono.use("/api/*", honoKeyward(kw, { requiredScopes: ["locations.readonly"] }));
    hono.get("/api/contacts", (c) => c.json({ owner: c.get("keyward").owner, contacts: [] }));
    const honoServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    closers.push(() => new Promise((r) => honoServer.close(() => r())));
    const ex = express();
    ex.use("/api", expressKeyward(kw, { requiredScopes: ["locations.readonly"] }));
    ex.get("/api/contacts", (req, res) => {
      res.json({ owner: req.keyward?.owner, contacts: [] });
    });
    const exServer = await new Promise<ReturnType<typeof ex.listen>>((resolve) => {
      const s = ex.listen(0, "127.0.0.1", () => resolve(s));
    });
    closers.push(() => new Promise((r) => exServer.close(() => r())));
    const apps = [honoServer, exServer].map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    expect(await until(() => kw.health().stream === "connected")).not.toBeNull();

    const get = (base: string) =>
      fetch(`${base}/api/contacts`, { headers: { authorization: `Bearer ${key.body.token}` } });
    for (const base of apps) {
      const r = await get(base);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ owner: { type: "location", id: locationId }, contacts: [] });
    }

    // 4. Revoke it: within a second both apps refuse it, with Keyward's own answer.
    const t0 = performance.now();
    expect((await owner.post(`/api/keys/${key.body.key.id}/revoke`)).status).toBe(200);
    const stopped = await until(async () => {
      const codes = await Promise.all(apps.map(async (b) => (await get(b)).status));
      return codes.every((s) => s === 401);
    }, 1_000);
    expect(stopped, "the revoked key still worked after 1 s").not.toBeNull();
    console.log(`revoked key refused by both apps after ${(performance.now() - t0).toFixed(1)} ms`);
    const refused = await get(apps[0]!);
    expect(((await refused.json()) as { code: string }).code).toBe("revoked");
  });
});
