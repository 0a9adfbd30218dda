/** A location's settings (issue 13 §2: its IP allowlist), for agency admins. */
import { z } from "zod";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";

const LocationSettings = z
  .object({
    ipAllowlist: z
      .array(z.string())
      .nullable()
      .meta({ description: "CIDRs every request of this location's keys must come from; null: none" }),
    warnings: z.array(z.string()).meta({
      description: "Entries accepted but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address)",
    }),
  })
  .meta({ id: "LocationSettings" });

const LocationSettingsPatch = z
  .strictObject({
    ipAllowlist: z
      .array(z.string().max(64, "must be at most 64 characters"))
      .max(100, "must list at most 100 entries: merge neighbouring ranges into wider CIDRs")
      .nullable()
      .optional()
      .meta({
        description:
          'CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24"]. Null removes the list.',
      }),
  })
  .meta({ id: "LocationSettingsPatch" });

const LocationParam = IdParam("locationId");

export function locationSettingsRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/locations/{locationId}/settings",
      summary: "Location settings (agency admins)",
      tags: ["Settings"],
      auth: "session",
      params: LocationParam,
      responses: { 200: { description: "Settings", schema: LocationSettings } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, await deps.locationSettings.get(c.get("ctx"), params.locationId)),
  );
  r.add(
    {
      method: "patch",
      path: "/api/locations/{locationId}/settings",
      summary: "Change location settings",
      description:
        "`ipAllowlist`: every request of this location's keys must come from one of these CIDRs (as well as the key's and the agency's lists). Takes effect on every node at once.",
      tags: ["Settings"],
      auth: "session",
      params: LocationParam,
      body: LocationSettingsPatch,
      responses: { 200: { description: "Settings", schema: LocationSettings } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.locationSettings.update(c.get("ctx"), params.locationId, body)),
  );
}
