import { parseArgs } from "node:util";
import { ensure, Name } from "../core/validate.js";
import { publicLocation } from "../service/accounts.js";
import { type Command, printJson, UsageError } from "./command.js";
import { openKeyward, operatorCtx } from "./runtime.js";

const USAGE = `keyward locations list --agency AGENCY_ID [--json]
keyward locations create --agency AGENCY_ID --name NAME [--json]

A location is a sub-account of an agency; its keys are "location keys". The agency id is in
\`keyward agencies list\` (or GET /api/me, signed in). The CLI acts as the deployment's operator
(audited as system/cli); in the console, agency admins create locations on the Locations page.`;

export const locationsCommand: Command = {
  name: "locations",
  summary: "List or create an agency's locations",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values } = parseArgs({
      args: rest,
      options: { agency: { type: "string" }, name: { type: "string" }, json: { type: "boolean" } },
    });
    if (sub !== "list" && sub !== "create") throw new UsageError("unknown subcommand");
    if (!values.agency) throw new UsageError("--agency is required");
    if (sub === "create" && values.name === undefined) throw new UsageError("--name is required");
    const kw = await openKeyward({ quiet: true });
    try {
      const ctx = operatorCtx(values.agency);
      if (sub === "list") {
        await kw.accounts.getAgency(ctx, values.agency); // an unknown agency is an error, not an empty list
        const locations = (await kw.accounts.listLocations(ctx, values.agency)).map(publicLocation);
        if (values.json) printJson({ locations });
        else for (const l of locations) process.stdout.write(`${l.id}  ${JSON.stringify(l.name)}\n`);
        return 0;
      }
      const name = ensure(Name, values.name, "name");
      const { location } = await kw.accounts.createLocation(ctx, values.agency, { name });
      if (values.json) printJson({ location: publicLocation(location) });
      else process.stdout.write(`${location.id}\n`);
      return 0;
    } finally {
      await kw.close();
    }
  },
};
