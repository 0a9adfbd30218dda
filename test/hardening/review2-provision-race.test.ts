/**
 * Review 2, item 6: two concurrent first PUTs of one external id on PostgreSQL. Both look the id up,
 * find nothing and create; the unique index lets one commit and the other fails (and rolls back
 * completely). The loser must answer as the idempotent repeat it is — the same body, 200,
 * `Keyward-Provision-Result: unchanged` — not whatever the unique violation maps to.
 *
 * The race is made certain, not hoped for: each request waits after its look-up until the other
 * has looked up too (a gate on the external id store's look-ups that found nothing), so both are
 * inside their transactions, past the check, when they create. The last test makes a request lose
 * twice (its retry too), which is 409 `conflict`.
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

describe("on PostgreSQL, a request that loses the race twice", () => {
  /**
   * The retry's own fallback: a sync loses its first attempt to a PUT of location s1 and its retry
   * to a PUT of location s2, each committed by another request between the sync's look-up (which
   * found nothing) and its write. The second unique violation is a 409 `conflict` saying to send the
   * request again — not a 500, and nothing of the sync's is left.
   */
  it("answers 409 conflict, changes nothing, and the same request sent again succeeds", async () => {
    const owner = { email: "boss@twice.test", name: "Boss", owner: true };
    expect((await put("/api/provision/agencies/twice", { name: "Twice", plan: "agency_pro" })).status).toBe(
      200,
    );
    const made = await put("/api/provision/agencies/twice/users/boss", owner);
    expect(made.status, JSON.stringify(made.body)).toBe(200);

    // Each location's first empty look-up lets a competing PUT of it commit first.
    const competitors = new Map<string, { status: number; id: string }>();
    const original = ExternalIdStore.prototype.locationOf;
    vi.spyOn(ExternalIdStore.prototype, "locationOf").mockImplementation(async function (
      this: ExternalIdStore,
      ...args: Parameters<ExternalIdStore["locationOf"]>
    ) {
      const found = await original.apply(this, args);
      const externalId = args[1];
      if (found === null && (externalId === "s1" || externalId === "s2") && !competitors.has(externalId)) {
        competitors.set(externalId, { status: 0, id: "" }); // the competitor's own look-up passes through
        const r = await put(`/api/provision/agencies/twice/locations/${externalId}`, {
          name: `Store ${externalId}`,
        });
        competitors.set(externalId, { status: r.status, id: r.body.id });
      }
      return found;
    });
    const sync = () =>
      fetch(`${h.url}/api/provision/sync`, {
        method: "POST",
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          agency: { externalId: "twice", name: "Twice" },
          locations: [
            { externalId: "s1", name: "Store s1" },
            { externalId: "s2", name: "Store s2" },
          ],
          users: [{ externalId: "boss", ...owner }],
        }),
      });
    const res = await sync();
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(409);
    expect(body.code).toBe("conflict");
    expect(body.detail).toMatch(/at the same time.*nothing was changed; send this request again/);
    // Both competitors created their location, and the sync's two attempts left nothing.
    expect(competitors.get("s1")!.status).toBe(200);
    expect(competitors.get("s2")!.status).toBe(200);
    const agencyId = (
      await h.kw.database.db
        .selectFrom("agencies")
        .select("id")
        .where("external_id", "=", "twice")
        .executeTakeFirstOrThrow()
    ).id;
    const locations = await h.kw.database.db
      .selectFrom("locations")
      .select(["id", "external_id"])
      .where("agency_id", "=", agencyId)
      .orderBy("external_id")
      .execute();
    expect(locations).toEqual([
      { id: competitors.get("s1")!.id, external_id: "s1" },
      { id: competitors.get("s2")!.id, external_id: "s2" },
    ]);

    // Sent again, as the answer says: a repeat of what is there now.
    vi.restoreAllMocks();
    const again = await sync();
    const report = (await again.json()) as any;
    expect(again.status, JSON.stringify(report)).toBe(200);
    expect(report.locations).toEqual([
      { externalId: "s1", id: competitors.get("s1")!.id, result: "unchanged" },
      { externalId: "s2", id: competitors.get("s2")!.id, result: "unchanged" },
    ]);
  });
});
