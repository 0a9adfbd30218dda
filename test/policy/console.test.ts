/**
 * The console shows a key's traffic (docs/traffic-policy.md) in a real browser: a sparkline per key
 * in the listing (named for screen readers), and in the key's sidebar its limits with what remains
 * and a 30-day chart of uses and refusals by code whose text alternative is a table; at phone width
 * nothing overflows.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS } from "../../src/core/rate-limits.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, openPage, shot } from "../browser/browser.js";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";

let h: Harness;
let w: World;
let browser: Browser;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([
    startHarness({ env: { KEYWARD_RATE_LIMITS: JSON.stringify(DEFAULT_RATE_LIMITS) } }),
    launchBrowser(),
  ]);
  w = await seedWorld(h.kw);
  const owner = await new Client(h).login(w.owner);
  const k = await owner.post(`/api/accounts/${w.loc1}/keys`, {
    name: "Busy sync",
    scopes: ["locations.readonly"],
  });
  await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "Quiet sync" });
  for (let i = 0; i < 102; i++) await withKey(h, k.body.token, "GET", "/v2/token"); // 100 valid, 2 rate_limited
  await h.kw.usageCodes.flush();
  await h.kw.usage.flush();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it("the listing has a sparkline per key, the sidebar the limits and a chart with a table", async () => {
  const { page, context } = await openPage(browser, h, { email: w.owner, path: `/location/${w.loc1}/keys` });
  try {
    const busy = keyRow(page, "Busy sync");
    await busy.waitFor();
    await busy.getByRole("img", { name: "100 uses and 2 refusals in the last 30 days" }).waitFor();
    await expect(keyRow(page, "Quiet sync").textContent()).resolves.toContain("No use in 30 days");
    await shot(page, "policy-sparklines");

    await busy.getByRole("button", { name: "Busy sync", exact: true }).click();
    const side = page.getByRole("dialog", { name: "Edit API key" });
    await side.getByText("burst: 0 of 100 left per 10 seconds").waitFor();
    await side.getByText("daily: 199,900 of 200,000 left per day").waitFor();
    await side.getByRole("img", { name: "Last 30 days: 100 valid, 2 rate_limited." }).waitFor();
    await side.getByText("Table of the days with traffic").click();
    const row = side.getByRole("row", { name: /2026-01-01/ });
    // Uses count the rate-limited requests too (their key is plainly in use); then valid, rate_limited.
    await expect(row.locator("td").allTextContents()).resolves.toEqual(["102", "100", "2"]);
    await shot(page, "policy-key-usage");
  } finally {
    await context.close();
  }
});

it("reads at phone width without overflowing", async () => {
  const { page, context } = await openPage(browser, h, {
    email: w.owner,
    phone: true,
    path: `/location/${w.loc1}/keys`,
  });
  try {
    const busy = keyRow(page, "Busy sync");
    await busy.getByRole("img", { name: /100 uses and 2 refusals/ }).waitFor();
    await busy.getByRole("button", { name: "Busy sync", exact: true }).click();
    const side = page.getByRole("dialog", { name: "Edit API key" });
    await side.getByRole("img", { name: /Last 30 days/ }).waitFor();
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, "policy-key-usage-phone");
  } finally {
    await context.close();
  }
});
