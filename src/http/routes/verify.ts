/**
 * `POST /api/verify`: the platform's other services verify a client's token here. It is hot (a
 * gateway calls it on every request), so a cached valid key is answered without a promise of the
 * handler's own, with its answer serialised once per verified key and one shared header object
 * (`reply.serialized`), as `GET /v2/token` is. Routes about verification belong in this file.
 */
import type { z } from "zod";
import type { VerifiedKey, VerifyOptions, VerifyResult } from "../../service/verify.js";
import { isGuess } from "../auth.js";
import type { Deps } from "../env.js";
import { type Router, type Serialized, serialize } from "../route.js";
import { VerifyAnswer, VerifyBody } from "../schemas.js";

type Answer = z.input<typeof VerifyAnswer>;

/** The answer's `key`: the verified key as the calling service sees it. */
function keyView(k: VerifiedKey): NonNullable<Answer["key"]> {
  return {
    id: k.keyId,
    name: k.name,
    kind: k.kind,
    owner:
      k.locationId === null ? { type: "agency", id: k.agencyId } : { type: "location", id: k.locationId },
    agencyId: k.agencyId,
    scopes: [...k.scopes],
    // An OAuth access token names the app and install it was issued to (docs/oauth.md).
    ...(k.oauth
      ? { app: { id: k.oauth.appId, name: k.oauth.appName }, install: { id: k.oauth.installId } }
      : {}),
  };
}

/** What `POST /api/verify` answers for a body, once its caller is admitted. */
export type Verification = (
  body: z.infer<typeof VerifyBody>,
  /** The calling credential's agency (undefined: the operator's, every agency). */
  agencyId: string | undefined,
  /** The request's X-Client-IP and X-Client-User-Agent headers. */
  clientIpHeader: string | undefined,
  clientUserAgentHeader: string | undefined,
) => Serialized<Answer> | Promise<Serialized<Answer>>;

/**
 * The route's work after its guard and body parsing: the Hono route below and the raw fast path
 * (http/fast-verify.ts) both call it, so they answer, count and record alike.
 */
