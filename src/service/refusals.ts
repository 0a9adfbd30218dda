/** How a use-case turns a rule of core/permissions.ts into the caller's answer. */
import { ApiError } from "../core/errors.js";
import { type KeyActor, keyMissingScopes, type Refusal } from "../core/permissions.js";

/** Throws the refusal (403 with its code), if any. */
export function refuseIf(r: Refusal | null): void {
  if (r) throw new ApiError(r.code, r.message);
}

/**
 * A key lacking a scope is refused as the verifier refuses it (`insufficient_scope`, naming the
 * scopes), so that a caller reaching a use-case without the HTTP guard meets the same rule.
 */
export function requireScopes(key: KeyActor, scopes: readonly string[]): void {
  const missing = keyMissingScopes(key, scopes);
  if (missing.length > 0)
    throw new ApiError(
      "insufficient_scope",
      `The token is not authorized for this scope: ${missing.join(", ")}.`,
      {
        missingScopes: missing,
      },
    );
}
