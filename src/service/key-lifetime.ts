/**
 * Lifetimes chosen at creation (issue 13 §3, docs/traffic-policy.md "Lifetimes"): turns what a create
 * or an edit asked for into the instant the key's lifetime ends, under the agency's maximum. Any
 * future instant is accepted (no minimum: a key may live for seconds); a past one, one beyond the
 * maximum, or an ambiguous request is a 400 that says what to fix, before anything is written.
 */
import { DAY, isoSecond } from "../core/clock.js";
import { ApiError } from "../core/errors.js";

/** The longest lifetime anyone may ask for, and the largest maximum an agency may set (100 years). */
export const MAX_LIFETIME_DAYS = 36_500;

export interface LifetimeInput {
  /** ISO 8601 time; null: no lifetime (only where the agency sets no maximum). */
  expiresAt?: string | null | undefined;
  /** Whole days from now (create only). */
  expiresInDays?: number | undefined;
}

export function invalid(field: string, message: string, detail: string): ApiError {
  return new ApiError("validation_failed", message, { issues: [{ field, message: detail }] });
}

/** The instant a new key's lifetime ends (null: none): an agency maximum applies when nothing is asked. */
export function lifetimeAtCreation(input: LifetimeInput, now: number, maxDays: number | null): number | null {
  if (input.expiresAt !== undefined && input.expiresInDays !== undefined)
    throw invalid(
      "expiresInDays",
      "Send either expiresAt (an instant) or expiresInDays (whole days from now), not both.",
      "not together with expiresAt",
    );
  if (input.expiresInDays !== undefined) {
    const days = input.expiresInDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_LIFETIME_DAYS)
      throw invalid(
        "expiresInDays",
        `expiresInDays must be a whole number of days from 1 to ${MAX_LIFETIME_DAYS}; for a shorter lifetime send expiresAt.`,
        `must be a whole number from 1 to ${MAX_LIFETIME_DAYS}`,
      );
    return withinMaximum("expiresInDays", now + days * DAY, now, maxDays);
  }
  if (input.expiresAt === undefined || input.expiresAt === null) {
    if (maxDays === null) return null;
    if (input.expiresAt === null) throw noLifetimeUnderMaximum(maxDays);
    return now + maxDays * DAY;
  }
  return withinMaximum("expiresAt", futureInstant(input.expiresAt, now), now, maxDays);
}

/** The instant an edit sets (null: the lifetime removed); undefined when the edit leaves it alone. */
export function lifetimeByEdit(
  expiresAt: string | null | undefined,
  now: number,
  maxDays: number | null,
): number | null | undefined {
  if (expiresAt === undefined) return undefined;
  if (expiresAt === null) {
    if (maxDays !== null) throw noLifetimeUnderMaximum(maxDays);
    return null;
  }
  return withinMaximum("expiresAt", futureInstant(expiresAt, now), now, maxDays);
}

function futureInstant(text: string, now: number): number {
  const at = Date.parse(text);
  if (!Number.isFinite(at))
    throw invalid(
      "expiresAt",
      `expiresAt must be an ISO 8601 time such as 2027-01-31T00:00:00Z; got "${text.slice(0, 40)}".`,
      "must be an ISO 8601 time",
    );
  if (at <= now)
    throw invalid(
      "expiresAt",
      `expiresAt ${isoSecond(at)} is not in the future (it is now ${isoSecond(now)}): choose a later instant.`,
      "must be in the future",
    );
  if (at > now + MAX_LIFETIME_DAYS * DAY)
    throw invalid(
      "expiresAt",
      `expiresAt may be at most ${MAX_LIFETIME_DAYS} days from now; send null for no lifetime.`,
      `must be within ${MAX_LIFETIME_DAYS} days`,
    );
  return at;
}

function withinMaximum(field: string, at: number, now: number, maxDays: number | null): number {
  if (maxDays !== null && at > now + maxDays * DAY)
    throw invalid(
      field,
      `This agency's keys may live at most ${maxDays} ${maxDays === 1 ? "day" : "days"} (maxKeyLifetimeDays): choose a lifetime ending by ${isoSecond(now + maxDays * DAY)}.`,
      `must end within ${maxDays} days (the agency's maximum)`,
    );
  return at;
}

function noLifetimeUnderMaximum(maxDays: number): ApiError {
  return invalid(
    "expiresAt",
    `This agency's keys may live at most ${maxDays} ${maxDays === 1 ? "day" : "days"} (maxKeyLifetimeDays): a key cannot be left without a lifetime. Send an instant instead of null.`,
    "must not be null under the agency's maximum",
  );
}

/**
 * A key living longer than the agency now allows (its lifetime was set before the maximum was): no
 * lifetime at all, or one ending after a new key created now would have to end.
 */
export function exceedsMaximum(
  expiresAt: number | null | undefined,
  now: number,
  maxDays: number | null | undefined,
): boolean {
  if (!maxDays) return false;
  return expiresAt === null || expiresAt === undefined || expiresAt > now + maxDays * DAY;
}
