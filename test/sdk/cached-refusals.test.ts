/**
 * The SDK's cache refuses a key it knows valid when a scope is missing (`insufficient_scope`) or the
 * location is not the key's (`location_forbidden`). Keyward counts its own refusals by code but not
 * as uses (issue 13 §5); the SDK's must count the same: they ride in the use reports as entries of
 * `count: 0` with `refused` per code, touching no last-used time, sent after the uses. Keyward's
 * `/metrics` counts what SDK caches answered in `keyward_sdk_verifications_total{code}`. Real Keyward
 * over loopback (SQLite), injected clock, report timers fired by hand.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../../packages/sdk/src/index.js";
import { ReportError, UseBatcher } from "../../packages/sdk/src/uses.js";
import { utcDay } from "../../src/core/clock.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  T0,
  type World,
} from "../helpers/harness.js";
import { ManualTimers, until } from "./helpers.js";

let h: Harness;
let w: World;
let admin: Client;
const sdks: Keyward[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_SESSION_TTL_HOURS: "2160" } });
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.agencyAdmin);
});
afterEach(async () => {
  for (const kw of sdks.splice(0)) await kw.close();
});
afterAll(async () => {
  await h?.close();
});

async function newKey() {
  const r = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name: `k${sdks.length}-${Math.random()}`,
    scopes: ["users.readonly"],
    rateLimits: [],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.key.id as string, token: r.body.token as string };
}

async function sdk(): Promise<Keyward> {
  const kw = new Keyward({
    baseUrl: h.url,
    credential: SERVICE_TOKEN,
    clock: h.clock,
    timers: new ManualTimers(),
  });
  sdks.push(kw);
  expect(await until(() => kw.health().stream === "connected")).not.toBeNull();
  return kw;
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function chart(keyId: string, day: string) {
  await h.kw.usage.flush();
  await h.kw.usageCodes.flush();
  const r = await admin.get(`/api/keys/${keyId}/usage?days=3`);
  expect(r.status).toBe(200);
  const d = (r.body.days as { day: string; count: number; codes: Record<string, number> }[]).find(
    (x) => x.day === day,
  );
  return { count: d?.count ?? 0, codes: d?.codes ?? {} };
}

async function sdkMetric(code: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const m = new RegExp(`^keyward_sdk_verifications_total\\{code="${code}"\\} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

describe("an SDK's cached refusals", () => {
  it("are counted by code as /api/verify counts them, and are not uses", async () => {
    h.clock.set(T0 + 1_000);
    const day = utcDay(h.clock.now());
    const asks = [
      {},
      { requiredScopes: ["users.write"] },
      { requiredScopes: ["users.write", "users.readonly"] },
      { locationId: w.loc2 },
    ];
    // Through /api/verify every time.
    const viaApi = await newKey();
    const apiCodes: string[] = [];
    for (const a of asks) apiCodes.push((await post("/api/verify", { token: viaApi.token, ...a })).body.code);
    // Through the SDK: the first reaches Keyward, the refusals are its cache's.
    const viaSdk = await newKey();
    const kw = await sdk();
    const sdkCodes = [(await kw.verify(viaSdk.token)).code];
    for (const a of asks.slice(1)) sdkCodes.push(kw.verifyCached(viaSdk.token, a)!.code);
    expect(sdkCodes).toEqual(["valid", "insufficient_scope", "insufficient_scope", "location_forbidden"]);
    expect(apiCodes).toEqual(sdkCodes);
    const before = {
      scope: await sdkMetric("insufficient_scope"),
      loc: await sdkMetric("location_forbidden"),
    };
    await kw.flushUses();

    const expected = { count: 1, codes: { valid: 1, insufficient_scope: 2, location_forbidden: 1 } };
    expect(await chart(viaApi.id, day)).toEqual(expected);
    expect(await chart(viaSdk.id, day)).toEqual(expected);
    // Keyward's /metrics sees what the SDK's cache answered.
    expect((await sdkMetric("insufficient_scope")) - before.scope).toBe(2);
    expect((await sdkMetric("location_forbidden")) - before.loc).toBe(1);
    // Sent once: another flush adds nothing.
    await kw.flushUses();
    expect(await chart(viaSdk.id, day)).toEqual(expected);
  });

  it("alone, move no last-used time and count no use; a later use in the same entry does", async () => {
    h.clock.set(T0 + 60_000);
    const day = utcDay(h.clock.now());
    const k = await newKey();
    const kw = await sdk();
    expect((await kw.verify(k.token)).code).toBe("valid"); // reached Keyward: a use at T0 + 60 s
    await h.kw.usage.flush();
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(T0 + 60_000);

    h.clock.advance(10_000);
    expect(kw.verifyCached(k.token, { requiredScopes: ["users.write"] })?.code).toBe("insufficient_scope");
    expect(kw.verifyCached(k.token, { locationId: w.loc2 })?.code).toBe("location_forbidden");
    await kw.flushUses();
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(T0 + 60_000);
    expect(await chart(k.id, day)).toEqual({
      count: 1,
      codes: { valid: 1, insufficient_scope: 1, location_forbidden: 1 },
    });

    // A refusal, then a use: the use's time is the last use (the refusal moves nothing).
    h.clock.advance(10_000);
    expect(kw.verifyCached(k.token, { requiredScopes: ["users.write"] })?.code).toBe("insufficient_scope");
    h.clock.advance(5_000);
    expect(kw.verifyCached(k.token)?.code).toBe("valid");
    const validBefore = await sdkMetric("valid");
    await kw.flushUses();
    expect((await sdkMetric("valid")) - validBefore).toBe(1);
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(T0 + 85_000);
    expect(await chart(k.id, day)).toEqual({
      count: 2,
      codes: { valid: 2, insufficient_scope: 2, location_forbidden: 1 },
    });
  });

  it("the use report refuses a refusal it cannot read, or an entry of nothing, and records nothing", async () => {
    h.clock.set(T0 + 200_000);
    const day = utcDay(h.clock.now());
    const k = await newKey();
    const at = new Date(h.clock.now()).toISOString();
    const bad: [unknown, RegExp][] = [
      [{ keyId: k.id, count: 0, lastUsedAt: at }, /at least one use .* or one refusal/],
      [{ keyId: k.id, count: 0, lastUsedAt: at, refused: {} }, /at least one use .* or one refusal/],
      [{ keyId: k.id, count: 1, lastUsedAt: at, refused: { revoked: 1 } }, /refused/],
      [{ keyId: k.id, count: 1, lastUsedAt: at, refused: { insufficient_scope: 0 } }, /insufficient_scope/],
      [{ keyId: k.id, count: 1, lastUsedAt: at, refused: { location_forbidden: 1.5 } }, /location_forbidden/],
      [{ keyId: k.id, count: -1, lastUsedAt: at, refused: { location_forbidden: 1 } }, /count/],
    ];
    for (const [entry, names] of bad) {
      const r = await post("/api/verify/uses", { uses: [{ keyId: k.id, count: 1, lastUsedAt: at }, entry] });
      expect(r.status, JSON.stringify(entry)).toBe(400);
      expect(r.body.code).toBe("validation_failed");
      expect(JSON.stringify(r.body), JSON.stringify(entry)).toMatch(names);
    }
    expect(await chart(k.id, day)).toEqual({ count: 0, codes: {} });
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBeNull();

    // An unknown key in a refusal entry is ignored and counted, as in a use entry.
    const r = await post("/api/verify/uses", {
      uses: [{ keyId: "key_not_ours", count: 0, lastUsedAt: at, refused: { insufficient_scope: 3 } }],
    });
    expect(r.body).toEqual({ recorded: 0, ignored: 1, skipped: 0 });
  });

  it("go in reports of their own after the uses: a Keyward that refuses them (400) still records every use", async () => {
    h.clock.set(T0 + 300_000);
    const day = utcDay(h.clock.now());
    const k = await newKey();
    // Keyward before `refused` (its body schema is strict): such a report is a 400; the rest goes through.
    const sent: string[] = [];
    const dropped: unknown[] = [];
    const older = async (body: string) => {
      sent.push(body);
      if (body.includes('"refused"')) throw new ReportError(400, "unknown field: refused");
      const r = await post("/api/verify/uses", JSON.parse(body));
      if (r.status !== 200) throw new ReportError(r.status, JSON.stringify(r.body));
    };
    const b = new UseBatcher(older, (err) => dropped.push(err));
    const now = h.clock.now();
    b.refuse(k.id, false, now - 2_000, "insufficient_scope");
    b.add(k.id, false, now - 1_000);
    b.refuse(k.id, false, now, "location_forbidden");
    await b.flush();
    expect(sent.map((x) => JSON.parse(x).uses)).toEqual([
      [{ keyId: k.id, count: 1, lastUsedAt: new Date(now - 1_000).toISOString() }],
      [
        {
          keyId: k.id,
          count: 0,
          lastUsedAt: new Date(now - 1_000).toISOString(),
          refused: { insufficient_scope: 1, location_forbidden: 1 },
        },
      ],
    ]);
    expect(dropped).toHaveLength(1);
    expect(b.pendingEntries).toBe(0); // dropped, not resent forever
    expect((await h.kw.store.getKey(k.id))!.lastUsedAt).toBe(now - 1_000);
    expect(await chart(k.id, day)).toEqual({ count: 1, codes: { valid: 1 } });
    await b.flush();
    expect(sent).toHaveLength(2);
  });
});
