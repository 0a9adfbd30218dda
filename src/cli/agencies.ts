import { parseArgs } from "node:util";
import { PLANS, type Plan } from "../core/permissions.js";
import { publicAgency } from "../service/accounts.js";
import { systemCtx } from "../service/context.js";
import { type Command, printJson, UsageError } from "./command.js";
import { openKeyward } from "./runtime.js";

export const agenciesCommand: Command = {
  name: "agencies",
  summary: "List or create agencies",
  usage: `keyward agencies list [--json]
keyward agencies create --name NAME --owner-email EMAIL [--plan starter|unlimited|agency_pro] [--owner-password PASSWORD]`,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: "string" },
        plan: { type: "string", default: "starter" },
        "owner-email": { type: "string" },
        "owner-password": { type: "string" },
        json: { type: "boolean" },
      },
    });
    if (sub !== "list" && sub !== "create") throw new UsageError("unknown subcommand");
    if (sub === "create") {
      if (!values.name || !values["owner-email"])
        throw new UsageError("--name and --owner-email are required");
      if (!PLANS.includes(values.plan as Plan))
        throw new UsageError(`--plan must be one of ${PLANS.join(", ")}`);
    }
    const kw = await openKeyward({ quiet: true });
    try {
      if (sub === "list") {
        const agencies = (await kw.store.listAgencies()).map(publicAgency);
        if (values.json) printJson({ agencies });
        else
          for (const a of agencies) process.stdout.write(`${a.id}  ${a.plan}  ${JSON.stringify(a.name)}\n`);
        return 0;
      }
      const { agency } = await kw.accounts.createAgency(systemCtx, {
        name: values.name!,
        plan: values.plan as Plan,
        owner: {
          email: values["owner-email"]!,
          name: "Owner",
          ...(values["owner-password"] ? { password: values["owner-password"] } : {}),
        },
      });
      process.stdout.write(`${agency.id}\n`);
      return 0;
    } finally {
      await kw.close();
    }
  },
};
