import { parseArgs } from "node:util";
import { isoSecond as iso } from "../core/clock.js";
import type { TickReport } from "../scheduler/scheduler.js";
import { plural } from "../service/lifecycle.js";
import { type Command, printJson } from "./command.js";
import { openKeyward } from "./runtime.js";

const USAGE = `keyward sweep [--dry-run] [--json]

Runs the lifecycle scheduler once, now: issues the warnings and digests that are due and acts on the
keys whose action date has come, then delivers due e-mails. With --dry-run it decides everything in a
transaction that is rolled back, and prints what it would have done.`;

export function reportJson(r: TickReport) {
  return {
    at: iso(r.at),
    dryRun: r.dryRun,
    warnings: r.warnings.map((w) => ({ ...w, actionAt: iso(w.actionAt) })),
    emails: r.emails.map((e) => ({ ...e, actionAt: iso(e.actionAt) })),
    actions: r.actions,
  };
}

export const sweepCommand: Command = {
  name: "sweep",
  summary: "Run the inactivity scheduler once now (or --dry-run: show what it would do)",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { "dry-run": { type: "boolean" }, json: { type: "boolean" } },
    });
    const dryRun = values["dry-run"] === true;
    const kw = await openKeyward({ quiet: true });
    try {
      const r = await kw.scheduler.tick(kw.clock.now(), { dryRun });
      const delivered = dryRun ? null : await kw.outbox.deliverDue();
      if (values.json) printJson({ ...reportJson(r), ...(delivered ? { delivery: delivered } : {}) });
      else {
        const would = dryRun ? "would issue" : "issued";
        process.stdout.write(
          `${dryRun ? "Dry run: nothing was changed.\n" : ""}${iso(r.at)}: ${would} ${r.warnings.length} warning notification(s), ${r.emails.filter((e) => e.emailId).length} digest e-mail(s); ${dryRun ? "would act on" : "acted on"} ${r.actions.length} key(s)\n`,
        );
        for (const w of r.warnings)
          process.stdout.write(
            `  warning  ${w.accountId}  ${plural(w.leadDays, "day")} before ${iso(w.actionAt)}  ${w.keyIds.join(", ")}\n`,
          );
        for (const e of r.emails)
          process.stdout.write(
            `  e-mail   ${e.agencyId}  for ${iso(e.actionAt)}  ${e.keyIds.join(", ")}  → ${e.to.join(", ") || "(no subscribed admin)"}\n`,
          );
        for (const a of r.actions)
          process.stdout.write(
            `  ${a.action === "delete" ? "deleted" : "expired"}  ${a.keyId}  (${a.accountId})\n`,
          );
        if (delivered)
          process.stdout.write(
            `E-mail: ${delivered.sent.length} sent, ${delivered.retrying.length} to retry, ${delivered.failed.length} failed.\n`,
          );
      }
      return 0;
    } finally {
      await kw.close();
    }
  },
};
