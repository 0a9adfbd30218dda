/** Shared shape rules for names and free text, so every endpoint refuses the same things the same way. */
import { z } from "zod";
import { ApiError } from "./errors.js";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "./password-rules.js";
import { describeHidden, findHiddenCharacter } from "./text.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: tabs and line breaks are fine in descriptions
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Bidirectional overrides, invisible characters and broken Unicode (see core/text.ts): one message each. */
function refuseHidden(s: string, ctx: z.RefinementCtx): void {
  const hidden = findHiddenCharacter(s);
  if (hidden) ctx.addIssue({ code: "custom", message: describeHidden(hidden) });
}

export const Name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .refine((s) => !CONTROL.test(s), "must not contain control characters (tabs, line breaks, NUL …)")
  .superRefine(refuseHidden);

export const Description = z
  .string()
  .max(1000, "must be at most 1000 characters")
  .refine((s) => !CONTROL_BUT_LINES.test(s), "must not contain control characters other than line breaks")
  .superRefine(refuseHidden);

export const Email = z
  .string()
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be an e-mail address like name@example.com"))
  .transform((s) => s.toLowerCase());

/** A new password (never the one typed at sign-in): long enough, and not trivially guessed. */
export const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters`, abort: true })
  .max(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters`, abort: true })
  .superRefine((s, ctx) => {
    const problem = passwordProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * Applies a shape rule inside a service, for callers that do not come through HTTP's schemas (the
 * CLI, simulations, scripts using the services): the same rule, the same answer.
 */
export function ensure<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const message = r.error.issues[0]?.message ?? "is not valid";
  throw new ApiError("validation_failed", `The request is not valid: ${field}: ${message}.`, {
    issues: [{ field, message }],
  });
}
