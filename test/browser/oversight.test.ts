/**
 * The console around the keys, in a real browser against a real server, database and scheduler:
 * sign in and out, the notifications bell, the deletion banner, the inventory (chart, CSV),
 * Settings → Company (Enhanced Account Security, policy, digest), the audit log and users
 * (roles, "manage API keys", offboarding). The clock is moved, never waited for.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, openPage, rowAction, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
const tokens: Record<string, string> = {};
let runtime: { tick(now?: number): Promise<unknown> } | null = null;

const at = (iso: string) => Date.parse(iso);

async function tick(iso: string): Promise<void> {
  h.clock.set(at(iso));
  await runtime?.tick(h.clock.now());
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
  runtime = h.kw.scheduler;
  const owner = await new Client(h).login(w.owner);
  const boss1 = await new Client(h).login(w.loc1Admin);
  const make = async (c: Client, account: string, name: string, scopes: string[] = []) => {
    const r = await c.post(`/api/accounts/${account}/keys`, { name, scopes });
    expect(r.status).toBe(201);
    tokens[name] = r.body.token;
  };
  // Everything is created on 1 Jan 2026; 90 days later is the 1 Apr sweep.
  await make(owner, w.agencyId, "Reporting dashboard", ["locations.readonly"]);
  await make(owner, w.agencyId, "Old agency script");
  await make(boss1, w.loc1, "Booking widget", ["users.readonly"]);
  await make(boss1, w.loc1, "Zapier — production", ["locations.readonly"]);
  await make(owner, w.loc2, "Uptown newsletter sync");
  // The dashboard is used on 31 Jan: it is spared until the July sweep.
  h.clock.set(at("2026-01-31T09:30:00Z"));
  expect((await withKey(h, tokens["Reporting dashboard"]!, "GET", "/v2/token")).status).toBe(200);
  await h.kw.usage.flush();
  // 17 Mar: the first (15-day) warnings are due for the other four keys.
  await tick("2026-03-17T00:00:00Z");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("signing in", () => {
  it("says what went wrong, then signs in and out", async () => {
    const { page, context } = await openPage(browser, h, { path: "/agency/keys" });
    try {
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByLabel("E-mail").fill(w.owner);
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.getByRole("alert").textContent()).toMatch(/password/i);
      await shot(page, "sign-in-error");
      await page.getByLabel("Password").fill("correct horse battery staple");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "API Keys", exact: true }).waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.goto("/agency/keys");
      await page.getByRole("heading", { name: "Sign in" }).waitFor(); // the session is gone
    } finally {
      await context.close();
    }
  });
});

describe("the inactivity lifecycle", () => {
  it("shows warnings in the bell, marks them read and links to the keys concerned", async () => {
    const { page, context } = await openPage(browser, h, { email: w.loc1Admin });
    try {
      const bell = page.getByRole("button", { name: "Notifications, 1 unread" });
      await bell.click();
      const panel = page.getByRole("dialog", { name: "Notifications" });
      await panel
        .getByText(/2 API keys/)
        .first()
        .waitFor();
      await shot(page, "notifications-panel", false);
      await panel.getByRole("button", { name: /^Mark “.*” as read$/ }).click();
      await page.getByRole("button", { name: "Notifications", exact: true }).waitFor(); // no unread left
      await panel.getByRole("button", { name: "Show the 2 keys" }).click();
      await panel.waitFor({ state: "detached" });
      await page.getByText("Showing 2 keys from a notification").waitFor();
      await keyRow(page, "Booking widget").waitFor();
      await keyRow(page, "Zapier — production").waitFor();
      expect(await keyRow(page, "Booking widget").textContent()).toContain(
        "Deleted on 1 Apr 2026 if still unused",
      );
      await page.getByRole("link", { name: "Show all keys" }).click();
      await page.getByRole("form", { name: "Find a key" }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("shows the deletion banner in the last 24 hours, linking to the keys", async () => {
    await tick("2026-03-31T06:00:00Z");
    const { page, context } = await openPage(browser, h, { email: w.loc1Admin });
    try {
      const banner = page.getByRole("region", { name: "Keys about to be removed" });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/2 API keys/);
      await shot(page, "banner-location");
      await banner.getByRole("link", { name: "Review the 2 keys" }).click();
      await page.getByText("Showing 2 keys from a notification").waitFor();
      await keyRow(page, "Booking widget").waitFor();
    } finally {
      await context.close();
    }
    // The agency's banner counts its keys and its locations' (as the digest does); Uptown's, Uptown's.
    const owner = await openPage(browser, h, { email: w.owner });
    try {
      const banner = owner.page.getByRole("region", { name: "Keys about to be removed" });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/4 API keys of Acme Agency and its locations/);
      await owner.page.getByLabel("Switch view").selectOption({ label: "Uptown" });
      await owner.page.getByRole("heading", { name: "API Keys", exact: true }).waitFor();
      await expect.poll(async () => (await banner.textContent()) ?? "").toMatch(/1 API key of Uptown/);
      await keyRow(owner.page, "Uptown newsletter sync").waitFor();
    } finally {
      await owner.context.close();
    }
  });

  it("lists every key in the inventory with a chart of days inactive and a CSV export", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/inventory" });
    try {
      await page.getByRole("heading", { name: "Inventory", exact: true }).waitFor();
      const summary = page.locator(".sweep-summary");
      await summary.waitFor();
      expect(await summary.textContent()).toMatch(
        /On 1 Apr 2026, 00:00, 4 keys of Acme Agency and its locations will be deleted/,
      );
      const chart = page.getByRole("img", { name: "Active keys by days inactive" });
      await chart.waitFor();
      expect(await page.locator("rect.bar-doomed").count()).toBeGreaterThan(0);
      // The dashboard, used in January, goes at the July sweep if still unused: amber, not red.
      expect(await page.locator("rect.bar-later").count()).toBeGreaterThan(0);
      expect(await page.locator(".chart-threshold-label").textContent()).toBe("90 days");
      const row = page.locator("tr", { hasText: "Booking widget" });
      expect(await row.locator("td[data-label='Days inactive']").textContent()).toBe("89");
      expect(await row.textContent()).toContain("Deleted on 1 Apr 2026 if still unused");
      await shot(page, "inventory");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("keyward-inventory-2026-03-31.csv");
      const csv = readFileSync((await download.path())!, "utf8");
      const lines = csv.trim().split("\r\n");
      expect(lines[0]).toBe(
        "id,name,account,account_id,kind,status,scopes,created_at,created_by,last_used_at,days_inactive,next_action,next_action_at",
      );
      expect(lines).toHaveLength(6);
      const booking = lines.find((l) => l.includes("Booking widget"))!;
      expect(booking).toContain(",Downtown,");
      expect(booking).toMatch(/,89,delete,2026-04-01T00:00:00/);
    } finally {
      await context.close();
    }
  });
});

describe("Settings → Company", () => {
  it("turns Enhanced Account Security off only after a strongly-worded confirmation", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/company" });
    try {
      const eas = page.getByRole("switch", { name: "Enhanced Account Security" });
      await expect.poll(() => eas.getAttribute("aria-checked")).toBe("true");
      await eas.click();
      const dialog = page.getByRole("dialog", { name: "Turn off Enhanced Account Security?" });
      expect(await dialog.textContent()).toContain("This is strongly discouraged.");
      const confirm = dialog.getByRole("button", { name: "Turn off Enhanced Account Security" });
      expect(await confirm.isDisabled()).toBe(true);
      await shot(page, "company-eas-off-confirm", false);
      await dialog.getByLabel(/I understand the risks/).check();
      await confirm.click();
      await dialog.waitFor({ state: "detached" });
      await expect.poll(() => eas.getAttribute("aria-checked")).toBe("false");
      await page.getByText("Enhanced Account Security is off", { exact: true }).waitFor();
      const owner = await new Client(h).login(w.owner);
      expect((await owner.get(`/api/agencies/${w.agencyId}/settings`)).body.enhancedSecurity).toBe(false);
      // Back on: no confirmation needed.
      await eas.click();
      await expect.poll(() => eas.getAttribute("aria-checked")).toBe("true");
      expect((await owner.get(`/api/agencies/${w.agencyId}/settings`)).body.enhancedSecurity).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("edits the inactivity policy, with errors next to the fields", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/company" });
    try {
      const days = page.getByLabel("Days without use");
      await expect.poll(() => days.inputValue()).toBe("90");
      // An empty field is caught before anything is sent.
      await page.getByLabel("Banner (hours before)").fill("");
      await page.getByRole("button", { name: "Save policy" }).click();
      await expect
        .poll(() => page.getByLabel("Banner (hours before)").getAttribute("aria-invalid"))
        .toBe("true");
      // Field errors are sentences: the field's name, the rule, a full stop.
      await page.getByText(/^Banner must be a whole number.*\.$/).waitFor();
      await page.getByLabel("Banner (hours before)").fill("24");
      // A lead longer than the inactivity period: the server says which field.
      await days.fill("10");
      await page.getByRole("button", { name: "Save policy" }).click();
      await expect
        .poll(() => page.locator("form.grid-form [aria-invalid='true']").count())
        .toBeGreaterThan(0);
      const message = await page.locator("form.grid-form .error-text").first().textContent();
      expect(message).toMatch(/^[A-Z].*\.$/);
      await shot(page, "company-policy-error");
      await days.fill("120");
      await page.getByLabel("Then the key is").selectOption("expire");
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByRole("status").getByText("Inactivity policy saved").waitFor();
      const owner = await new Client(h).login(w.owner);
      const s = (await owner.get(`/api/agencies/${w.agencyId}/settings`)).body;
      expect(s.policy.inactivityDays).toBe(120);
      expect(s.policy.action).toBe("expire");
      expect(s.policyOverride).toEqual({ inactivityDays: 120, action: "expire" }); // only what changed
      await page.getByRole("button", { name: "Use the deployment default" }).click();
      await expect.poll(() => days.inputValue()).toBe("90");
    } finally {
      await context.close();
    }
  });

  it("warns when no admin is subscribed to the digest", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/company" });
    try {
      const mine = page.getByRole("switch", { name: "E-mail me the digest" });
      await expect.poll(() => mine.getAttribute("aria-checked")).toBe("true");
      expect(await page.getByText("Nobody is subscribed to the digest").count()).toBe(0);
      // The other agency admin opts out; then I do: nobody is left.
      const admin = await new Client(h).login(w.agencyAdmin);
      const me = (await admin.get("/api/me")).body.user;
      expect((await admin.patch(`/api/users/${me.id}`, { digestOptOut: true })).status).toBe(200);
      await mine.click();
      await expect.poll(() => mine.getAttribute("aria-checked")).toBe("false");
      await page.getByText("Nobody is subscribed to the digest").waitFor();
      await page.getByRole("heading", { name: "Recent e-mails" }).waitFor(); // the digest of 17 Mar
      await shot(page, "company-settings");
      await mine.click();
      await expect.poll(() => page.getByText("Nobody is subscribed to the digest").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("is read-only for an agency user, who has no audit log either", async () => {
    const { page, context } = await openPage(browser, h, { email: w.agencyUser });
    try {
      // The settings document is an agency admin's (403 for others): the console does not ask for it.
      const settingsAnswers: number[] = [];
      page.on("response", (r) => {
        if (new URL(r.url()).pathname.endsWith("/settings")) settingsAnswers.push(r.status());
      });
      await page.goto("/agency/inventory");
      await page.getByRole("heading", { name: "Inventory", exact: true }).waitFor();
      await page.goto("/agency/company");
      const eas = page.getByRole("switch", { name: "Enhanced Account Security" });
      await eas.waitFor();
      expect(await eas.isDisabled()).toBe(true);
      expect(await eas.getAttribute("aria-checked")).toBe("true");
      // The policy is read-only, from the forecast.
      const days = page.getByLabel("Days without use");
      await days.waitFor();
      expect(await days.isDisabled()).toBe(true);
      expect(await page.getByRole("button", { name: "Save policy" }).count()).toBe(0);
      expect(settingsAnswers).toEqual([]);
      expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0);
      await page.goto("/agency/users");
      await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
      await page.locator("tr", { hasText: "boss1" }).first().waitFor();
      expect(await page.getByRole("button", { name: /^Actions for/ }).count()).toBe(0);
      expect(await page.getByRole("switch").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe("my own rights", () => {
  it("are read-only for an admin: no switch for their own “manage API keys”, no select for their own role", async () => {
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin, path: "/agency/users" });
    try {
      await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
      await page.locator("tr", { hasText: "boss1" }).first().waitFor();
      // Others' rights are theirs to change (boss2 is a location admin) …
      await page.getByRole("switch", { name: "boss2 may manage API keys" }).waitFor();
      // … their own are not (the API refuses it: nobody changes their own rights).
      expect(await page.getByRole("switch", { name: "admin may manage API keys" }).count()).toBe(0);
      expect(await page.getByLabel("Role of admin").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe("the audit log", () => {
  it("filters by what and by who", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/audit" });
    try {
      await page.getByRole("heading", { name: "Audit log" }).waitFor();
      await page.locator("td[data-label='What']").first().waitFor();
      await page.getByLabel("What").selectOption({ label: "API keys" });
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect
        .poll(async () =>
          (await page.locator("td[data-label='What'] code").allTextContents()).every((a) =>
            a.startsWith("key."),
          ),
        )
        .toBe(true);
      await page.getByLabel("Who").selectOption({ label: `boss1 (${w.loc1Admin})` });
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect
        .poll(async () => [...new Set(await page.locator("td[data-label='Who'] a").allTextContents())])
        .toEqual(["boss1"]);
      expect(await page.locator("td[data-label='What'] code").allTextContents()).toEqual([
        "key.created",
        "key.created",
      ]);
      await shot(page, "audit-log");
      await page.getByLabel("What").selectOption({ label: "Company settings" });
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page.getByText("Nothing matches these filters.").waitFor();
      await page.getByRole("button", { name: "Clear" }).click();
      await expect.poll(() => page.locator("td[data-label='What']").count()).toBeGreaterThan(5);
    } finally {
      await context.close();
    }
  });
});

describe("users", () => {
  it("changes a role and the “manage API keys” permission, and offboards a user and their keys", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/users" });
    const owner = await new Client(h).login(w.owner);
    const userByEmail = async (email: string) =>
      ((await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users as any[]).find(
        (u) => u.email === email,
      );
    try {
      await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
      await page.getByLabel("Role of staff").selectOption({ label: "Agency admin" });
      await page.getByRole("status").getByText("Saved staff.").waitFor();
      expect((await userByEmail(w.agencyUser)).role).toBe("admin");

      const manage = page.getByRole("switch", { name: "admin may manage API keys" });
      await expect.poll(() => manage.getAttribute("aria-checked")).toBe("true");
      await manage.click();
      await expect.poll(() => manage.getAttribute("aria-checked")).toBe("false");
      expect((await userByEmail(w.agencyAdmin)).canManageKeys).toBe(false);
      await shot(page, "users");

      // Offboarding boss1: their two keys, revoked; then boss1, removed.
      await rowAction(page, "boss1", "Offboard");
      const sidebar = page.getByRole("dialog", { name: "Offboard boss1" });
      await sidebar.getByText("Booking widget").waitFor();
      await sidebar.getByText("Zapier — production").waitFor();
      await shot(page, "users-offboard", false);
      await sidebar.getByRole("button", { name: "Revoke these 2 keys" }).click();
      const confirm = page.getByRole("dialog", { name: "Revoke boss1's keys?" });
      await confirm.getByRole("button", { name: "Revoke", exact: true }).click();
      await sidebar.getByText("Revoked 2 keys.").waitFor();
      expect((await withKey(h, tokens["Booking widget"]!, "GET", "/v2/token")).status).toBe(401);
      expect((await withKey(h, tokens["Zapier — production"]!, "GET", "/v2/token")).status).toBe(401);
      await sidebar.getByText("boss1 has no active or expired keys.").waitFor();
      await sidebar.getByRole("button", { name: "Remove boss1" }).click();
      await page
        .getByRole("dialog", { name: "Remove boss1?" })
        .getByRole("button", { name: "Remove user" })
        .click();
      await sidebar.getByText("boss1 has been removed.").waitFor();
      await page.keyboard.press("Escape");
      await page.locator("tr", { hasText: "boss1" }).getByText("Disabled").waitFor();
      expect(
        (
          await new Client(h).post("/api/auth/login", {
            email: w.loc1Admin,
            password: "correct horse battery staple",
          })
        ).status,
      ).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe("at phone width", () => {
  it("shows every page without sideways scrolling", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, phone: true });
    try {
      for (const [path, heading] of [
        ["/agency/inventory", "Inventory"],
        ["/agency/company", "Company settings"],
        ["/agency/audit", "Audit log"],
        ["/agency/users", "Users"],
      ] as const) {
        await page.goto(path);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        await page.locator("main table, main .card").first().waitFor();
        const overflow = await page.evaluate<number>(
          "document.documentElement.scrollWidth - window.innerWidth",
        );
        expect(overflow, path).toBeLessThanOrEqual(0);
        await shot(page, `phone-${path.split("/").pop()}`);
      }
    } finally {
      await context.close();
    }
  });
});
