/**
 * The provisioning API (issue 12 §3): the platform's agencies, locations and people, by the
 * platform's own ids. A PUT creates or updates and answers the same body however often it is sent
 * (what it did is in the `Keyward-Provision-Result` header); a DELETE has the console's effects.
 * Service credentials with the `provision` scope: the operator's for any agency, an agency's for
 * its own.
 */
import type { Context } from "hono";
import { z } from "zod";
import { PLANS } from "../../core/permissions.js";
import { Email, Name } from "../../core/validate.js";
import type { ProvisionResult } from "../../service/provisioning.js";
import type { AppEnv, Deps } from "../env.js";
import type { Router } from "../route.js";
import { LocationBody } from "../schemas.js";

/** The platform's id for an object: safe in a path, and short enough to fit `ext:<id>` in an id parameter. */
export const ExternalId = z
  .string()
  .regex(
    /^[A-Za-z0-9._~@:-]{1,60}$/,
    "must be 1 to 60 letters, digits or . _ ~ @ : - (no slash: it separates an agency's external id from its object's in ext:<agency>/<id>)",
  );

const KeywardId = z.string().min(1).max(64).meta({
  description: "Names an existing object (made in the console or the CLI) with this external id",
});

const ProvisionAgencyBody = z
  .strictObject({ name: Name, plan: z.enum(PLANS).optional(), id: KeywardId.optional() })
  .meta({ id: "ProvisionAgencyInput" });

const ProvisionLocationBody = LocationBody.extend({ id: KeywardId.optional() }).meta({
  id: "ProvisionLocationInput",
});

const ProvisionUserBody = z
  .strictObject({
    email: Email,
    name: Name,
    type: z
      .enum(["agency", "account"])
      .optional()
      .meta({ description: "Default: agency for the owner, else account" }),
    role: z
      .enum(["admin", "user"])
      .optional()
      .meta({ description: "Default: admin for the owner, else user" }),
    owner: z
      .boolean()
      .optional()
      .meta({ description: "The agency's owner (one per agency; it never moves)" }),
    locations: z
      .array(ExternalId)
      .max(1000)
      .optional()
      .meta({ description: "Locations by external id (account users)" }),
    canManageKeys: z.boolean().optional(),
    disabled: z.boolean().optional(),
    id: KeywardId.optional(),
  })
  .meta({ id: "ProvisionUserInput" });

const ProvisionedAgency = z
  .object({
    id: z.string(),
    externalId: z.string(),
    name: z.string(),
    plan: z.enum(PLANS),
    createdAt: z.string(),
  })
  .meta({ id: "ProvisionedAgency" });
const ProvisionedLocation = z
  .object({
    id: z.string(),
    externalId: z.string(),
    agencyId: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    timezone: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "ProvisionedLocation" });
const ProvisionedUser = z
  .object({
    id: z.string(),
    externalId: z.string(),
    agencyId: z.string(),
    email: z.string(),
    name: z.string(),
    type: z.enum(["agency", "account"]),
    role: z.enum(["admin", "user"]),
    owner: z.boolean(),
    canManageKeys: z.boolean(),
    locations: z.array(z.string()),
    locationIds: z.array(z.string()),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: "ProvisionedUser" });

const Result = z.enum(["created", "updated", "deleted", "unchanged"]);
const Change = z.object({ externalId: z.string(), id: z.string(), result: Result });
const SyncReport = z
  .object({ agency: Change, locations: z.array(Change), users: z.array(Change) })
  .meta({ id: "ProvisionSyncReport" });

const SyncBody = z
  .strictObject({
    agency: ProvisionAgencyBody.extend({ externalId: ExternalId }),
    locations: z
      .array(ProvisionLocationBody.extend({ externalId: ExternalId }))
      .max(10_000)
      .default([]),
    users: z.array(ProvisionUserBody.extend({ externalId: ExternalId })).max(10_000),
  })
  .meta({ id: "ProvisionSync" });

const AgencyParams = z.object({ agencyExternalId: ExternalId });
const LocationParams = z.object({ agencyExternalId: ExternalId, locationExternalId: ExternalId });
const UserParams = z.object({ agencyExternalId: ExternalId, userExternalId: ExternalId });

const Tags = ["Provisioning"];
const RESULT_HEADER = "Keyward-Provision-Result";
const provision = { auth: "service", serviceScope: "provision", operatorOnly: false, tags: Tags } as const;

