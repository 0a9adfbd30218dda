/**
 * The agency's IP allowlist (issue 13 §2) as a settings capability: read into the settings document
 * (with `warnings` for over-broad entries), checked and applied from a settings patch, stored on the
 * agency, so the change is audited with its other settings (`agency.updated`) and invalidates the
 * agency's cached facts on every node like them.
 */
import { checkAllowlist } from "../core/ip-allowlist.js";
import type { Agency } from "../core/model.js";
import { checkedAllowlist } from "./keys.js";
import type { SettingsExtension, SettingsPatchInput } from "./settings.js";

export function ipAllowlistSettingsExtension(): SettingsExtension {
  return {
    read: async (agency) => {
      const list = agency.ipAllowlist ?? null;
      const check = list ? checkAllowlist(list) : null;
      return { ipAllowlist: list, warnings: check?.ok ? check.warnings : [] };
    },
    apply: (agency, patch) => applyIpAllowlist(agency, patch),
  };
}

function applyIpAllowlist(agency: Agency, patch: SettingsPatchInput): Agency {
  const list = patch.ipAllowlist as string[] | null | undefined;
  if (list === undefined) return agency;
  return { ...agency, ipAllowlist: list === null ? null : checkedAllowlist(list, "ipAllowlist").cidrs };
}
