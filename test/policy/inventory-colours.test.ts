/**
 * The inventory's chart (keys by days inactive: kept, at a later sweep, at the next sweep) takes
 * the console's theme (web/src/styles.css, --chart-safe / --chart-later / --danger): in light and in
 * dark, each kind of bar stands out from what is behind it (3:1, WCAG 1.4.11), the legend's swatches
 * are the bars' colours, and the three kinds are told apart (and parted by a line where they touch).
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { openPage } from "../browser/browser.js";
import { browserWorld } from "../helpers/browser-world.js";
import { contrast } from "../helpers/contrast.js";
import { Client, withKey } from "../helpers/harness.js";

const t = browserWorld();

/** Computed colours of the chart's bars, its legend's swatches and what the chart is seen against. */
function colours(page: Page) {
  return page.evaluate(() => {
    const d = globalThis as any;
    const style = (el: unknown) => d.getComputedStyle(el);
    const q = (sel: string) => {
      const el = d.document.querySelector(sel);
      if (!el) throw new Error(`no ${sel}`);
      return el;
    };
    const behind = (el: any): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = style(e).backgroundColor as string;
        if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
      }
      return "rgb(255, 255, 255)";
    };
    return {
      behind: behind(q(".chart svg")),
      bars: {
        safe: style(q("rect.bar-safe")).fill as string,
        later: style(q("rect.bar-later")).fill as string,
        doomed: style(q("rect.bar-doomed")).fill as string,
      },
      /** The line parting a stack's touching parts. */
      stroke: style(q("rect.bar-later")).stroke as string,
      swatches: {
        safe: style(q(".swatch-safe")).backgroundColor as string,
        later: style(q(".swatch-later")).backgroundColor as string,
        doomed: style(q(".swatch-doomed")).backgroundColor as string,
      },
    };
  });
}

it("the inventory chart's bars read in the light and the dark theme", async () => {
  const { h, w } = t;
  const owner = await new Client(h).login(w.owner);
  const token = async (name: string, more: Record<string, unknown> = {}) => {
    const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name, scopes: [], ...more });
    expect(r.status).toBe(201);
    return r.body.token as string;
  };
  // Made on 1 Jan 2026; the sweep of 1 Apr deletes what is unused by then.
  await token("Never used"); // at the next sweep
  const january = await token("Used in January"); // at a later sweep if still unused
  // Kept: used lately, and its lifetime (31 May) ends before any inactivity action could.
  const lately = await token("Used lately", { expiresInDays: 150 });
  h.clock.set(Date.parse("2026-01-31T09:00:00Z"));
  expect((await withKey(h, january, "GET", "/v2/token")).status).toBe(200);
  h.clock.set(Date.parse("2026-03-30T09:00:00Z"));
  expect((await withKey(h, lately, "GET", "/v2/token")).status).toBe(200);
  await h.kw.usage.flush();
  // The scheduler warns of the sweep (15 days before, then the last day), as it would have.
  for (const at of ["2026-03-17T00:00:00Z", "2026-03-31T06:00:00Z"]) {
    h.clock.set(Date.parse(at));
    await h.kw.scheduler.tick(h.clock.now());
  }

  const seen: Record<string, Awaited<ReturnType<typeof colours>>> = {};
  for (const scheme of ["light", "dark"] as const) {
    const { page, context } = await openPage(t.browser, h, { email: w.owner, path: "/agency/inventory" });
    try {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByRole("img", { name: "Active keys by days inactive" }).waitFor();
      const c = await colours(page);
      seen[scheme] = c;
      for (const kind of ["safe", "later", "doomed"] as const) {
        expect(contrast(c.bars[kind], c.behind), `${scheme}: ${kind} bars`).toBeGreaterThanOrEqual(3);
        expect(c.swatches[kind], `${scheme}: the legend's ${kind} swatch`).toBe(c.bars[kind]);
      }
      expect(new Set(Object.values(c.bars)).size, `${scheme}: three colours`).toBe(3);
      // Stacked parts touch: a line of the background's colour parts them, whatever the hues.
      expect(c.stroke, `${scheme}: the stack's parting line`).toBe(c.behind);
    } finally {
      await context.close();
    }
  }
  // The bars follow the theme.
  expect(seen.dark!.behind).not.toBe(seen.light!.behind);
  expect(seen.dark!.bars.safe).not.toBe(seen.light!.bars.safe);
  expect(seen.dark!.bars.later).not.toBe(seen.light!.bars.later);
});
