/**
 * Issue 13 §2 and §4 in the console: an agency key limited to chosen locations, and an IP allowlist
 * that leaves out the admin's current address — warned once, then saved as sent.
 */
import { describe, expect, it } from "vitest";
import { browserWorld } from "../helpers/browser-world.js";
import { Client } from "../helpers/harness.js";
import { keyRow, openPage } from "./browser.js";

const t = browserWorld();

describe("an agency admin creating an agency key", () => {
  it("limits it to a location, is warned once about an IP list without their address, and saves it", async () => {
    const { page, context } = await openPage(t.browser, t.h, { email: t.w.owner });
    try {
      await page.getByRole("heading", { name: "Agency API keys" }).waitFor();
      await page.getByRole("button", { name: "Add New" }).click();
      const sidebar = page.getByRole("dialog", { name: "Add New API key" });
      await sidebar.waitFor();
      await sidebar.getByLabel("Account", { exact: true }).selectOption({ label: "Agency: Acme Agency" });
      await sidebar.getByLabel("Name").fill("Limited reporting");
      await sidebar.getByLabel("Limit to locations").check();
      await sidebar.getByLabel("Downtown").check();
      await sidebar.getByLabel("IP allowlist (optional)").fill("198.51.100.0/24\n2001:db8::/32");
      await sidebar.getByRole("button", { name: "Create key" }).click();
      const warning = sidebar.getByRole("alert").filter({ hasText: "leaves out" });
      await warning.waitFor();
      expect(await warning.textContent()).toContain("127.0.0.1");
      await sidebar.getByRole("button", { name: "Create key" }).click();
      await keyRow(page, "Limited reporting").waitFor();
      const owner = await new Client(t.h).login(t.w.owner);
      const keys = (await owner.get(`/api/accounts/${t.w.agencyId}/keys`)).body.keys;
      const k = keys.find((x: { name: string }) => x.name === "Limited reporting");
      expect(k.locationIds).toEqual([t.w.loc1]);
      expect(k.ipAllowlist).toEqual(["198.51.100.0/24", "2001:db8::/32"]);
    } finally {
      await context.close();
    }
  });
});
