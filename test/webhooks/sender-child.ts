/**
 * A sender in a process of its own (multinode.test.ts kills it with SIGKILL mid-delivery): opens
 * Keyward on the PostgreSQL database in KEYWARD_DATABASE_URL, claims and sends one batch, and says
 * "claimed" on stdout once its request is on the wire.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";

const config = loadConfig({
  KEYWARD_DATABASE_URL: process.env.KEYWARD_DATABASE_URL ?? "",
  KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), "keyward-sender-")),
  KEYWARD_SECRET: process.env.KEYWARD_SECRET ?? "",
  KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8",
  KEYWARD_LOG_LEVEL: "silent",
  KEYWARD_SCHEDULER: "false",
});
const kw = await createKeyward({ config, logger: createLogger("silent"), lifecycle: { background: false } });
process.stdout.write("ready\n");
const report = await kw.webhookSender.deliverDue();
process.stdout.write(`${JSON.stringify(report)}\n`);
await kw.close();
