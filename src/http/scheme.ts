/**
 * Whether a request reached us over https. Its own file: the security headers (HSTS) and the
 * authentication (Secure cookies, the Origin check) both ask, and neither should import the other.
 */
import type { Context } from "hono";
import type { AppEnv, Deps } from "./env.js";

export function isHttps(c: Context<AppEnv>, deps: Pick<Deps, "config">): boolean {
  if (c.env?.incoming?.socket?.encrypted) return true;
  return httpsOf(false, deps.config.trustProxy ? c.req.header("x-forwarded-proto") : undefined, deps);
}

/** The same from a request's parts (the socket's TLS, its X-Forwarded-Proto): for the raw fast path. */
export function httpsOf(
  encrypted: boolean | undefined,
  forwardedProto: string | undefined,
  deps: Pick<Deps, "config">,
): boolean {
  if (encrypted) return true;
  if (deps.config.trustProxy && forwardedProto === "https") return true;
  return deps.config.publicUrl?.startsWith("https://") ?? false;
}
