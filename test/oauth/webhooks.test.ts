/**
 * An app's own webhook (docs/oauth.md): its `webhookUrl` becomes a signed webhook endpoint of the
 * developer agency (SSRF guard included), which receives `app.installed` and `app.uninstalled`
 * through the webhook outbox, signed by Standard Webhooks (checked with the `standardwebhooks` package).
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "../webhooks/receiver.js";
import { basic, consent, exchange, formPost, registerApp } from "./helpers.js";

let h: Harness;
let w: World;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  // standardwebhooks refuses timestamps far from its real clock: this test runs at real time.
  h = await startHarness({
    clock: new ManualClock(Date.now()),
    env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" },
  });
  w = await seedWorld(h.kw);
});
afterAll(async () => {
  await h?.close();
  await rx?.close();
});

it("app.installed and app.uninstalled reach the app's webhook, signed", async () => {
  const owner = await new Client(h).login(w.owner);
  const app = await registerApp(owner, w.agencyId, { webhookUrl: rx.url });
  expect(app.body.webhookSecret).toMatch(/^whsec_/);
  expect(app.body.app.webhookUrl).toBe(rx.url);
  // Another agency installs the (public) app.
  const other = await new Client(h).login(w.otherOwner);
  const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
  const t = await exchange(h, app, code!);
  expect(t.status).toBe(200);
  await h.kw.webhookSender.deliverDue();
  await rx.waitFor(1);
  const hook = new Webhook(app.body.webhookSecret.slice("whsec_".length));
  const first = rx.received[0]!;
  const installed = hook.verify(first.body, first.headers as Record<string, string>) as any;
  expect(installed).toMatchObject({
    type: "app.installed",
    data: {
      app: { id: app.id, clientId: app.clientId, name: "Sync Pro" },
      install: { id: t.body.install_id, agencyId: w.otherAgencyId, locationIds: "all" },
    },
  });
  // The app uninstalls itself (RFC 7009 with its refresh token).
  const r = await formPost(
    h,
    "/oauth/revoke",
    { token: t.body.refresh_token },
    { authorization: basic(app.clientId, app.clientSecret!) },
  );
  expect(r.status).toBe(200);
  await h.kw.webhookSender.deliverDue();
  await rx.waitFor(2);
  const second = rx.received[1]!;
  const uninstalled = hook.verify(second.body, second.headers as Record<string, string>) as any;
  expect(uninstalled).toMatchObject({
    type: "app.uninstalled",
    data: { install: { id: t.body.install_id }, reason: "revoked_by_app" },
  });
  // The installing agency's audit log has both.
  const audit = await other.get(`/api/agencies/${w.otherAgencyId}/audit?action=app.`);
  expect(audit.status).toBe(200);
  const actions = audit.body.entries.map((e: any) => e.action);
  expect(actions).toEqual(expect.arrayContaining(["app.installed", "app.uninstalled"]));
});

it("a new webhook URL by PATCH answers the new endpoint's signing secret, once", async () => {
  const owner = await new Client(h).login(w.owner);
  const app = await registerApp(owner, w.agencyId, { name: "Later Hook" });
  expect(app.body.webhookSecret).toBeUndefined();
  const changed = await owner.patch(`/api/apps/${app.id}`, { webhookUrl: rx.url });
  expect(changed.status).toBe(200);
  expect(changed.body.webhookUrl).toBe(rx.url);
  expect(changed.body.webhookSecret).toMatch(/^whsec_/);
  // A change that makes no new endpoint shows no secret; reading the app never does.
  const renamed = await owner.patch(`/api/apps/${app.id}`, { name: "Later Hook 2" });
  expect(renamed.status).toBe(200);
  expect(renamed.body.webhookSecret).toBeUndefined();
  expect((await owner.get(`/api/apps/${app.id}`)).body.webhookSecret).toBeUndefined();
});
