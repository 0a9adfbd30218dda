import { parseArgs } from "node:util";
import { ApiError } from "../core/errors.js";
import { KEY_KINDS, MAX_ROTATION_GRACE_SECONDS, type ManagedKeyKind } from "../core/token.js";
import type { KeyView } from "../service/keys.js";
import { type Command, printJson, UsageError } from "./command.js";
import { openKeyward, operatorCtx } from "./runtime.js";

const USAGE = `keyward keys list --account ID [--all] [--json]
keyward keys create --account ID --name NAME [--kind private_integration|legacy_v1] [--scopes a,b] [--description TEXT] [--json]
keyward keys import --account ID --name NAME --kind KIND (--token TOKEN | --sha256 HEX) [--scopes a,b] [--json]
keyward keys revoke KEY_ID
keyward keys rotate KEY_ID [--grace-seconds N] [--json]
keyward keys refresh KEY_ID

ACCOUNT is an agency id or a location id. The CLI acts as the deployment's operator (audited as system/cli).`;

function line(k: KeyView): string {
  const last = k.lastUsed ? k.lastUsed.at.slice(0, 10) : "never";
  const next = k.nextAction ? `${k.nextAction.action} ${k.nextAction.at.slice(0, 10)}` : "-";
  return [
    k.id,
    k.token,
    k.kind,
    k.status,
    k.owner.id,
    `last used ${last}`,
    `next ${next}`,
    JSON.stringify(k.name),
  ].join("  ");
}

async function agencyOf(kw: Awaited<ReturnType<typeof openKeyward>>, accountId: string): Promise<string> {
  if (await kw.store.getAgency(accountId)) return accountId;
  const loc = await kw.store.getLocation(accountId);
  if (!loc) throw new ApiError("resource_not_found", `No agency or location ${accountId}.`);
  return loc.agencyId;
}

export const keysCommand: Command = {
  name: "keys",
  summary: "Administer keys (list, create, import, revoke, rotate, refresh)",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        account: { type: "string" },
        name: { type: "string" },
        kind: { type: "string" },
        scopes: { type: "string" },
        description: { type: "string" },
        token: { type: "string" },
        sha256: { type: "string" },
        "grace-seconds": { type: "string" },
        all: { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    const kind = values.kind as ManagedKeyKind | undefined;
    if (kind !== undefined && !KEY_KINDS.includes(kind))
      throw new UsageError(`--kind must be one of ${KEY_KINDS.join(", ")}`);
    const scopes = values.scopes
      ? values.scopes
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    const kw = await openKeyward({ quiet: true });
    try {
      if (sub === "list" || sub === "create" || sub === "import") {
        if (!values.account) throw new UsageError("--account is required");
        const ctx = operatorCtx(await agencyOf(kw, values.account));
        if (sub === "list") {
          const keys = await kw.keys.list(ctx, values.account, {
            includeLocations: true,
            ...(values.all ? { statuses: ["active", "expired", "revoked", "deleted"] } : {}),
          });
          if (values.json) printJson({ keys });
          else for (const k of keys) process.stdout.write(`${line(k)}\n`);
          return 0;
        }
        if (!values.name) throw new UsageError("--name is required");
        if (sub === "create") {
          const r = await kw.keys.create(ctx, values.account, {
            name: values.name,
            kind,
            description: values.description,
            scopes,
          });
          if (values.json) printJson(r);
          else process.stdout.write(`${line(r.key)}\nToken (shown once, store it now): ${r.token}\n`);
          return 0;
        }
        if (!kind) throw new UsageError("--kind is required for an import");
        const r = await kw.keys.import(ctx, values.account, {
          name: values.name,
          kind,
          scopes,
          token: values.token,
          sha256: values.sha256,
        });
        if (values.json) printJson(r);
        else process.stdout.write(`${line(r.key)}\n`);
        return 0;
      }
      const keyId = positionals[0];
      if (!keyId || !["revoke", "rotate", "refresh"].includes(sub ?? ""))
        throw new UsageError("unknown subcommand or missing KEY_ID");
      const key = await kw.store.getKey(keyId);
      if (!key) throw new ApiError("resource_not_found", `No key ${keyId}.`);
      const ctx = operatorCtx(key.agencyId);
      if (sub === "revoke") process.stdout.write(`${line(await kw.keys.revoke(ctx, keyId))}\n`);
      else if (sub === "refresh") process.stdout.write(`${line(await kw.keys.refresh(ctx, keyId))}\n`);
      else {
        const grace = values["grace-seconds"] === undefined ? 0 : Number(values["grace-seconds"]);
        if (!Number.isInteger(grace))
          throw new UsageError(
            `--grace-seconds must be a whole number of seconds (0–${MAX_ROTATION_GRACE_SECONDS})`,
          );
        const r = await kw.keys.rotate(ctx, keyId, grace);
        if (values.json) printJson(r);
        else process.stdout.write(`${line(r.key)}\nNew token (shown once, store it now): ${r.token}\n`);
      }
      return 0;
    } finally {
      await kw.close();
    }
  },
};
