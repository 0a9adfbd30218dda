/**
 * @keyward/sdk: verify Keyward API keys in-process (`Keyward`), with live invalidation and use
 * reporting; middleware in `@keyward/sdk/hono`, `/express` and `/fastify`; a typed management
 * client (`KeywardAdmin`).
 */
export { KeywardAdmin, type KeywardAdminOptions, KeywardApiError } from "./admin.js";
export type { components, paths } from "./api-types.js";
export { type Health, Keyward, type KeywardOptions, UNVOUCHED_TTL_MS } from "./keyward.js";
export { type KeywardCaller, type MiddlewareOptions, type Problem, problemOf } from "./problem.js";
export type {
  Clock,
  LimitStatus,
  Timers,
  VerifiedKey,
  VerifyAnswer,
  VerifyCode,
  VerifyOptions,
} from "./types.js";
