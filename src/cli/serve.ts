import { serve } from "@hono/node-server";
import { createKeyward } from "../app/keyward.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { LOCKS, withClusterLock } from "../store/pg-locks.js";
import type { Command } from "./command.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the Keyward server",
  usage: "keyward serve",
  async run() {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const kw = await createKeyward({ config, logger });
    // Nodes started together on an empty PostgreSQL create the first agency once.
    const boot = await withClusterLock(kw.database, LOCKS.bootstrap, () =>
      kw.accounts.bootstrap(config.bootstrap),
    );
    if (boot.generatedPassword) {
      // Printed once, on the console only (not in the JSON log), so it never lands in log storage.
      process.stderr.write(
        `\nFirst start: created the agency and its owner.\n  e-mail:   ${config.bootstrap.email}\n  password: ${boot.generatedPassword}\nSign in and change it; it will not be shown again.\n\n`,
      );
    } else if (boot.created)
      logger.info({ email: config.bootstrap.email }, "created the first agency and its owner");
    const server = serve({ fetch: kw.app.fetch, port: config.port, hostname: config.host }, (info) => {
      logger.info(
        { url: `http://${config.host}:${info.port}`, database: kw.database.dialect.name },
        "keyward is listening",
      );
    });
    kw.start();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down: finishing requests and flushing uses");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kw.close();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    await new Promise(() => {});
    return 0;
  },
};
