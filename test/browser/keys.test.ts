/**
 * Settings → API Keys in a real browser against a real server and database: create (scope picker,
 * token shown once, copy), rename, rotate later / now (expire now, cancel rotation), revoke, refresh
 * an expired key, the view switcher, who sees which buttons, keyboard use and phone width.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { ensureConsoleBuilt, keyRow, launchBrowser, openPage, rowAction, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
const DAY = 86_400_000;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  w = await seedWorld(h.kw);
  // Some keys to look at: an agency key and a key for each location.
  const owner = await new Client(h).login(w.owner);
  await owner.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "Reporting dashboard",
    description: "Monthly agency reports",
    scopes: ["locations.readonly"],
  });
  const boss1 = await new Client(h).login(w.loc1Admin);
  await boss1.post(`/api/accounts/${w.loc1}/keys`, { name: "Booking widget", scopes: ["users.readonly"] });
  await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "Uptown newsletter sync" });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const tokenWorks = async (token: string) => (await withKey(h, token, "GET", "/v2/token")).status === 200;

async function revealedToken(page: Page): Promise<string> {
  const input = page.getByLabel(/^Token for/);
  await expect.poll(() => input.inputValue()).toMatch(/^kw_pit_/);
  return input.inputValue();
}

describe("an agency admin", () => {
  it("creates a key with scopes, copies its token once, renames it, rotates it and revokes it", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner });
    try {
      await expect.poll(() => page.url()).toMatch(/\/agency\/keys$/);
      await page.getByRole("heading", { name: "Agency API keys" }).waitFor();
      await expect(keyRow(page, "Reporting dashboard").textContent()).resolves.toContain(
        "locations.readonly",
      );
      const booking = await keyRow(page, "Booking widget").textContent();
      expect(booking).toContain("Downtown"); // every location's keys in the agency view
      expect(booking).toContain("by boss1"); // created by whom
      expect(booking).toContain("Never used");
      expect(booking).toMatch(/Deleted on \d+ \w+ 2026 if still unused/);
      await shot(page, "keys-agency-view");

      // Add New: a sidebar on the right; saving an empty name says what to fix, next to the field.
      await page.getByRole("button", { name: "Add New" }).click();
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      await sidebar.waitFor();
      const box = await sidebar.boundingBox();
      expect(box!.x + box!.width).toBeGreaterThan(1366 - 2); // flush with the right edge
      await sidebar.getByRole("button", { name: "Create key" }).click();
      const name = sidebar.getByLabel("Name");
      await expect.poll(() => name.getAttribute("aria-invalid")).toBe("true");
      expect(await sidebar.locator(".error-text").first().textContent()).toContain("must not be empty");

      // The scope picker lists only the scopes of the chosen account's level.
      await sidebar.getByLabel("Account", { exact: true }).selectOption({ label: "Agency: Acme Agency" });
      await sidebar.getByText("locations.write").waitFor();
      await sidebar.getByLabel("Account", { exact: true }).selectOption({ label: "Location: Downtown" });
      await sidebar.getByText("users.readonly").waitFor();
      // The list re-renders after the account changes: wait for it rather than read it at once.
      await expect.poll(() => sidebar.getByText("locations.write").count()).toBe(0);
      await name.fill("Zapier — production");
      await sidebar.getByLabel("Description (optional)").fill("Sends new bookings to Zapier");
      await sidebar.getByRole("checkbox", { name: /locations\.readonly/ }).check();
      await shot(page, "keys-add-new-sidebar");
      await sidebar.getByRole("button", { name: "Create key" }).click();

      // The token, once, with a copy button and a plain warning.
      const reveal = page.getByRole("dialog", { name: "Your new API key" });
      await reveal.waitFor();
      expect(await reveal.textContent()).toContain("This is the only time it is shown");
      const token = await revealedToken(page);
      await reveal.getByRole("button", { name: "Copy" }).click();
      await reveal.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(token);
      await shot(page, "keys-token-once");
      expect(await tokenWorks(token)).toBe(true);
      await reveal.getByRole("button", { name: "Done" }).click();
      await reveal.waitFor({ state: "detached" });

      const row = keyRow(page, "Zapier — production");
      await row.waitFor();
      const rowText = (await row.textContent())!;
      expect(rowText).toContain(`…${token.slice(-4)}`); // masked
      expect(rowText).not.toContain(token);
      expect(rowText).toContain("locations.readonly");
      // The token is never shown again: not in the page, not after a reload.
      await page.reload();
      await keyRow(page, "Zapier — production").waitFor();
      expect(await page.content()).not.toContain(token);

      // Click the name: the edit sidebar; renaming keeps the token.
      await keyRow(page, "Zapier — production")
        .getByRole("button", { name: "Zapier — production", exact: true })
        .click();
      const edit = page.getByRole("dialog", { name: "Edit API key" });
      await edit.getByLabel("Name").fill("Zapier — bookings");
      await edit.getByRole("button", { name: "Save" }).click();
      await keyRow(page, "Zapier — bookings").waitFor();
      expect(await tokenWorks(token)).toBe(true);

      // Rotate later: a new token now, the old one keeps working for 7 days.
      await rowAction(page, "Zapier — bookings", "Rotate");
      const rotate = page.getByRole("dialog", { name: "Rotate “Zapier — bookings”" });
      await rotate.getByRole("button", { name: /Rotate and expire this token now/ }).waitFor();
      await shot(page, "keys-rotate-choices", false);
      await rotate.getByRole("button", { name: /Rotate and expire this token later/ }).click();
      const confirmLater = page.getByRole("dialog", { name: "Rotate and expire this token later?" });
      await confirmLater.getByRole("button", { name: "Rotate, expire in 7 days" }).click();
      await page.getByRole("dialog", { name: "Your new token" }).waitFor();
      const token2 = await revealedToken(page);
      expect(token2).not.toBe(token);
      await page.getByRole("button", { name: "Done" }).click();
      expect(await tokenWorks(token)).toBe(true); // the old token still works…
      expect(await tokenWorks(token2)).toBe(true);
      await h.kw.usage.flush();
      await page.reload();
      const pending = keyRow(page, "Zapier — bookings");
      await pending.getByText("Rotation pending").waitFor();
      const rotationRow = page.locator("tr.rotation-row");
      expect(await rotationRow.textContent()).toMatch(/Old token last used 1 Jan 2026/);
      expect(await rotationRow.textContent()).toMatch(/keeps working until 8 Jan 2026/);
      await shot(page, "keys-rotation-pending");

      // …until Expire now.
      await rotationRow.getByRole("button", { name: "Expire now, old token of Zapier — bookings" }).click();
      const expireNow = page.getByRole("dialog", { name: "Expire the old token now?" });
      await expireNow.getByRole("button", { name: "Expire old token now" }).click();
      await expireNow.waitFor({ state: "detached" });
      await expect.poll(() => pending.getByText("Rotation pending").count()).toBe(0);
      expect(await tokenWorks(token)).toBe(false);
      expect(await tokenWorks(token2)).toBe(true);

      // Rotate later again, then Cancel rotation: the old token stays, the new one stops.
      await rowAction(page, "Zapier — bookings", "Rotate");
      await page.getByRole("button", { name: /Rotate and expire this token later/ }).click();
      await page.getByRole("button", { name: "Rotate, expire in 7 days" }).click();
      const token3 = await revealedToken(page);
      await page.getByRole("button", { name: "Done" }).click();
      await rotationRow.getByRole("button", { name: "Cancel rotation of Zapier — bookings" }).click();
      const cancel = page.getByRole("dialog", { name: "Cancel the rotation?" });
      await cancel.getByRole("button", { name: "Cancel rotation" }).click();
      await cancel.waitFor({ state: "detached" });
      await expect.poll(() => pending.getByText("Rotation pending").count()).toBe(0);
      expect(await tokenWorks(token2)).toBe(true);
      expect(await tokenWorks(token3)).toBe(false);

      // Rotate now: the old token stops at once.
      await rowAction(page, "Zapier — bookings", "Rotate");
      await page.getByRole("button", { name: /Rotate and expire this token now/ }).click();
      const confirmNow = page.getByRole("dialog", { name: "Rotate and expire this token now?" });
      expect(await confirmNow.textContent()).toContain("stops working immediately");
      await confirmNow.getByRole("button", { name: "Rotate, expire now" }).click();
      const token4 = await revealedToken(page);
      await page.getByRole("button", { name: "Done" }).click();
      expect(await tokenWorks(token2)).toBe(false);
      expect(await tokenWorks(token4)).toBe(true);

      // Revoke: the question, a red Revoke button, and the key is gone from the list.
      await rowAction(page, "Zapier — bookings", "Revoke");
      const revoke = page.getByRole("dialog", { name: "Revoke API key" });
      expect(await revoke.textContent()).toContain("Are you sure you want to revoke this API key?");
      const red = revoke.getByRole("button", { name: "Revoke", exact: true });
      const bg = await red.evaluate(
        (el) => (globalThis as any).getComputedStyle(el).backgroundColor as string,
      );
      const [r, g, b] = bg.match(/\d+/g)!.map(Number);
      expect(r).toBeGreaterThan(150);
      expect(g).toBeLessThan(80);
      expect(b).toBeLessThan(80);
      await shot(page, "keys-revoke-confirm", false);
      await red.click();
      await revoke.waitFor({ state: "detached" });
      await expect.poll(() => keyRow(page, "Zapier — bookings").count()).toBe(0);
      expect(await tokenWorks(token4)).toBe(false);
      // Revoked keys remain visible on request, without buttons.
      await page.getByLabel("Status", { exact: true }).selectOption({ label: "Every status" });
      const revoked = keyRow(page, "Zapier — bookings");
      await revoked.getByText("Revoked").first().waitFor();
      expect(await revoked.getByRole("button").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("refreshes an expired key, and sees Refresh and Rotate on it", async () => {
    const owner = await new Client(h).login(w.owner);
    const created = await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "Old CRM export" });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    await expireKey(created.body.key.id);
    expect(await tokenWorks(token)).toBe(false);

    const { page, context } = await openPage(browser, h, { email: w.owner });
    try {
      // In the location view of Uptown, through the switcher.
      await page.getByLabel("Switch view").selectOption({ label: "Uptown" });
      await expect.poll(() => page.url()).toMatch(new RegExp(`/location/${w.loc2}/keys$`));
      const row = keyRow(page, "Old CRM export");
      await row.getByText("Expired", { exact: true }).waitFor();
      expect(await row.getByRole("button", { name: "Refresh Old CRM export" }).count()).toBe(1);
      await row.getByRole("button", { name: "Actions for Old CRM export" }).click();
      const menu = page.getByRole("menu", { name: "Actions for Old CRM export" });
      expect(await menu.getByRole("menuitem", { name: "Rotate" }).count()).toBe(1);
      await page.keyboard.press("Escape");
      await menu.waitFor({ state: "detached" });
      expect(await row.textContent()).toContain("refresh or rotate it");
      await shot(page, "keys-expired-location-view");
      await row.getByRole("button", { name: "Refresh Old CRM export" }).click();
      await row.getByText("Active", { exact: true }).waitFor();
      expect(await tokenWorks(token)).toBe(true); // the same token works again
      await page.getByRole("status").getByText("is active again").waitFor();
    } finally {
      await context.close();
    }
  });

  it("uses dialogs from the keyboard: focus stays inside, Escape closes and gives focus back", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner });
    try {
      const addNew = page.getByRole("button", { name: "Add New" });
      await addNew.focus();
      await page.keyboard.press("Enter");
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      await sidebar.waitFor();
      expect(await page.evaluate<boolean>('document.activeElement?.closest("dialog") !== null')).toBe(true);
      for (let i = 0; i < 25; i++) {
        await page.keyboard.press(i % 3 === 2 ? "Shift+Tab" : "Tab");
        expect(await page.evaluate<boolean>('document.activeElement?.closest("dialog") !== null')).toBe(true);
      }
      await page.keyboard.press("Escape");
      await sidebar.waitFor({ state: "detached" });
      await expect
        .poll(() => page.evaluate<string>("document.activeElement?.textContent ?? ''"))
        .toContain("Add New");
    } finally {
      await context.close();
    }
  });
});

describe("people without the right to manage keys", () => {
  it("an agency user sees every key, masked, but no button that changes one", async () => {
    const { page, context } = await openPage(browser, h, { email: w.agencyUser });
    try {
      await keyRow(page, "Reporting dashboard").waitFor();
      await keyRow(page, "Booking widget").waitFor();
      expect(await page.getByRole("button", { name: "Add New" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /^(Revoke|Rotate|Refresh)/ }).count()).toBe(0);
      expect(await page.locator("button.key-name").count()).toBe(0); // names are not edit links
      await page.getByText("You can see these keys but not change them").waitFor();
      // The switcher reaches every location.
      const options = await page.getByLabel("Switch view").locator("option").allTextContents();
      expect(options).toEqual(["Agency view: Acme Agency", "Downtown", "Uptown"]);
      await shot(page, "keys-agency-user-read-only");
    } finally {
      await context.close();
    }
  });

  it("an account user reaches only their location, read-only", async () => {
    const { page, context } = await openPage(browser, h, { email: w.loc1User });
    try {
      await expect.poll(() => page.url()).toMatch(new RegExp(`/location/${w.loc1}/keys$`));
      await keyRow(page, "Booking widget").waitFor();
      expect(await page.getByRole("button", { name: "Add New" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /^(Revoke|Rotate)/ }).count()).toBe(0);
      expect(await keyRow(page, "Reporting dashboard").count()).toBe(0);
      expect(await page.getByLabel("Switch view").count()).toBe(0); // one location: nothing to switch
      // The agency view and other locations are out of reach.
      await page.goto("/agency/keys");
      await expect.poll(() => page.url()).toMatch(new RegExp(`/location/${w.loc1}/keys$`));
      await page.goto(`/location/${w.loc2}/keys`);
      await expect.poll(() => page.url()).toMatch(new RegExp(`/location/${w.loc1}/keys$`));
      expect(await keyRow(page, "Uptown newsletter sync").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("an account admin manages their own location's keys only", async () => {
    const { page, context } = await openPage(browser, h, { email: w.loc1Admin });
    try {
      await keyRow(page, "Booking widget").waitFor();
      await page.getByRole("button", { name: "Add New" }).click();
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      // Only location-level scopes, and no choice of account.
      await sidebar.getByText("users.write").waitFor();
      expect(await sidebar.getByText("locations.write").count()).toBe(0);
      expect(await sidebar.getByLabel("Account", { exact: true }).count()).toBe(0);
      await page.keyboard.press("Escape");
      expect(
        await keyRow(page, "Booking widget")
          .getByRole("button", { name: "Actions for Booking widget" })
          .count(),
      ).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("an agency admin whose “manage API keys” permission is off sees no buttons", async () => {
    const owner = await new Client(h).login(w.owner);
    const users = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users as any[];
    const admin = users.find((u) => u.email === w.agencyAdmin);
    expect((await owner.patch(`/api/users/${admin.id}`, { canManageKeys: false })).status).toBe(200);
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin });
    try {
      await keyRow(page, "Reporting dashboard").waitFor();
      expect(await page.getByRole("button", { name: "Add New" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /^(Revoke|Rotate)/ }).count()).toBe(0);
    } finally {
      await context.close();
      await owner.patch(`/api/users/${admin.id}`, { canManageKeys: true });
    }
  });
});

describe("at phone width", () => {
  it("lists keys as cards, opens the menu and the Add New sidebar full width", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, phone: true });
    try {
      await keyRow(page, "Reporting dashboard").waitFor();
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - window.innerWidth",
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, "keys-phone");
      await page.getByRole("button", { name: "Menu" }).click();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inventory" }).waitFor();
      await page.getByRole("button", { name: "Menu" }).click();
      await page.getByRole("button", { name: "Add New" }).click();
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      const box = (await sidebar.boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(389);
      await shot(page, "keys-phone-add-new", false);
    } finally {
      await context.close();
    }
  });
});

/**
 * Makes a key expired the way production does: the agency's policy says "expire", time passes,
 * the scheduler warns and then acts at the sweep. Falls back to writing the state directly when
 * this build has no scheduler.
 */
async function expireKey(keyId: string): Promise<void> {
  const runtime = h.kw.scheduler;
  if (runtime) {
    const owner = await new Client(h).login(w.owner);
    const r = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { policy: { action: "expire" } });
    expect(r.status).toBe(200);
    h.clock.set(Math.max(h.clock.now(), Date.parse("2026-04-01T00:00:00Z")));
    for (let i = 0; i < 8; i++) {
      await runtime.tick(h.clock.now());
      if ((await h.kw.store.getKey(keyId))?.status === "expired") return;
      const view = (await owner.get(`/api/keys/${keyId}`)).body;
      h.clock.set(
        view.nextAction ? Math.max(h.clock.now(), Date.parse(view.nextAction.at)) : h.clock.now() + 30 * DAY,
      );
    }
    throw new Error("the scheduler did not expire the key");
  }
  const k = (await h.kw.store.getKey(keyId))!;
  await h.kw.store.updateKey({ ...k, status: "expired", expiredAt: h.clock.now() });
  h.kw.cache.clear();
}
