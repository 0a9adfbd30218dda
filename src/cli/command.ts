import { isoSecond } from "../core/clock.js";

/** One command per file; each says how it is used and returns its exit status. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A usage error: printed with the command's usage, exit status 2. */
export class UsageError extends Error {}

/**
 * One JSON line. Every time Keyward prints is whole seconds (core/clock.ts `isoSecond`), also where the
 * CLI prints an API view whose times carry milliseconds: a field named `at` or `…At` holding
 * `…T10:00:00.123Z` is printed `…T10:00:00Z`. Other strings (names, descriptions) are left as they are.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, wholeSecondTimes)}\n`);
}

const FRACTIONAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/;

function wholeSecondTimes(key: string, value: unknown): unknown {
  return typeof value === "string" && (key === "at" || key.endsWith("At")) && FRACTIONAL_ISO.test(value)
    ? isoSecond(Date.parse(value))
    : value;
}
