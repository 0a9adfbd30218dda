/**
 * Settings → Service credentials in a real browser (issue 12 §2): the agency's owner creates a
 * credential (shown once, and it verifies), rotates it (the new one is shown once) and revokes it;
 * an admin who is not the owner is not offered the page.
 */
import { describe, expect, it } from "vitest";
import { browserWorld } from "../helpers/browser-world.js";
import { openPage, shot } from "./browser.js";

const t = browserWorld();

async function verifyWith(credential: string): Promise<number> {
  const res = await fetch(`${t.h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify({ token: "kw_pit_unknown" }),
  });
  return res.status;
}

describe("service credentials in the console", () => {
  it("the owner creates, rotates and revokes one; the credential is shown once and works", async () => {
    const { page, context } = await openPage(t.browser, t.h, { email: t.w.owner, path: "/agency/keys" });
    try {
      await page.getByRole("link", { name: "Service credentials" }).click();
      await page.getByRole("heading", { name: "Service credentials", level: 1 }).waitFor();
      await page.getByText("No service credentials yet.").waitFor();

      await page.getByRole("button", { name: "New service credential" }).click();
      await page.getByLabel("Name").fill("CRM gateway");
      await page.getByRole("checkbox", { name: /provision/ }).check();
      await page.getByRole("button", { name: "Create" }).click();
      const reveal = page.locator("#new-token");
      await reveal.waitFor();
      const token = await reveal.inputValue();
      expect(token).toMatch(/^kw_svc_/);
      await shot(page, "service-keys-created");
      await page.getByRole("button", { name: "Done" }).click();
      const row = page.getByRole("row", { name: /CRM gateway/ });
      await expect(row.textContent()).resolves.toContain("provision, verify");
      await expect(row.textContent()).resolves.toContain(`kw_svc_…${token.slice(-4)}`);
      expect(await verifyWith(token)).toBe(200);

      await row.getByRole("button", { name: "Rotate" }).click();
      await page.getByLabel("Old credential stops").selectOption({ label: "At once" });
      await page.getByRole("button", { name: "Rotate", exact: true }).click();
      await reveal.waitFor();
      const fresh = await reveal.inputValue();
      expect(fresh).not.toBe(token);
      await page.getByRole("button", { name: "Done" }).click();
      expect(await verifyWith(token)).toBe(401);
      expect(await verifyWith(fresh)).toBe(200);

      await page
        .getByRole("row", { name: /CRM gateway/ })
        .getByRole("button", { name: "Revoke" })
        .click();
      await page.getByRole("button", { name: "Revoke", exact: true }).click();
      await page.getByText("No service credentials yet.").waitFor();
      expect(await verifyWith(fresh)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("is not offered to an admin who is not the owner", async () => {
    const { page, context } = await openPage(t.browser, t.h, {
      email: t.w.agencyAdmin,
      path: "/agency/keys",
    });
    try {
      await page.getByRole("link", { name: "Company" }).waitFor();
      expect(await page.getByRole("link", { name: "Service credentials" }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
