/**
 * Whether a request reached us over https. Its own file: the security headers (HSTS) and the
 * authentication (Secure cookies, the Origin check) both ask, and neither should import the other.
 */
import type { Context } from "hono";
import type { AppEnv, Deps } from "./env.js";

export function isHttps(c: Context<AppEnv>, deps: Pick<Deps, "config">): boolean {
  if (c.env?.incoming?.socket?.encrypted) return true;
  if (deps.config.trustProxy && c.req.header("x-forwarded-proto") === "https") return true;
  return deps.config.publicUrl?.startsWith("https://") ?? false;
}
