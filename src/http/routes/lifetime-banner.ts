/**
 * The lifetime banner's route (docs/traffic-policy.md "Lifetimes"): what the console shows across the
 * top of an account whose keys' lifetimes end within the banner window. Thin: the service decides.
 */
import { z } from "zod";
import { LifetimeBanner } from "../../service/lifetime-banner.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";

const LifetimeBannerView = z
  .object({
    accountId: z.string(),
    scope: z.enum(["account", "account_and_locations"]).meta({
      description:
        "Whose keys are counted: this account's (a location), or this account's and its locations' (an agency)",
    }),
    scopeWords: z
      .string()
      .meta({ description: 'The same in words: "of Downtown", "of Acme and its locations"' }),
    endsAt: z.string().meta({ description: "The earliest end of a lifetime among the keys counted" }),
    keyIds: z.array(z.string()),
    count: z.number().int(),
    message: z.string(),
    link: z.string().meta({ description: "Console path to the keys concerned" }),
  })
  .meta({ id: "LifetimeBanner" });

export function lifetimeBannerRoutes(r: Router, deps: Deps): void {
  const banners = new LifetimeBanner({ store: deps.store, clock: deps.clock, lifecycle: deps.lifecycle });
  r.add(
    {
      method: "get",
      path: "/api/accounts/{accountId}/lifetime-banner",
      summary: "The account's lifetime banner, if one shows now",
      description:
        "Derived from stored state: active keys whose lifetime ends within the banner window (the agency's bannerHours, 24 h by default), unless their inactivity action comes first (that is the inactivity banner's). On an agency, its keys and every location's. 204 when there is none.",
      tags: ["Lifecycle"],
      auth: "session",
      params: IdParam("accountId"),
      responses: {
        200: { description: "The banner", schema: LifetimeBannerView },
        204: { description: "No banner" },
      },
    },
    async (c, { params }, reply) => {
      const b = await banners.banner(c.get("ctx"), params.accountId);
      return b ? reply.json(c, 200, b) : reply.empty(c, 204);
    },
  );
}
