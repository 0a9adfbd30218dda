/**
 * Issue 16 items 1, 5 and 10 in a real browser against a real server: every table fits from 1024 px
 * up (no table wider than its box, every action button and menu trigger inside the viewport) and at
 * phone width; the row menu works from the keyboard; a suspended key says why instead of "Active";
 * the plan's tiers on Company; the dark theme follows the system setting. Screenshots go to
 * test-artifacts/screenshots/ (layout-*, dark-*).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, shot, signIn } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
const LONG = "Zapier — production bookings, reminders and the nightly CRM export to the warehouse";

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
  const owner = await new Client(h).login(w.owner);
  const boss = await new Client(h).login(w.loc1Admin);
  const make = async (c: Client, account: string, name: string, scopes: string[]) => {
    const r = await c.post(`/api/accounts/${account}/keys`, {
      name,
      scopes,
      description: "Used by the ops team",
    });
    expect(r.status).toBe(201);
    return r.body.key.id as string;
  };
  await make(owner, w.agencyId, "Reporting dashboard for the quarterly board meeting", [
    "locations.readonly",
    "users.readonly",
    "locations.write",
    "users.write",
  ]);
  await make(owner, w.agencyId, "Agency sync", ["locations.readonly"]);
  const long = await make(boss, w.loc1, LONG, ["locations.readonly", "users.readonly", "users.write"]);
  await make(boss, w.loc1, "Booking widget", ["users.readonly"]);
  await make(owner, w.loc2, "Uptown newsletter sync", []);
  // A pending rotation (its own row) and an expired key (Refresh next to the menu): the widest rows.
  expect((await boss.post(`/api/keys/${long}/rotate`, { expireOldAfterSeconds: 86_400 })).status).toBe(200);
  const expired = await make(boss, w.loc1, "Old CRM export", ["users.readonly"]);
  const k = (await h.kw.store.getKey(expired))!;
  await h.kw.store.updateKey({ ...k, status: "expired", expiredAt: h.clock.now(), inactiveDays: 90 });
  h.kw.cache.clear();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function open(
  width: number,
  opts: { dark?: boolean; email?: string } = {},
): Promise<{ page: Page; close(): Promise<void> }> {
  const phone = width < 760;
  const context = await browser.newContext({
    baseURL: h.url,
    viewport: { width, height: phone ? 844 : 800 },
    deviceScaleFactor: 1,
    timezoneId: "UTC",
    locale: "en-GB",
    colorScheme: opts.dark ? "dark" : "light",
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on("pageerror", (e) => {
    throw new Error(`page error: ${e.message}`);
  });
  await signIn(page, opts.email ?? w.owner);
  return { page, close: () => context.close() };
}

/** What sticks out: buttons (and menu triggers) outside the viewport, tables wider than their box. */
async function overflows(page: Page) {
  return page.evaluate(() => {
    const d = globalThis as any;
    const vw = d.innerWidth as number;
    const out: string[] = [];
    for (const b of d.document.querySelectorAll("main button, main a.button, main [role='switch']")) {
      const r = b.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not rendered (visually hidden)
      if (r.left < 0 || r.right > vw + 0.5)
        out.push(
          `${b.getAttribute("aria-label") ?? b.textContent} at ${Math.round(r.left)}–${Math.round(r.right)}`,
        );
    }
    for (const t of d.document.querySelectorAll("main .table-wrap"))
      if (t.scrollWidth > t.clientWidth + 1)
        out.push(`a table ${t.scrollWidth} px wide in a ${t.clientWidth} px box`);
    const page = d.document.documentElement.scrollWidth - vw;
    if (page > 0) out.push(`the page scrolls sideways by ${page} px`);
    return out;
  });
}

const pages = () =>
  [
    ["/agency/keys", "API Keys", "agency-keys"],
    [`/location/${w.loc1}/keys`, "API Keys", "location-keys"],
    ["/agency/users", "Users", "users"],
    ["/agency/company", "Company settings", "company"],
    ["/agency/inventory", "Inventory", "inventory"],
    ["/agency/locations", "Locations", "locations"],
    ["/agency/apps", "Apps", "apps"],
    ["/agency/installs", "Installed apps", "installs"],
    ["/profile", "Your profile", "profile"],
  ] as const;

