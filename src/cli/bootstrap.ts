/**
 * The first agency and its owner, from `KEYWARD_BOOTSTRAP_*`, on an empty database. The settings are
 * judged by the rules for new passwords and names only when they are used: a deployment that
 * bootstrapped long ago keeps starting with whatever is still in its environment.
 */

import type { Keyward } from "../app/keyward.js";
import { type Config, ConfigError } from "../config.js";
import { Name, Password } from "../core/validate.js";
import { LOCKS, withClusterLock } from "../store/pg-locks.js";

/** Throws ConfigError ("Invalid configuration: …", exit 2) naming each setting that breaks a rule. */
export function checkBootstrapSettings(b: Config["bootstrap"]): Config["bootstrap"] {
  const problems: string[] = [];
  const password = b.password === undefined ? undefined : Password.safeParse(b.password);
  if (password && !password.success)
    problems.push(`  KEYWARD_BOOTSTRAP_PASSWORD: ${password.error.issues[0]!.message}`);
  const name = Name.safeParse(b.agencyName);
  if (!name.success) problems.push(`  KEYWARD_BOOTSTRAP_AGENCY_NAME: ${name.error.issues[0]!.message}`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  return { ...b, agencyName: name.data! };
}

/** Nodes started together on an empty PostgreSQL create the first agency once (a cluster lock). */
export function bootstrapFirstAgency(
  kw: Keyward,
  config: Readonly<Config>,
): Promise<{ created: boolean; generatedPassword?: string }> {
  return withClusterLock(kw.database, LOCKS.bootstrap, async () => {
    if ((await kw.store.countAgencies()) > 0) return { created: false };
    return kw.accounts.bootstrap(checkBootstrapSettings(config.bootstrap));
  });
}
