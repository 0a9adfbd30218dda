/**
 * The way off legacy v1 (docs/spec.md §5): the migration report, and the guided migration of one legacy
 * key to a private integration token. People's routes (session cookie).
 */
import { z } from "zod";
import { Name } from "../../core/validate.js";
import type { RouteModule } from "../app.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { KeyView } from "../schemas.js";
import { v1Routes } from "./v1.js";

const AgencyParam = IdParam("agencyId");
const KeyParam = IdParam("keyId");
const Tags = ["Legacy migration"];

const Count = <K extends string>(k: K) =>
  z.object({ [k]: z.string(), count: z.number() } as Record<K, z.ZodString>);

export const MigrationReportView = z
  .object({
    agency: z.object({ id: z.string(), name: z.string(), plan: z.string(), enhancedSecurity: z.boolean() }),
    generatedAt: z.string(),
    windowDays: z.number(),
    since: z.string().meta({ description: "First UTC day of the window" }),
    endOfSupport: z.string(),
    summary: z.string(),
    keys: z.array(
      z.object({
        key: KeyView,
        owner: z.object({ type: z.enum(["agency", "location"]), id: z.string(), name: z.string() }),
        usage: z.object({
          total: z.number(),
          lastDay: z.string().nullable(),
          endpoints: z.array(z.object({ endpoint: z.string(), count: z.number(), lastDay: z.string() })),
          userAgents: z.array(Count("userAgent")),
          sourceAddresses: z.array(Count("ip")),
          byDay: z.array(Count("day")),
        }),
        suggestedScopes: z.array(z.string()),
        unavailableScopes: z.array(z.object({ scope: z.string(), purpose: z.string() })),
        unmappedEndpoints: z.array(z.string()),
        successor: z.object({ kind: z.enum(["private_integration", "oauth_app"]), reason: z.string() }).meta({
          description: "What replaces the key, from how it is used: one location or many (docs/oauth.md)",
        }),
        advice: z
          .string()
          .meta({ description: "What the key is still used for and what replaces it, in words" }),
        migration: z
          .object({
            replacement: z.union([KeyView, z.null()]),
            startedAt: z.string(),
            startedBy: z.string().nullable(),
            completedAt: z.string().nullable(),
            legacyUsesSince: z.number(),
            lastLegacyUseAt: z.string().nullable(),
            replacementUses: z.number(),
            trafficByDay: z.array(z.object({ day: z.string(), legacy: z.number(), replacement: z.number() })),
          })
          .nullable(),
      }),
    ),
  })
  .meta({ id: "MigrationReport" });

const StartBody = z
  .strictObject({
    name: Name.optional(),
    scopes: z.array(z.string().max(100)).max(100).optional(),
  })
  .meta({ id: "StartMigration" });

const CompleteBody = z.strictObject({ force: z.boolean().default(false) }).meta({ id: "CompleteMigration" });

export function migrationRoutes(r: Router, deps: Deps): void {
  const { legacyReports, legacyMigrations } = deps;

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/migration-report",
      summary: "Legacy v1 migration report",
      description:
        "Every active or expired legacy v1 key of the agency and its locations, with its use over the last 90 days (endpoints, user agents, source addresses, counts, by day), the private-integration scopes that would replace it, and advice in plain words. Agency admins.",
      tags: Tags,
      auth: "session",
      params: AgencyParam,
      responses: { 200: { description: "The report", schema: MigrationReportView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, await legacyReports.report(c.get("ctx"), params.agencyId)),
  );

  r.add(
    {
      method: "post",
      path: "/api/keys/{keyId}/migration",
      summary: "Start migrating a legacy key: create its replacement token",
      description:
        "Creates a private integration token on the same account with the suggested scopes (or `scopes`), linked to the legacy key. The token is in this response only. The report then follows both keys' traffic by day.",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      body: StartBody,
      responses: {
        201: {
          description: "The replacement",
          schema: z.object({
            legacyKeyId: z.string(),
            key: KeyView,
            token: z.string().meta({ description: "The plaintext token, shown this once" }),
            scopes: z.array(z.string()),
            next: z.string(),
          }),
        },
      },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, await legacyMigrations.startMigration(c.get("ctx"), params.keyId, body)),
  );

  r.add(
    {
      method: "post",
      path: "/api/keys/{keyId}/migration/complete",
      summary: "Complete a migration: revoke the legacy key",
      description:
        "Refused with `legacy_key_in_use` when the legacy key was used in the last 24 hours, unless `force: true`.",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      body: CompleteBody,
      responses: {
        200: {
          description: "The revoked legacy key",
          schema: z.object({
            legacyKey: KeyView,
            replacementKeyId: z.string().nullable(),
            forced: z.boolean(),
          }),
        },
      },
    },
    async (c, { params, body }, reply) =>
      reply.json(
        c,
        200,
        await legacyMigrations.completeMigration(c.get("ctx"), params.keyId, { force: body.force }),
      ),
  );
}

/** The legacy capability's route modules (the composition root adds them to the app). */
export const legacyRoutes: RouteModule[] = [v1Routes, migrationRoutes];
