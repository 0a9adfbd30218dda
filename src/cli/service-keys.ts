import { parseArgs } from "node:util";
import { type Ctx, SERVICE_SCOPES } from "../service/context.js";
import type { ServiceKeyView } from "../service/service-keys.js";
import { type Command, printJson, UsageError } from "./command.js";
import { commaList, graceSeconds } from "./options.js";
import { openKeyward } from "./runtime.js";

const USAGE = `keyward service-keys create --name NAME --scopes ${SERVICE_SCOPES.join(",")} [--agency AGENCY_ID] [--json]
keyward service-keys list [--agency AGENCY_ID] [--all] [--json]
keyward service-keys rotate SERVICE_KEY_ID [--grace-seconds N] [--json]
keyward service-keys revoke SERVICE_KEY_ID

Service credentials (kw_svc_…) authenticate the platform's services. Without --agency a credential is
the operator's and covers every agency; with it, it acts on that agency only (AGENCY_ID may be
ext:<externalId>). Scopes: verify (POST /api/verify), provision (the provisioning API), keys:manage (the
management API acting for a user). The CLI acts as the deployment's operator (audited as system/cli).`;

/** The operator at the command line: every agency's credentials, and its own. */
const CLI: Ctx = { actor: null, actorType: "system", actorId: "cli", ip: null, userAgent: "keyward-cli" };

function line(k: ServiceKeyView): string {
  return [k.id, k.token, k.status, k.agencyId ?? "operator", k.scopes.join(","), JSON.stringify(k.name)].join(
    "  ",
  );
}

export const serviceKeysCommand: Command = {
  name: "service-keys",
  summary: "Administer the platform's service credentials (create, list, rotate, revoke)",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        scopes: { type: "string" },
        agency: { type: "string" },
        "grace-seconds": { type: "string" },
        all: { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    if (!["create", "list", "rotate", "revoke"].includes(sub ?? ""))
      throw new UsageError("unknown subcommand: create, list, rotate or revoke");
    if (sub === "create") {
      if (!values.name) throw new UsageError("--name is required");
      if (!values.scopes) throw new UsageError(`--scopes is required (any of ${SERVICE_SCOPES.join(", ")})`);
    }
    const id = positionals[0];
    if ((sub === "rotate" || sub === "revoke") && !id) throw new UsageError("SERVICE_KEY_ID is required");
    const grace = graceSeconds(values["grace-seconds"]);
    const kw = await openKeyward({ quiet: true });
    try {
      const agencyId = values.agency ? await kw.provisioning.resolveRef(null, "agency", values.agency) : null;
      if (sub === "create") {
        const scopes = commaList(values.scopes) ?? [];
        const r = await kw.serviceKeys.create(CLI, { agencyId, name: values.name!, scopes });
        if (values.json) printJson(r);
        else
          process.stdout.write(`${line(r.serviceKey)}\nCredential (shown once, store it now): ${r.token}\n`);
      } else if (sub === "list") {
        const serviceKeys = await kw.serviceKeys.list(CLI, agencyId, values.all ?? false);
        if (values.json) printJson({ serviceKeys });
        else for (const k of serviceKeys) process.stdout.write(`${line(k)}\n`);
      } else if (sub === "rotate") {
        const r = await kw.serviceKeys.rotate(CLI, id!, grace);
        if (values.json) printJson(r);
        else
          process.stdout.write(
            `${line(r.serviceKey)}\nNew credential (shown once, store it now): ${r.token}\n`,
          );
      } else {
        process.stdout.write(`${line(await kw.serviceKeys.revoke(CLI, id!))}\n`);
      }
      return 0;
    } finally {
      await kw.close();
    }
  },
};
