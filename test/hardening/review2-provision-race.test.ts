/**
 * Review 2, item 6: two concurrent first PUTs of one external id on PostgreSQL. Both look the id up,
 * find nothing and create; the unique index lets one commit and the other fails (and rolls back
 * completely). The loser must answer as the idempotent repeat it is — the same body, 200,
 * `Keyward-Provision-Result: unchanged` — not whatever the unique violation maps to.
 *
 * The race is made certain, not hoped for: each request waits after its look-up until the other
 * has looked up too (a gate on the external id store's look-ups that found nothing), so both are
 * inside their transactions, past the check, when they create.
 */
import { tmpdir } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { ExternalIdStore } from "../../src/store/external-id-store.js";
import { type Harness, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";
import type { RunningPostgres } from "../helpers/postgres.js";

let h: Harness;
let pg: RunningPostgres;
let db: OpenedDatabase;

beforeAll(async () => {
  const { startPostgres } = await import("../helpers/postgres.js");
  pg = await startPostgres();
  db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
  h = await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: pg.url } });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await db?.close();
  await pg?.stop();
});
afterEach(() => vi.restoreAllMocks());

async function put(path: string, body: unknown) {
  const res = await fetch(h.url + path, {
    method: "PUT",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as any,
    result: res.headers.get("keyward-provision-result"),
  };
}

/**
 * Holds every look-up of `method` that finds nothing until `n` such look-ups are waiting (or 3 s
 * passed): the requests then all go on to create, at once. A look-up that finds the object (the
 * loser's second attempt) passes straight through.
 */
function gateEmptyLookups(method: "agencyOf" | "locationOf" | "userOf", n = 2) {
  const waiting: (() => void)[] = [];
  const original = ExternalIdStore.prototype[method] as (...a: unknown[]) => Promise<unknown>;
  const spy = vi.spyOn(ExternalIdStore.prototype, method).mockImplementation(async function (
    this: ExternalIdStore,
    ...args: unknown[]
  ) {
    const found = await original.apply(this, args);
    if (found === null)
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length >= n) for (const r of waiting) r();
        else setTimeout(release, 3_000);
      });
    return found as never;
  });
  return { met: () => waiting.length >= n, spy };
}

async function race(path: string, body: unknown, gate: { met(): boolean }) {
  const answers = await Promise.all([put(path, body), put(path, body)]);
  expect(gate.met(), "both requests looked up the id before either created it").toBe(true);
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  expect(answers.map((a) => a.result).sort()).toEqual(["created", "unchanged"]);
  // The same answer twice, as for a repeat.
  expect(answers[0]!.body).toEqual(answers[1]!.body);
  return answers[0]!.body;
}

describe("on PostgreSQL, two concurrent first PUTs of one external id", () => {
  it("of an agency: one creates it, the other answers as a repeat", async () => {
    const gate = gateEmptyLookups("agencyOf");
    const agency = await race("/api/provision/agencies/racy", { name: "Racy", plan: "agency_pro" }, gate);
    const rows = await h.kw.database.db
      .selectFrom("agencies")
      .select("id")
      .where("name", "=", "Racy")
      .execute();
    expect(rows.map((r) => r.id)).toEqual([agency.id]);
  });

  it("of a location: one creates it, the other answers as a repeat", async () => {
    const gate = gateEmptyLookups("locationOf");
    const loc = await race("/api/provision/agencies/racy/locations/store-1", { name: "Store one" }, gate);
    const rows = await h.kw.database.db
      .selectFrom("locations")
      .select("id")
      .where("name", "=", "Store one")
      .execute();
    expect(rows.map((r) => r.id)).toEqual([loc.id]);
  });

  it("of a person: one creates them, the other answers as a repeat", async () => {
    const gate = gateEmptyLookups("userOf");
    const user = await race(
      "/api/provision/agencies/racy/users/u-1",
      { email: "racer@racy.test", name: "Racer", owner: true },
      gate,
    );
    const rows = await h.kw.database.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "racer@racy.test")
      .execute();
    expect(rows.map((r) => r.id)).toEqual([user.id]);
    // And the audit log has one creation only: the loser's work was rolled back entirely.
    const created = await h.kw.database.db
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "user.created")
      .where("target_id", "=", user.id)
      .execute();
    expect(created).toHaveLength(1);
  });
});
