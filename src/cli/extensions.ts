/**
 * Capabilities beyond the core (lifecycle, legacy v1, console, several nodes) attach here, so
 * `serve`, the tests and the simulations wire them the same way.
 */
import type { AppOptions } from "../http/app.js";
import type { Keyward } from "../keyward.js";

export async function extendKeyward(_kw: Keyward): Promise<void> {}

export async function appOptions(_kw: Keyward): Promise<AppOptions> {
  return {};
}
