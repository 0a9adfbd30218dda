/**
 * A key may be due for both endings: its lifetime (`expiresAt`, docs/traffic-policy.md "Lifetimes")
 * and the inactivity lifecycle's action (docs/spec.md §4). The earlier one wins: it is the one
 * announced (warnings, banner, digest, forecast, inventory) and acted on. The lifetime wins a tie: at
 * that instant the key already answers `expired`.
 */

/** Whether the key's lifetime ends no later than its inactivity action would be taken. */
export function lifetimeFirst(expiresAt: number | null | undefined, actionAt: number): boolean {
  return expiresAt !== null && expiresAt !== undefined && expiresAt <= actionAt;
}

/**
 * A watch row's next look for a warned key whose lifetime came first: none, until its lifetime is
 * edited (which sets it to now). Far beyond any real instant, and exact in every store.
 */
export const NEVER_AT = Number.MAX_SAFE_INTEGER;
