/**
 * Leaked tokens and Keep (issue 14): the scanning partners' signed leak reports (public), an admin's
 * leak report, and Keep from an inactivity warning. The rules are in service/leaks.ts and
 * service/keep.ts; these handlers read, call and shape.
 */
import { z } from "zod";
import { ApiError } from "../../core/errors.js";
import { MAX_REASON_LENGTH } from "../../core/key-rules.js";
import { clientOf } from "../auth.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { KeyView } from "../schemas.js";

const KeyParam = IdParam("keyId");

const ReasonBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, "is required: say why (it is kept in the audit log)")
    .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`),
});

const LeakReportBody = z
  .array(
    z.looseObject({
      token: z.string(),
      type: z.string().optional(),
      url: z.string().nullable().optional(),
      source: z.string().nullable().optional(),
    }),
  )
  .meta({ id: "LeakReport" });

const LeakFeedback = z
  .array(
    z.object({
      token_hash: z.string().meta({ description: "Hex SHA-256 of the reported token" }),
      token_type: z.string(),
      label: z.enum(["true_positive", "false_positive"]),
    }),
  )
  .meta({ id: "LeakFeedback" });

export function leakRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "post",
      path: "/api/leaks",
      summary: "Report leaked tokens (secret-scanning partners)",
      description:
        "GitHub's secret-scanning partner format: a JSON array of {token, type, url, source}, signed with ECDSA P-256 / SHA-256 over the raw body (headers Github-Public-Key-Identifier and Github-Public-Key-Signature, base64 DER) by a key in KEYWARD_LEAK_REPORT_KEYS. Each token of this deployment that still works is acted on per the agency's leakAction (revoke, or notify) and its admins are told. Answers GitHub's feedback, one entry per report. Unsigned, badly signed or unknown key: 401 leak_signature_invalid, counted per address by the brute-force limit of failed verifications (KEYWARD_FAILED_AUTH_MAX_PER_MINUTE; beyond, 429 too_many_failures with Retry-After); the same signed body again within 24 hours: 409 leak_report_replayed. See docs/leaks.md.",
      tags: ["Leaks"],
      auth: "none",
      body: LeakReportBody,
      // The signature covers the raw bytes: the handler reads them itself.
      deferBody: true,
      responses: { 200: { description: "Feedback per reported token", schema: LeakFeedback } },
    },
    async (c, _input, reply) => {
      const { ip, userAgent } = clientOf(c, deps);
      // A forged signature is a guess like an unknown token: counted per address by the same
      // brute-force limit, and refused (429 too_many_failures) before anything is read once over.
      deps.attempts.refuseBlockedAddress(ip);
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const feedback = await deps.leaks
        .receive({ actor: null, actorType: "system", actorId: "leak-report", ip, userAgent }, raw, {
          keyId: c.req.header("github-public-key-identifier"),
          signature: c.req.header("github-public-key-signature"),
        })
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.code === "leak_signature_invalid")
            deps.attempts.failedAuthFrom(ip, "leak_signature");
          throw err;
        });
      return reply.json(c, 200, feedback);
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/keys/{keyId}/report-leak",
      summary: "Report a key's token leaked",
      description:
        "For admins of the key. Does what a scanning partner's report does: per the agency's leakAction the key is revoked at once (default) or kept working; the leak is recorded on the key, audit-logged (key.leaked) and the key's admins are told in-app and by e-mail.",
      tags: ["Keys"],
      auth: "session",
      params: KeyParam,
      body: ReasonBody,
      responses: { 200: { description: "The key after the report", schema: KeyView } },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.leaks.report(c.get("ctx"), params.keyId, body.reason)),
  );

  r.add(
    {
      method: "post",
      path: "/api/keys/{keyId}/keep",
      summary: "Keep a warned key",
      description:
        "For admins of the key, while an inactivity action is pending (the key has been warned and not yet acted on): spares it, and restarts its inactivity clock from now as if used — without recording a use (lastUsed is unchanged). Audit-logged (key.kept) with the reason; clears the key's warnings and banner. 409 nothing_pending when nothing is pending; 403 keep_forbidden when the agency's allowKeep is off.",
      tags: ["Keys"],
      auth: "session",
      params: KeyParam,
      body: ReasonBody,
      responses: {
        200: {
          description: "Kept",
          schema: z.object({
            key: KeyView,
            keptAt: z.string(),
            spared: z.object({ action: z.string(), at: z.string() }).nullable(),
          }),
        },
      },
    },
    async (c, { params, body }, reply) =>
      reply.json(c, 200, await deps.keep.keep(c.get("ctx"), params.keyId, body.reason)),
  );
}
