/**
 * When a receiver fails: Standard Webhooks' retry schedule on the injected clock (with jitter, and
 * Retry-After honoured), `410 Gone` disabling the endpoint at once, and five days of failures
 * disabling it with an in-app notice and an e-mail to the agency's admins.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nextAttemptAt, RETRY_DELAYS_MS } from "../../src/core/webhooks.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

let h: Harness;
let w: World;
let rx: Receiver;

const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8,::1/128" } });
  h.kw.webhookSender.deps.random = () => 0; // no jitter: exact times
  h.kw.webhookSender.deps.inFlightPerEndpoint = 1; // one at a time: nothing starts after a 410
  w = await seedWorld(h.kw);
  rx = await startReceiver();
});
afterAll(async () => {
  await rx.close();
  await h.close();
});
beforeEach(() => {
  rx.received.length = 0;
});

let session: { client: Client; at: number } | null = null;
/** The agency admin, signed in again when the clock has moved past the session's lifetime. */
async function admin() {
  if (!session || h.clock.now() - session.at > 6 * 3_600_000)
    session = { client: await new Client(h).login(w.agencyAdmin), at: h.clock.now() };
  return session.client;
}

async function endpoint(): Promise<string> {
  const r = await (await admin()).post(`/api/agencies/${w.agencyId}/webhooks`, {
    url: rx.url,
    events: ["key.created"],
  });
  expect(r.status).toBe(201);
  return r.body.endpoint.id;
}

async function delivery(endpointId: string) {
  const list = (await (await admin()).get(`/api/webhooks/${endpointId}/deliveries`)).body.deliveries;
  return list[0];
}

describe("the retry schedule", () => {
  it("jitter adds at most 10% to each delay; no retry after the tenth attempt", () => {
    for (let i = 1; i <= 9; i++) {
      const base = RETRY_DELAYS_MS[i - 1]!;
      expect(nextAttemptAt(0, i, 0)).toBe(base);
      expect(nextAttemptAt(0, i, 0.999)).toBeGreaterThan(base * 1.09);
      expect(nextAttemptAt(0, i, 0.999)).toBeLessThan(base * 1.1 + 1);
    }
    expect(nextAttemptAt(0, 10, 0)).toBeNull();
  });

  it("retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then gives up", async () => {
    const id = await endpoint();
    rx.answer = () => ({ status: 500, body: "boom" });
    const sent = await (await admin()).post(`/api/webhooks/${id}/test`, {});
    expect(sent.status).toBe(202);
    const msgId = sent.body.delivery.messageId;

    let r = await h.kw.webhookSender.deliverDue();
    expect(r.retrying).toHaveLength(1);
    for (const delay of RETRY_DELAYS_MS) {
      // Not a moment early.
      h.clock.advance(delay - 1);
      expect((await h.kw.webhookSender.deliverDue()).retrying).toHaveLength(0);
      h.clock.advance(1);
      r = await h.kw.webhookSender.deliverDue();
      expect(r.retrying.length + r.failed.length).toBe(1);
    }
    expect(r.failed).toHaveLength(1);
    expect(rx.received).toHaveLength(10);
    // Every attempt is the same message: same id, same body.
    expect(new Set(rx.received.map((x) => x.headers["webhook-id"]))).toEqual(new Set([msgId]));
    expect(new Set(rx.received.map((x) => x.body)).size).toBe(1);
    const d = await delivery(id);
    expect(d).toMatchObject({ status: "failed", attempts: 10, responseStatus: 500, responseBody: "boom" });
    expect(d.nextAttemptAt).toBeNull();
    h.clock.advance(7 * DAY);
    expect((await h.kw.webhookSender.deliverDue()).retrying).toHaveLength(0);
    expect(rx.received).toHaveLength(10);
    await (await admin()).delete(`/api/webhooks/${id}`);
  });

  it("honours Retry-After, and a success ends the retries", async () => {
    const id = await endpoint();
    rx.answer = () => ({ status: 503, headers: { "retry-after": "3600" } });
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    const t = h.clock.now();
    await h.kw.webhookSender.deliverDue();
    expect((await delivery(id)).nextAttemptAt).toBe(new Date(t + 3_600_000).toISOString());
    h.clock.advance(3_600_000 - 1);
    expect((await h.kw.webhookSender.deliverDue()).retrying).toHaveLength(0);
    h.clock.advance(1);
    rx.answer = () => ({ status: 204 });
    expect((await h.kw.webhookSender.deliverDue()).succeeded).toHaveLength(1);
    const d = await delivery(id);
    expect(d).toMatchObject({ status: "succeeded", attempts: 2, responseStatus: 204 });
    expect(d.durationMs).toBeGreaterThanOrEqual(0);
    expect((await (await admin()).get(`/api/webhooks/${id}`)).body.endpoint.failingSince).toBeNull();
    await (await admin()).delete(`/api/webhooks/${id}`);
  });

  it("a 2xx later than the timeout counts as a failure", async () => {
    const id = await endpoint();
    h.kw.webhookSender.deps.timeoutMs = 300; // 15 s in production; shortened, this is real time
    rx.answer = () => "hang";
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    expect((await h.kw.webhookSender.deliverDue()).retrying).toHaveLength(1);
    expect((await delivery(id)).lastError).toMatch(/no answer within/);
    h.kw.webhookSender.deps.timeoutMs = undefined;
    await (await admin()).delete(`/api/webhooks/${id}`);
  });
});

