/**
 * The console's way back after an admin uninstalled an app from its own agency (docs/oauth.md §7):
 * client_credentials is refused (`unauthorized_client`) until an admin chooses *Install in this
 * agency* on *Your apps*; installing it twice is refused in words in the dialog. And a client secret
 * revoked after a leak report is shown as revoked, with *Rotate secret* still offered.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { basic, registerApp, tokenRequest } from "../oauth/helpers.js";
import { ensureConsoleBuilt, launchBrowser, openPage, rowAction } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it("an admin installs the app in its own agency again from Your apps", async () => {
  const owner = await new Client(h).login(w.owner);
  const app = await registerApp(owner, w.agencyId, { name: "Nightly export" });
  const cc = () =>
    tokenRequest(
      h,
      { grant_type: "client_credentials" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
  const first = await cc();
  expect(first.status).toBe(200);
  expect((await owner.delete(`/api/installs/${first.body.install_id}`)).status).toBe(204);
  expect((await cc()).body.error).toBe("unauthorized_client");

  const { context, page } = await openPage(browser, h, { email: w.agencyAdmin, path: "/agency/apps" });
  try {
    await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
    await rowAction(page, "Nightly export", "Install in this agency");
    const dialog = page.getByRole("dialog", { name: "Install Nightly export in this agency?" });
    await dialog.getByRole("button", { name: "Install" }).click();
    await page.getByText("Installed “Nightly export” in this agency.").waitFor();
    await dialog.waitFor({ state: "detached" });
    const back = await cc();
    expect(back.status, JSON.stringify(back.body)).toBe(200);

    // Again: refused, and the dialog says why.
    await rowAction(page, "Nightly export", "Install in this agency");
    await dialog.getByRole("button", { name: "Install" }).click();
    await dialog.getByText(/already installed in its own agency/).waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // A secret revoked after a leak report: shown as revoked; rotating gives a new one.
    await h.kw.store.transaction(async (s) => {
      const a = (await s.oauth().getApp(app.id))!;
      await s.oauth().updateApp({ ...a, secretHash: null, secretDisplay: null, secretCreatedAt: null });
    });
    await page.reload();
    const row = page.getByRole("row", { name: /Nightly export/ });
    await row.getByText("None: revoked. Rotate to give the app a new one.").waitFor();
    await rowAction(page, "Nightly export", "Rotate secret");
    await page
      .getByRole("dialog", { name: "Rotate client secret" })
      .getByRole("button", { name: "Rotate" })
      .click();
    const reveal = page.getByRole("dialog", { name: "New client secret" });
    const secret = await reveal.locator("#new-token").inputValue();
    expect(secret).toMatch(/^kw_cs_/);
    const r = await tokenRequest(
      h,
      { grant_type: "client_credentials" },
      { authorization: basic(app.clientId, secret) },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  } finally {
    await context.close();
  }
}, 60_000);
