/**
 * Browser-test helpers: the console built once (skipped when fresh), Debian's chromium driven by
 * playwright-core (no browser download), a signed-in page, and screenshots kept under
 * test-artifacts/screenshots/ for people to look at.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.mjs";
import { type Harness, PASSWORD } from "../helpers/harness.js";

export const SHOTS = join(process.cwd(), "test-artifacts", "screenshots");

export async function ensureConsoleBuilt(): Promise<void> {
  const r = await buildWeb({ quiet: true });
  if (r === "unavailable") throw new Error("vite is not installed: run npm ci");
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.KEYWARD_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      "--disable-dev-shm-usage",
    ],
  });
}

export interface Opened {
  context: BrowserContext;
  page: Page;
}

/** A fresh browser profile (own cookies) at desktop or phone size, optionally signed in. */
export async function openPage(
  browser: Browser,
  h: Harness,
  opts: { email?: string; phone?: boolean; path?: string } = {},
): Promise<Opened> {
  const context = await browser.newContext({
    baseURL: h.url,
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1366, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: "UTC",
    locale: "en-GB",
    acceptDownloads: true,
    ...(opts.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  context.setDefaultTimeout(10_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: h.url });
  const page = await context.newPage();
  page.on("pageerror", (e) => {
    throw new Error(`page error: ${e.message}`);
  });
  if (opts.email) await signIn(page, opts.email);
  if (opts.path) await page.goto(opts.path);
  return { context, page };
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** The table row of a key, found by its name. */
export function keyRow(page: Page, name: string) {
  return page.locator("tr", {
    has: page.locator(".key-name", { hasText: new RegExp(`^${escapeRegExp(name)}$`) }),
  });
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Opens a row's actions menu ("Actions for …") and picks an item: the keyboard-operable menu button. */
export async function rowAction(page: Page, name: string, item: string): Promise<void> {
  await page.getByRole("button", { name: `Actions for ${name}`, exact: true }).click();
  await page
    .getByRole("menu", { name: `Actions for ${name}` })
    .getByRole("menuitem", { name: item, exact: true })
    .click();
}
