import type { User } from "../core/model.js";
import type { Ctx } from "../service/context.js";
import type { Client } from "./auth.js";

/** What middleware hands to handlers on `c.var`. */
export interface AppEnv {
  Variables: {
    /** Who acts: set by the authentication middleware of the route (session, service or key). */
    ctx: Ctx;
    /** The signed-in person, on session routes. */
    user: User | null;
    /** Read on first use by `clientOf`. */
    client: Client;
  };
  Bindings: {
    incoming?: {
      socket?: { remoteAddress?: string; encrypted?: boolean };
      destroyed?: boolean;
      readableAborted?: boolean;
    };
  };
}

export type { Deps } from "./deps.js";
