/**
 * Issue 16 items 6, 7 and 9 in a real browser against a real server: find a key (search, filters,
 * order, "Load more"), an inventory that tells the truth (the next sweep is the schedule's next
 * instant; a key used minutes ago is not red; each key says why it is where it is), and an audit
 * log people can read (names, linked actors, sign-ins folded, failed sign-ins, browser and system,
 * CSV export). The clock is moved, never waited for.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, openPage, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([
    startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2160" } }),
    launchBrowser(),
  ]);
  w = await seedWorld(h.kw);
  // 3 Aug 2026: the old keys; 90 days later (1 Nov) they are due for the sweep of 1 Jan 2027.
  h.clock.set(Date.parse("2026-08-03T09:00:00Z"));
  const owner = await new Client(h).login(w.owner);
  const make = async (account: string, name: string) => {
    const r = await owner.post(`/api/accounts/${account}/keys`, { name });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    tokens[name] = r.body.token;
  };
  await make(w.loc1, "Old booking widget");
  await make(w.agencyId, "Old agency report");
  await make(w.loc1, "Busy integration");
  for (let i = 0; i < 52; i++) await make(w.loc2, `Uptown bulk ${String(i).padStart(2, "0")}`);
  // 29 Nov 2026, 10:55: the busy integration is used; five minutes later the admin looks.
  h.clock.set(Date.parse("2026-11-29T10:55:00Z"));
  const v = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ token: tokens["Busy integration"] }),
  });
  expect(((await v.json()) as { code: string }).code).toBe("valid");
  await h.kw.usage.flush();
  h.clock.set(Date.parse("2026-11-29T11:00:00Z"));
  // A failed sign-in from a phone, for the audit log.
  await new Client(h, {
    "user-agent":
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  }).request("POST", "/api/auth/login", { email: w.agencyAdmin, password: "wrong password" });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("find a key", () => {
  it("searches by name and by the token's last four, filters by account and type, orders, and loads more", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/keys" });
    try {
      const status = page.locator(".toolbar [role='status']");
      await expect.poll(async () => (await status.textContent()) ?? "").toMatch(/^First 50 keys/);
      await page.getByRole("button", { name: "Load more keys" }).click();
      await expect.poll(async () => (await status.textContent()) ?? "").toMatch(/^5\d keys\./);
      expect(await page.getByRole("button", { name: "Load more keys" }).count()).toBe(0);

      const search = page.getByLabel("Search", { exact: true });
      await search.fill("booking");
      await search.press("Enter");
      await keyRow(page, "Old booking widget").waitFor();
      await expect.poll(() => page.locator("tr[data-key-id]").count()).toBe(1);
      await shot(page, "find-key-search");

      await search.fill(tokens["Busy integration"]!.slice(-4));
      await search.press("Enter");
      await keyRow(page, "Busy integration").waitFor();

      await search.fill("");
      await page.getByLabel("Account", { exact: true }).selectOption({ label: "Downtown" });
      await page.getByLabel("Order").selectOption({ label: "Recently used first" });
      await expect
        .poll(async () => (await page.locator("tr[data-key-id] .key-name").allTextContents()).slice(0, 2))
        .toEqual(["Busy integration", "Old booking widget"]);
      await page.getByLabel("Type").selectOption({ label: "Legacy v1" });
      await expect
        .poll(() => page.locator("tr[data-key-id] .key-name").allTextContents())
        .not.toContain("Busy integration");
      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.setViewportSize({ width: 1280, height: 900 });
      await shot(page, "find-key-filters-1280");
      await page
        .getByText(/Unused keys are deleted automatically\. Next: \d+ keys? of Acme Agency and its locations/)
        .waitFor();
    } finally {
      await context.close();
    }
  });
});

describe("the inventory tells the truth", () => {
  it("names the next sweep, keeps a key used minutes ago out of the red, and says why each key is where it is", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/inventory" });
    try {
      await page.getByRole("heading", { name: "Next sweep: 1 Jan 2027" }).waitFor();
      const summary = page.locator(".sweep-summary");
      expect(await summary.textContent()).toMatch(
        /On 1 Jan 2027, 00:00, \d+ keys of Acme Agency and its locations will be deleted/,
      );
      const busy = page.locator("tr[data-key-id]", { hasText: "Busy integration" });
      await busy.waitFor();
      expect(await busy.getAttribute("class")).not.toContain("casualty");
      expect(await busy.textContent()).toContain("Deleted on 1 Apr 2027 if still unused");
      const old = page.locator("tr[data-key-id]", { hasText: "Old booking widget" });
      expect(await old.getAttribute("class")).toContain("casualty");
      expect(await old.locator(".why").textContent()).toBe(
        "Unused since 3 August 2026; 90 days reached on 1 November 2026; deleted at the sweep of 1 January 2027.",
      );
      expect(await page.locator(".casualties").textContent()).not.toContain("Busy integration");
      expect(await page.locator(".later-sweeps").textContent()).toMatch(/1 key at the sweep of 1 Apr 2027/);
      // Every key, not the listing's first page.
      expect(await page.locator("#all-keys-title").textContent()).toMatch(/^All keys \(5[5-9]\)$/);
      await shot(page, "inventory-truth");
    } finally {
      await context.close();
    }
  });
});

describe("an audit log people can read", () => {
  it("shows names, links actors, folds sign-ins, keeps failed sign-ins, shortens user agents and exports CSV", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/audit" });
    try {
      await page.getByRole("heading", { name: "Audit log" }).waitFor();
      const failed = page.locator("tr[data-action='session.login_failed']").first();
      await failed.waitFor();
      expect(await failed.locator("td[data-label='From'] .ua").textContent()).toBe("Safari 18 on iPhone");
      expect(await failed.locator("td[data-label='Target']").textContent()).toContain("admin");
      expect(await page.locator("tr[data-action='session.created']").count()).toBe(0);
      // Found by the key's name, which the entry records.
      await page.getByLabel("Search", { exact: true }).fill("Old booking widget");
      await page.getByRole("button", { name: "Apply filters" }).click();
      const created = page.locator("tr[data-action='key.created']");
      await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
      expect(await created.locator("td[data-label='Who'] a").textContent()).toBe("Olive Owner");
      expect(await created.locator("td[data-label='Target']").textContent()).toContain("Old booking widget");
      await shot(page, "audit-readable");
      await page.getByLabel("Search", { exact: true }).fill("");

      await page.getByLabel(/Show sign-ins/).check();
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page.locator("tr[data-action='session.created']").first().waitFor();

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Export CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("keyward-audit-2026-11-29.csv");
      const csv = readFileSync((await download.path())!, "utf8");
      expect(csv.split("\r\n")[0]).toMatch(/^at,action,actor_type,actor_id,actor_name,/);
      expect(csv).toContain("session.login_failed");

      await created.first().locator("td[data-label='Who'] a").click();
      await expect
        .poll(async () => [...new Set(await page.locator("td[data-label='Who'] a").allTextContents())])
        .toEqual(["Olive Owner"]);
    } finally {
      await context.close();
    }
  });
});