describe("tables fit", () => {
  for (const width of [1024, 1280, 390])
    it(`at ${width} px every action button and menu trigger is inside the viewport`, async () => {
      const { page, close } = await open(width);
      try {
        for (const [path, heading, name] of pages()) {
          await page.goto(path);
          await page.getByRole("heading", { name: heading, exact: true }).waitFor();
          await page.locator("main table, main .card, main .empty").first().waitFor();
          if (path.endsWith("/keys")) await page.locator("tr[data-key-id]").first().waitFor();
          expect(await overflows(page), `${path} at ${width} px`).toEqual([]);
          await shot(page, `layout-${width}-${name}`);
        }
        // A menu opened on the last row stays inside the viewport too.
        await page.goto(`/location/${w.loc1}/keys`);
        const trigger = page.getByRole("button", { name: "Actions for Booking widget" });
        await trigger.scrollIntoViewIfNeeded();
        await trigger.click();
        const menu = page.getByRole("menu", { name: "Actions for Booking widget" });
        await menu.getByRole("menuitem", { name: "Revoke" }).waitFor();
        const box = (await menu.boundingBox())!;
        const vp = page.viewportSize()!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(vp.height);
        await shot(page, `layout-${width}-row-menu`, false);
      } finally {
        await close();
      }
    });

  it("the row menu works from the keyboard", async () => {
    const { page, close } = await open(1280);
    try {
      await page.goto(`/location/${w.loc1}/keys`);
      const trigger = page.getByRole("button", { name: "Actions for Booking widget" });
      expect(await trigger.getAttribute("aria-haspopup")).toBe("menu");
      await trigger.focus();
      await page.keyboard.press("Enter");
      const menu = page.getByRole("menu", { name: "Actions for Booking widget" });
      await menu.waitFor();
      expect(await trigger.getAttribute("aria-expanded")).toBe("true");
      const focused = () =>
        page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string);
      await expect.poll(focused).toBe("Edit");
      await page.keyboard.press("ArrowDown");
      expect(await focused()).toBe("Rotate");
      await page.keyboard.press("End");
      expect(await focused()).toBe("Revoke");
      await page.keyboard.press("ArrowDown");
      expect(await focused()).toBe("Edit"); // wraps
      await page.keyboard.press("Escape");
      await menu.waitFor({ state: "detached" });
      expect(
        await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute("aria-label")),
      ).toBe("Actions for Booking widget");
      // ArrowUp opens on the last item; Enter picks it; the dialog gives focus back to the trigger.
      await page.keyboard.press("ArrowUp");
      await expect.poll(focused).toBe("Revoke");
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Revoke API key" });
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      await expect
        .poll(() =>
          page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute("aria-label")),
        )
        .toBe("Actions for Booking widget");
    } finally {
      await close();
    }
  });
});

describe("the plan", () => {
  it("a suspended agency key says why instead of Active; Company shows each tier read-only", async () => {
    expect((await setPlan(h, w.agencyId, "starter")).status).toBe(200);
    const { page, close } = await open(1280);
    try {
      await page.goto("/agency/keys");
      const row = keyRow(page, "Agency sync");
      await row.waitFor();
      const text = (await row.locator("td[data-label='Status']").textContent())!;
      expect(text).toContain("Suspended");
      expect(text).toContain("Agency keys need Agency Pro; it works again if the plan returns.");
      expect(text).not.toContain("Active");
      await shot(page, "layout-suspended-key");
      await page.goto("/agency/company");
      const plan = page.getByRole("region", { name: "Plan" });
      await plan.getByText("This agency is on").waitFor();
      expect(await plan.textContent()).toContain("This agency is on Starter");
      const rows = plan.locator("tbody tr");
      expect(await rows.allTextContents()).toEqual([
        "StarterCurrentYesNoNo",
        "UnlimitedYesNoNo",
        "Agency ProYesYesYes",
      ]);
      expect(await plan.getByRole("button").count()).toBe(0); // read-only
      await plan.screenshot({ path: "test-artifacts/screenshots/layout-plan.png" });
      // An agency user, who sees Company read-only, sees the plan too.
      const staff = await open(1280, { email: w.agencyUser });
      try {
        await staff.page.goto("/agency/company");
        const theirs = staff.page.getByRole("region", { name: "Plan" });
        await theirs.getByText("This agency is on").waitFor();
        expect(await theirs.textContent()).toContain("This agency is on Starter");
      } finally {
        await staff.close();
      }
    } finally {
      await close();
      await setPlan(h, w.agencyId, "agency_pro");
    }
  });
});

describe("the dark theme", () => {
  it("follows the system setting", async () => {
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.slice(0, 3).map(Number) as [number, number, number];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const colours = (page: Page) =>
      page.evaluate(() => {
        const d = globalThis as any;
        const css = (sel: string, prop: string) =>
          d.getComputedStyle(d.document.querySelector(sel))[prop] as string;
        return {
          page: css("html", "backgroundColor"),
          text: css("main h1", "color"),
          surface: css(".topbar", "backgroundColor"),
          primary: css(".button-primary", "backgroundColor"),
          primaryText: css(".button-primary", "color"),
        };
      });
    const dark = await open(1280, { dark: true });
    const light = await open(1280);
    try {
      for (const { page } of [dark, light]) {
        await page.goto("/agency/users");
        await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
      }
      const d = await colours(dark.page);
      const l = await colours(light.page);
      expect(luminance(d.page)).toBeLessThan(0.15);
      expect(luminance(d.text)).toBeGreaterThan(0.8);
      expect(luminance(d.surface)).toBeLessThan(0.2);
      expect(luminance(l.page)).toBeGreaterThan(0.9);
      expect(luminance(l.text)).toBeLessThan(0.25);
      // The primary button keeps its text readable in both.
      expect(Math.abs(luminance(d.primary) - luminance(d.primaryText))).toBeGreaterThan(0.4);
      expect(Math.abs(luminance(l.primary) - luminance(l.primaryText))).toBeGreaterThan(0.4);
      for (const [path, heading, name] of pages()) {
        await dark.page.goto(path);
        await dark.page.getByRole("heading", { name: heading, exact: true }).waitFor();
        await dark.page.locator("main table, main .card, main .empty").first().waitFor();
        await shot(dark.page, `dark-${name}`);
      }
    } finally {
      await dark.close();
      await light.close();
    }
  });
});
