/**
 * `GET /v2/token` answered below the framework, as `POST /api/verify` is (fast-verify.ts): it is
 * the platform API's cached-key path, which clients call on every request, and Hono's routing,
 * context and Node adapter were half its cost on one core (bench/verify-http.ts).
 *
 * Unlike the verification it is not rewritten here: the route's own handler — the one the Router
 * gives Hono for it (`Router.plainGets`), guard and rate limits included — runs on a small context
 * over the Node request that answers what the handler, the guards and the headers ask of Hono's
 * (`req.header`, `req.path`, `get`/`set`, `env.incoming`). Its serialised answer is written as the
 * Node adapter writes it, and a thrown error through the app's error mapper, with the same access
 * log line and response count. test/http/fast-verify.test.ts compares both paths byte for byte.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { AccessLog } from "./access-log.js";
import type { AppEnv, Deps } from "./env.js";
import type { FastPath } from "./fast-verify.js";
import type { ResponseHeaders } from "./headers.js";
import { joinedHeader, writePlainObject, writeProblem } from "./node-answer.js";
import type { SerializedSink } from "./route.js";

type Vars = AppEnv["Variables"];
type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

/** The part of Hono's request the guards and reply helpers read. */
class NodeRequest {
  readonly method = "GET";
  constructor(
    readonly raw: IncomingMessage,
    readonly path: string,
  ) {}

  header(name: string): string | undefined {
    return joinedHeader(this.raw, name.toLowerCase());
  }
}

/** The part of Hono's context the guards, the handler and ResponseHeaders use, over a Node request. */
class NodeContext {
  readonly req: NodeRequest;
  readonly env: { incoming: IncomingMessage; outgoing: ServerResponse };
  private readonly vars: Partial<Vars> = {};
  /** The serialised answer, once the handler made it (`reply.serialized` tells it). */
  answer: { status: number; headers: Readonly<Record<string, string>>; text: string } | null = null;

  /** `reply.serialized` tells it the answer's parts (a method: no closure per request). */
  serialized(...[status, headers, text]: Parameters<SerializedSink>): void {
    this.answer = { status, headers, text };
  }

  constructor(req: IncomingMessage, res: ServerResponse, path: string) {
    this.req = new NodeRequest(req, path);
    this.env = { incoming: req, outgoing: res };
  }

  get<K extends keyof Vars>(key: K): Vars[K] | undefined {
    return this.vars[key];
  }

  set<K extends keyof Vars>(key: K, value: Vars[K]): void {
    this.vars[key] = value;
  }
}

export interface FastGetParts {
  deps: Deps;
  headers: ResponseHeaders;
  access: AccessLog;
  /** The Router's handlers of the paths served here. */
  handlers: ReadonlyMap<string, Handler>;
  problemOf: (err: unknown, method: string, path: string, incoming: IncomingMessage) => Response;
}

export function fastGet(p: FastGetParts): FastPath {
  const { deps, headers, access, handlers, problemOf } = p;

  const done = (c: NodeContext, status: number, started: number) => {
    deps.metrics.countResponse(status);
    if (access.enabled) access.line("GET", c.req.path, status, started, c.get("ctx"));
  };

  const fail = (c: NodeContext, res: ServerResponse, err: unknown, started: number) => {
    let problem: Response;
    try {
      problem = headers.apply(
        c as unknown as Context<AppEnv>,
        problemOf(err, "GET", c.req.path, c.env.incoming),
      );
    } catch (e) {
      deps.logger.error({ err: e }, "unhandled error");
      res.writeHead(500, { "content-type": "text/plain; charset=UTF-8" }).end("Internal Server Error");
      done(c, 500, started);
      return;
    }
    done(c, problem.status, started);
    problem.text().then(
      (text) => writeProblem(res, problem, text),
      (e) => res.destroy(e as Error),
    );
  };

  const answered = (c: NodeContext, res: ServerResponse, response: Response, started: number) => {
    const a = c.answer;
    done(c, a ? a.status : response.status, started);
    if (a) writePlainObject(res, a.status, a.headers, a.text);
    // Not a serialised answer (no route served here makes one): written from the Response.
    else
      response.text().then(
        (text) => writeProblem(res, response, text),
        (e) => res.destroy(e as Error),
      );
  };

  return (req, res) => {
    if (req.method !== "GET") return false;
    const path = req.url ?? "";
    const handler = handlers.get(path);
    if (handler === undefined) return false;
    const started = performance.now();
    const c = new NodeContext(req, res, path);
    try {
      const r = handler(c as unknown as Context<AppEnv>);
      if (r instanceof Promise)
        r.then(
          (response) => answered(c, res, response, started),
          (err) => fail(c, res, err, started),
        );
      else answered(c, res, r, started);
    } catch (err) {
      fail(c, res, err, started);
    }
    return true;
  };
}
