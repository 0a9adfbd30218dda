import { parseArgs } from "node:util";
import { ApiError } from "../core/errors.js";
import { type Forecast, plural } from "../service/lifecycle.js";
import { type Command, printJson, UsageError } from "./command.js";
import { openKeyward } from "./runtime.js";

const USAGE = `keyward forecast [--agency ID] [--sweeps N] [--json]

What the next N sweeps (default 4) will do to the current keys if none is used meanwhile, per agency
(every agency without --agency). Changes nothing.`;

function print(agencyId: string, f: Forecast): void {
  process.stdout.write(
    `${agencyId}: ${f.policy.action} after ${plural(f.policy.inactivityDays, "day")}, sweep "${f.policy.sweep}"; next sweep ${f.nextSweepAt}\n`,
  );
  for (const s of f.sweeps) {
    process.stdout.write(`  ${s.at}  ${s.action}  ${plural(s.keys.length, "key")}\n`);
    for (const k of s.keys)
      process.stdout.write(
        `    ${k.id}  ${k.accountId}  ${plural(k.daysInactive, "day")} inactive${k.warned ? "  (warned)" : ""}  ${JSON.stringify(k.name)}\n      ${k.reason}\n`,
      );
  }
}

export const forecastCommand: Command = {
  name: "forecast",
  summary: "Show what the next inactivity sweeps will do, without doing it",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        agency: { type: "string" },
        sweeps: { type: "string", default: "4" },
        json: { type: "boolean" },
      },
    });
    const sweeps = Number(values.sweeps);
    if (!Number.isInteger(sweeps) || sweeps < 1 || sweeps > 100)
      throw new UsageError("--sweeps must be 1–100");
    const kw = await openKeyward({ quiet: true });
    try {
      const now = kw.clock.now();
      const agencies = values.agency
        ? [await kw.store.getAgency(values.agency)].filter((a) => a !== null)
        : await kw.store.listAgencies();
      if (values.agency && agencies.length === 0)
        throw new ApiError("resource_not_found", `No agency ${values.agency}.`);
      const out: { agencyId: string; forecast: Forecast }[] = [];
      for (const a of agencies)
        out.push({ agencyId: a.id, forecast: await kw.lifecycle.forecastOf(a, now, sweeps) });
      if (values.json) {
        if (values.agency) printJson(out[0]!.forecast);
        else printJson({ forecasts: out.map((o) => ({ agencyId: o.agencyId, ...o.forecast })) });
      } else for (const o of out) print(o.agencyId, o.forecast);
      return 0;
    } finally {
      await kw.close();
    }
  },
};
