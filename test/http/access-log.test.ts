/**
 * The access log (docs/deployment.md "Logs"): one `info` line per request with the method, the route's
 * declared pattern, the status, the duration and who called (a key's id, a user's id) — never a token,
 * never the raw path. `KEYWARD_ACCESS_LOG=false` turns it off.
 */
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { Client, type Harness, seedWorld, startHarness, withKey } from "../helpers/harness.js";

interface Line {
  msg: string;
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
  keyId?: string;
  userId?: string;
}

function sink() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text.push(chunk.toString());
      cb();
    },
  });
  const lines = () =>
    text
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.msg === "request");
  return { stream, text, lines };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("access log", () => {
  it("logs one line per request: method, route pattern, status, duration and the caller's id", async () => {
    const out = sink();
    h = await startHarness({ logger: createLogger("info", out.stream) });
    const w = await seedWorld(h.kw);
    const owner = await new Client(h).login(w.owner);
    const made = await owner.post(`/api/accounts/${w.loc1}/keys`, {
      name: "Logged",
      scopes: ["locations.readonly"],
    });
    const token: string = made.body.token;
    const before = out.lines().length;

    expect((await withKey(h, token, "GET", `/v2/locations/${w.loc1}`)).status).toBe(200);
    expect((await owner.get(`/api/keys/${made.body.key.id}`)).status).toBe(200);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    // A client pasting its token into a path: the log names no path, so no token either.
    expect((await fetch(`${h.url}/api/nothing/${token}`)).status).toBe(404);

    const lines = out.lines().slice(before);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      method: "GET",
      route: "/v2/locations/{locationId}",
      status: 200,
      keyId: made.body.key.id,
    });
    expect(lines[0]!.ms).toBeGreaterThanOrEqual(0);
    expect(lines[1]).toMatchObject({ method: "GET", route: "/api/keys/{keyId}", status: 200 });
    expect(lines[1]!.userId).toMatch(/^usr_/);
    expect(lines[2]).toMatchObject({ route: "/healthz", status: 200 });
    expect(lines[3]).toMatchObject({ method: "GET", route: "(unrouted)", status: 404 });
    expect(out.text.join("")).not.toContain(token);
  });

  it("is off with KEYWARD_ACCESS_LOG=false, and below info", async () => {
    const off = sink();
    h = await startHarness({
      env: { KEYWARD_ACCESS_LOG: "false" },
      logger: createLogger("info", off.stream),
    });
    await fetch(`${h.url}/healthz`);
    await h.close();
    const quiet = sink();
    h = await startHarness({ logger: createLogger("warn", quiet.stream) });
    await fetch(`${h.url}/healthz`);
    expect(off.lines()).toEqual([]);
    expect(quiet.lines()).toEqual([]);
  });
});
