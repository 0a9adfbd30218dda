/**
 * A node that loses its notification connection (its LISTEN backend is terminated, again and again,
 * so it cannot simply reconnect) falls back to short cache lifetimes: it says so in /readyz and the
 * metrics, still refuses a key revoked elsewhere within the short lifetime, and once the connection
 * is back it reports ready again and hears invalidations as before.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LISTENER_APP_NAME } from "../../src/store/pg-bus.js";
import { startPostgres } from "../helpers/postgres.js";
import { type NodeProcess, Session, startNodes, untilAll, untilAllRefuse, verifyOn } from "./cluster.js";

/** The fallback lifetime (1 s) plus room for the re-read and the polling itself. */
const FALLBACK_WINDOW_MS = 1_500;

let db: Awaited<ReturnType<typeof startPostgres>>;
let nodes: NodeProcess[];
let owner: Session;
let agencyId: string;
let admin: pg.Client;

async function newKey(name: string): Promise<{ id: string; token: string }> {
  const r = await owner.request("POST", `/api/accounts/${agencyId}/keys`, { name });
  expect(r.status).toBe(201);
  return { id: r.body.key.id, token: r.body.token };
}

async function invalidationCheck(n: NodeProcess): Promise<{ ok: boolean; detail?: string; status: number }> {
  const r = await fetch(`${n.url}/readyz`);
  const body = (await r.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  return { ...body.checks.find((c) => c.name === "invalidation")!, status: r.status };
}

async function gauge(n: NodeProcess): Promise<string | undefined> {
  const text = await (await fetch(`${n.url}/metrics`)).text();
  return /^keyward_invalidation_connected (\d+)$/m.exec(text)?.[1];
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  db = await startPostgres();
  // All three at once on the empty database: one migrates and creates the owner, the others wait.
  nodes = await startNodes(db.url, ["a", "b", "c"], () => ({ env: { KEYWARD_SCHEDULER: "false" } }), true);
  const agencies = new pg.Client({ connectionString: db.url });
  await agencies.connect();
  expect((await agencies.query("select count(*)::int as n from agencies")).rows[0].n).toBe(1);
  await agencies.end();
  owner = await Session.login(nodes[0]!.url);
  agencyId = (await owner.request("GET", "/api/me")).body.agency.id;
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await Promise.all((nodes ?? []).map((n) => n.stop()));
  await db?.stop();
});

it("falls back to short lifetimes while deaf, says so, and recovers", async () => {
  const c = nodes[2]!;
  const k1 = await newKey("revoked while c is deaf");
  const k2 = await newKey("revoked after c is back");
  for (const n of nodes) expect((await verifyOn(n.url, k1.token)).code).toBe("valid");
  expect(await invalidationCheck(c)).toEqual({ name: "invalidation", ok: true, status: 200 });

  // Cut c's notification connection, and keep cutting it whenever it comes back.
  const cut = () =>
    admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name like $1 and pid <> pg_backend_pid()",
      [`${LISTENER_APP_NAME} pid=${c.pid} %`],
    );
  expect((await cut()).rowCount).toBe(1);
  let cutting = true;
  const cutter = (async () => {
    while (cutting) {
      await cut();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const deaf = await until(
      "c reports the lost channel",
      () => invalidationCheck(c),
      (x) => !x.ok,
    );
    // Degraded, not failing: the node still answers correctly, so it stays in the load balancer.
    expect(deaf.status).toBe(200);
    expect(deaf.detail).toMatch(/not receiving invalidations/);
    expect(await gauge(c)).toBe("0");
    expect(await gauge(nodes[0]!)).toBe("1");

    // c loads k1 again while deaf; the revocation's notification cannot reach it.
    expect((await verifyOn(c.url, k1.token)).code).toBe("valid");
    expect((await owner.request("POST", `/api/keys/${k1.id}/revoke`)).status).toBe(200);
    const res = await untilAllRefuse(
      nodes.map((n) => n.url),
      k1.token,
      performance.now(),
      FALLBACK_WINDOW_MS,
    );
    expect(res.codes).toEqual(["revoked", "revoked", "revoked"]);
  } finally {
    cutting = false;
    await cutter;
  }

  // Back: ready again, the gauge says so, and invalidations arrive as before.
  await until(
    "c reconnects",
    () => invalidationCheck(c),
    (x) => x.ok,
  );
  expect(await gauge(c)).toBe("1");
  await until(
    "k2 is cached on every node",
    async () => Promise.all(nodes.map((n) => verifyOn(n.url, k2.token))),
    (rs) => rs.every((r) => r.code === "valid"),
  );
  expect((await owner.request("POST", `/api/keys/${k2.id}/revoke`)).status).toBe(200);
  const after = await untilAll(
    nodes.map((n) => n.url),
    k2.token,
    (code) => code === "revoked",
    performance.now(),
    1_000,
  );
  expect(after.codes).toEqual(["revoked", "revoked", "revoked"]);
});
