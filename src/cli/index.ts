/** The `keyward` command: dispatches to one command per file. */
import { ConfigError } from "../config.js";
import { ApiError } from "../core/errors.js";
import { storageFailure } from "../store/storage-errors.js";
import { agenciesCommand } from "./agencies.js";
import { type Command, UsageError } from "./command.js";
import { forecastCommand } from "./forecast.js";
import { keysCommand } from "./keys.js";
import { locationsCommand } from "./locations.js";
import { migrateCommand } from "./migrate.js";
import { migrationReportCommand } from "./migration-report.js";
import { serveCommand } from "./serve.js";
import { serviceKeysCommand } from "./service-keys.js";
import { simulateCommand } from "./simulate.js";
import { sweepCommand } from "./sweep.js";

export const COMMANDS: Command[] = [
  serveCommand,
  migrateCommand,
  keysCommand,
  serviceKeysCommand,
  agenciesCommand,
  locationsCommand,
  migrationReportCommand,
  forecastCommand,
  sweepCommand,
  simulateCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: keyward <command> [options]\n\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}\n\nkeyward <command> --help for a command's options. Configuration comes from KEYWARD_* environment variables.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      process.stderr.write(`${e.message}\n\nUsage:\n${cmd.usage}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    const storage = storageFailure(e);
    if (storage) {
      process.stderr.write(`storage_unavailable: the database is unavailable (${storage}).\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
