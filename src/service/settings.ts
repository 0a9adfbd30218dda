/**
 * Agency settings: Enhanced Account Security, the legacy-key creation rule, and the fields other
 * capabilities bring at construction (the lifecycle policy, the digest). Switching EAS either way never
 * creates, restores or deletes a key.
 */
import { ApiError, denied } from "../core/errors.js";
import type { Agency, LegacyCreation } from "../core/model.js";
import { canChangeAgencySettings } from "../core/permissions.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { AccountService } from "./accounts.js";
import type { Ctx } from "./context.js";

export interface SettingsPatchInput {
  enhancedSecurity?: boolean | undefined;
  confirm?: boolean | undefined;
  legacyCreation?: LegacyCreation | undefined;
  [k: string]: unknown;
}

/** A capability that adds fields to the settings document. */
export interface SettingsExtension {
  read(agency: Agency, store: Store): Promise<Record<string, unknown>>;
  /** Validates and applies its fields of a patch to the agency (pure: the service saves it). */
  apply?(agency: Agency, patch: SettingsPatchInput): Agency;
  /** In the change's transaction, after its audit entry (outbox e-mails, derived data). */
  inTransaction?(ctx: Ctx, store: Store, before: Agency, after: Agency): Promise<void>;
  /** After a committed change (e-mails, cache invalidation …). */
  after?(ctx: Ctx, before: Agency, after: Agency): Promise<void>;
}

export const EAS_OFF_WARNING =
  "Turning Enhanced Account Security off is strongly discouraged: new locations will get legacy API keys automatically, location API responses will include those keys, and the v1 user APIs will allow creating and changing users with an API key. Send confirm: true to do it anyway.";

export class SettingsService {
  readonly extensions: readonly SettingsExtension[];

  constructor(
    private readonly deps: {
      store: Store;
      accounts: AccountService;
      legacy: { endOfSupport: string; creation: LegacyCreation };
      /** The capabilities adding fields (lifecycle policy and digest; EAS side effects). */
      extensions: readonly SettingsExtension[];
    },
  ) {
    this.extensions = deps.extensions;
  }

  /** Agency admins only, like changing them: the document is an admin's (policy, digest, legacy rule). */
  async get(ctx: Ctx, agencyId: string): Promise<Record<string, unknown>> {
    const actor = requireActor(ctx);
    const agency = await this.deps.accounts.getAgency(ctx, agencyId);
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied(
        "Only agency admins can read the agency settings. Whether Enhanced Account Security is on is in GET /api/me (agency.enhancedSecurity); the inactivity policy is in the forecast.",
      );
    return this.document(agency);
  }

  private async document(agency: Agency): Promise<Record<string, unknown>> {
    const doc: Record<string, unknown> = {
      enhancedSecurity: agency.enhancedSecurity,
      legacyCreation: agency.legacyCreation ?? this.deps.legacy.creation,
      legacyEndOfSupport: this.deps.legacy.endOfSupport,
    };
    for (const ext of this.extensions) Object.assign(doc, await ext.read(agency, this.deps.store));
    return doc;
  }

  async update(ctx: Ctx, agencyId: string, patch: SettingsPatchInput): Promise<Record<string, unknown>> {
    const actor = requireActor(ctx);
    const before = await this.deps.accounts.getAgency(ctx, agencyId);
    if (!canChangeAgencySettings(actor, agencyId))
      throw denied("Only agency admins can change agency settings.");
    if (patch.enhancedSecurity === false && before.enhancedSecurity && patch.confirm !== true)
      throw new ApiError("confirmation_required", EAS_OFF_WARNING, { warning: EAS_OFF_WARNING });
    const after = await this.deps.accounts.changeAgency(
      ctx,
      agencyId,
      (a) => {
        let next: Agency = {
          ...a,
          enhancedSecurity: patch.enhancedSecurity ?? a.enhancedSecurity,
          legacyCreation: patch.legacyCreation ?? a.legacyCreation,
        };
        for (const ext of this.extensions) if (ext.apply) next = ext.apply(next, patch);
        return next;
      },
      undefined,
      async (s, b, a) => {
        for (const ext of this.extensions) if (ext.inTransaction) await ext.inTransaction(ctx, s, b, a);
      },
    );
    for (const ext of this.extensions) if (ext.after) await ext.after(ctx, before, after);
    return this.document(after);
  }
}
