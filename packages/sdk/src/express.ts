/**
 * Express middleware: `app.use(keyward(kw))`; handlers read `req.keyward`. A refused request gets
 * Keyward's problem+json (401/403/429/503) and never reaches them.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Keyward } from "./keyward.js";
import { authenticate, type KeywardCaller, type MiddlewareOptions, problemOf } from "./problem.js";

export type { KeywardCaller, MiddlewareOptions } from "./problem.js";

declare global {
  namespace Express {
    interface Request {
      /** The verified key, set by @keyward/sdk/express. */
      keyward?: KeywardCaller;
    }
  }
}

export function keyward(kw: Keyward, opts: MiddlewareOptions<Request> = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const clientIp = opts.clientIp ? opts.clientIp(req) : req.socket.remoteAddress;
    const locationId = opts.locationId?.(req);
    const userAgent = req.get("user-agent");
    authenticate(kw, req.get("authorization"), {
      ...(opts.requiredScopes ? { requiredScopes: opts.requiredScopes } : {}),
      ...(locationId !== undefined ? { locationId } : {}),
      ...(clientIp !== undefined ? { clientIp } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
      endpoint: `${req.method} ${req.path}`,
    }).then((r) => {
      if (!r.ok) {
        const p = problemOf(r.answer, kw.baseUrl, req.originalUrl.split("?")[0]);
        res.status(p.status).set(p.headers).send(JSON.stringify(p.body));
        return;
      }
      req.keyward = r.caller;
      next();
    }, next);
  };
}
