/**
 * Issue 13 §3 in the console: a key created with "Expires in N days", shown in its row, then given no
 * lifetime by the edit sidebar.
 */
import { describe, expect, it } from "vitest";
import { DAY } from "../../src/core/clock.js";
import { browserWorld } from "../helpers/browser-world.js";
import { Client } from "../helpers/harness.js";
import { keyRow, openPage } from "./browser.js";

const t = browserWorld();

describe("an admin choosing a key's lifetime", () => {
  it("creates a key expiring in 5 days, sees when in its row, and removes the lifetime by edit", async () => {
    const { page, context } = await openPage(t.browser, t.h, { email: t.w.owner });
    try {
      await page.getByRole("heading", { name: "Agency API keys" }).waitFor();
      await page.getByRole("button", { name: "Add New" }).click();
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      await sidebar.waitFor();
      await sidebar.getByLabel("Account", { exact: true }).selectOption({ label: "Agency: Acme Agency" });
      await sidebar.getByLabel("Name").fill("Short-lived");
      await sidebar.getByLabel("Expires", { exact: true }).selectOption("days");
      await sidebar.getByLabel("Expires in (days)").fill("5");
      await sidebar.getByRole("button", { name: "Create key" }).click();
      const row = keyRow(page, "Short-lived");
      await row.waitFor();
      const owner = await new Client(t.h).login(t.w.owner);
      const find = async () =>
        (await owner.get(`/api/accounts/${t.w.agencyId}/keys`)).body.keys.find(
          (x: { name: string }) => x.name === "Short-lived",
        );
      const k = await find();
      expect(k.expiresAt).toBe(new Date(t.h.clock.now() + 5 * DAY).toISOString());
      await page.keyboard.press("Escape").catch(() => {});
      expect(await row.textContent()).toContain("Lifetime ends on");

      await row.getByRole("button", { name: "Short-lived", exact: true }).click();
      const edit = page.getByRole("dialog", { name: "Edit API key" });
      await edit.getByLabel("Expires", { exact: true }).selectOption("never");
      await edit.getByRole("button", { name: "Save" }).click();
      await expect.poll(async () => (await find()).expiresAt, { timeout: 5000 }).toBeNull();
    } finally {
      await context.close();
    }
  });
});
