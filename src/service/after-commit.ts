/**
 * What a change tells caches and other nodes, held until the caller's transaction commits: a
 * service run inside a wider transaction (its `within` variant) must not drop cache entries or
 * publish invalidations for writes that may still roll back. A rollback simply forgets them.
 */
import type { Invalidation } from "../store/invalidation.js";
import type { CacheBus, VerificationCache } from "./cache.js";

export class AfterCommit {
  private readonly effects: (() => void | Promise<void>)[] = [];

  /** The cache as a service sees it: reads as usual, `apply` held until `run`. */
  cache(real: VerificationCache): VerificationCache {
    const held = Object.create(real) as VerificationCache;
    held.apply = (msg: Invalidation) => {
      this.effects.push(() => real.apply(msg));
    };
    return held;
  }

  /** The bus as a service sees it: `publish` and `announce` held until `run` (`publishOnCommit` is transactional already). */
  bus(real: CacheBus): CacheBus {
    return {
      publish: async (msg) => {
        this.effects.push(() => real.publish(msg));
      },
      ...(real.publishOnCommit ? { publishOnCommit: (s, msgs) => real.publishOnCommit!(s, msgs) } : {}),
      ...(real.announce
        ? {
            announce: (msg) => {
              this.effects.push(() => real.announce!(msg));
            },
          }
        : {}),
      subscribe: (fn) => real.subscribe(fn),
      maxEntryAgeMs: (ms) => real.maxEntryAgeMs(ms),
      close: () => real.close(),
    };
  }

  /** After the commit: every held effect, in the order the services asked for them. */
  async run(): Promise<void> {
    for (const effect of this.effects.splice(0)) await effect();
  }
}
