/** What commands share: configuration, an instance of Keyward, and an operator identity. */
import { createKeyward, type Keyward } from "../app/keyward.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";

export { operatorCtx } from "../service/access.js";

/** The same instance `serve` runs (legacy key encryption, lifecycle views …); no background work starts. */
export async function openKeyward(opts: { quiet?: boolean } = {}): Promise<Keyward> {
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? "warn" : config.logLevel, process.stderr);
  return createKeyward({ config, logger, lifecycle: { background: false } });
}
