/**
 * Issue 16 items 2–4 in a real browser against a real server and a real SMTP server: the Locations
 * page (create, rename, delete with what it does, empty state), inviting a teammate whose e-mail
 * link sets their password, resend and cancel, disable and re-enable, and the profile (name,
 * password, digest switch, sessions, signing out of the others).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { readable, startSmtp } from "../helpers/smtp.js";
import { ensureConsoleBuilt, launchBrowser, openPage, rowAction, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  await ensureConsoleBuilt();
  smtp = await startSmtp();
  [h, browser] = await Promise.all([
    startHarness({ env: { KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` } }),
    launchBrowser(),
  ]);
  w = await seedWorld(h.kw);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await smtp?.close();
});

describe("the Locations page", () => {
  it("lists key counts and admins, creates, renames and deletes a location, saying what deleting does", async () => {
    const boss = await new Client(h).login(w.loc1Admin);
    expect((await boss.post(`/api/accounts/${w.loc1}/keys`, { name: "Booking widget" })).status).toBe(201);
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/locations" });
    try {
      await page.getByRole("heading", { name: "Locations", exact: true }).waitFor();
      const downtown = page.locator("tr", { hasText: "Downtown" });
      await downtown.getByRole("link", { name: "1 key" }).waitFor();
      expect(await downtown.locator("td[data-label='Admins']").textContent()).toBe("boss1");
      expect(await downtown.locator("td[data-label='People']").textContent()).toBe("2 people");

      await page.getByRole("button", { name: "Add location" }).click();
      const create = page.getByRole("dialog", { name: "Add location" });
      await create.getByRole("button", { name: "Create location" }).click();
      await create.getByText("must not be empty").waitFor(); // the server's words, under the field
      await create.getByLabel("Name").fill("Midtown");
      await create.getByRole("button", { name: "Create location" }).click();
      const midtown = page.locator("tr", { hasText: "Midtown" });
      await midtown.waitFor();
      expect(await midtown.locator("td[data-label='Admins']").textContent()).toContain("None");
      // The view switcher knows it at once.
      await page
        .getByLabel("Switch view")
        .locator("option", { hasText: "Midtown" })
        .waitFor({ state: "attached" });

      await rowAction(page, "Midtown", "Rename");
      const rename = page.getByRole("dialog", { name: "Rename Midtown" });
      await rename.getByLabel("Name").fill("Midtown East");
      await rename.getByRole("button", { name: "Rename" }).click();
      await page.locator("tr", { hasText: "Midtown East" }).waitFor();
      await shot(page, "locations");

      // Deleting Downtown: its key is revoked, its two people lose it — said before it happens.
      const token = (await boss.post(`/api/accounts/${w.loc1}/keys`, { name: "Second" })).body.token;
      await page.reload();
      await page.locator("tr", { hasText: "Downtown" }).getByRole("link", { name: "2 keys" }).waitFor();
      await rowAction(page, "Downtown", "Delete");
      const confirm = page.getByRole("dialog", { name: "Delete Downtown?" });
      const said = (await confirm.textContent())!;
      expect(said).toContain("Its 2 API keys are revoked at once");
      expect(said).toContain("2 people assigned to it lose access to it");
      await shot(page, "locations-delete", false);
      await confirm.getByRole("button", { name: "Delete location" }).click();
      await confirm.waitFor({ state: "detached" });
      await expect.poll(() => page.locator("tr", { hasText: "Downtown" }).count()).toBe(0);
      expect((await withKey(h, token, "GET", "/v2/token")).status).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("an agency without locations is offered to create its first", async () => {
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.delete(`/api/locations/${w.otherLoc}`)).status).toBe(204);
    const { page, context } = await openPage(browser, h, { email: w.otherOwner, path: "/agency/locations" });
    try {
      await page.getByRole("button", { name: "Create your first location" }).click();
      const create = page.getByRole("dialog", { name: "Add location" });
      await create.getByLabel("Name").fill("Harbour");
      await create.getByRole("button", { name: "Create location" }).click();
      await page.locator("tr", { hasText: "Harbour" }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe("inviting people", () => {
  it("invites a location admin, who sets a password through the e-mail's link and lands on their keys", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/users" });
    try {
      await page.getByRole("button", { name: "Invite people" }).click();
      const form = page.getByRole("dialog", { name: "Invite people" });
      await form.getByLabel("E-mail").fill("not an address");
      await form.getByRole("button", { name: "Send invitation" }).click();
      await form.getByText("must be an e-mail address like name@example.com").waitFor();
      await form.getByLabel("E-mail").fill("nina@acme.test");
      await form.getByLabel("Name (optional)").fill("Nina");
      await form.getByLabel("Only the locations chosen below").check();
      await form.getByLabel("Uptown").check();
      await form.getByLabel("Role").selectOption("admin");
      await form.getByRole("switch", { name: "Manage API keys" }).click(); // off
      await shot(page, "users-invite", false);
      await form.getByRole("button", { name: "Send invitation" }).click();
      await form.waitFor({ state: "detached" });
      const row = page.locator("tr[data-invitation-id]", { hasText: "nina@acme.test" });
      await row.waitFor();
      expect(await row.textContent()).toContain("Location admin");
      await shot(page, "users-invitations");
    } finally {
      await context.close();
    }

    await h.kw.outbox.deliverDue();
    const mail = smtp.received.find((m) => m.to.includes("nina@acme.test"));
    expect(mail).toBeDefined();
    const link = /(\/invitation#token=[A-Za-z0-9_-]+)/.exec(readable(mail!.raw))![1]!;
    const invited = await openPage(browser, h, { path: link });
    try {
      const p = invited.page;
      await p.getByRole("heading", { name: "Accept your invitation" }).waitFor();
      expect(p.url()).not.toContain("token="); // dropped from the address bar once read
      await p.getByLabel("Password", { exact: true }).fill("password");
      await p.getByLabel("Repeat the password").fill("password");
      await p.getByRole("button", { name: "Set password and join" }).click();
      await p.getByText("must be at least 12 characters").waitFor();
      await p.getByLabel("Password", { exact: true }).fill("nina's own long passphrase");
      await p.getByLabel("Repeat the password").fill("nina's own long passphrase");
      await shot(p, "invitation-accept");
      await p.getByRole("button", { name: "Set password and join" }).click();
      await p.getByRole("heading", { name: "API Keys", exact: true }).waitFor();
      await expect.poll(() => p.url()).toMatch(new RegExp(`/location/${w.loc2}/keys$`));
      await p.getByRole("link", { name: "Nina" }).waitFor(); // signed in as Nina
      // The same link again: already used.
      await p.goto(link);
      await p.getByLabel("Password", { exact: true }).fill("another long passphrase");
      await p.getByLabel("Repeat the password").fill("another long passphrase");
      await p.getByRole("button", { name: "Set password and join" }).click();
      await p.getByText("This invitation has already been accepted").waitFor();
    } finally {
      await invited.context.close();
    }
    const nina = (
      await (await new Client(h).login("nina@acme.test", "nina's own long passphrase")).get("/api/me")
    ).body.user;
    expect(nina).toMatchObject({
      type: "account",
      role: "admin",
      canManageKeys: false,
      locationIds: [w.loc2],
    });
  });

  it("resends and cancels an invitation; disables and re-enables a user", async () => {
    const owner = await new Client(h).login(w.owner);
    expect(
      (
        await owner.post(`/api/agencies/${w.agencyId}/invitations`, {
          email: "temp@acme.test",
          type: "agency",
          role: "user",
        })
      ).status,
    ).toBe(201);
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/agency/users" });
    try {
      const label = "the invitation of temp@acme.test";
      await rowAction(page, label, "Resend");
      await page.getByRole("status").getByText("Invitation sent again to temp@acme.test").waitFor();
      await rowAction(page, label, "Cancel invitation");
      const confirm = page.getByRole("dialog", { name: "Cancel this invitation?" });
      await confirm.getByRole("button", { name: "Cancel invitation" }).click();
      await expect.poll(() => page.locator("tr", { hasText: "temp@acme.test" }).count()).toBe(0);

      await rowAction(page, "staff", "Disable");
      await page
        .getByRole("dialog", { name: "Disable staff?" })
        .getByRole("button", { name: "Disable" })
        .click();
      const staff = page.locator("tr", { hasText: "staff@acme.test" });
      await staff.getByText("Disabled").waitFor();
      expect(
        (
          await new Client(h).post("/api/auth/login", {
            email: w.agencyUser,
            password: "correct horse battery staple",
          })
        ).status,
      ).toBe(401);
      await rowAction(page, "staff", "Re-enable");
      await staff.getByText("Active", { exact: true }).waitFor();
      expect(
        (
          await new Client(h).post("/api/auth/login", {
            email: w.agencyUser,
            password: "correct horse battery staple",
          })
        ).status,
      ).toBe(200);
    } finally {
      await context.close();
    }
  });

  it("an agency alone is offered to invite its first teammate and create its first key", async () => {
    const { page, context } = await openPage(browser, h, { email: w.otherOwner, path: "/agency/users" });
    try {
      await page.getByRole("button", { name: "Invite your first teammate" }).click();
      await page.getByRole("dialog", { name: "Invite people" }).waitFor();
      await shot(page, "users-empty-invite", false);
      await page.keyboard.press("Escape");
      // No key yet either: the keys page offers the first one, for the agency and for its locations.
      await page.goto("/agency/keys");
      await page.getByRole("button", { name: "Create a location key" }).waitFor();
      await shot(page, "keys-empty");
      await page.getByRole("button", { name: "Create your first key" }).click();
      await page.getByRole("dialog", { name: "Add New API key" }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe("your profile", () => {
  it("changes your name, the digest and your password, lists your sessions and signs out of the others", async () => {
    const elsewhere = await openPage(browser, h, { email: w.agencyAdmin });
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin });
    try {
      await page.getByRole("link", { name: "admin", exact: true }).click();
      await page.getByRole("heading", { name: "Your profile" }).waitFor();
      const sessions = page.getByRole("table", { name: "Your sessions" });
      await expect.poll(() => sessions.locator("tbody tr").count()).toBe(2);
      expect(await sessions.getByText("This session").count()).toBe(1);
      expect(await sessions.textContent()).toContain("Chrome (headless) on Linux");

      await page.getByLabel("Name", { exact: true }).fill("Ada Admin");
      await page.getByRole("button", { name: "Save name" }).click();
      await page.getByRole("link", { name: "Ada Admin" }).waitFor();

      const digest = page.getByRole("switch", { name: "Digest e-mail" });
      await digest.click();
      await expect.poll(() => digest.getAttribute("aria-checked")).toBe("false");
      const me = await new Client(h).login(w.agencyAdmin);
      expect((await me.get("/api/me")).body.user.digestOptOut).toBe(true);
      await me.post("/api/auth/logout");

      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password", { exact: true }).fill("my brand new passphrase");
      await page.getByLabel("Repeat the new password").fill("my brand new passphrase");
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("this is not your current password").waitFor();
      await shot(page, "profile");

      await page.getByRole("button", { name: "Sign out of other sessions" }).click();
      await page
        .getByRole("dialog", { name: "Sign out of your other sessions?" })
        .getByRole("button", { name: "Sign out of other sessions" })
        .click();
      await page.getByRole("status").getByText("Signed out of 1 other session").waitFor();
      await expect.poll(() => sessions.locator("tbody tr").count()).toBe(1);
      await elsewhere.page.goto("/agency/keys");
      await elsewhere.page.getByRole("heading", { name: "Sign in" }).waitFor();

      await page.getByLabel("Current password").fill("correct horse battery staple");
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("Your password is changed; your other sessions are signed out.").waitFor();
      expect(
        (
          await new Client(h).post("/api/auth/login", {
            email: w.agencyAdmin,
            password: "my brand new passphrase",
          })
        ).status,
      ).toBe(200);
    } finally {
      await context.close();
      await elsewhere.context.close();
    }
  });

  it("opens at /profile, where the digest e-mail links", async () => {
    const { page, context } = await openPage(browser, h, { email: w.owner, path: "/profile" });
    try {
      await page.getByRole("heading", { name: "Your profile" }).waitFor();
      await page.getByRole("switch", { name: "Digest e-mail" }).waitFor();
    } finally {
      await context.close();
    }
  });
});
