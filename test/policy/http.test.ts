/**
 * Rate limits over HTTP on one node (SQLite), under an injected clock (docs/traffic-policy.md): every
 * header, 429 `rate_limited` with Retry-After, `/api/verify`'s consume and cost, precedence of the
 * key's, its location's and its agency's limits (and plan defaults), verifications by code per day,
 * and the bad inputs (4xx, nothing changed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS } from "../../src/core/rate-limits.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;

const DEFAULTS = { KEYWARD_RATE_LIMITS: JSON.stringify(DEFAULT_RATE_LIMITS) };

async function newKey(account: string, body: Record<string, unknown> = {}, who = owner) {
  const r = await who.post(`/api/accounts/${account}/keys`, {
    name: `k${Math.random()}`,
    scopes: ["locations.readonly"],
    ...body,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string, view: r.body.key };
}

async function verify(body: Record<string, unknown>) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Sends n requests of one key at the current (unmoving) instant; answers the statuses. */
async function burst(token: string, n: number, path = "/v2/token"): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await withKey(h, token, "GET", path)).status);
  return out;
}

beforeAll(async () => {
  h = await startHarness({ env: DEFAULTS });
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});

afterAll(async () => {
  await h?.close();
});

describe("headers on every platform-API answer", () => {
  it("a success carries RateLimit-Policy, RateLimit and HighLevel's X-RateLimit-*", async () => {
    h.clock.set(T0 + 1_000); // 1 s into an aligned 10 s window
    const k = await newKey(w.loc1);
    const r = await withKey(h, k.token, "GET", "/v2/token");
    expect(r.status).toBe(200);
    expect(r.headers.get("ratelimit-policy")).toBe('"burst";q=100;w=10, "daily";q=200000;w=86400');
    // burst: 99 of 100 left (the lower share), its window ends in 9 s.
    expect(r.headers.get("ratelimit")).toBe('"burst";r=99;t=9');
    expect(r.headers.get("x-ratelimit-max")).toBe("100");
    expect(r.headers.get("x-ratelimit-remaining")).toBe("99");
    expect(r.headers.get("x-ratelimit-interval-milliseconds")).toBe("10000");
    expect(r.headers.get("x-ratelimit-limit-daily")).toBe("200000");
    expect(r.headers.get("x-ratelimit-daily-remaining")).toBe("199999");
    // Other routes' answers too (built by reply.json rather than a serialised body).
    const list = await withKey(h, k.token, "GET", "/v2/locations");
    expect(list.status).toBe(200);
    expect(list.headers.get("x-ratelimit-remaining")).toBe("98");
  });

  it("a refusal of a known key carries them too; an unknown token does not", async () => {
    const k = await newKey(w.loc1);
    const r = await withKey(h, k.token, "GET", "/v2/users"); // lacks users.readonly
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("insufficient_scope");
    expect(r.headers.get("ratelimit-policy")).toBe('"burst";q=100;w=10, "daily";q=200000;w=86400');
    expect(r.headers.get("x-ratelimit-remaining")).toBe("100"); // refused before counting
    const unknown = await withKey(h, "kw_pit_doesnotexist", "GET", "/v2/token");
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("ratelimit-policy")).toBeNull();
  });

  it("routes without a key carry none", async () => {
    const r = await owner.get("/api/me");
    expect(r.status).toBe(200);
    expect(r.headers.get("ratelimit")).toBeNull();
  });
});

