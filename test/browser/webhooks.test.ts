/**
 * The Webhooks page in a real browser against a real server and a loopback receiver: create an
 * endpoint (the secret shown once, copied), send a test event, read the delivery log, replay one
 * delivery, disable the endpoint; a non-admin has no Webhooks page.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "../webhooks/receiver.js";
import { ensureConsoleBuilt, launchBrowser, openPage, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
let rx: Receiver;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser, rx] = await Promise.all([
    startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } }),
    launchBrowser(),
    startReceiver(),
  ]);
  w = await seedWorld(h.kw);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rx?.close();
  await h?.close();
});

it("create, copy the secret, test, read the log, replay, disable", async () => {
  const { page, context } = await openPage(browser, h, { email: w.agencyAdmin, path: "/agency/keys" });
  try {
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    await page.getByRole("button", { name: "Add endpoint" }).click();

    // A bad URL first: the field says what to fix.
    await page.getByLabel("URL").fill("https://10.0.0.1/hook");
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await page.getByText(/internal address/).waitFor();

    await page.getByLabel("URL").fill(rx.url);
    await page.getByLabel("Description").fill("Our dashboard");
    await page.getByLabel("key.created").check();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    const secret = await page.getByLabel("Signing secret (whsec_…)").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(secret);
    await shot(page, "webhooks-secret");
    await page.keyboard.press("Escape");

    const card = page.getByRole("region", { name: `Endpoint ${rx.url}` });
    await card.getByText("Our dashboard").waitFor();
    await card.getByRole("button", { name: "Send test event" }).click();
    await page.getByText("Test event queued.").waitFor();
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(1);
    expect(JSON.parse(rx.received[0]!.body).type).toBe("webhook.test");

    await card.getByRole("button", { name: "Deliveries" }).click();
    const log = card.getByRole("table", { name: "Deliveries" });
    await log.getByRole("cell", { name: "webhook.test" }).waitFor();
    await log.getByText("succeeded").waitFor();
    await log.getByRole("cell", { name: /^200/ }).waitFor();
    await shot(page, "webhooks-log");

    await log.getByRole("button", { name: "Replay" }).first().click();
    await page.getByText("1 delivery queued again.").waitFor();
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.headers["webhook-id"]).toBe(rx.received[0]!.headers["webhook-id"]);

    await card.getByRole("switch", { name: `Enabled: ${rx.url}` }).click();
    await card.getByText("Disabled").waitFor();
    const api = await page.request.get(`/api/agencies/${w.agencyId}/webhooks`);
    expect((await api.json()).endpoints[0].enabled).toBe(false);
  } finally {
    await context.close();
  }
}, 120_000);

it("people who are not agency admins have no Webhooks page", async () => {
  const { page, context } = await openPage(browser, h, { email: w.agencyUser, path: "/agency/keys" });
  try {
    await page.getByRole("link", { name: "Inventory" }).waitFor();
    expect(await page.getByRole("link", { name: "Webhooks" }).count()).toBe(0);
  } finally {
    await context.close();
  }
}, 60_000);
