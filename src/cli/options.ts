import { MAX_ROTATION_GRACE_SECONDS } from "../core/token.js";
import { UsageError } from "./command.js";

/** Option values more than one command reads the same way (`keys` and `service-keys`). */

/** `--scopes a, b,,c` → ["a", "b", "c"]; absent → undefined. */
export function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * `--grace-seconds N` of a rotation: absent means 0 (the old secret stops at once). The range is the
 * HTTP API's (0 to 7 days): the services take what they are given, so the command line checks it too.
 */
export function graceSeconds(value: string | undefined): number {
  const grace = value === undefined ? 0 : Number(value);
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS)
    throw new UsageError(
      `--grace-seconds must be a whole number of seconds (0–${MAX_ROTATION_GRACE_SECONDS})`,
    );
  return grace;
}
