/**
 * Rate limits as people see them (issue 13 §1 and §5): the limits that apply to a key with their
 * remaining counts, and an account's keys' verifications per day for the listing's sparklines.
 * Setting limits goes through the key, location and agency settings routes.
 */
import { z } from "zod";
import { DAY, utcDay } from "../../core/clock.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { LimitStatusView } from "../schemas.js";

const Days = z.coerce
  .number()
  .int("must be a whole number of days")
  .min(1, "must be at least 1")
  .max(90, "must be at most 90 (verifications by code are kept 90 days)")
  .default(30);

export function rateLimitRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/keys/{keyId}/rate-limits",
      summary: "The key's limits and what remains of them",
      description:
        "Every limit that applies to the key — its own (or the defaults), its location's and its agency's — with the count remaining now as this node sees it (docs/traffic-policy.md).",
      tags: ["Keys"],
      auth: "session",
      params: IdParam("keyId"),
      responses: {
        200: { description: "Limits", schema: z.object({ limits: z.array(LimitStatusView) }) },
      },
    },
    async (c, { params }, reply) => {
      const key = await deps.keys.get(c.get("ctx"), params.keyId);
      const p = await deps.limits.policyOf({
        keyId: key.id,
        agencyId: key.agencyId,
        locationId: key.locationId,
      });
      return reply.json(c, 200, { limits: p ? deps.limits.status(p) : [] });
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/accounts/{accountId}/usage",
      summary: "Verifications per day of an account's keys",
      description:
        "For the keys `GET /api/accounts/{accountId}/keys` lists (same `includeLocations`): per key and per day since `days` ago (1–90, default 30, oldest first), its valid verifications (`uses`) and its refusals (every other code).",
      tags: ["Keys"],
      auth: "session",
      params: IdParam("accountId"),
      query: z.object({ days: Days, includeLocations: z.enum(["true", "false"]).optional() }),
      responses: {
        200: {
          description: "Per key, per day",
          schema: z.object({
            days: z.array(z.string()),
            keys: z.array(
              z.object({ keyId: z.string(), uses: z.array(z.number()), refusals: z.array(z.number()) }),
            ),
          }),
        },
      },
    },
    async (c, { params, query }, reply) => {
      const keys = await deps.keys.list(c.get("ctx"), params.accountId, {
        includeLocations: query.includeLocations === "true",
      });
      const now = deps.clock.now();
      const days = Array.from({ length: query.days }, (_, i) => utcDay(now - (query.days - 1 - i) * DAY));
      const index = new Map(days.map((d, i) => [d, i]));
      const rows = await deps.usageCodes.ofKeys(
        keys.map((k) => k.id),
        days[0]!,
      );
      const byKey = new Map(
        keys.map((k) => [k.id, { keyId: k.id, uses: days.map(() => 0), refusals: days.map(() => 0) }]),
      );
      for (const row of rows) {
        const i = index.get(row.day);
        const k = byKey.get(row.keyId);
        if (i === undefined || !k) continue;
        if (row.code === "valid") k.uses[i]! += row.count;
        else k.refusals[i]! += row.count;
      }
      return reply.json(c, 200, { days, keys: [...byKey.values()] });
    },
  );
}
