/**
 * A location's settings (issue 13 §2): its IP allowlist, which every request of its keys must match
 * (with the key's own list and the agency's). Agency admins read and change it; a change is audited
 * (`location.settings_changed`) and drops the location's keys from the verification cache on every
 * node before the request returns here (the bus; on SQLite, the change_log trigger for the others).
 */
import type { Clock } from "../core/clock.js";
import { denied, notFound } from "../core/errors.js";
import { checkAllowlist } from "../core/ip-allowlist.js";
import { canChangeAgencySettings } from "../core/permissions.js";
import { IpAllowlistStore } from "../store/ip-allowlist-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { AccountService } from "./accounts.js";
import type { Audit } from "./audit.js";
import type { CacheBus, VerificationCache } from "./cache.js";
import type { Ctx } from "./context.js";
import { checkedAllowlist } from "./keys.js";

export interface LocationSettings {
  ipAllowlist: string[] | null;
  /** Accepted but worth a second look: an entry allowing every address of its family. */
  warnings: string[];
}

export class LocationSettingsService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      audit: Audit;
      cache: VerificationCache;
      bus: CacheBus;
      accounts: AccountService;
    },
  ) {}

  private async adminOf(ctx: Ctx, locationId: string) {
    const actor = requireActor(ctx);
    const loc = await this.deps.accounts.getLocation(ctx, locationId);
    if (!canChangeAgencySettings(actor, loc.agencyId))
      throw denied("Only agency admins can read or change a location's settings.");
    return loc;
  }

  async get(ctx: Ctx, locationId: string): Promise<LocationSettings> {
    await this.adminOf(ctx, locationId);
    return settings(await new IpAllowlistStore(this.deps.store).ofLocation(locationId));
  }

  async update(
    ctx: Ctx,
    locationId: string,
    patch: { ipAllowlist?: string[] | null | undefined },
  ): Promise<LocationSettings> {
    const loc = await this.adminOf(ctx, locationId);
    if (patch.ipAllowlist === undefined) return this.get(ctx, locationId);
    const cidrs =
      patch.ipAllowlist === null ? null : checkedAllowlist(patch.ipAllowlist, "ipAllowlist").cidrs;
    const changed = await this.deps.store.transaction(async (s) => {
      const ips = new IpAllowlistStore(s);
      const before = await ips.ofLocation(locationId);
      if (JSON.stringify(before) === JSON.stringify(cidrs)) return false;
      if (!(await s.getLocation(locationId))) throw notFound("Location");
      await ips.setOfLocation(locationId, cidrs, this.deps.clock.now());
      await this.deps.audit.record(s, ctx, {
        agencyId: loc.agencyId,
        action: "location.settings_changed",
        targetType: "location",
        targetId: locationId,
        before: { ipAllowlist: before },
        after: { ipAllowlist: cidrs },
      });
      return true;
    });
    if (changed) {
      this.deps.cache.apply({ type: "location", id: locationId });
      await this.deps.bus.publish({ type: "location", id: locationId });
    }
    return settings(cidrs);
  }
}

function settings(list: string[] | null): LocationSettings {
  const check = list ? checkAllowlist(list) : null;
  return { ipAllowlist: list, warnings: check?.ok ? check.warnings : [] };
}
