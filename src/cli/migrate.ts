import { loadConfig } from "../config.js";
import { openDatabase } from "../store/dialect.js";
import { migrateSchema } from "../store/migrate-schema.js";
import type { Command } from "./command.js";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Bring the database schema up to date (serve does this too)",
  usage: "keyward migrate",
  async run() {
    const config = loadConfig();
    const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrateSchema(db.db, db.dialect);
      process.stdout.write(
        applied.length ? `Applied: ${applied.join(", ")}\n` : "The schema is up to date.\n",
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
