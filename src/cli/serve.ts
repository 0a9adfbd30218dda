import { createKeyward } from "../app/keyward.js";
import { loadConfig } from "../config.js";
import { closeServer, listen } from "../http/server.js";
import { createLogger } from "../logger.js";
import { bootstrapFirstAgency } from "./bootstrap.js";
import type { Command } from "./command.js";

/** How long closing (the last flush, the database) may take after the shutdown timeout. */
const CLOSE_GRACE_MS = 5_000;

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the Keyward server",
  usage: "keyward serve",
  async run() {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const kw = await createKeyward({ config, logger });
    const boot = await bootstrapFirstAgency(kw, config);
    if (boot.generatedPassword) {
      // Printed once, on the console only (not in the JSON log), so it never lands in log storage.
      process.stderr.write(
        `\nFirst start: created the agency and its owner.\n  e-mail:   ${config.bootstrap.email}\n  password: ${boot.generatedPassword}\nSign in and change it; it will not be shown again.\n\n`,
      );
    } else if (boot.created)
      logger.info({ email: config.bootstrap.email }, "created the first agency and its owner");
    const server = listen(kw.app, config, (port) => {
      logger.info(
        { url: `http://${config.host}:${port}`, database: kw.database.dialect.name },
        "keyward is listening",
      );
    });
    if (!config.publicUrl)
      logger.warn(
        "KEYWARD_PUBLIC_URL is not set: links in e-mails (digests, invitations) are relative paths a mail " +
          "client cannot open, and the Origin check trusts the Host header. Set it to the URL people reach " +
          "Keyward at, e.g. KEYWARD_PUBLIC_URL=https://keys.example.com",
      );
    kw.start();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      const timeoutMs = config.shutdownTimeoutMs;
      logger.info({ signal, timeoutMs }, "shutting down: finishing requests and flushing uses");
      // Should closing itself hang (a database that no longer answers), the process still ends.
      setTimeout(() => {
        logger.error({ timeoutMs }, "shutdown did not finish in time: exiting without it");
        process.exit(1);
      }, timeoutMs + CLOSE_GRACE_MS).unref();
      // SDK event streams never end by themselves: end them, so their clients reconnect elsewhere.
      kw.verifyEvents.close();
      const closed = closeServer(server, timeoutMs);
      // The uses recorded so far are written first, whatever the open requests do next.
      await kw.usage.flush().catch((err) => logger.error({ err }, "flushing uses failed"));
      if (await closed)
        logger.warn({ timeoutMs }, "closed the connections still open after the shutdown timeout");
      await kw.close();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    await new Promise(() => {});
    return 0;
  },
};
