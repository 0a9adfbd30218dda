/**
 * `key.rate_limited` webhooks (docs/webhooks.md, docs/traffic-policy.md): the limiter tells of a
 * limit's first refusal in a window (`onFirstRefusal`, once per limit per window per node), and this
 * queues the event for the agency's subscribed endpoints. The refusal's answer never waits for it:
 * the write is started and left to run; a failure is logged, never thrown into the request.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { FirstRefusal } from "./rate-limits.js";
import { emit } from "./webhooks.js";

export function rateLimitWebhooks(deps: { store: Store; clock: Clock; logger: Logger }): {
  onFirstRefusal: FirstRefusal;
  /** Resolves when every event queued so far is written (tests, and a clean stop). */
  settled(): Promise<void>;
} {
  const inFlight = new Set<Promise<unknown>>();
  const onFirstRefusal: FirstRefusal = (e) => {
    // Started on the next turn of the event loop: the refusal is answered first.
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        emit(
          deps.store,
          e.agencyId,
          "key.rate_limited",
          {
            limit: e.limit,
            owner: e.owner,
            retryAfterSeconds: e.retryAfterSeconds,
            refusedAt: new Date(e.at).toISOString(),
          },
          e.at,
          e.keyId,
        ),
      )
      .catch((err) => deps.logger.warn({ err, keyId: e.keyId }, "queueing a key.rate_limited webhook failed"))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  return {
    onFirstRefusal,
    async settled() {
      await Promise.all([...inFlight]);
    },
  };
}
