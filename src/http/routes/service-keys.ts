/**
 * The platform's service credentials (issue 12 §2), managed like keys: the operator's (its service
 * token or an operator credential) for any agency or for itself, an agency owner's for their agency.
 */
import { z } from "zod";
import { Name } from "../../core/validate.js";
import { SERVICE_SCOPES } from "../../service/context.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { RotateBody } from "../schemas.js";

const ServiceScopeEnum = z.enum(SERVICE_SCOPES);

export const ServiceKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    agencyId: z
      .string()
      .nullable()
      .meta({ description: "The agency it acts on; null for an operator credential (every agency)" }),
    scopes: z.array(ServiceScopeEnum),
    token: z.string().meta({ description: "Masked: kw_svc_…abcd" }),
    status: z.enum(["active", "revoked"]),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    rotation: z
      .object({ pending: z.literal(true), oldToken: z.string(), oldTokenExpiresAt: z.string() })
      .nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "ServiceKey" });

const ServiceKeyWithToken = z
  .object({
    serviceKey: ServiceKeyView,
    token: z.string().meta({ description: "The credential, shown this once: store it now" }),
  })
  .meta({ id: "ServiceKeyWithToken" });

const AgencyRef = z.string().min(1).max(64).nullable().meta({
  description:
    "The agency the credential acts on (its id or ext:<externalId>); null for an operator credential. Default: the signed-in owner's agency, or null for the operator.",
});

const CreateServiceKeyBody = z
  .strictObject({
    name: Name,
    scopes: z.array(ServiceScopeEnum).min(1, "give at least one scope").max(3),
    agencyId: AgencyRef.optional(),
  })
  .meta({ id: "CreateServiceKey" });

const Param = IdParam("serviceKeyId");
const Tags = ["Service credentials"];

export function serviceKeyRoutes(r: Router, deps: Deps): void {
  /** The agency a request means: as given (an external id resolved), else the caller's own. */
  const agencyOf = async (given: string | null | undefined, own: string | null): Promise<string | null> =>
    given === undefined ? own : given === null ? null : deps.provisioning.resolveRef(null, "agency", given);

  r.add(
    {
      method: "post",
      path: "/api/service-keys",
      summary: "Create a service credential",
      description:
        "The operator (KEYWARD_SERVICE_TOKEN or an operator credential with the provision scope) for any agency or for itself (agencyId null); an agency owner, signed in, for their agency. The token is in this response only.",
      tags: Tags,
      auth: "sessionOrService",
      serviceScope: "provision",
      operatorOnly: true,
      body: CreateServiceKeyBody,
      responses: { 201: { description: "Created", schema: ServiceKeyWithToken } },
    },
    async (c, { body, user }, reply) => {
      const agencyId = await agencyOf(body.agencyId, user?.agencyId ?? null);
      return reply.json(
        c,
        201,
        await deps.serviceKeys.create(c.get("ctx"), { agencyId, name: body.name, scopes: body.scopes }),
      );
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/service-keys",
      summary: "List service credentials",
      description:
        "An agency's (agencyId, default the signed-in owner's) or the operator's own (no agencyId, as the operator). Active ones; `status=all` adds revoked ones.",
      tags: Tags,
      auth: "sessionOrService",
      serviceScope: "provision",
      operatorOnly: true,
      query: z.object({
        agencyId: z.string().min(1).max(64).optional(),
        status: z.enum(["active", "all"]).default("active"),
      }),
      responses: {
        200: {
          description: "Credentials, masked",
          schema: z.object({ serviceKeys: z.array(ServiceKeyView) }),
        },
      },
    },
    async (c, { query, user }, reply) => {
      const agencyId = await agencyOf(query.agencyId, user?.agencyId ?? null);
      const serviceKeys = await deps.serviceKeys.list(c.get("ctx"), agencyId, query.status === "all");
      return reply.json(c, 200, { serviceKeys });
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/service-keys/{serviceKeyId}/rotate",
      summary: "Rotate a service credential",
      description:
        "Returns a new token. The old one keeps working for `expireOldAfterSeconds` (default and maximum 7 days; 0 = at once).",
      tags: Tags,
      auth: "sessionOrService",
      serviceScope: "provision",
      operatorOnly: true,
      params: Param,
      body: RotateBody,
      responses: { 200: { description: "Rotated", schema: ServiceKeyWithToken } },
    },
    async (c, { params, body }, reply) =>
      reply.json(
        c,
        200,
        await deps.serviceKeys.rotate(c.get("ctx"), params.serviceKeyId, body.expireOldAfterSeconds),
      ),
  );

  for (const [method, path] of [
    ["post", "/api/service-keys/{serviceKeyId}/revoke"],
    ["delete", "/api/service-keys/{serviceKeyId}"],
  ] as const)
    r.add(
      {
        method,
        path,
        summary: "Revoke a service credential",
        description: "Final and immediate, on every node.",
        tags: Tags,
        auth: "sessionOrService",
        serviceScope: "provision",
        operatorOnly: true,
        params: Param,
        responses: { 200: { description: "The credential", schema: ServiceKeyView } },
      },
      async (c, { params }, reply) =>
        reply.json(c, 200, await deps.serviceKeys.revoke(c.get("ctx"), params.serviceKeyId)),
    );
}
