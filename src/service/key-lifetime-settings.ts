import type { Agency } from "../core/model.js";
import { invalid, MAX_LIFETIME_DAYS } from "./key-lifetime.js";
import type { SettingsExtension, SettingsPatchInput } from "./settings.js";

/**
 * The agency's maximum key lifetime as a settings capability: `maxKeyLifetimeDays` in the settings
 * document and patch, stored on the agency and audited with its other settings (`agency.updated`).
 * It binds new keys (and new lifetimes set by edit); existing keys keep theirs.
 */
export function keyLifetimeSettingsExtension(): SettingsExtension {
  return {
    read: async (agency) => ({ maxKeyLifetimeDays: agency.maxKeyLifetimeDays ?? null }),
    apply: (agency: Agency, patch: SettingsPatchInput): Agency => {
      const days = patch.maxKeyLifetimeDays as number | null | undefined;
      if (days === undefined) return agency;
      if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_LIFETIME_DAYS))
        throw invalid(
          "maxKeyLifetimeDays",
          `maxKeyLifetimeDays must be a whole number of days from 1 to ${MAX_LIFETIME_DAYS}, or null for no maximum.`,
          `must be a whole number from 1 to ${MAX_LIFETIME_DAYS}, or null`,
        );
      return { ...agency, maxKeyLifetimeDays: days };
    },
  };
}
