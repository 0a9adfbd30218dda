/**
 * The traffic charts take the console's theme (web/src/styles.css, --chart-valid / --chart-refused):
 * in light and in dark, the key's 30-day chart sits on the page's background, not a light box in the
 * dark theme, its bars and the listing's sparklines stand out from what is behind them (3:1, WCAG
 * 1.4.11) and the legend's words are readable text (4.5:1).
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { keyRow, openPage } from "../browser/browser.js";
import { browserWorld } from "../helpers/browser-world.js";
import { contrast } from "../helpers/contrast.js";
import { Client, withKey } from "../helpers/harness.js";

const t = browserWorld({
  env: { KEYWARD_RATE_LIMITS: JSON.stringify([{ name: "burst", limit: 3, windowSeconds: 10 }]) },
});

/** Computed colours of the sparkline in the "Busy sync" row and of the open sidebar's chart. */
function colours(page: Page) {
  return page.evaluate(() => {
    const d = globalThis as any;
    const style = (el: unknown) => d.getComputedStyle(el);
    const q = (sel: string) => {
      const el = d.document.querySelector(sel);
      if (!el) throw new Error(`no ${sel}`);
      return el;
    };
    /** The first ancestor that paints a background: what the element is seen against. */
    const behind = (el: any): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = style(e).backgroundColor as string;
        if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
      }
      return "rgb(255, 255, 255)";
    };
    const spark = q(".sparkline .spark-valid");
    return {
      sparkValid: style(spark).stroke as string,
      sparkRefused: style(q(".sparkline .spark-refused")).stroke as string,
      sparkBehind: behind(spark),
      chartBg: style(q(".usage-chart svg")).backgroundColor as string,
      barValid: style(q(".usage-chart .bar-valid")).fill as string,
      barRefused: style(q(".usage-chart .bar-refused")).fill as string,
      legendValid: style(q(".usage-chart .legend-valid")).color as string,
      legendRefused: style(q(".usage-chart .legend-refused")).color as string,
      legendBehind: behind(q(".usage-chart .legend-valid")),
    };
  });
}

it("the usage chart and the sparklines read in the light and the dark theme", async () => {
  const owner = await new Client(t.h).login(t.w.owner);
  const k = await owner.post(`/api/accounts/${t.w.loc1}/keys`, { name: "Busy sync" });
  for (let i = 0; i < 5; i++) await withKey(t.h, k.body.token, "GET", "/v2/token"); // 3 valid, 2 rate_limited
  await t.h.kw.usageCodes.flush();
  await t.h.kw.usage.flush();

  const seen: Record<string, Awaited<ReturnType<typeof colours>>> = {};
  for (const scheme of ["light", "dark"] as const) {
    const { page, context } = await openPage(t.browser, t.h, { email: t.w.owner });
    try {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`/location/${t.w.loc1}/keys`);
      const busy = keyRow(page, "Busy sync");
      await busy.getByRole("img", { name: "3 uses and 2 refusals in the last 30 days" }).waitFor();
      await busy.getByRole("button", { name: "Busy sync", exact: true }).click();
      await page
        .getByRole("dialog", { name: "Edit API key" })
        .getByRole("img", { name: /Last 30 days/ })
        .waitFor();
      const c = await colours(page);
      seen[scheme] = c;
      expect(contrast(c.barValid, c.chartBg), `${scheme}: valid bars`).toBeGreaterThanOrEqual(3);
      expect(contrast(c.barRefused, c.chartBg), `${scheme}: refused bars`).toBeGreaterThanOrEqual(3);
      expect(contrast(c.sparkValid, c.sparkBehind), `${scheme}: valid sparkline`).toBeGreaterThanOrEqual(3);
      expect(contrast(c.sparkRefused, c.sparkBehind), `${scheme}: refused sparkline`).toBeGreaterThanOrEqual(
        3,
      );
      expect(contrast(c.legendValid, c.legendBehind), `${scheme}: legend "valid"`).toBeGreaterThanOrEqual(
        4.5,
      );
      expect(contrast(c.legendRefused, c.legendBehind), `${scheme}: legend "refused"`).toBeGreaterThanOrEqual(
        4.5,
      );
      // Valid and refused are told apart, and the legend names the bars' colours.
      expect(c.barValid).not.toBe(c.barRefused);
      expect(c.legendValid).toBe(c.barValid);
      expect(c.sparkRefused).toBe(c.barRefused);
    } finally {
      await context.close();
    }
  }
  // The chart follows the theme: a dark box in the dark theme, not the light theme's grey.
  const dark = seen.dark!;
  const light = seen.light!;
  expect(contrast(dark.chartBg, "rgb(0, 0, 0)")).toBeLessThan(1.5);
  expect(dark.chartBg).not.toBe(light.chartBg);
  expect(dark.barValid).not.toBe(light.barValid);
});
