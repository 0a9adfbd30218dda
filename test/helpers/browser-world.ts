/**
 * The set-up most browser tests share: the console built, a harness seeded with the standard world
 * and a chromium, started before the file's tests and closed after them. Fields are filled in by the
 * `beforeAll` this registers, so read them inside tests, not at module level.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { ensureConsoleBuilt, launchBrowser } from "../browser/browser.js";
import { type Harness, type HarnessOptions, seedWorld, startHarness, type World } from "./harness.js";

export interface BrowserWorld {
  h: Harness;
  w: World;
  browser: Browser;
}

export function browserWorld(opts: HarnessOptions = {}, setupTimeoutMs = 180_000): BrowserWorld {
  const t = {} as BrowserWorld;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    [t.h, t.browser] = await Promise.all([startHarness(opts), launchBrowser()]);
    t.w = await seedWorld(t.h.kw);
  }, setupTimeoutMs);
  afterAll(async () => {
    await t.browser?.close();
    await t.h?.close();
  });
  return t;
}
