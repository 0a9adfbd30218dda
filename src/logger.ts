/** Structured JSON logs. Anything that could hold a secret is redacted by path before it is written. */
import { type Logger, pino } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "token",
  "*.token",
  "password",
  "*.password",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "*.secret",
  "secret",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "keyward" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination ?? process.stdout,
  );
}
