/**
 * The webhook API as agency admins use it: which changes become which events, test events,
 * replays, the delivery log; who may manage endpoints (agency admins of that agency only); and the
 * bad inputs — each a clear 4xx with nothing changed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

let h: Harness;
let w: World;
let rx: Receiver;
let admin: Client;
let endpointId: string;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } });
  // One at a time per endpoint: these tests check the order deliveries arrive in.
  h.kw.webhookSender.deps.inFlightPerEndpoint = 1;
  w = await seedWorld(h.kw);
  rx = await startReceiver();
  admin = await new Client(h).login(w.agencyAdmin);
  const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
    url: rx.url,
    events: [
      "key.created",
      "key.updated",
      "key.rotated",
      "key.revoked",
      "key.refreshed",
      "plan.changed",
      "settings.security_changed",
    ],
  });
  expect(r.status).toBe(201);
  endpointId = r.body.endpoint.id;
});
afterAll(async () => {
  await rx.close();
  await h.close();
});
beforeEach(() => {
  rx.received.length = 0;
});

const bodies = () => rx.received.map((r) => JSON.parse(r.body));

async function endpointCount(agencyId = w.agencyId): Promise<number> {
  return (
    await h.kw.store.db
      .selectFrom("webhook_endpoints")
      .select("id")
      .where("agency_id", "=", agencyId)
      .execute()
  ).length;
}

describe("events from changes", () => {
  it("key changes: created, updated, rotated, refreshed, revoked — in order, with the actor", async () => {
    const k = await admin.post(`/api/accounts/${w.loc1}/keys`, { name: "Zapier", scopes: [] });
    const id = k.body.key.id;
    expect((await admin.patch(`/api/keys/${id}`, { description: "syncs contacts" })).status).toBe(200);
    expect((await admin.post(`/api/keys/${id}/rotate`, {})).status).toBe(200);
    expect((await admin.post(`/api/keys/${id}/revoke`, {})).status).toBe(200);
    const r = await h.kw.webhookSender.deliverDue();
    expect(r.succeeded).toHaveLength(4);
    const got = bodies();
    expect(got.map((b) => b.type)).toEqual(["key.created", "key.updated", "key.rotated", "key.revoked"]);
    for (const b of got) {
      expect(b.data.key).toMatchObject({
        id,
        name: "Zapier",
        owner: { agencyId: w.agencyId, locationId: w.loc1 },
      });
      expect(b.data.actor).toMatchObject({ type: "user" });
    }
    expect(got[1].data.after).toEqual({ description: "syncs contacts" });
    expect(got[2].data.phase).toBe("started");
    const text = rx.received.map((x) => x.body).join("\n");
    expect(text).not.toContain(k.body.token);
  });

  it("a plan change and a security setting change", async () => {
    expect((await setPlan(h, w.agencyId, "unlimited")).status).toBe(200);
    const s = await admin.patch(`/api/agencies/${w.agencyId}/settings`, {
      enhancedSecurity: false,
      confirm: true,
    });
    expect(s.status).toBe(200);
    await h.kw.webhookSender.deliverDue();
    const got = bodies();
    expect(got.map((b) => b.type)).toEqual(["plan.changed", "settings.security_changed"]);
    expect(got[0].data).toMatchObject({
      agency: { id: w.agencyId },
      before: "agency_pro",
      after: "unlimited",
    });
    expect(got[1].data).toMatchObject({
      before: { enhancedSecurity: true },
      after: { enhancedSecurity: false },
    });
    await setPlan(h, w.agencyId, "agency_pro");
    await admin.patch(`/api/agencies/${w.agencyId}/settings`, { enhancedSecurity: true });
    await h.kw.webhookSender.deliverDue();
  });

  it("only subscribed events, only the agency's own endpoints", async () => {
    const other = await new Client(h).login(w.otherOwner);
    const theirs = await other.post(`/api/agencies/${w.otherAgencyId}/webhooks`, {
      url: `${rx.url}?other`,
      events: ["key.created"],
    });
    expect(theirs.status).toBe(201);
    // An event they do not subscribe to, in our agency; and a key created in theirs.
    await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "ours", scopes: [] });
    await other.post(`/api/accounts/${w.otherAgencyId}/keys`, { name: "theirs", scopes: [] });
    await h.kw.webhookSender.deliverDue();
    const byUrl = rx.received.map((r) => [r.headers.host, JSON.parse(r.body).data.key.name]);
    expect(byUrl).toHaveLength(2);
    expect(
      bodies()
        .map((b) => b.data.key.owner.agencyId)
        .sort(),
    ).toEqual([w.agencyId, w.otherAgencyId].sort());
    await other.delete(`/api/webhooks/${theirs.body.endpoint.id}`);
  });

  it("a disabled endpoint gets nothing", async () => {
    expect(
      (await admin.patch(`/api/webhooks/${endpointId}`, { enabled: false })).body.endpoint,
    ).toMatchObject({
      enabled: false,
      disabledReason: "manual",
    });
    await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "while off", scopes: [] });
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(0);
    await admin.patch(`/api/webhooks/${endpointId}`, { enabled: true });
  });
});

describe("test, replay and the delivery log", () => {
  it("test event, log with status, code, first bytes and duration; replay one and since a time", async () => {
    rx.answer = () => ({ status: 200, body: "x".repeat(5000) });
    const t = await admin.post(`/api/webhooks/${endpointId}/test`, {});
    expect(t.status).toBe(202);
    expect(t.body.delivery).toMatchObject({ eventType: "webhook.test", status: "pending", attempts: 0 });
    await h.kw.webhookSender.deliverDue();
    rx.answer = () => ({ status: 200, body: "ok" });
    const log = await admin.get(`/api/webhooks/${endpointId}/deliveries?limit=5`);
    expect(log.status).toBe(200);
    const d = log.body.deliveries[0];
    expect(d).toMatchObject({
      id: t.body.delivery.id,
      status: "succeeded",
      attempts: 1,
      responseStatus: 200,
    });
    expect(d.responseBody).toHaveLength(1024);
    expect(d.payload.type).toBe("webhook.test");
    expect(typeof d.durationMs).toBe("number");

    const one = await admin.post(`/api/webhooks/${endpointId}/replay`, { deliveryId: d.id });
    expect(one.status).toBe(202);
    expect(one.body.deliveries).toHaveLength(1);
    expect(one.body.deliveries[0].messageId).toBe(d.messageId);
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(2);
    // Same message: same webhook-id and body.
    expect(rx.received[1]!.headers["webhook-id"]).toBe(rx.received[0]!.headers["webhook-id"]);
    expect(rx.received[1]!.body).toBe(rx.received[0]!.body);

    // Since a time: every message once, oldest first.
    h.clock.advance(1000);
    const since = new Date(h.clock.now()).toISOString();
    await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "a", scopes: [] });
    await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "b", scopes: [] });
    await h.kw.webhookSender.deliverDue();
    rx.received.length = 0;
    const all = await admin.post(`/api/webhooks/${endpointId}/replay`, { since });
    expect(all.body.deliveries).toHaveLength(2);
    await h.kw.webhookSender.deliverDue();
    expect(bodies().map((b) => b.data.key.name)).toEqual(["a", "b"]);
  });
});

describe("who may manage endpoints", () => {
  it("agency admins of that agency only", async () => {
    for (const email of [w.agencyUser, w.loc1Admin, w.loc1User]) {
      const c = await new Client(h).login(email);
      const list = await c.get(`/api/agencies/${w.agencyId}/webhooks`);
      expect(list.status, email).toBe(403);
      expect((await c.get(`/api/webhooks/${endpointId}`)).status, email).toBe(403);
      expect((await c.post(`/api/webhooks/${endpointId}/rotate-secret`, {})).status, email).toBe(403);
      const create = await c.post(`/api/agencies/${w.agencyId}/webhooks`, {
        url: rx.url,
        events: ["key.created"],
      });
      expect(create.status, email).toBe(403);
    }
    const other = await new Client(h).login(w.otherOwner);
    // Another agency's admin learns nothing: 404, never 403.
    expect((await other.get(`/api/webhooks/${endpointId}`)).status).toBe(404);
    expect((await other.patch(`/api/webhooks/${endpointId}`, { enabled: false })).status).toBe(404);
    expect((await other.delete(`/api/webhooks/${endpointId}`)).status).toBe(404);
    expect((await other.get(`/api/webhooks/${endpointId}/deliveries`)).status).toBe(404);
    expect(
      (await other.post(`/api/webhooks/${endpointId}/replay`, { since: "2020-01-01T00:00:00Z" })).status,
    ).toBe(404);
    expect((await other.get(`/api/agencies/${w.agencyId}/webhooks`)).status).toBe(404);
    expect(
      (await other.post(`/api/agencies/${w.agencyId}/webhooks`, { url: rx.url, events: ["key.created"] }))
        .status,
    ).toBe(404);
    expect((await admin.get(`/api/webhooks/${endpointId}`)).body.endpoint.enabled).toBe(true);
    // The owner (an agency admin) may.
    const owner = await new Client(h).login(w.owner);
    expect((await owner.get(`/api/agencies/${w.agencyId}/webhooks`)).body.endpoints).toHaveLength(1);
    // Without a session: 401.
    expect((await fetch(`${h.url}/api/agencies/${w.agencyId}/webhooks`)).status).toBe(401);
  });
});

describe("bad input: a clear 4xx, nothing changed", () => {
  const create = (body: unknown) => admin.post(`/api/agencies/${w.agencyId}/webhooks`, body);

  it.each([
    [
      "unknown event",
      { url: "https://203.0.113.10/x", events: ["key.exploded"] },
      400,
      "validation_failed",
      /events/,
    ],
    [
      "no events",
      { url: "https://203.0.113.10/x", events: [] },
      400,
      "validation_failed",
      /at least one event/,
    ],
    [
      "description too long",
      { url: "https://203.0.113.10/x", events: ["key.created"], description: "d".repeat(1001) },
      400,
      "validation_failed",
      /1000/,
    ],
    [
      "unknown field",
      { url: "https://203.0.113.10/x", events: ["key.created"], secret: "whsec_x" },
      400,
      "validation_failed",
      /secret/,
    ],
    [
      "unknown scheme",
      { url: "https://203.0.113.10/x", events: ["key.created"], scheme: "rsa" },
      400,
      "validation_failed",
      /scheme/,
    ],
    [
      "not a URL",
      { url: "hooks.example.com", events: ["key.created"] },
      400,
      "webhook_url_invalid",
      /absolute URL/,
    ],
    ["ftp", { url: "ftp://8.8.8.8/x", events: ["key.created"] }, 400, "webhook_url_invalid", /https/],
    [
      "credentials",
      { url: "https://u:p@8.8.8.8/x", events: ["key.created"] },
      400,
      "webhook_url_invalid",
      /password/,
    ],
    [
      "plain http to a public address",
      { url: "http://8.8.8.8/x", events: ["key.created"] },
      400,
      "webhook_url_insecure",
      /https/,
    ],
    [
      "metadata address",
      { url: "https://169.254.169.254/latest", events: ["key.created"] },
      422,
      "webhook_url_forbidden",
      /169\.254\.169\.254/,
    ],
    [
      "private address",
      { url: "https://10.1.2.3/x", events: ["key.created"] },
      422,
      "webhook_url_forbidden",
      /internal/,
    ],
  ])("%s", async (_name, body, status, code, message) => {
    const n = await endpointCount();
    const r = await create(body);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(JSON.stringify(r.body)).toMatch(message);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(await endpointCount()).toBe(n);
  });

  it("an unresolvable host", async () => {
    const r = await create({ url: "https://no-such-host.invalid/x", events: ["key.created"] });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("webhook_url_unresolvable");
  });

  it("a PATCH to a forbidden URL changes nothing", async () => {
    const r = await admin.patch(`/api/webhooks/${endpointId}`, {
      url: "https://192.168.0.1/x",
      events: ["key.created"],
    });
    expect(r.status).toBe(422);
    expect((await admin.get(`/api/webhooks/${endpointId}`)).body.endpoint.url).toBe(rx.url);
  });

  it("replay needs exactly one of deliveryId and since; an unknown delivery is 404", async () => {
    expect((await admin.post(`/api/webhooks/${endpointId}/replay`, {})).status).toBe(400);
    const both = await admin.post(`/api/webhooks/${endpointId}/replay`, {
      deliveryId: "whd_x",
      since: "2026-01-01T00:00:00Z",
    });
    expect(both.status).toBe(400);
    expect((await admin.post(`/api/webhooks/${endpointId}/replay`, { since: "yesterday" })).status).toBe(400);
    expect((await admin.post(`/api/webhooks/${endpointId}/replay`, { deliveryId: "whd_nope" })).status).toBe(
      404,
    );
  });

  it("at most 20 endpoints per agency", async () => {
    const have = await endpointCount();
    for (let i = have; i < 20; i++)
      expect((await create({ url: `${rx.url}/${i}`, events: ["key.created"] })).status).toBe(201);
    const r = await create({ url: `${rx.url}/21`, events: ["key.created"] });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("webhook_limit_reached");
    expect(r.body.detail).toMatch(/at most 20/);
    expect(await endpointCount()).toBe(20);
  });
});
