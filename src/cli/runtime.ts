/** What commands share: configuration, an instance of Keyward, and an operator identity. */
import { loadConfig } from "../config.js";
import type { Actor } from "../core/permissions.js";
import { createKeyward, type Keyward } from "../keyward.js";
import { createLogger } from "../logger.js";
import type { Ctx } from "../service/context.js";
import { extendKeyward } from "./extensions.js";

export async function openKeyward(opts: { quiet?: boolean } = {}): Promise<Keyward> {
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? "warn" : config.logLevel, process.stderr);
  const kw = await createKeyward({ config, logger });
  // The same capabilities as `serve` (legacy key encryption, lifecycle views …); no background work starts.
  await extendKeyward(kw);
  return kw;
}

/** The CLI acts as the deployment's operator: an agency admin of the agency concerned, audited as `system`/`cli`. */
export function operatorCtx(agencyId: string): Ctx {
  const actor: Actor = {
    userId: "cli",
    agencyId,
    type: "agency",
    role: "admin",
    isOwner: false,
    canManageKeys: true,
    locationIds: [],
  };
  return { actor, actorType: "system", actorId: "cli", ip: null, userAgent: "keyward-cli" };
}