/** What a PUT did rides in a header, so that the same request answers the same body every time. */
function tell(c: Context<AppEnv>, result: ProvisionResult): void {
  c.header(RESULT_HEADER, result);
}

export function provisioningRoutes(r: Router, deps: Deps): void {
  const p = deps.provisioning;
  const deleted = { 204: { description: `Deleted (or already: ${RESULT_HEADER} says which)` } };

  r.add(
    {
      ...provision,
      method: "put",
      path: "/api/provision/agencies/{agencyExternalId}",
      summary: "Create or update an agency by its external id",
      description:
        "Creating one needs an operator credential and a plan. An agency's credential may rename its own agency; a plan other than its current one is refused (403 plan_managed_by_operator).",
      params: AgencyParams,
      body: ProvisionAgencyBody,
      responses: { 200: { description: "The agency", schema: ProvisionedAgency } },
    },
    async (c, { params, body }, reply) => {
      const { agency, result } = await p.putAgency(c.get("ctx"), params.agencyExternalId, body);
      tell(c, result);
      return reply.json(c, 200, agency);
    },
  );

  r.add(
    {
      ...provision,
      method: "delete",
      path: "/api/provision/agencies/{agencyExternalId}",
      summary: "Close an agency by its external id (operator credentials)",
      description:
        "Its locations are deleted (their keys revoked), its agency keys and service credentials revoked, and everyone removed, the owner too. The agency keeps its external id: PUT it and its people again to reopen it.",
      params: AgencyParams,
      responses: deleted,
    },
    async (c, { params }, reply) => {
      tell(c, await p.deleteAgency(c.get("ctx"), params.agencyExternalId));
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      ...provision,
      method: "put",
      path: "/api/provision/agencies/{agencyExternalId}/locations/{locationExternalId}",
      summary: "Create or update a location by its external id",
      params: LocationParams,
      body: ProvisionLocationBody,
      responses: { 200: { description: "The location", schema: ProvisionedLocation } },
    },
    async (c, { params, body }, reply) => {
      const { location, result } = await p.putLocation(
        c.get("ctx"),
        params.agencyExternalId,
        params.locationExternalId,
        body,
      );
      tell(c, result);
      return reply.json(c, 200, location);
    },
  );

  r.add(
    {
      ...provision,
      method: "delete",
      path: "/api/provision/agencies/{agencyExternalId}/locations/{locationExternalId}",
      summary: "Delete a location by its external id (its keys are revoked)",
      params: LocationParams,
      responses: deleted,
    },
    async (c, { params }, reply) => {
      tell(c, await p.deleteLocation(c.get("ctx"), params.agencyExternalId, params.locationExternalId));
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      ...provision,
      method: "put",
      path: "/api/provision/agencies/{agencyExternalId}/users/{userExternalId}",
      summary: "Create or update a person by their external id",
      description:
        "Fields left out take their defaults (PUT replaces). `disabled: true` removes the person as the console does (their sessions end); `false` restores them.",
      params: UserParams,
      body: ProvisionUserBody,
      responses: { 200: { description: "The person", schema: ProvisionedUser } },
    },
    async (c, { params, body }, reply) => {
      const { user, result } = await p.putUser(
        c.get("ctx"),
        params.agencyExternalId,
        params.userExternalId,
        body,
      );
      tell(c, result);
      return reply.json(c, 200, user);
    },
  );

  r.add(
    {
      ...provision,
      method: "delete",
      path: "/api/provision/agencies/{agencyExternalId}/users/{userExternalId}",
      summary: "Remove a person by their external id (they can no longer sign in)",
      params: UserParams,
      responses: deleted,
    },
    async (c, { params }, reply) => {
      tell(c, await p.deleteUser(c.get("ctx"), params.agencyExternalId, params.userExternalId));
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      ...provision,
      method: "post",
      path: "/api/provision/sync",
      summary: "Make a whole agency what the body says",
      description:
        "Agency, locations and people by external id: created or updated as their PUTs would, and those the agency has under an external id that the body no longer lists are deleted (locations) or removed (people). Objects without an external id are left alone. Checked as a whole before anything changes; the answer says what happened to each object.",
      body: SyncBody,
      responses: { 200: { description: "What changed", schema: SyncReport } },
    },
    async (c, { body }, reply) => reply.json(c, 200, await p.sync(c.get("ctx"), body)),
  );
}