describe("over a limit", () => {
  it("answers 429 rate_limited naming the limit, with Retry-After, exactly at the sliding window's edge", async () => {
    h.clock.set(T0 + 20_000); // start of an aligned window
    const k = await newKey(w.loc1);
    expect(new Set(await burst(k.token, 100))).toEqual(new Set([200]));
    const r = await withKey(h, k.token, "GET", "/v2/token");
    expect(r.status).toBe(429);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body.code).toBe("rate_limited");
    expect(r.body.limit).toBe("burst");
    expect(r.body.detail).toMatch(/"burst" \(100 per 10 s\) of this key; retry in 11 s/);
    // Next window at +10 s; then ⌈100 × (10 000 − e) / 10 000⌉ + 1 ≤ 100 from e = 100 ms.
    expect(r.headers.get("retry-after")).toBe("11");
    expect(r.headers.get("ratelimit")).toBe('"burst";r=0;t=11');
    expect(r.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(r.headers.get("x-ratelimit-daily-remaining")).toBe("199900");
    h.clock.set(T0 + 30_099);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(429);
    h.clock.set(T0 + 30_100);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(429);
  });

  it("a rate-limited request still counts as a use; uses and refusals are counted per day by code", async () => {
    h.clock.set(T0 + 40_000);
    const k = await newKey(w.loc1);
    await burst(k.token, 100);
    h.clock.set(T0 + 41_000);
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(429);
    expect((await withKey(h, k.token, "GET", "/v2/users")).status).toBe(403); // insufficient_scope
    await h.kw.usage.flush();
    await h.kw.usageCodes.flush();
    const view = await owner.get(`/api/keys/${k.id}`);
    expect(view.body.lastUsed.at).toBe(new Date(T0 + 41_000).toISOString().replace(".000Z", ".000Z"));
    const usage = await owner.get(`/api/keys/${k.id}/usage?days=30`);
    expect(usage.status).toBe(200);
    expect(usage.body.days).toEqual([
      { day: "2026-01-01", count: 101, codes: { valid: 100, rate_limited: 1, insufficient_scope: 1 } },
    ]);
    // The listing's sparklines: per key per day, uses and refusals.
    const spark = await owner.get(`/api/accounts/${w.loc1}/usage?days=7`);
    expect(spark.status).toBe(200);
    expect(spark.body.days).toHaveLength(7);
    expect(spark.body.days[6]).toBe("2026-01-01");
    const mine = spark.body.keys.find((x: { keyId: string }) => x.keyId === k.id);
    expect(mine.uses).toEqual([0, 0, 0, 0, 0, 0, 100]);
    expect(mine.refusals).toEqual([0, 0, 0, 0, 0, 0, 2]);
  });

  it("usage by code: whoever may see the key, 1–90 days, kept 90 days", async () => {
    h.clock.set(T0 + 50_000);
    const k = await newKey(w.loc1);
    await burst(k.token, 3);
    await h.kw.usageCodes.flush();
    const clerk = await new Client(h).login(w.loc1User); // may see loc1's keys
    expect((await clerk.get(`/api/keys/${k.id}/usage`)).status).toBe(200);
    const stranger = await new Client(h).login(w.loc2Admin);
    expect((await stranger.get(`/api/keys/${k.id}/usage`)).status).toBe(404);
    for (const bad of ["0", "91", "abc", "1.5"]) {
      const r = await owner.get(`/api/keys/${k.id}/usage?days=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.detail).toMatch(/days/);
    }
    // 91 days on, the day is pruned at the next flush.
    h.clock.set(T0 + 91 * 86_400_000);
    await burst(k.token, 1);
    await h.kw.usageCodes.flush();
    const fresh = await new Client(h).login(w.owner); // the first session has ended meanwhile
    const later = await fresh.get(`/api/keys/${k.id}/usage?days=90`);
    expect(later.body.days.map((d: { day: string }) => d.day)).toEqual(["2026-04-02"]);
    h.clock.set(T0 + 60_000);
  });
});

describe("POST /api/verify", () => {
  it("without consume answers exactly as before, taking nothing", async () => {
    h.clock.set(T0 + 60_000);
    const k = await newKey(w.loc1);
    const r = await verify({ token: k.token });
    expect(r.body).toEqual({
      valid: true,
      code: "valid",
      key: {
        id: k.id,
        name: k.view.name,
        kind: "private_integration",
        owner: { type: "location", id: w.loc1 },
        agencyId: w.agencyId,
        scopes: ["locations.readonly"],
      },
    });
    const s = await h.kw.limits.policyOf({ keyId: k.id, agencyId: w.agencyId, locationId: w.loc1 });
    expect(h.kw.limits.status(s!)[0]!.remaining).toBe(100);
  });

  it("with consume and cost takes from the limits and answers the decision and the remaining counts", async () => {
    h.clock.set(T0 + 70_000);
    const k = await newKey(w.loc1);
    const a = await verify({ token: k.token, consume: true, cost: 60 });
    expect(a.body.valid).toBe(true);
    expect(a.body.code).toBe("valid");
    expect(a.body.rateLimit.allowed).toBe(true);
    expect(a.body.rateLimit.limits).toEqual([
      expect.objectContaining({ name: "burst", limit: 100, windowSeconds: 10, remaining: 40, mode: "local" }),
      expect.objectContaining({ name: "daily", limit: 200_000, remaining: 199_940 }),
    ]);
    const b = await verify({ token: k.token, consume: true, cost: 41 });
    expect(b.body).toMatchObject({
      valid: false,
      code: "rate_limited",
      rateLimit: { allowed: false, retryAfter: 11 },
    });
    expect(b.body.message).toMatch(/"burst"/);
    expect(b.body.key.id).toBe(k.id);
    const c = await verify({ token: k.token, consume: true, cost: 40 });
    expect(c.body.rateLimit.limits[0].remaining).toBe(0);
    // More than the whole limit can never pass: the message says to lower the cost.
    const d = await verify({ token: k.token, consume: true, cost: 101 });
    expect(d.body.code).toBe("rate_limited");
    expect(d.body.message).toMatch(/lower the cost/);
    // The platform API of the same key is refused too (the same counters).
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(429);
    // An invalid token is answered as before, consume or not.
    const bad = await verify({ token: "kw_pit_nope", consume: true });
    expect(bad.body.rateLimit).toBeUndefined();
    expect(bad.body.code).toBe("malformed");
  });

  it("refuses a cost ≤ 0, a fractional or absurd cost, and a cost without consume", async () => {
    const k = await newKey(w.loc1);
    for (const body of [
      { token: k.token, consume: true, cost: 0 },
      { token: k.token, consume: true, cost: -1 },
      { token: k.token, consume: true, cost: 1.5 },
      { token: k.token, consume: true, cost: 1_000_000_001 },
      { token: k.token, cost: 2 },
      { token: k.token, consume: "yes" },
    ]) {
      const r = await verify(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.detail).toMatch(/cost|consume/);
    }
  });
});

describe("precedence: the key's own, its location's and its agency's limits", () => {
  it("an agency's default for keys, a key's override, and shared location and agency limits all apply", async () => {
    h.clock.set(T0 + 100_000);
    const s = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
      keyRateLimits: [{ name: "burst", limit: 5, windowSeconds: 10 }],
    });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.keyRateLimits).toEqual([{ name: "burst", limit: 5, windowSeconds: 10 }]);
    expect(s.body.rateLimits).toBeNull();
    const a = await newKey(w.loc1);
    const r = await withKey(h, a.token, "GET", "/v2/token");
    expect(r.headers.get("ratelimit-policy")).toBe('"burst";q=5;w=10');

    // The key's own limits win over its agency's default (agency admins set them).
    const own = await owner.patch(`/api/keys/${a.id}`, {
      rateLimits: [{ name: "mine", limit: 3, windowSeconds: 60 }],
    });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.rateLimits).toEqual([{ name: "mine", limit: 3, windowSeconds: 60 }]);
    expect((await withKey(h, a.token, "GET", "/v2/token")).headers.get("ratelimit-policy")).toBe(
      '"mine";q=3;w=60',
    );

    // A location's limits are shared by its keys, on top of each key's own.
    const loc = await owner.patch(`/api/locations/${w.loc1}`, {
      rateLimits: [{ name: "shared", limit: 4, windowSeconds: 60 }],
    });
    expect(loc.status, JSON.stringify(loc.body)).toBe(200);
    expect(loc.body.rateLimits).toEqual([{ name: "shared", limit: 4, windowSeconds: 60 }]);
    h.clock.set(T0 + 120_000);
    const b = await newKey(w.loc1);
    const c = await newKey(w.loc2);
    const first = await withKey(h, b.token, "GET", "/v2/token");
    expect(first.headers.get("ratelimit-policy")).toBe('"burst";q=5;w=10, "location.shared";q=4;w=60');
    // The lower share left is the location's (3 of 4) rather than the key's burst (4 of 5).
    expect(first.headers.get("ratelimit")).toBe('"location.shared";r=3;t=60');
    expect(await burst(b.token, 3)).toEqual([200, 200, 200]);
    const over = await withKey(h, b.token, "GET", "/v2/token");
    expect(over.status).toBe(429);
    expect(over.body.limit).toBe("location.shared");
    expect(over.body.detail).toMatch(/shared by the keys of its location/);
    expect((await withKey(h, a.token, "GET", "/v2/token")).status).toBe(429); // same location
    expect((await withKey(h, c.token, "GET", "/v2/token")).status).toBe(200); // the other location

    // The agency's shared limits count every key below it.
    await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
      rateLimits: [{ name: "all", limit: 2, windowSeconds: 60 }],
    });
    h.clock.set(T0 + 300_000);
    const d = await newKey(w.loc2);
    expect((await withKey(h, c.token, "GET", "/v2/token")).status).toBe(200);
    expect((await withKey(h, d.token, "GET", "/v2/token")).status).toBe(200);
    const agencyOver = await withKey(h, d.token, "GET", "/v2/token");
    expect(agencyOver.status).toBe(429);
    expect(agencyOver.body.limit).toBe("agency.all");

    // Removing them brings the defaults back.
    const reset = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
      rateLimits: null,
      keyRateLimits: null,
    });
    expect(reset.body.rateLimits).toBeNull();
    await owner.patch(`/api/locations/${w.loc1}`, { rateLimits: null });
    await owner.patch(`/api/keys/${a.id}`, { rateLimits: null });
    h.clock.set(T0 + 400_000);
    expect((await withKey(h, a.token, "GET", "/v2/token")).headers.get("ratelimit-policy")).toBe(
      '"burst";q=100;w=10, "daily";q=200000;w=86400',
    );
    expect((await owner.get(`/api/keys/${a.id}`)).body.rateLimits).toBeUndefined();
    // The audit log has each change.
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=location.rate_limits_changed`);
    expect(audit.body.entries[0]).toMatchObject({
      before: { rateLimits: [{ name: "shared", limit: 4, windowSeconds: 60 }] },
      after: { rateLimits: null },
    });
    const keyAudit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.updated`);
    expect(keyAudit.body.entries[0]).toMatchObject({ after: { rateLimits: null } });
  });

  it("the key's limits view lists every limit with what remains", async () => {
    h.clock.set(T0 + 500_000);
    const k = await newKey(w.loc1);
    await burst(k.token, 7);
    const r = await owner.get(`/api/keys/${k.id}/rate-limits`);
    expect(r.status).toBe(200);
    expect(r.body.limits).toEqual([
      {
        name: "burst",
        owner: "key",
        limit: 100,
        windowSeconds: 10,
        cost: 1,
        mode: "local",
        remaining: 93,
        resetSeconds: 10,
      },
      expect.objectContaining({ name: "daily", remaining: 199_993 }),
    ]);
    const stranger = await new Client(h).login(w.otherOwner);
    expect((await stranger.get(`/api/keys/${k.id}/rate-limits`)).status).toBe(404);
  });
});

describe("bad input: 4xx saying what to fix, nothing changed", () => {
  const BAD: [unknown, RegExp][] = [
    [[{ name: "a", limit: 0, windowSeconds: 10 }], /limit: must be at least 1/],
    [[{ name: "a", limit: 1_000_000_001, windowSeconds: 10 }], /at most 1000000000/],
    [[{ name: "a", limit: 5, windowSeconds: 0 }], /windowSeconds: must be at least 1 second/],
    [[{ name: "a", limit: 5, windowSeconds: 2_678_401 }], /31 days/],
    [[{ name: "a", limit: 5, windowSeconds: 10, cost: 0 }], /cost: must be at least 1/],
    [
      [
        { name: "a", limit: 5, windowSeconds: 10 },
        { name: "a", limit: 9, windowSeconds: 60 },
      ],
      /used twice/,
    ],
    [
      Array.from({ length: 101 }, (_, i) => ({ name: `n${i}`, limit: 1, windowSeconds: 1 })),
      /at most 100 limits/,
    ],
  ];

  it("on key creation: no key is made", async () => {
    const before = (await owner.get(`/api/accounts/${w.loc2}/keys`)).body.keys.length;
    for (const [rateLimits, message] of BAD) {
      const r = await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "bad", rateLimits });
      expect(r.status, JSON.stringify(rateLimits).slice(0, 60)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.detail).toMatch(message);
    }
    // Not an agency admin: refused, no key made either.
    const boss = await new Client(h).login(w.loc2Admin);
    const r = await boss.post(`/api/accounts/${w.loc2}/keys`, {
      name: "mine",
      rateLimits: [{ name: "a", limit: 5, windowSeconds: 10 }],
    });
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(/agency admins/);
    expect((await owner.get(`/api/accounts/${w.loc2}/keys`)).body.keys.length).toBe(before);
  });

  it("on key edit, agency and location settings: nothing changes", async () => {
    const k = await newKey(w.loc2, { rateLimits: [{ name: "ok", limit: 9, windowSeconds: 9 }] });
    for (const [rateLimits, message] of BAD) {
      const e = await owner.patch(`/api/keys/${k.id}`, { name: "renamed", rateLimits });
      expect(e.status).toBe(400);
      expect(e.body.detail).toMatch(message);
      const s = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { rateLimits });
      expect(s.status).toBe(400);
      const l = await owner.patch(`/api/locations/${w.loc2}`, { name: "Renamed", rateLimits });
      expect(l.status).toBe(400);
    }
    const view = (await owner.get(`/api/keys/${k.id}`)).body;
    expect(view.name).not.toBe("renamed");
    expect(view.rateLimits).toEqual([{ name: "ok", limit: 9, windowSeconds: 9 }]);
    expect((await owner.get(`/api/agencies/${w.agencyId}/settings`)).body.rateLimits).toBeNull();
    expect((await owner.get(`/api/locations/${w.loc2}`)).body.name).toBe("Uptown");
    // Who may set them: agency admins of that agency only.
    const boss = await new Client(h).login(w.loc2Admin);
    const denied = await boss.patch(`/api/locations/${w.loc2}`, {
      name: "Boss's",
      rateLimits: [{ name: "a", limit: 5, windowSeconds: 10 }],
    });
    expect(denied.status).toBe(403);
    expect((await owner.get(`/api/locations/${w.loc2}`)).body.name).toBe("Uptown");
    const edit = await boss.patch(`/api/keys/${k.id}`, { rateLimits: null });
    expect(edit.status).toBe(403);
    const other = await new Client(h).login(w.otherOwner);
    expect(
      (
        await other.patch(`/api/locations/${w.loc2}`, {
          rateLimits: [{ name: "a", limit: 5, windowSeconds: 10 }],
        })
      ).status,
    ).toBe(404);
    expect((await other.patch(`/api/agencies/${w.agencyId}/settings`, { rateLimits: null })).status).toBe(
      404,
    );
  });
});

describe("plan defaults and no limits at all", () => {
  it("a plan's defaults apply to its agencies' keys; [] means no limit and no headers", async () => {
    const p = await startHarness({
      env: {
        KEYWARD_RATE_LIMITS: "[]",
        KEYWARD_PLAN_RATE_LIMITS: JSON.stringify({
          starter: [{ name: "burst", limit: 7, windowSeconds: 10 }],
        }),
      },
    });
    try {
      const starter = await seedWorld(p.kw, "starter", "-s");
      const pro = await seedWorld(p.kw, "agency_pro", "-p");
      const mk = async (ww: World) => {
        const c = await new Client(p).login(ww.owner);
        return (await c.post(`/api/accounts/${ww.loc1}/keys`, { name: "k" })).body.token as string;
      };
      const a = await withKey(p, await mk(starter), "GET", "/v2/token");
      expect(a.headers.get("ratelimit-policy")).toBe('"burst";q=7;w=10');
      const b = await withKey(p, await mk(pro), "GET", "/v2/token");
      expect(b.status).toBe(200);
      expect(b.headers.get("ratelimit-policy")).toBeNull();
      expect(b.headers.get("x-ratelimit-max")).toBeNull();
    } finally {
      await p.close();
    }
  });
});

describe("on SQLite (several processes share the file the same way)", () => {
  it("strict limits decide in the file exactly; local counts sync into it", async () => {
    h.clock.set(T0 + 600_000);
    const s = await newKey(w.loc2, {
      rateLimits: [{ name: "s", limit: 3, windowSeconds: 60, mode: "strict" }],
    });
    expect(await burst(s.token, 4)).toEqual([200, 200, 200, 429]);
    const l = await newKey(w.loc2, { rateLimits: [{ name: "l", limit: 5, windowSeconds: 60 }] });
    expect(await burst(l.token, 2)).toEqual([200, 200]);
    await h.kw.limits.sync();
    const rows = await h.kw.database.db
      .selectFrom("rate_limit_counts")
      .select(["bucket", "count"])
      .where("bucket", "in", [`k:${s.id}:s`, `k:${l.id}:l`])
      .where("window_start", "=", T0 + 600_000)
      .orderBy("bucket")
      .execute();
    expect(rows.map((r) => [r.bucket, Number(r.count)]).sort()).toEqual(
      [
        [`k:${l.id}:l`, 2],
        [`k:${s.id}:s`, 3],
      ].sort(),
    );
    // What the file holds counts: another process's 3 of l's window, read at the next sync.
    await h.kw.database.db
      .updateTable("rate_limit_counts")
      .set({ count: 5 })
      .where("bucket", "=", `k:${l.id}:l`)
      .where("window_start", "=", T0 + 600_000)
      .execute();
    await h.kw.limits.sync();
    expect(await burst(l.token, 1)).toEqual([429]);
  });
});
