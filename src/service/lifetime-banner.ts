/**
 * The lifetime banner (docs/traffic-policy.md "Lifetimes"): across the top of an account whose keys'
 * lifetimes end within the banner window — the inactivity banner's (the agency's `bannerHours`,
 * KEYWARD_BANNER_HOURS, 24 h by default). Derived from stored state at every request: active keys
 * whose lifetime ends in `(now, now + bannerHours]`, except those whose inactivity action comes first
 * (that one is the inactivity banner's: core/two-endings.ts). On an agency, its keys and every
 * location's; on a location, its own.
 */
import type { Clock } from "../core/clock.js";
import { HOUR, humanDate, isoSecond } from "../core/clock.js";
import { LifetimeStore } from "../store/lifetime-store.js";
import type { Store } from "../store/store.js";
import { requireActor, resolveAccount } from "./access.js";
import type { Ctx } from "./context.js";
import { keysLink, type LifecycleService, plural } from "./lifecycle.js";

export interface LifetimeBannerView {
  accountId: string;
  scope: "account" | "account_and_locations";
  scopeWords: string;
  /** The earliest end among the keys counted. */
  endsAt: string;
  keyIds: string[];
  count: number;
  message: string;
  link: string;
}

export class LifetimeBanner {
  constructor(private readonly deps: { store: Store; clock: Clock; lifecycle: LifecycleService }) {}

  async banner(ctx: Ctx, accountId: string): Promise<LifetimeBannerView | null> {
    const actor = requireActor(ctx);
    const { agency, owner } = await resolveAccount(this.deps.store, actor, accountId);
    const now = this.deps.clock.now();
    const hours = this.deps.lifecycle.policyOf(agency).policy.bannerHours;
    const locationId = owner.locationId;
    const agencyWide = locationId === null;
    const ending = await new LifetimeStore(this.deps.store).endingWithin(
      locationId === null ? { agencyId: agency.id } : { locationId },
      now,
      now + hours * HOUR,
    );
    const inactivityFirst = await this.deps.lifecycle.inactivityFirst(this.deps.store, ending, now);
    const keys = ending.filter((k) => !inactivityFirst.has(k.id));
    const first = keys[0];
    if (!first) return null;
    const scopeWords =
      locationId === null
        ? `of ${agency.name} and its locations`
        : `of ${(await this.deps.store.getLocation(locationId))?.name ?? locationId}`;
    const keyIds = keys.map((k) => k.id).sort();
    const n = keyIds.length;
    const endsAt = first.expiresAt!;
    const when =
      n === 1
        ? `reaches the end of its lifetime on ${humanDate(endsAt)}; after that it answers expired.`
        : `reach the end of their lifetime within ${plural(hours, "hour")}, the first on ${humanDate(endsAt)}; after that each answers expired.`;
    return {
      accountId: locationId ?? agency.id,
      scope: agencyWide ? "account_and_locations" : "account",
      scopeWords,
      endsAt: isoSecond(endsAt),
      keyIds,
      count: n,
      message: `${plural(n, "API key")} ${scopeWords} ${when} An admin can extend a lifetime by editing the key.`,
      link: keysLink(locationId ?? agency.id, keyIds),
    };
  }
}
