/**
 * Issue 10 §18 and §3 in the console: an address with accounts in several agencies picks one at
 * sign-in; Settings → Company shows the plan read-only, with what each plan allows.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCtx } from "../../src/service/context.js";
import { type Harness, PASSWORD, startHarness } from "../helpers/harness.js";
import { ensureConsoleBuilt, launchBrowser, openPage, shot } from "./browser.js";

let h: Harness;
let browser: Browser;
const EMAIL = "both@agencies.test";

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  for (const [name, plan] of [
    ["North Agency", "agency_pro"],
    ["South Agency", "starter"],
  ] as const)
    await h.kw.accounts.createAgency(systemCtx, {
      name,
      plan,
      owner: { email: EMAIL, name: "Owner", password: PASSWORD },
    });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("signing in to one of several agencies", () => {
  it("asks which agency, signs in to the one chosen, and shows its plan read-only", async () => {
    const { page, context } = await openPage(browser, h, { path: "/login" });
    try {
      await page.getByLabel("E-mail").fill(EMAIL);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      const agency = page.getByRole("combobox", { name: "Agency" });
      await agency.waitFor();
      expect(await agency.locator("option").allTextContents()).toEqual(["North Agency", "South Agency"]);
      await shot(page, "sign-in-agency-choice", false);
      await agency.selectOption({ label: "South Agency" });
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();

      await page.goto("/agency/company");
      const plan = page.getByRole("region", { name: "Plan" });
      await plan.waitFor();
      expect(await plan.textContent()).toContain("This agency is on Starter.");
      expect(await plan.getByRole("row", { name: /Starter Current/ }).count()).toBe(1);
      expect(await plan.getByRole("combobox").count()).toBe(0); // nothing to choose
    } finally {
      await context.close();
    }
  });
});
