/**
 * How the simulation writes its keys: rows built here and inserted in batches, 500 per statement.
 *
 * Why not `KeyService.create`: a scenario's keys carry their own ids, a creation instant in the past,
 * a history before `start` (uses, a revocation), and kinds the product refuses to create (new
 * `legacy_v1` keys, agency keys on any plan: plans play no part in a simulation) — and a year of
 * 100,000 keys must run in seconds, which one transaction and four statements per key do not allow.
 *
 * Known debt (issue 11, item 6: "create keys through the same service rules as the product, not its
 * own copy"): this file is that copy — the key row (`newKey`, vs. KeyService's private `newKey`), the
 * token row (`insertKeys`, vs. `newToken`), the `key.created` audit entry (`creationAudit`, whose
 * `after` is `{name, kind, owner}` where the service writes `auditFields(key)`). Replacing it needs,
 * in src/service/keys.ts, a batch-capable system creation, e.g.
 * `createSystemKeys(ctx, store, items: { id, owner, kind, name, createdAt, history? }[])`, that applies
 * the service's text and scope checks, builds rows with its own `newKey`/`newToken`, records its own
 * audit entries, and inserts through a multi-row `Store.insertKeys`/`insertTokens` (src/store/); the
 * legacy-creation and plan rules would be the caller's to skip, as `createSystemKey` already skips them.
 * Those files were being changed by the hardening work when the simulation was split; this file is
 * the one place to change when that method exists.
 */
import { newId } from "../../core/ids.js";
import type { ApiKey } from "../../core/model.js";
import { displayPrefix, hashToken, last4, maskToken } from "../../core/token.js";
import type { AgencyFacts, VerificationCache } from "../../service/cache.js";
import type { Ctx } from "../../service/context.js";
import { toEntry } from "../../service/verify.js";
import type { NewAudit, Store } from "../../store/store.js";
import { keyToRow } from "../../store/store.js";
import type { Scenario } from "./scenario.js";

export type ScenarioKey = Scenario["keys"][number];

/** A key that exists at `start`, as its history before `start` (uses, rotations, a revocation) left it. */
export function keyAtStart(k: ScenarioKey, sc: Scenario): ApiKey {
  let activity = k.createdAt;
  let lastUsed: number | null = null;
  let status: ApiKey["status"] = "active";
  let revokedAt: number | null = null;
  const history = [
    ...k.uses.filter((u) => u < sc.start).map((at) => ({ at, type: "use" as const })),
    ...sc.actions.filter((a) => a.key === k.id && a.at < sc.start),
  ].sort((a, b) => a.at - b.at);
  for (const h of history) {
    if (status !== "active") break;
    if (h.type === "use") {
      lastUsed = h.at;
      activity = Math.max(activity, h.at);
    } else if (h.type === "rotate") activity = Math.max(activity, h.at);
    else if (h.type === "revoke") {
      status = "revoked";
      revokedAt = h.at;
    }
  }
  return newKey(k, { activityAt: activity, lastUsedAt: lastUsed, status, revokedAt });
}

/** A key created during the simulation, at its `createdAt`. */
export function createdKey(k: ScenarioKey): ApiKey {
  return newKey(k, { activityAt: k.createdAt, lastUsedAt: null, status: "active", revokedAt: null });
}

function newKey(
  k: ScenarioKey,
  s: { activityAt: number; lastUsedAt: number | null; status: ApiKey["status"]; revokedAt: number | null },
): ApiKey {
  return {
    id: k.id,
    agencyId: k.agencyId,
    locationId: k.locationId,
    kind: k.kind,
    name: k.name,
    description: "",
    scopes: [],
    status: s.status,
    imported: false,
    createdAt: k.createdAt,
    createdBy: null,
    updatedAt: k.createdAt,
    activityAt: s.activityAt,
    lastUsedAt: s.lastUsedAt,
    lastUsedIp: null,
    lastUsedUa: null,
    revokedAt: s.revokedAt,
    expiredAt: null,
    deletedAt: null,
    inactiveDays: null,
    warnedAt: null,
    secretEnc: null,
  };
}

/** Writes keys and their current tokens in one statement each, in the caller's transaction. */
export async function insertKeys(
  s: Store,
  prefix: string,
  part: readonly { key: ApiKey; token: string }[],
): Promise<void> {
  await s.db
    .insertInto("api_keys")
    .values(part.map(({ key }) => keyToRow(key)))
    .execute();
  await s.db
    .insertInto("key_tokens")
    .values(
      part.map(({ key, token }) => ({
        hash: hashToken(token),
        key_id: key.id,
        display: maskToken(displayPrefix(prefix, key.kind), last4(token)),
        created_at: key.createdAt,
        valid_until: null,
        retired_reason: null,
        last_used_at: key.lastUsedAt,
      })),
    )
    .execute();
}

/** The `key.created` audit entry of a key created during the simulation, by `ctx`. */
export function creationAudit(ctx: Ctx, k: ScenarioKey, key: ApiKey): NewAudit {
  return {
    id: newId("audit"),
    at: k.createdAt,
    agencyId: k.agencyId,
    actorType: ctx.actorType,
    actorId: ctx.actorId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    action: "key.created",
    targetType: "key",
    targetId: key.id,
    before: null,
    after: { name: key.name, kind: key.kind, owner: k.owner },
  };
}

/** Puts a key just written into the verification cache, as its first verification would read it. */
export function primeCache(
  cache: VerificationCache,
  prefix: string,
  agency: AgencyFacts,
  key: ApiKey,
  token: string,
  now: number,
): void {
  const found = {
    token: {
      hash: hashToken(token),
      keyId: key.id,
      display: maskToken(displayPrefix(prefix, key.kind), last4(token)),
      createdAt: key.createdAt,
      validUntil: null,
      retiredReason: null,
      lastUsedAt: key.lastUsedAt,
    },
    key,
    agency,
  };
  cache.put(toEntry(found, now), agency);
}
