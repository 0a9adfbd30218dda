/**
 * Review 6: a use report may say up to 10⁹ uses per entry (and, since `refused`, 2 × 10⁹ refusals)
 * and hundreds of entries per request, all for one key and day — an agency's credential may report
 * what it likes for its own keys. Counts are bigint, so about ten million reports bring one
 * (key, day) row to 2⁶³. Past that, PostgreSQL refused every write adding to the row — and those
 * writes are batched across tenants: the node's use recorder (last used times of every agency's
 * keys, which the inactivity lifecycle acts on) and its usage-by-code flush failed as a whole and
 * were retried forever with the row still in them. One tenant stopped every tenant's use recording.
 * The same holds for an SDK's limit reports (`/api/verify/limits`, 2 × 10⁹ per entry, the same key
 * a thousand times per request) and the limiter's sync, which shares every agency's counts between
 * nodes in one statement: one tenant froze every tenant's shared limits. Counts now saturate at the
 * column's maximum instead.
 *
 * The row is set at the maximum directly: the state a few hours of such reports leave.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utcDay } from "../../src/core/clock.js";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const CLI: Ctx = { ...systemCtx, actorId: "cli" };
const INT64_MAX = "9223372036854775807";

describe.each(["postgres", "sqlite"] as const)("counts near the bigint maximum on %s", (backend) => {
  let pg: RunningPostgres | undefined;
  let dir: string;
  let database: ReturnType<typeof openDatabase>;
  let h: Harness;
  let w: World;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyward-r6-overflow-"));
    if (backend === "postgres") pg = await startPostgres();
    database = openDatabase(
      backend === "postgres" ? { databaseUrl: pg!.url, dataDir: dir } : { dataDir: dir },
    );
    h = await startHarness({
      database,
      env: {
        KEYWARD_RATE_LIMITS: JSON.stringify([{ name: "daily", limit: 200_000, windowSeconds: 86_400 }]),
      },
    });
    w = await seedWorld(h.kw);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await database?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (credential: string, path: string, body: unknown) => {
    const res = await fetch(`${h.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("one agency's counts saturate; every other agency's uses are still recorded", async () => {
    const owner = await new Client(h).login(w.owner);
    const stranger = await new Client(h).login(w.otherOwner);
    const mine = (await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "inflated" })).body;
    const theirs = (await stranger.post(`/api/accounts/${w.otherLoc}/keys`, { name: "innocent" })).body;
    const credential = (
      await h.kw.serviceKeys.create(CLI, { agencyId: w.agencyId, name: "gw", scopes: ["verify"] })
    ).token;
    const day = utcDay(h.clock.now());
    const db = h.kw.store.db;
    const atMax = sql.raw(INT64_MAX);
    await db
      .insertInto("usage_daily")
      .values({ key_id: mine.key.id, day, count: atMax as never })
      .execute();
    await db
      .insertInto("usage_codes")
      .values({ key_id: mine.key.id, day, code: "valid", count: atMax as never })
      .execute();

    // The abusing agency's next report: answered, not a 500.
    const report = await post(credential, "/api/verify/uses", {
      uses: [
        {
          keyId: mine.key.id,
          count: 1_000_000_000,
          lastUsedAt: new Date(h.clock.now()).toISOString(),
          refused: { insufficient_scope: 7 },
        },
      ],
    });
    expect.soft(report.status, JSON.stringify(report.body)).toBe(200);

    // Both keys verified through Keyward: their uses share the node's batches.
    for (const token of [mine.token, theirs.token])
      expect((await post(SERVICE_TOKEN, "/api/verify", { token })).body.valid).toBe(true);
    await h.kw.usage.flush().catch(() => {});
    await h.kw.usageCodes.flush().catch(() => {});

    const innocent = (await stranger.get(`/api/keys/${theirs.key.id}`)).body;
    expect(innocent.lastUsedAt).not.toBeNull();
    const codes = await db
      .selectFrom("usage_codes")
      .select(["key_id", "code", sql<string>`cast(count as text)`.as("count")])
      .where("day", "=", day)
      .where("key_id", "in", [mine.key.id, theirs.key.id])
      .execute();
    const count = (key: string, code: string) =>
      String(codes.find((r) => r.key_id === key && r.code === code)?.count);
    expect(count(theirs.key.id, "valid")).toBe("1");
    expect(count(mine.key.id, "valid")).toBe(INT64_MAX);
    expect(count(mine.key.id, "insufficient_scope")).toBe("7");
    const daily = await db
      .selectFrom("usage_daily")
      .select(["key_id", sql<string>`cast(count as text)`.as("count")])
      .where("day", "=", day)
      .where("key_id", "in", [mine.key.id, theirs.key.id])
      .execute();
    expect(String(daily.find((r) => r.key_id === mine.key.id)?.count)).toBe(INT64_MAX);
    expect(String(daily.find((r) => r.key_id === theirs.key.id)?.count)).toBe("1");
  }, 60_000);

  it("one agency's reported limit counts saturate; every other agency's counts are still shared", async () => {
    const owner = await new Client(h).login(w.owner);
    const stranger = await new Client(h).login(w.otherOwner);
    const mine = (await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "inflated limits" })).body;
    const theirs = (await stranger.post(`/api/accounts/${w.otherLoc}/keys`, { name: "innocent limits" }))
      .body;
    const credential = (
      await h.kw.serviceKeys.create(CLI, { agencyId: w.agencyId, name: "gw2", scopes: ["verify"] })
    ).token;
    const DAY_MS = 86_400_000;
    const windowStart = Math.floor(h.clock.now() / DAY_MS) * DAY_MS;
    const db = h.kw.store.db;
    // The shared daily count of the abusing agency's key, after its SDK reported 2 × 10⁹ per entry
    // (the same key a thousand times per request) for a few hours.
    await db
      .insertInto("rate_limit_counts")
      .values({
        bucket: `k:${mine.key.id}:daily`,
        window_ms: DAY_MS,
        window_start: windowStart,
        count: sql.raw(INT64_MAX) as never,
      })
      .execute();
    const report = await post(credential, "/api/verify/limits", {
      keys: [{ keyId: mine.key.id, counts: [{ name: "daily", windowStart, current: 5, previous: 0 }] }],
    });
    expect.soft(report.status, JSON.stringify(report.body)).toBe(200);
    expect(
      (await post(SERVICE_TOKEN, "/api/verify", { token: theirs.token, consume: true })).body.valid,
    ).toBe(true);
    await h.kw.limits.sync().catch(() => {});

    const rows = await db
      .selectFrom("rate_limit_counts")
      .select(["bucket", sql<string>`cast(count as text)`.as("count")])
      .where("window_ms", "=", DAY_MS)
      .where("window_start", "=", windowStart)
      .where("bucket", "in", [`k:${mine.key.id}:daily`, `k:${theirs.key.id}:daily`])
      .execute();
    const count = (key: string) => rows.find((r) => r.bucket === `k:${key}:daily`)?.count;
    expect(count(theirs.key.id)).toBe("1");
    expect(count(mine.key.id)).toBe(INT64_MAX);
  }, 60_000);
});
