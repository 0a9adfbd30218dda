/**
 * Two Keyward processes on one PostgreSQL share the brute-force limits: spreading attempts over
 * the nodes does not multiply the allowance. Sign-in failures are shared as they happen; failed
 * verifications in batches (KEYWARD_ATTEMPTS_SYNC_MS), so a node learns of a block within a few
 * sync periods — polled here, a genuinely cross-process wait.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../src/core/token.js";
import { startPostgres } from "../helpers/postgres.js";
import { type NodeProcess, OWNER_EMAIL, OWNER_PASSWORD, Session, startNodes } from "./cluster.js";

let pg: Awaited<ReturnType<typeof startPostgres>>;
let nodes: NodeProcess[];
/** A valid key: asking with it is never a failure, so polling with it counts nothing. */
let valid: string;

beforeAll(async () => {
  pg = await startPostgres();
  nodes = await startNodes(pg.url, ["a", "b"], () => ({
    env: {
      KEYWARD_SCHEDULER: "false",
      KEYWARD_TRUST_PROXY: "true",
      KEYWARD_SIGNIN_MAX_FAILURES: "4",
      KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "6",
    },
  }));
  const owner = await Session.login(nodes[0]!.url);
  const agencyId = (await owner.request("GET", "/api/me")).body.agency.id;
  const k = await owner.request("POST", `/api/accounts/${agencyId}/keys`, { name: "probe" });
  expect(k.status).toBe(201);
  valid = k.body.token;
}, 120_000);

afterAll(async () => {
  await Promise.all((nodes ?? []).map((n) => n.stop()));
  await pg?.stop();
});

async function login(url: string, email: string, password: string, from: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { origin: url, "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, code: ((await res.json()) as { code?: string }).code };
}

async function tokenFrom(url: string, token: string, from: string) {
  const res = await fetch(`${url}/v2/token`, {
    headers: { authorization: `Bearer ${token}`, "x-forwarded-for": from },
  });
  return { status: res.status, code: ((await res.json()) as { code?: string }).code };
}

/** Polls until `check` holds on every node, or 3 s pass; answers the last codes. */
async function untilEvery(check: (url: string) => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const ok = await Promise.all(nodes.map((n) => check(n.url)));
    if (ok.every(Boolean)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("brute-force limits across nodes", () => {
  it("sign-in failures spread over two nodes add up to one account's allowance", async () => {
    const [a, b] = nodes.map((n) => n.url) as [string, string];
    let i = 0;
    for (const url of [a, b, a, b])
      expect((await login(url, OWNER_EMAIL, "wrong password 123", `198.51.100.${++i}`)).code).toBe(
        "login_failed",
      );
    // Either node refuses the fifth, even with the right password.
    expect(await login(a, OWNER_EMAIL, OWNER_PASSWORD, "198.51.100.20")).toEqual({
      status: 429,
      code: "too_many_attempts",
    });
    expect((await login(b, OWNER_EMAIL, OWNER_PASSWORD, "198.51.100.21")).code).toBe("too_many_attempts");
  });

  it("failed verifications from one address spread over two nodes block it on both", async () => {
    const [a, b] = nodes.map((n) => n.url) as [string, string];
    const from = "203.0.113.77";
    for (let i = 0; i < 3; i++) {
      expect((await tokenFrom(a, generateToken("kw", "private_integration"), from)).code).toBe("not_found");
      expect((await tokenFrom(b, generateToken("kw", "private_integration"), from)).code).toBe("not_found");
    }
    // Three failures on each node: alone, neither would block; together they reach six.
    const probe = generateToken("kw", "private_integration");
    expect(
      await untilEvery(async (url) => (await tokenFrom(url, probe, from)).code === "too_many_failures"),
    ).toBe(true);
    // Another address is untouched.
    expect((await tokenFrom(a, probe, "203.0.113.78")).code).toBe("not_found");
  });

  it("a block decided on one node reaches a node that never saw the address fail", async () => {
    const [a] = nodes.map((n) => n.url) as [string, string];
    const from = "203.0.113.99";
    for (let i = 0; i < 6; i++)
      expect((await tokenFrom(a, generateToken("kw", "private_integration"), from)).status).toBe(401);
    expect((await tokenFrom(a, "x", from)).code).toBe("too_many_failures");
    // b learns it from the shared table: polled with a valid key, which b never counts as a failure.
    const b = nodes[1]!.url;
    expect((await tokenFrom(b, valid, "203.0.113.98")).status).toBe(200);
    const deadline = Date.now() + 3_000;
    let code: string | undefined;
    while (Date.now() < deadline) {
      code = (await tokenFrom(b, valid, from)).code;
      if (code === "too_many_failures") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(code).toBe("too_many_failures");
  });
});
