import { parseArgs } from "node:util";
import { DEFAULT_PLAN, PLANS, type Plan } from "../core/permissions.js";
import { publicAgency } from "../service/accounts.js";
import { systemCtx } from "../service/context.js";
import { type Command, printJson, UsageError } from "./command.js";
import { openKeyward, operatorCtx } from "./runtime.js";

export const agenciesCommand: Command = {
  name: "agencies",
  summary: "List or create agencies, set their plan",
  usage: `keyward agencies list [--json]
keyward agencies create --name NAME --owner-email EMAIL [--plan starter|unlimited|agency_pro] [--owner-password PASSWORD]
keyward agencies set-plan AGENCY_ID starter|unlimited|agency_pro

Without --plan a new agency is on ${DEFAULT_PLAN}, as with the API and the first start; agency keys need agency_pro.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "set-plan") return setPlan(rest);
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: "string" },
        plan: { type: "string", default: DEFAULT_PLAN },
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

/** The plan is the deployment's to set (never the agency's admins): audited as `system`/`cli`. */
async function setPlan(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [agencyId, plan, ...extra] = positionals;
  if (!agencyId || !plan || extra.length > 0) throw new UsageError("give the agency id and the plan");
  if (!PLANS.includes(plan as Plan)) throw new UsageError(`the plan must be one of ${PLANS.join(", ")}`);
  const kw = await openKeyward({ quiet: true });
  try {
    const before = await kw.store.getAgency(agencyId);
    const after = await kw.accounts.setPlan(operatorCtx(agencyId), agencyId, plan as Plan);
    process.stdout.write(
      before?.plan === after.plan
        ? `${after.id} is already on ${after.plan}\n`
        : `${after.id}: ${before?.plan} -> ${after.plan}\n`,
    );
    return 0;
  } finally {
    await kw.close();
  }
}
