/**
 * The deployment secret (docs/spec.md §5): the key under which legacy location keys are kept readable. It is
 * KEYWARD_SECRET, or one generated into `<dataDir>/secret.key` (mode 0600) on first start.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.js";
import { newDeploymentSecret, SecretBox } from "../core/secretbox.js";
import { ensurePrivateDir } from "../files.js";
import type { Logger } from "../logger.js";

/** The deployment secret: KEYWARD_SECRET, or one generated into `<dataDir>/secret.key` (mode 0600) on first start. */
export function loadDeploymentSecret(config: Pick<Config, "secret" | "dataDir">): {
  secret: string;
  source: "env" | "generated" | "file";
  file?: string;
  looseMode?: boolean;
} {
  if (config.secret) return { secret: config.secret, source: "env" };
  ensurePrivateDir(config.dataDir);
  const file = join(config.dataDir, "secret.key");
  try {
    // `wx`: exactly one process creates it, however many start at once.
    const fd = openSync(file, "wx", 0o600);
    const secret = newDeploymentSecret();
    try {
      writeSync(fd, `${secret}\n`);
    } finally {
      closeSync(fd);
    }
    return { secret, source: "generated", file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < 32)
    throw new Error(
      `${file} holds no usable secret (it must be at least 32 characters): restore it from a backup, or set KEYWARD_SECRET.`,
    );
  return { secret, source: "file", file, looseMode: (statSync(file).mode & 0o077) !== 0 };
}

/** The deployment secret's cipher, saying in the log what an operator should know about it. */
export function openDeploymentSecretBox(
  config: Pick<Config, "secret" | "dataDir" | "databaseUrl">,
  logger: Logger,
): SecretBox {
  const loaded = loadDeploymentSecret(config);
  if (loaded.source === "generated")
    logger.info(
      { file: loaded.file },
      "generated the deployment secret (keep it with the database's backups)",
    );
  if (loaded.looseMode)
    logger.warn({ file: loaded.file }, "the deployment secret file is readable by others: chmod 600 it");
  if (loaded.source !== "env" && config.databaseUrl)
    logger.warn(
      "KEYWARD_SECRET is not set: with several nodes on one PostgreSQL database, set the same KEYWARD_SECRET on each so they can all read legacy location keys",
    );
  return new SecretBox(loaded.secret);
}
