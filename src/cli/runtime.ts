/** What commands share: configuration, an instance of Keyward, and an operator identity. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createKeyward, type Keyward } from "../app/keyward.js";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { sqliteFile } from "../store/dialect.js";

export { operatorCtx } from "../service/access.js";

/**
 * The same instance `serve` runs (legacy key encryption, lifecycle views …); no background work starts.
 * It opens an existing database only: a command run in the wrong folder would otherwise create an
 * empty `./data` and answer nothing, as if the server had no agencies and no keys.
 */
export async function openKeyward(opts: { quiet?: boolean } = {}): Promise<Keyward> {
  const config = loadConfig();
  requireExistingDatabase(config);
  const logger = createLogger(opts.quiet ? "warn" : config.logLevel, process.stderr);
  return createKeyward({ config, logger, lifecycle: { background: false } });
}

/** Refuses a data folder without Keyward's database, naming where it looked and how to point elsewhere. */
export function requireExistingDatabase(config: Pick<Config, "databaseUrl" | "dataDir">): void {
  if (config.databaseUrl) return;
  const file = sqliteFile(config.dataDir);
  if (existsSync(file)) return;
  throw new ConfigError(
    `No Keyward database in ${resolve(config.dataDir)} (looked for ${resolve(file)}).\n` +
      "Run this command with the server's data folder: set KEYWARD_DATA_DIR to the folder `keyward serve` uses " +
      "(default ./data, relative to where it was started), or KEYWARD_DATABASE_URL for PostgreSQL. " +
      "`keyward serve` or `keyward migrate` create a new database.",
  );
}
