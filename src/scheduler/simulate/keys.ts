/**
 * The scenario's keys as the key service's system creation takes them (`KeyService.createSystemKeys`):
 * each key's id, owner, kind, name and creation instant, and for a key that exists at `start`, where
 * its history before `start` (uses, rotations, a revocation) left it.
 *
 * Why a batch system creation rather than `KeyService.create`: a scenario's keys carry their own ids,
 * a creation instant in the past, a history before `start`, and kinds the product refuses to let a
 * person create (new `legacy_v1` keys, agency keys on any plan: plans play no part in a simulation) —
 * and a year of 100,000 keys must run in seconds, which one transaction and four statements per key do
 * not allow. The service applies its own text and scope checks, builds its own rows and `key.created`
 * audit entries (the keys that exist at `start` get theirs too, dated at their creation), and writes
 * them with multi-row inserts; the engine (engine.ts) chooses the transactions, 500 keys each.
 */
import type { ApiKey, KeyToken } from "../../core/model.js";
import type { AgencyFacts, VerificationCache } from "../../service/cache.js";
import type { SystemKeyInput } from "../../service/keys.js";
import { toEntry } from "../../service/verify.js";
import type { Scenario } from "./scenario.js";

export type ScenarioKey = Scenario["keys"][number];

/** A key that exists at `start`, as its history before `start` (uses, rotations, a revocation) left it. */
export function keyAtStart(k: ScenarioKey, sc: Scenario): SystemKeyInput {
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
  return {
    ...createdKey(k),
    history: { activityAt: activity, lastUsedAt: lastUsed, status, revokedAt },
  };
}

/** A key created during the simulation, at its `createdAt`. */
export function createdKey(k: ScenarioKey): SystemKeyInput {
  return {
    id: k.id,
    owner: { agencyId: k.agencyId, locationId: k.locationId },
    kind: k.kind,
    name: k.name,
    createdAt: k.createdAt,
  };
}

/** Puts a key just written into the verification cache, as its first verification would read it. */
export function primeCache(
  cache: VerificationCache,
  agency: AgencyFacts,
  key: ApiKey,
  stored: KeyToken,
  now: number,
): void {
  cache.put(toEntry({ token: stored, key, agency }, now), agency);
}
