/**
 * The lifetime banner (docs/traffic-policy.md "Lifetimes"): a key whose lifetime ends within 24 h on
 * the server's injected clock is announced across the top of its account; one ending later is not,
 * until the clock moves. Admins' "Extend lifetime" opens the key's edit sidebar.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR } from "../../src/core/clock.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { ensureConsoleBuilt, launchBrowser, openPage } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("keys whose lifetime ends within 24 h", () => {
  it("are announced by a banner on the injected clock, with Extend lifetime for admins", async () => {
    const owner = await new Client(h).login(w.owner);
    const make = async (name: string, hours: number) => {
      const r = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
        name,
        scopes: [],
        expiresAt: new Date(h.clock.now() + hours * HOUR).toISOString(),
      });
      expect(r.status).toBe(201);
      return r.body.key.id as string;
    };
    const soon = await make("Ends tonight", 20);
    const later = await make("Ends in two days", 30);
    expect((await owner.get(`/api/accounts/${w.agencyId}/lifetime-banner`)).body.keyIds).toEqual([soon]);

    const { page, context } = await openPage(browser, h, { email: w.owner });
    try {
      const banner = page.getByRole("region", { name: "Keys whose lifetime ends soon" });
      await banner.waitFor();
      expect(await banner.textContent()).toContain(
        "1 API key of Acme Agency and its locations reaches the end of its lifetime",
      );
      const review = banner.getByRole("link", { name: "Review the key" });
      expect(await review.getAttribute("href")).toContain(`highlight=${soon}`);
      expect(await review.getAttribute("href")).not.toContain(later);

      await banner.getByRole("link", { name: "Extend lifetime" }).click();
      const edit = page.getByRole("dialog", { name: "Edit API key" });
      await edit.waitFor();
      expect(await edit.getByLabel("Name").inputValue()).toBe("Ends tonight");
      await page.keyboard.press("Escape");

      // Ten hours on, the second key is within 24 h too.
      h.clock.advance(10 * HOUR);
      await page.reload();
      await banner.waitFor();
      expect(await banner.textContent()).toContain(
        "2 API keys of Acme Agency and its locations reach the end of their lifetime",
      );
      await banner.getByRole("link", { name: "Extend lifetimes" }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("shows nothing to an account with no lifetime ending within 24 h; another agency's account is 404", async () => {
    const boss = await new Client(h).login(w.loc2Admin);
    const r = await boss.post(`/api/accounts/${w.loc2}/keys`, {
      name: "Ends in three days",
      scopes: [],
      expiresAt: new Date(h.clock.now() + 72 * HOUR).toISOString(),
    });
    expect(r.status).toBe(201);
    expect((await boss.get(`/api/accounts/${w.loc2}/lifetime-banner`)).status).toBe(204);
    const { page, context } = await openPage(browser, h, { email: w.loc2Admin });
    try {
      await page
        .getByRole("heading", { name: /api keys/i })
        .first()
        .waitFor();
      // Both banners' requests answered (204): nothing more will appear.
      await page.waitForLoadState("networkidle");
      expect(await page.getByRole("region", { name: "Keys whose lifetime ends soon" }).count()).toBe(0);
    } finally {
      await context.close();
    }
    // Another agency's account: 404, nothing revealed.
    expect((await boss.get(`/api/accounts/${w.otherLoc}/lifetime-banner`)).status).toBe(404);
  });
});
