import type { Ctx, ServiceCredential } from "../service/context.js";
import type { Policy } from "../service/rate-limits.js";

/** The client's address and agent, as `clientOf` (http/auth.ts) reads them. */
export interface Client {
  ip: string | null;
  userAgent: string | null;
}

/** What the route's guard hands to handlers on `c.var`. */
export interface AppEnv {
  Variables: {
    /** Who acts: set by the route's guard (session, service or key; see RouteSpec.auth). */
    ctx: Ctx;
    /** Read on first use by `clientOf`. */
    client: Client;
    /**
     * The service credential that authenticated the request (the `service` and `sessionOrService`
     * guards, and a person acted for with `Keyward-Acting-User`): its id, its agency (null: the
     * operator's, every agency) and its scopes. Routes that serve credentials filter by `agencyId`.
     */
    service: ServiceCredential;
    /** The verified key's rate limits, once known: every response then describes them (http/headers.ts). */
    rateLimit: Policy;
    /** The index of the limit that refused the request, if one did. */
    rateLimited: number;
  };
  Bindings: {
    incoming?: {
      socket?: { remoteAddress?: string; encrypted?: boolean };
      destroyed?: boolean;
      readableAborted?: boolean;
    };
    /** The Node response: the SDK event stream cuts a client that does not read. */
    outgoing?: { destroy(): void };
  };
}

export type { Deps } from "./deps.js";
