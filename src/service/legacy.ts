/**
 * Enhanced Account Security and the legacy v1 location keys (docs/spec.md §5).
 *
 * - While EAS is off, a new location gets a legacy v1 key, kept readable (AES-256-GCM under the
 *   deployment secret, see legacy-secret.ts) so the v1 location API can return it as `apiKey`. While
 *   EAS is on, nothing is generated and no location response carries key material.
 * - Switching EAS never creates, restores or deletes a key. Turning it on erases the readable
 *   copies (the keys keep working); turning it off e-mails the other agency admins.
 *
 * What each legacy key is used for is in legacy-report.ts; replacing one is legacy-migration.ts.
 */
import type { Clock } from "../core/clock.js";
import { isoSecond } from "../core/clock.js";
import type { Agency, LegacyCreation, Location } from "../core/model.js";
import { type SecretBox, SecretBoxError } from "../core/secretbox.js";
import type { Logger } from "../logger.js";
import { LegacyStore } from "../store/legacy-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import type { AccountHooks } from "./accounts.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import type { KeyService } from "./keys.js";
import type { SettingsExtension } from "./settings.js";

export const LOCATION_KEY_NAME = "Location API key";

export interface LegacyServiceDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  keys: KeyService;
  /** The deployment secret's cipher for the readable copies. */
  box: SecretBox;
  /** KEYWARD_LEGACY_KEY_CREATION: the rule of agencies that did not choose one. */
  creationDefault: LegacyCreation;
}

export class LegacyService {
  readonly legacyStore: LegacyStore;

  constructor(private readonly deps: LegacyServiceDeps) {
    this.legacyStore = new LegacyStore(deps.store);
  }

  /** What accounts do for this capability: a legacy key for each new location. */
  accountHooks(): AccountHooks {
    return {
      locationCreated: (ctx, store, agency, location) => this.locationCreated(ctx, store, agency, location),
    };
  }

  /** Its part of the settings change: the EAS side effects, in the change's transaction. */
  settingsExtension(): SettingsExtension {
    return {
      read: async () => ({}),
      inTransaction: (ctx, store, before, after) => this.securityChanged(ctx, store, before, after),
    };
  }

  // ── locations ───────────────────────────────────────────────────────────

  /**
   * A location was created (in the creation's transaction): while EAS is off it gets a legacy
   * key, returned once here as `apiKey`. The `disabled` legacy-creation rule wins: no key then.
   */
  async locationCreated(ctx: Ctx, store: Store, agency: Agency, location: Location) {
    if (agency.enhancedSecurity) return {};
    const rule = agency.legacyCreation ?? this.deps.creationDefault;
    if (rule === "disabled") return {};
    const { key, token } = await this.deps.keys.createSystemKey(
      ctx,
      store,
      { agencyId: agency.id, locationId: location.id },
      "legacy_v1",
      LOCATION_KEY_NAME,
      [],
    );
    await store.updateKey({ ...key, secretEnc: this.deps.box.seal(token) });
    return { apiKey: token };
  }

  /**
   * The readable legacy key of each location, for v1 location responses: empty while the agency's
   * EAS is on (read fresh, not from a cache). Only active keys; the newest when there are several.
   */
  async apiKeys(agencyId: string, locationIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (locationIds.length === 0) return out;
    const agency = await this.deps.store.getAgency(agencyId);
    if (!agency || agency.enhancedSecurity) return out;
    const keys = await this.deps.store.listKeys({
      agencyId,
      locationIds,
      statuses: ["active"],
      kind: "legacy_v1",
    });
    for (const k of keys) {
      if (k.secretEnc === null || k.locationId === null) continue;
      try {
        out.set(k.locationId, this.deps.box.open(k.secretEnc)); // listKeys is oldest first: the newest wins
      } catch (e) {
        if (!(e instanceof SecretBoxError)) throw e;
        this.deps.logger.warn(
          { keyId: k.id },
          "a legacy location key does not open under this deployment secret (was KEYWARD_SECRET changed, or do nodes have different secret.key files?)",
        );
      }
    }
    return out;
  }

  // ── settings: Enhanced Account Security ─────────────────────────────────

  /** In the settings change's transaction: tell the other admins, or erase the readable copies. */
  async securityChanged(ctx: Ctx, store: Store, before: Agency, after: Agency): Promise<void> {
    if (before.enhancedSecurity && !after.enhancedSecurity) await this.mailSecurityOff(ctx, store, after);
    if (!before.enhancedSecurity && after.enhancedSecurity) {
      const erased = await this.legacyStore.with(store).eraseSecrets(after.id);
      if (erased > 0)
        await this.deps.audit.record(store, ctx, {
          agencyId: after.id,
          action: "legacy.readable_keys_erased",
          targetType: "agency",
          targetId: after.id,
          after: { keys: erased },
        });
    }
  }

  private async mailSecurityOff(ctx: Ctx, store: Store, agency: Agency): Promise<void> {
    const users = await store.listUsers(agency.id);
    const actor =
      ctx.actorType === "user" && ctx.actorId ? users.find((u) => u.id === ctx.actorId) : undefined;
    const to = users
      .filter((u) => u.type === "agency" && u.role === "admin" && u.disabledAt === null && u.id !== actor?.id)
      .map((u) => u.email);
    const who = actor ? `${actor.name} (${actor.email})` : "The deployment's operator";
    const when = isoSecond(this.deps.clock.now());
    const where = ctx.ip ? ` from ${ctx.ip}` : "";
    const lines = [
      `${who} turned Enhanced Account Security off for ${agency.name} on ${when}${where}.`,
      "",
      "This is strongly discouraged. While it is off:",
      "- every new location gets a legacy v1 API key automatically;",
      "- the v1 location API returns those keys (apiKey) to anyone holding an agency or location legacy key;",
      "- the v1 user APIs let an API key create, change and remove users, including their roles and permissions.",
      "",
      "If this was not intended, an agency admin can turn it back on in the agency settings",
      `(PATCH /api/agencies/${agency.id}/settings with {"enhancedSecurity": true}).`,
      "Turning it on or off never creates, restores or deletes an API key.",
    ];
    const esc = (s: string) =>
      s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
    await enqueueEmail(store, this.deps.clock, {
      agencyId: agency.id,
      kind: "security_disabled",
      to,
      subject: `Enhanced Account Security was turned off for ${agency.name}`,
      text: `${lines.join("\n")}\n`,
      html: `<p>${lines.map(esc).join("<br>\n")}</p>`,
    });
  }
}
