/**
 * SSRF: webhooks reach public HTTPS addresses only. Checked when an endpoint is saved and again at
 * send time, on the address the connection actually uses (a host that resolves elsewhere by then is
 * refused); redirects are not followed; KEYWARD_WEBHOOK_ALLOW_PRIVATE opens named ranges only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { WebhookSender } from "../../src/notify/webhook-delivery.js";
import { WebhookGuard } from "../../src/service/webhook-guard.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

describe("the guard", () => {
  const strict = new WebhookGuard([]);

  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fd00:ec2::254",
    "fc00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "ff02::1",
  ])("refuses %s", (a) => {
    expect(strict.classify(a)).toBe("refused");
  });

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("allows %s over HTTPS", (a) => {
    expect(strict.classify(a)).toBe("https");
  });

  it("KEYWARD_WEBHOOK_ALLOW_PRIVATE opens the ranges it names, also over plain HTTP, and no others", () => {
    const config = loadConfig({ KEYWARD_WEBHOOK_ALLOW_PRIVATE: "10.0.0.0/8, 127.0.0.0/8,::1/128" });
    const g = new WebhookGuard(config.webhookAllowPrivate);
    expect(g.classify("10.9.8.7")).toBe("any");
    expect(g.classify("127.0.0.1")).toBe("any");
    expect(g.classify("::1")).toBe("any");
    expect(g.classify("192.168.1.1")).toBe("refused");
    expect(g.classify("169.254.169.254")).toBe("refused");
    expect(() => loadConfig({ KEYWARD_WEBHOOK_ALLOW_PRIVATE: "10.0.0.0/33" })).toThrow(
      /KEYWARD_WEBHOOK_ALLOW_PRIVATE/,
    );
    expect(() => loadConfig({ KEYWARD_WEBHOOK_ALLOW_PRIVATE: "intranet" })).toThrow(
      /KEYWARD_WEBHOOK_ALLOW_PRIVATE/,
    );
  });

  it("the connection's lookup refuses a host name that resolves to loopback", async () => {
    const lookup = strict.lookupFor({ url: new URL("https://localhost/x"), plainHttp: false });
    const err = await new Promise<Error | null>((resolve) =>
      lookup("localhost", { all: true }, (e) => resolve(e)),
    );
    expect(err?.message).toMatch(/internal address/);
  });
});

describe("at send time", () => {
  let h: Harness;
  let w: World;
  let rx: Receiver;
  let other: Receiver;
  let admin: Client;

  beforeAll(async () => {
    h = await startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } });
    w = await seedWorld(h.kw);
    rx = await startReceiver();
    other = await startReceiver();
    admin = await new Client(h).login(w.agencyAdmin);
  });
  afterAll(async () => {
    await rx.close();
    await other.close();
    await h.close();
  });

  it("an endpoint saved while its range was allowed is refused once it no longer is", async () => {
    const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
      url: rx.url,
      events: ["key.created"],
    });
    expect(r.status).toBe(201);
    await admin.post(`/api/webhooks/${r.body.endpoint.id}/test`, {});
    // The same database, a sender whose operator allows nothing private.
    const strict = new WebhookSender({ ...h.kw.webhookSender.deps, guard: new WebhookGuard([]) });
    const report = await strict.deliverDue();
    await strict.stop();
    expect(report.retrying).toHaveLength(1);
    expect(rx.received).toHaveLength(0);
    const log = await admin.get(`/api/webhooks/${r.body.endpoint.id}/deliveries`);
    expect(log.body.deliveries[0].lastError).toMatch(/internal address/);
    await admin.delete(`/api/webhooks/${r.body.endpoint.id}`);
  });

  it("a redirect is not followed: it is a failed attempt", async () => {
    const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
      url: rx.url,
      events: ["key.created"],
    });
    rx.answer = () => ({ status: 307, headers: { location: other.url } });
    await admin.post(`/api/webhooks/${r.body.endpoint.id}/test`, {});
    const report = await h.kw.webhookSender.deliverDue();
    expect(report.retrying).toHaveLength(1);
    expect(rx.received).toHaveLength(1);
    expect(other.received).toHaveLength(0);
    const log = await admin.get(`/api/webhooks/${r.body.endpoint.id}/deliveries`);
    expect(log.body.deliveries[0]).toMatchObject({ status: "pending", responseStatus: 307 });
  });

  it("without KEYWARD_WEBHOOK_ALLOW_PRIVATE the loopback receiver cannot even be saved", async () => {
    const plain = await startHarness();
    try {
      const ww = await seedWorld(plain.kw);
      const a = await new Client(plain).login(ww.agencyAdmin);
      const r = await a.post(`/api/agencies/${ww.agencyId}/webhooks`, {
        url: rx.url,
        events: ["key.created"],
      });
      expect(r.status).toBe(422); // loopback: the graver of its two faults
      expect(r.body.code).toBe("webhook_url_forbidden");
      const s = await a.post(`/api/agencies/${ww.agencyId}/webhooks`, {
        url: rx.url.replace("http:", "https:"),
        events: ["key.created"],
      });
      expect(s.status).toBe(422);
      expect(s.body.code).toBe("webhook_url_forbidden");
      const l = await a.post(`/api/agencies/${ww.agencyId}/webhooks`, {
        url: "https://localhost/hook",
        events: ["key.created"],
      });
      expect(l.status).toBe(422);
      const v6 = await a.post(`/api/agencies/${ww.agencyId}/webhooks`, {
        url: "https://[fd00:ec2::254]/latest",
        events: ["key.created"],
      });
      expect(v6.status).toBe(422);
      expect(v6.body.detail).toContain("fd00:ec2::254");
    } finally {
      await plain.close();
    }
  });
});
