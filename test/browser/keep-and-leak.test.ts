/**
 * Keep and Report leaked in the console (issue 14), in a real browser against a real server: an
 * admin keeps warned keys from a key's row, from the bell and from the banner, and sees the warnings
 * and the banner go; an agency admin reports a key leaked and it is revoked. The clock is moved.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, openPage, rowAction, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
const tokens: Record<string, string> = {};

async function tick(iso: string): Promise<void> {
  h.clock.set(Date.parse(iso));
  await h.kw.scheduler.tick(h.clock.now());
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
  const owner = await new Client(h).login(w.owner);
  const boss1 = await new Client(h).login(w.loc1Admin);
  const make = async (c: Client, account: string, name: string) => {
    const r = await c.post(`/api/accounts/${account}/keys`, { name });
    expect(r.status).toBe(201);
    tokens[name] = r.body.token;
  };
  await make(boss1, w.loc1, "Booking widget");
  await make(boss1, w.loc1, "Zapier — production");
  await make(owner, w.agencyId, "Old agency script");
  await make(owner, w.agencyId, "Pasted in chat");
  // Warned on 17 March; inside the 24-hour banner window on 31 March.
  await tick("2026-03-17T00:00:00Z");
  await tick("2026-03-31T06:00:00Z");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("Keep from a warning", () => {
  it("from a key's row, then from the bell: the warnings and the banner go", async () => {
    const { page, context } = await openPage(browser, h, {
      email: w.loc1Admin,
      path: `/location/${w.loc1}/keys`,
    });
    try {
      const banner = page.getByRole("region", { name: "Keys about to be removed" });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/2 API keys/);

      // The row: Keep asks why; without a reason it says so and keeps nothing.
      await keyRow(page, "Booking widget").getByRole("button", { name: "Keep Booking widget" }).click();
      const dialog = page.getByRole("dialog", { name: "Keep “Booking widget”" });
      await dialog.getByRole("button", { name: "Keep", exact: true }).click();
      await dialog.getByText("Say why the key is still needed.").waitFor();
      await dialog.getByLabel(/Why keep it/).fill("The booking widget is seasonal: it runs in summer.");
      await shot(page, "keep-dialog", false);
      await dialog.getByRole("button", { name: "Keep", exact: true }).click();
      await dialog.waitFor({ state: "detached" });
      await page.getByText("Kept “Booking widget”.").waitFor();
      await expect.poll(async () => (await banner.textContent()) ?? "").toMatch(/1 API key/);
      expect(await keyRow(page, "Booking widget").getByRole("button", { name: /^Keep/ }).count()).toBe(0);

      // The bell: the warnings still name Zapier, which is pending.
      await page.getByRole("button", { name: /^Notifications/ }).click();
      const panel = page.getByRole("dialog", { name: "Notifications" });
      const keepButtons = panel.getByRole("button", { name: /^Keep the keys of/ });
      await keepButtons.first().waitFor();
      await keepButtons.first().click();
      const keepAll = page.getByRole("dialog", { name: "Keep 2 keys" });
      await keepAll.getByLabel(/Why keep it/).fill("Zapier runs the nightly export.");
      await keepAll.getByRole("button", { name: "Keep", exact: true }).click();
      await keepAll.waitFor({ state: "detached" });
      await page.getByText("Kept 1 key. 1 had nothing pending.").waitFor();
      // Every warning is gone from the bell, and the banner from the page.
      await panel.getByText("No notifications.", { exact: false }).waitFor();
      await shot(page, "keep-bell-cleared", false);
      await panel.getByRole("button", { name: "Close" }).click();
      await banner.waitFor({ state: "detached" });
    } finally {
      await context.close();
    }
  });
});

describe("Keep from the banner, and Report leaked", () => {
  it("keeps the agency's key from the banner; reports another leaked and it is revoked", async () => {
    const owner = await openPage(browser, h, { email: w.owner, path: "/agency/keys" });
    const { page } = owner;
    try {
      const banner = page.getByRole("region", { name: "Keys about to be removed" });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/2 API keys/);
      await banner.getByRole("button", { name: "Keep them" }).click();
      const dialog = page.getByRole("dialog", { name: "Keep 2 keys" });
      await dialog.getByLabel(/Why keep it/).fill("Still needed by the agency's reporting.");
      await dialog.getByRole("button", { name: "Keep", exact: true }).click();
      await banner.waitFor({ state: "detached" });

      await rowAction(page, "Pasted in chat", "Report leaked");
      const report = page.getByRole("dialog", { name: "Report leaked API key" });
      await report.getByLabel(/Where did it leak/).fill("pasted in a public Slack channel");
      await shot(page, "report-leak-dialog", false);
      await report.getByRole("button", { name: "Report leaked" }).click();
      await report.waitFor({ state: "detached" });
      await page.getByText("Reported “Pasted in chat” leaked: it was revoked.").waitFor();
      expect((await withKey(h, tokens["Pasted in chat"]!, "GET", "/v2/token")).status).toBe(401);
    } finally {
      await owner.context.close();
    }
  });
});

describe("after the sweep", () => {
  it("kept keys were spared (and still verify); the leaked one stays revoked", async () => {
    const r = await h.kw.scheduler.tick(Date.parse("2026-04-01T00:00:00Z"));
    expect(r.actions).toEqual([]);
    for (const name of ["Booking widget", "Zapier — production", "Old agency script"])
      expect((await withKey(h, tokens[name]!, "GET", "/v2/token")).status).toBe(200);
    expect((await withKey(h, tokens["Pasted in chat"]!, "GET", "/v2/token")).status).toBe(401);
  });
});
