/**
 * Review 2, item 2: the SDK resends a refused use report, so one entry with a bad time must not
 * refuse the whole report (every later report would carry it, and be refused too). Entries dated
 * more than a day ago or more than 5 minutes ahead of the server's clock are skipped and counted;
 * the rest is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, MINUTE, utcDay } from "../../src/core/clock.js";
import { UsageStore } from "../../src/store/usage-store.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

async function report(uses: unknown[]) {
  const res = await fetch(`${h.url}/api/verify/uses`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ uses }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const usesOn = async (keyId: string, day: string) =>
  (await new UsageStore(h.kw.store).usageByDay(keyId, day)).find((d) => d.day === day)?.count ?? 0;

describe("a use report with entries of a bad time", () => {
  it("records the good entries and skips, and counts, the stale and the future ones", async () => {
    const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "reported" });
    const keyId = r.body.key.id as string;
    h.clock.set(Date.parse("2026-01-02T12:00:00Z"));
    const now = h.clock.now();
    const iso = (t: number) => new Date(t).toISOString();
    const answer = await report([
      { keyId, count: 4, lastUsedAt: iso(now - MINUTE) },
      // Kept through a long outage: older than a day.
      { keyId, count: 7, lastUsedAt: iso(now - DAY - MINUTE) },
      // A client clock an hour ahead.
      { keyId, count: 9, lastUsedAt: iso(now + 60 * MINUTE) },
      // A day old to the minute is still recorded; 5 minutes ahead counts as now.
      { keyId, count: 1, lastUsedAt: iso(now - DAY + MINUTE) },
      { keyId, count: 2, lastUsedAt: iso(now + 5 * MINUTE) },
      { keyId: "key_unknown", count: 1, lastUsedAt: iso(now) },
    ]);
    expect(answer).toEqual({ status: 200, body: { recorded: 3, ignored: 1, skipped: 2 } });
    expect(await usesOn(keyId, utcDay(now))).toBe(6);
    // Both a day back fall on yesterday: only the one within the day counts there.
    expect(await usesOn(keyId, utcDay(now - DAY))).toBe(1);
    expect((await h.kw.store.getKey(keyId))!.lastUsedAt).toBe(now);
  });

  it("answers 200 for a report of nothing but stale entries, recording nothing", async () => {
    owner = await new Client(h).login(w.owner); // the clock moved past the session's life
    const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "stale only" });
    const keyId = r.body.key.id as string;
    const old = new Date(h.clock.now() - 3 * DAY).toISOString();
    const answer = await report([{ keyId, count: 5, lastUsedAt: old }]);
    expect(answer).toEqual({ status: 200, body: { recorded: 0, ignored: 0, skipped: 1 } });
    expect((await h.kw.store.getKey(keyId))!.lastUsedAt).toBeNull();
  });
});
