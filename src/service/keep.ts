/**
 * Keep (issue 14, docs/spec.md §4): from an inactivity warning, an admin of the key chooses to keep
 * it. The key is spared from the coming action and its inactivity clock restarts as if it had been
 * used at that instant — `activity_at` (lastActivity) moves to now, which starts a new cycle — but it
 * is not a use: no use is recorded and `lastUsedAt` stays as it was. The warnings of the old cycle
 * that warn about no pending key any more are cleared, and the banner no longer counts the key.
 *
 * Only while something is pending: an active key whose first warning of the current cycle has been
 * issued and whose action has not happened (409 `nothing_pending` otherwise). A reason is required
 * and audited (`key.kept`, with who, why and what was spared); an agency may forbid Keep
 * (`allowKeep`, 403 `keep_forbidden`).
 */
import type { Clock } from "../core/clock.js";
import { isoSecond } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { keyRulesOf, MAX_REASON_LENGTH } from "../core/key-rules.js";
import type { ApiKey } from "../core/model.js";
import { canManageKeys, canSeeKeys } from "../core/permissions.js";
import { LeakStore } from "../store/leak-store.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import type { KeyService, KeyView } from "./keys.js";
import type { LifecycleService } from "./lifecycle.js";

export interface KeepResult {
  key: KeyView;
  keptAt: string;
  /** The action the Keep spared: what would have happened, and when. */
  spared: { action: string; at: string } | null;
}

/** A required free-text reason: trimmed, 1 to MAX_REASON_LENGTH characters, no control characters. */
export function checkReason(reason: unknown): string {
  const r = typeof reason === "string" ? reason.trim() : "";
  const bad = (message: string) =>
    new ApiError("validation_failed", `reason ${message}.`, { issues: [{ field: "reason", message }] });
  if (r === "") throw bad("is required: say why (it is kept in the audit log)");
  if (r.length > MAX_REASON_LENGTH) throw bad(`must be at most ${MAX_REASON_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r)) throw bad("must not contain control characters");
  return r;
}

export class KeepService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      audit: Audit;
      keys: Pick<KeyService, "invalidate" | "view">;
      lifecycle: Pick<LifecycleService, "policyOf">;
    },
  ) {}

  async keep(ctx: Ctx, keyId: string, reason: unknown): Promise<KeepResult> {
    const actor = requireActor(ctx);
    const why = checkReason(reason);
    const { key, spared, at } = await this.deps.store.transaction(async (s) => {
      // Locked: a use or a sweep deciding on this key at the same time waits for this choice.
      const key = await s.getKeyForUpdate(keyId);
      if (!key || !canSeeKeys(actor, key)) throw notFound("Key");
      if (!canManageKeys(actor, key))
        throw denied("Only an admin of this key (with the “manage API keys” permission) can keep it.");
      const agency = await s.getAgency(key.agencyId);
      if (!agency) throw notFound("Key");
      if (!keyRulesOf(agency).allowKeep)
        throw new ApiError(
          "keep_forbidden",
          "This agency does not allow keeping a key from a warning (allowKeep is off): use the key, or ask an agency admin to turn allowKeep on.",
        );
      if (key.status !== "active")
        throw new ApiError(
          "nothing_pending",
          `This key is ${key.status}: Keep spares an active key from a coming inactivity action.${key.status === "expired" ? " Refresh or rotate it instead." : ""}`,
        );
      const leaks = new LeakStore(s);
      if (!(await leaks.pendingInCycle(key.id, key.activityAt)))
        throw new ApiError(
          "nothing_pending",
          "Nothing is pending for this key: Keep is for a key that has been warned of a coming inactivity action, and this one has not been warned since its last activity.",
        );
      const now = this.deps.clock.now();
      const watch = (await new LifecycleStore(s).watchOf([key.id])).get(key.id);
      const spared = watch && watch.cycleAt === key.activityAt ? watch.actionAt : null;
      const action = this.deps.lifecycle.policyOf(agency).policy.action;
      // Not a use: lastUsedAt, its address and the usage counts stay as they are.
      const after: ApiKey = { ...key, activityAt: now, updatedAt: now };
      await s.updateKey(after);
      const cleared = await leaks.clearKeptWarnings(key.id, key.activityAt, now);
      await this.deps.audit.record(s, ctx, {
        agencyId: key.agencyId,
        action: "key.kept",
        targetType: "key",
        targetId: key.id,
        before: {
          lastActivityAt: isoSecond(key.activityAt),
          ...(spared !== null ? { actionAt: isoSecond(spared) } : {}),
        },
        after: {
          keyId: key.id,
          name: key.name,
          kind: key.kind,
          agencyId: key.agencyId,
          locationId: key.locationId,
          owner: key.locationId ?? key.agencyId,
          reason: why,
          keptAt: isoSecond(now),
          lastActivityAt: isoSecond(now),
          lastUsedAt: key.lastUsedAt === null ? null : isoSecond(key.lastUsedAt),
          sparedAction: spared !== null ? action : null,
          sparedActionAt: spared !== null ? isoSecond(spared) : null,
          clearedNotifications: cleared,
        },
      });
      return { key: after, spared: spared === null ? null : { action, at: isoSecond(spared) }, at: now };
    });
    // Every node's cache drops the key: its warned state (writes through) ends with the cycle.
    await this.deps.keys.invalidate(key.id);
    return {
      key: await this.deps.keys.view(key),
      keptAt: isoSecond(at),
      spared,
    };
  }
}
