import { parseArgs } from "node:util";
import { ApiError } from "../core/errors.js";
import type { MigrationReport } from "../service/legacy-report.js";
import { type Command, printJson } from "./command.js";
import { openKeyward } from "./runtime.js";

function human(r: MigrationReport): string {
  const out = [
    `${r.agency.name} (${r.agency.id}) — plan ${r.agency.plan}, Enhanced Account Security ${r.agency.enhancedSecurity ? "on" : "OFF"}`,
    `  ${r.summary}`,
  ];
  for (const e of r.keys) {
    out.push(
      "",
      `  ${e.key.name}  ${e.key.token}  ${e.key.id}  ${e.key.status}  ${e.owner.type} ${JSON.stringify(e.owner.name)}`,
      `    ${e.advice}`,
    );
    if (e.suggestedScopes.length > 0) out.push(`    scopes: ${e.suggestedScopes.join(", ")}`);
    for (const p of e.usage.endpoints)
      out.push(`    ${String(p.count).padStart(8)}  ${p.endpoint}  (last ${p.lastDay})`);
    for (const u of e.usage.userAgents.slice(0, 5))
      out.push(`    ${String(u.count).padStart(8)}  agent ${u.userAgent || "(none)"}`);
    for (const a of e.usage.sourceAddresses.slice(0, 5))
      out.push(`    ${String(a.count).padStart(8)}  from ${a.ip || "(unknown)"}`);
    if (e.migration)
      out.push(
        `    replacement ${e.migration.replacement?.name ?? "(gone)"} since ${e.migration.startedAt}: legacy uses since ${e.migration.legacyUsesSince}, replacement uses ${e.migration.replacementUses}`,
      );
  }
  return `${out.join("\n")}\n`;
}

export const migrationReportCommand: Command = {
  name: "migration-report",
  summary: "What each legacy v1 key is still used for, and what replaces it",
  usage: `keyward migration-report [--agency ID] [--json]

Every active or expired legacy v1 key with its use over the last 90 days (endpoints, user agents,
source addresses), the private-integration scopes that would replace it, and advice in plain words.
Without --agency: every agency. --json prints one report per line.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { agency: { type: "string" }, json: { type: "boolean" } },
    });
    const kw = await openKeyward({ quiet: true });
    try {
      let ids: string[];
      if (values.agency) {
        if (!(await kw.store.getAgency(values.agency)))
          throw new ApiError("resource_not_found", `No agency ${values.agency}: see keyward agencies list.`);
        ids = [values.agency];
      } else ids = (await kw.store.listAgencies()).map((a) => a.id);
      for (const id of ids) {
        const report = await kw.legacyReports.build(id);
        if (values.json) printJson(report);
        else process.stdout.write(`${human(report)}\n`);
      }
      return 0;
    } finally {
      await kw.close();
    }
  },
};