export function verification(deps: Deps): Verification {
  /** Takes `cost` of the key's limits: the decision, its message when refused, and every limit's state. */
  const consume = async (k: VerifiedKey, cost: number) => {
    const p = await deps.limits.policyOf(k);
    if (!p)
      return { allowed: true, strict: false, message: undefined, answer: { allowed: true, limits: [] } };
    const i = await deps.limits.take(p, cost);
    const limits = deps.limits.status(p);
    const strict = p.strict;
    if (i < 0) return { allowed: true, strict, message: undefined, answer: { allowed: true, limits } };
    const refusal = deps.limits.refusal(p, i, cost);
    const retryAfter = refusal.extra.retryAfter as number;
    const limit = refusal.extra.limit as string;
    return {
      allowed: false,
      strict,
      message: refusal.message,
      answer: { allowed: false, retryAfter, limit, limits },
    };
  };

  // A valid answer, serialised once per verified key: the verifier answers the same VerifiedKey
  // object for as long as its cache entry lives (and never changes it).
  const validAnswers = new WeakMap<VerifiedKey, Serialized<Answer>>();
  // A key the SDK must not cache (warned, in rotation grace, under an IP allowlist, or its lifetime
  // ending within a day: see Verifier.accept) is told so: its answer says `cache: false`.
  const uncachedAnswers = new WeakMap<VerifiedKey, Serialized<Answer>>();
  const answerOf = (res: VerifyResult): Serialized<Answer> => {
    if (res.valid) {
      const uncached = res.cache === false;
      const answers = uncached ? uncachedAnswers : validAnswers;
      let text = answers.get(res.key);
      if (text === undefined) {
        text = serialize<Answer>(
          uncached
            ? { valid: true, code: res.code, key: keyView(res.key), cache: false }
            : { valid: true, code: res.code, key: keyView(res.key) },
        );
        answers.set(res.key, text);
      }
      return text;
    }
    return serialize<Answer>({
      valid: false,
      code: res.code,
      message: res.message,
      ...(res.key ? { key: keyView(res.key) } : {}),
      ...(res.missingScopes ? { missingScopes: res.missingScopes } : {}),
    });
  };

  /** Metrics, the per-key count by code and the failure count of a verification, then its answer. */
  const judged = (res: VerifyResult, started: number, clientIp: string | null): Serialized<Answer> => {
    deps.metrics.verifyLatency.observe((performance.now() - started) / 1000);
    deps.metrics.countVerification(res.code);
    if (res.key) deps.usageCodes.count(res.key.keyId, res.code);
    if (!res.valid && isGuess(res.code)) deps.attempts.failedAuthFrom(clientIp, "token");
    return answerOf(res);
  };

  /**
   * With `consume: true` a valid key's request is also taken from its rate limits
   * (docs/traffic-policy.md): the answer carries the decision, and `rate_limited` when refused.
   */
  const consumed = async (
    res: VerifyResult,
    started: number,
    clientIp: string | null,
    cost: number,
  ): Promise<Serialized<Answer>> => {
    if (!res.valid) return judged(res, started, clientIp);
    const limited = await consume(res.key, cost);
    const code = limited.allowed ? res.code : "rate_limited";
    deps.metrics.verifyLatency.observe((performance.now() - started) / 1000);
    deps.metrics.countVerification(code);
    deps.usageCodes.count(res.key.keyId, code);
    return serialize<Answer>({
      valid: limited.allowed,
      code,
      ...(limited.message ? { message: limited.message } : {}),
      key: keyView(res.key),
      // A strict limit is decided here only: no client may answer this key from a cache.
      ...(res.cache === false || limited.strict ? { cache: false as const } : {}),
      rateLimit: limited.answer,
    });
  };

  // Not async: a cached key is verified without a promise (see Verifier.verify), and without a
  // closure made per request (a promise's `then` makes the one it needs).
  return (body, agencyId, clientIpHeader, clientUserAgentHeader) => {
    const started = performance.now();
    // The client's address, as the calling service passes it: its failures are limited by it, so
    // one client's guessing never blocks the service itself or the service's other clients.
    const clientIp = body.clientIp ?? (clientIpHeader?.slice(0, 64) || null);
    deps.attempts.refuseBlockedAddress(clientIp);
    // One object of one shape per request (absent options are undefined, which the verifier reads
    // as not asked for).
    const opts: VerifyOptions = {
      requiredScopes: body.requiredScopes,
      locationId: body.locationId,
      use: {
        ip: clientIp,
        userAgent: clientUserAgentHeader?.slice(0, 500) ?? null,
        endpoint: "POST /api/verify",
      },
      // An agency's credential verifies its agency's keys only (the operator's: every agency's).
      agencyId,
    };
    const res = deps.verifier.verify(body.token, opts);
    if (body.consume) return Promise.resolve(res).then((r) => consumed(r, started, clientIp, body.cost ?? 1));
    return res instanceof Promise
      ? res.then((r) => judged(r, started, clientIp))
      : judged(res, started, clientIp);
  };
}

export function verifyRoutes(r: Router, deps: Deps): void {
  const verify = verification(deps);
  r.add(
    {
      method: "post",
      path: "/api/verify",
      summary: "Verify a token for another service",
      description:
        "Authenticated with a service credential of the `verify` scope (Authorization: Bearer <kw_svc_…>, or KEYWARD_SERVICE_TOKEN). Answers 200 with the verification code, whatever it is; a valid answer counts as a use. Pass the client's address as `clientIp`: a client address with too many failed verifications is answered 429 `too_many_failures` with Retry-After, which the service should relay to that client.",
      tags: ["Verification"],
      auth: "service",
      serviceScope: "verify",
      body: VerifyBody,
      responses: { 200: { description: "The verification outcome", schema: VerifyAnswer } },
    },
    // Not async: a cached key is answered without a promise.
    (c, { body }, reply) => {
      const answer = verify(
        body,
        c.get("ctx").credential?.agencyId ?? undefined,
        c.req.header("x-client-ip"),
        c.req.header("x-client-user-agent"),
      );
      return answer instanceof Promise
        ? answer.then((a) => reply.serialized(c, 200, a))
        : reply.serialized(c, 200, answer);
    },
  );
}
