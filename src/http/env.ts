import type { User } from "../core/model.js";
import type { Keyward } from "../keyward.js";
import type { Ctx } from "../service/context.js";

/** What middleware hands to handlers on `c.var`. */
export interface AppEnv {
  Variables: {
    ctx: Ctx;
    user: User | null;
    ip: string | null;
    userAgent: string | null;
  };
  Bindings: { incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean } } };
}

export type Deps = Keyward;
