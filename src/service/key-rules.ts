/**
 * The agency settings fields of issue 14 (`leakAction`, `allowKeep`), as a settings capability:
 * read into the settings document, validated and applied from a settings patch. Stored on the agency
 * (`keyRules`), so the change is audited with the agency's other settings (`agency.updated`).
 */
import { ApiError } from "../core/errors.js";
import { keyRulesOf, LEAK_ACTIONS, type LeakAction } from "../core/key-rules.js";
import type { Agency } from "../core/model.js";
import type { SettingsExtension, SettingsPatchInput } from "./settings.js";

export function keyRulesSettingsExtension(): SettingsExtension {
  return {
    read: async (agency) => ({ ...keyRulesOf(agency) }),
    apply: (agency, patch) => applyKeyRules(agency, patch),
  };
}

function applyKeyRules(agency: Agency, patch: SettingsPatchInput): Agency {
  const { leakAction, allowKeep } = patch;
  if (leakAction === undefined && allowKeep === undefined) return agency;
  if (leakAction !== undefined && !(LEAK_ACTIONS as readonly unknown[]).includes(leakAction))
    throw new ApiError("validation_failed", `leakAction must be "revoke" or "notify".`, {
      issues: [{ field: "leakAction", message: 'must be "revoke" or "notify"' }],
    });
  if (allowKeep !== undefined && typeof allowKeep !== "boolean")
    throw new ApiError("validation_failed", "allowKeep must be true or false.", {
      issues: [{ field: "allowKeep", message: "must be a boolean" }],
    });
  return {
    ...agency,
    keyRules: {
      ...keyRulesOf(agency),
      ...(leakAction !== undefined ? { leakAction: leakAction as LeakAction } : {}),
      ...(allowKeep !== undefined ? { allowKeep: allowKeep as boolean } : {}),
    },
  };
}
