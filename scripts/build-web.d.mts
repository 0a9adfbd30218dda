/** Builds the admin console into web/dist unless it is fresh. */
export function buildWeb(opts?: {
  force?: boolean;
  quiet?: boolean;
}): Promise<"fresh" | "built" | "unavailable">;
export function isFresh(): boolean;
