/**
 * The bare `node:http` baselines the HTTP benchmark compares Keyward with (bench/verify-http.ts):
 * no framework, no validation, no headers of ours — what the runtime itself costs.
 *
 *  - `POST /api/verify`: reads the request body, `JSON.parse`s it, hashes its `token` with SHA-256
 *    (`crypto.hash` where Node has it, as Keyward's hashToken) and answers a JSON object of exactly as many bytes as Keyward's valid answer for the bench key
 *    (`answerBytes`), built per request from the hash (so the serialisation is real work too).
 *  - `GET /hello`: the hello-world, `Hello, World!` as text.
 *  - `GET /v2/token`: Keyward's own answer to it, headers and body as Keyward sent them once
 *    (`tokenAnswer`), written with no work at all: what answering it costs Node itself, so the
 *    share of `GET /v2/token ÷ hello-world` that is the answer's size and headers shows apart from
 *    the share that is Keyward's work.
 */
import crypto from "node:crypto";
import { createServer, type Server } from "node:http";

export const HELLO = "Hello, World!";

const sha256: (s: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (s) => crypto.hash("sha256", s, "hex")
    : (s) => crypto.createHash("sha256").update(s).digest("hex");

/**
 * The baseline's answer for a token's hash: the fields of a valid answer, padded to `answerBytes`
 * of JSON (`pad` is sized once, from a hash of the same length).
 */
function answerOf(answerBytes: number): (hash: string) => string {
  const shape = (hash: string, pad: string) =>
    JSON.stringify({ valid: true, code: "valid", key: { id: hash, pad } });
  const bare = shape("0".repeat(64), "").length;
  const pad = "x".repeat(Math.max(0, answerBytes - bare));
  return (hash) => shape(hash, pad);
}

/** A recorded answer: its headers as [name, value, …] (the order Keyward writes them) and its body. */
export interface RecordedAnswer {
  headers: string[];
  body: string;
}

/** Serves the baselines on one server (the path tells them apart), like a minimal handler would. */
export function bareServer(answerBytes: number, tokenAnswer?: RecordedAnswer): Server {
  const answer = answerOf(answerBytes);
  return createServer((req, res) => {
    if (req.method === "GET" && tokenAnswer && req.url === "/v2/token") {
      res.writeHead(200, tokenAnswer.headers);
      res.end(tokenAnswer.body);
      return;
    }
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" });
      res.end(HELLO);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      let token = "";
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { token?: unknown };
        token = typeof body.token === "string" ? body.token : "";
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer(sha256(token)));
    });
  });
}