describe("disabling", () => {
  async function notices() {
    return (await (await admin()).get("/api/me/notifications")).body.notifications.filter(
      (n: any) => n.type === "webhook_disabled",
    );
  }
  async function mails() {
    return (
      await h.kw.store.db.selectFrom("outbox").selectAll().where("kind", "=", "webhook_disabled").execute()
    ).map((m) => ({ to: JSON.parse(m.to_json), subject: m.subject, text: m.text_body }));
  }

  it("410 Gone disables the endpoint at once and tells the admins", async () => {
    const id = await endpoint();
    rx.answer = () => ({ status: 410 });
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    const r = await h.kw.webhookSender.deliverDue();
    expect(r.disabled).toEqual([id]);
    // The second one was not sent after the 410.
    expect(rx.received).toHaveLength(1);
    expect(r.failed).toHaveLength(2);
    const ep = (await (await admin()).get(`/api/webhooks/${id}`)).body.endpoint;
    expect(ep).toMatchObject({ enabled: false, disabledReason: "gone" });
    // No more events for it, no retry.
    await (await admin()).post(`/api/accounts/${w.agencyId}/keys`, { name: "after 410", scopes: [] });
    h.clock.advance(DAY);
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(1);
    expect(await notices()).toHaveLength(1);
    expect((await mails())[0]!.text).toContain("410 Gone");
    // Enabling it again starts afresh.
    const on = await (await admin()).patch(`/api/webhooks/${id}`, { enabled: true });
    expect(on.body.endpoint).toMatchObject({ enabled: true, disabledReason: null });
    await (await admin()).delete(`/api/webhooks/${id}`);
  });

  it("an endpoint failing for five days is disabled; admins get a notice and an e-mail", async () => {
    const before = (await mails()).length;
    const id = await endpoint();
    rx.answer = () => ({ status: 500 });
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    await h.kw.webhookSender.deliverDue();
    const since = (await (await admin()).get(`/api/webhooks/${id}`)).body.endpoint.failingSince;
    expect(since).toBe(new Date(h.clock.now()).toISOString());
    // Failing for a little under five days: still on.
    for (let t = 0; t < 4; t++) {
      h.clock.advance(DAY);
      await (await admin()).post(`/api/webhooks/${id}/test`, {});
      expect((await h.kw.webhookSender.deliverDue()).disabled).toEqual([]);
    }
    h.clock.advance(DAY);
    await (await admin()).post(`/api/webhooks/${id}/test`, {});
    let disabled: string[] = [];
    for (let i = 0; i < 5 && disabled.length === 0; i++)
      disabled = (await h.kw.webhookSender.deliverDue()).disabled;
    expect(disabled).toEqual([id]);
    expect((await (await admin()).get(`/api/webhooks/${id}`)).body.endpoint).toMatchObject({
      enabled: false,
      disabledReason: "failing",
    });
    const ms = (await mails()).slice(before);
    expect(ms).toHaveLength(1);
    // Both agency admins (the owner and the admin), nobody else.
    expect(ms[0]!.to).toEqual([w.agencyAdmin, w.owner].sort());
    expect(ms[0]!.subject).toContain(rx.url);
    expect(ms[0]!.text).toContain("five days");
    const n = await notices();
    expect(n.some((x: any) => x.body.includes("five days"))).toBe(true);
    // An account admin is not told.
    const boss = await new Client(h).login(w.loc1Admin);
    const theirs = (await boss.get("/api/me/notifications")).body.notifications;
    expect(theirs.filter((x: any) => x.type === "webhook_disabled")).toHaveLength(0);
    // The audit log says why.
    const audit = await h.kw.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "webhook.disabled")
      .where("target_id", "=", id)
      .execute();
    expect(JSON.parse(audit[0]!.after_json!)).toEqual({ enabled: false, reason: "failing" });
  });
});
