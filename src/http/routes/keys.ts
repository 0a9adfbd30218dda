import { z } from "zod";
import { DAY, utcDay } from "../../core/clock.js";
import type { KeyStatus } from "../../core/model.js";
import type { Ctx } from "../../service/context.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import {
  CreateKeyBody,
  EditedKey,
  EditKeyBody,
  ImportKeyBody,
  KeyListQuery,
  KeyView,
  KeyWithToken,
  parseSort,
  RotateBody,
} from "../schemas.js";

export function parseStatuses(s: string | undefined): KeyStatus[] | undefined {
  if (s === undefined) return undefined;
  if (s === "all") return ["active", "expired", "revoked", "deleted"];
  return s.split(",") as KeyStatus[];
}

const AccountParam = IdParam("accountId");
const KeyParam = IdParam("keyId");
const Tags = ["Keys"];

export function keyRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/accounts/{accountId}/keys",
      summary: "List an account's keys, a page at a time",
      description:
        "accountId is an agency id or a location id. By default active and expired keys; `status=all` adds revoked keys and tombstones. On an agency, `includeLocations=true` lists every location's keys too, and `accountId` narrows that to one account. Search with `q`, filter with `kind` and `warned`, order with `sort`; pages of `limit` keys (default 50, at most 200) continue with `cursor=<nextCursor>` until `nextCursor` is null.",
      tags: Tags,
      auth: "session",
      params: AccountParam,
      query: KeyListQuery,
      responses: {
        200: {
          description: "One page of keys, masked",
          schema: z.object({
            keys: z.array(KeyView),
            nextCursor: z
              .string()
              .nullable()
              .meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
          }),
        },
      },
    },
    async (c, { params, query }, reply) => {
      const statuses = parseStatuses(query.status);
      const [sort, direction] = parseSort(query.sort);
      const page = await deps.listings.keys(c.get("ctx"), params.accountId, {
        ...(statuses ? { statuses } : {}),
        includeLocations: query.includeLocations === "true",
        ...(query.accountId ? { accountId: query.accountId } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.q ? { q: query.q } : {}),
        ...(query.warned ? { warned: query.warned === "true" } : {}),
        sort,
        direction,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      return reply.json(c, 200, page);
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/accounts/{accountId}/keys",
      summary: "Create a key",
      description: "The token is in this response only: store it now, it cannot be shown again.",
      tags: Tags,
      auth: "session",
      params: AccountParam,
      body: CreateKeyBody,
      responses: { 201: { description: "Created", schema: KeyWithToken } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, await deps.keys.create(c.get("ctx"), params.accountId, body)),
  );

  r.add(
    {
      method: "post",
      path: "/api/accounts/{accountId}/keys/import",
      summary: "Import an existing key",
      description:
        "By plaintext (`token`) or by its SHA-256 (`sha256`, hex); the key keeps working unchanged.",
      tags: Tags,
      auth: "session",
      params: AccountParam,
      body: ImportKeyBody,
      responses: { 201: { description: "Imported", schema: z.object({ key: KeyView }) } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 201, await deps.keys.import(c.get("ctx"), params.accountId, body)),
  );

  r.add(
    {
      method: "get",
      path: "/api/keys/{keyId}",
      summary: "Get a key",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      responses: { 200: { description: "The key", schema: KeyView } },
    },
    async (c, { params }, reply) => reply.json(c, 200, await deps.keys.get(c.get("ctx"), params.keyId)),
  );

  r.add(
    {
      method: "patch",
      path: "/api/keys/{keyId}",
      summary: "Edit name, description, scopes, locationIds or ipAllowlist",
      description: "The token does not change.",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      body: EditKeyBody,
      responses: { 200: { description: "The key, and what the change warns of", schema: EditedKey } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.keys.edit(c.get("ctx"), params.keyId, body)),
  );

  const action = (
    path: string,
    summary: string,
    description: string,
    fn: (ctx: Ctx, id: string) => Promise<z.input<typeof KeyView>>,
  ) =>
    r.add(
      {
        method: "post",
        path,
        summary,
        description,
        tags: Tags,
        auth: "session",
        params: KeyParam,
        responses: { 200: { description: "The key", schema: KeyView } },
      },
      async (c, { params }, reply) => reply.json(c, 200, await fn(c.get("ctx"), params.keyId)),
    );

  action("/api/keys/{keyId}/revoke", "Revoke a key", "Final and immediate, on every node.", (ctx, id) =>
    deps.keys.revoke(ctx, id),
  );
  action(
    "/api/keys/{keyId}/rotation/cancel",
    "Cancel a pending rotation",
    "The old token stays; the new one is revoked.",
    (ctx, id) => deps.keys.cancelRotation(ctx, id),
  );
  action(
    "/api/keys/{keyId}/rotation/expire-now",
    "Expire the old token of a pending rotation now",
    "The old token stops at once.",
    (ctx, id) => deps.keys.expireRotationNow(ctx, id),
  );
  action(
    "/api/keys/{keyId}/refresh",
    "Refresh an expired key",
    "The same token works again; counts as activity.",
    (ctx, id) => deps.keys.refresh(ctx, id),
  );

  r.add(
    {
      method: "post",
      path: "/api/keys/{keyId}/rotate",
      summary: "Rotate a key",
      description:
        "Returns a new token. The old one keeps working for `expireOldAfterSeconds` (default and maximum 7 days; 0 = rotate now).",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      body: RotateBody,
      responses: { 200: { description: "Rotated", schema: KeyWithToken } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.keys.rotate(c.get("ctx"), params.keyId, body.expireOldAfterSeconds)),
  );

  r.add(
    {
      method: "get",
      path: "/api/keys/{keyId}/usage",
      summary: "Uses and verifications by code per day",
      description:
        "`days` (1–90, default 30): the days since then that have any. `count` is the day's uses; `codes` its verifications by code (`valid`, `rate_limited`, `insufficient_scope` …), kept 90 days.",
      tags: Tags,
      auth: "session",
      params: KeyParam,
      query: z.object({
        days: z.coerce
          .number()
          .int("must be a whole number of days")
          .min(1, "must be at least 1")
          .max(90, "must be at most 90 (verifications by code are kept 90 days)")
          .default(30),
      }),
      responses: {
        200: {
          description: "Daily counts",
          schema: z.object({
            days: z.array(
              z.object({ day: z.string(), count: z.number(), codes: z.record(z.string(), z.number()) }),
            ),
            today: z.string().meta({ description: "The server's UTC day, where the range ends" }),
          }),
        },
      },
    },
    async (c, { params, query }, reply) => {
      const ctx = c.get("ctx");
      const uses = await deps.keys.usageByDay(ctx, params.keyId, query.days);
      const since = utcDay(deps.clock.now() - query.days * DAY);
      const days = await deps.usageCodes.days(params.keyId, since, uses);
      return reply.json(c, 200, { days, today: utcDay(deps.clock.now()) });
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/scopes",
      summary: "The scope catalogue",
      tags: Tags,
      auth: "session",
      query: z.object({ level: z.enum(["agency", "location"]).optional() }),
      responses: {
        200: {
          description: "Scopes with their levels",
          schema: z.object({
            scopes: z.array(
              z.object({ name: z.string(), levels: z.array(z.string()), description: z.string() }),
            ),
          }),
        },
      },
    },
    (c, { query }, reply) =>
      reply.json(c, 200, { scopes: query.level ? deps.scopes.forLevel(query.level) : deps.scopes.all() }),
  );
}
