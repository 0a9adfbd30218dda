/**
 * Capabilities beyond the core (lifecycle, legacy v1, console, several nodes) attach here, so
 * `serve`, the tests and the simulations wire them the same way.
 */
import type { AppOptions } from "../http/app.js";
import { lifecycleRoutes } from "../http/routes/lifecycle.js";
import { legacyRoutes } from "../http/routes/migration.js";
import { staticSite } from "../http/static.js";
import type { Keyward } from "../keyward.js";
import { attachLifecycle } from "../scheduler/attach.js";
import { attachLegacy } from "../service/legacy.js";

export async function extendKeyward(kw: Keyward): Promise<void> {
  await attachLegacy(kw);
  await attachLifecycle(kw);
}

export async function appOptions(_kw: Keyward): Promise<AppOptions> {
  return { extraRoutes: [...legacyRoutes, lifecycleRoutes], staticSite: staticSite() };
}
