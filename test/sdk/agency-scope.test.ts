/**
 * Tenant isolation of the SDK's endpoints for an agency's own service credential (issue 12 §2): its
 * event stream hears its agency's keys and plan only, and its use reports count for its agency's keys
 * only. Driven through the services the routes call (`verifyEvents`, `reportedUses`) with the agency a
 * credential would carry; the routes pass `ctx.credential.agencyId` once such credentials exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utcDay } from "../../src/core/clock.js";
import { UsageStore } from "../../src/store/usage-store.js";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
import { until } from "./helpers.js";

let h: Harness;
let w: World;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});

afterAll(async () => {
  await h?.close();
});

async function keyOf(email: string, accountId: string, name: string) {
  const c = await new Client(h).login(email);
  const r = await c.post(`/api/accounts/${accountId}/keys`, { name });
  expect(r.status).toBe(201);
  return { id: r.body.key.id as string, client: c };
}

describe("an agency's own credential", () => {
  it("hears its agency's events only (and every flush)", async () => {
    const heard: string[] = [];
    const decoder = new TextDecoder();
    const unsubscribe = h.kw.verifyEvents.subscribe({
      agencyId: w.agencyId,
      write(bytes) {
        const text = decoder.decode(bytes);
        const event = /event: (\w+)/.exec(text)?.[1];
        if (event !== "heartbeat") heard.push(`${event} ${/data: (.*)/.exec(text)?.[1]}`);
        return true;
      },
      close() {},
    });
    const mine = await keyOf(w.owner, w.loc1, "mine");
    const theirs = await keyOf(w.otherOwner, w.otherLoc, "theirs");
    await theirs.client.post(`/api/keys/${theirs.id}/revoke`);
    await mine.client.post(`/api/keys/${mine.id}/revoke`);
    await setPlan(h, w.otherAgencyId, "starter");
    await setPlan(h, w.agencyId, "unlimited");
    await h.kw.bus.publish({ type: "all" });
    expect(await until(() => heard.length >= 4)).not.toBeNull();
    expect(heard).toEqual([
      `ready ${JSON.stringify({ resumed: false, heartbeatMs: 500, vouched: true })}`,
      `key ${JSON.stringify({ keyId: mine.id })}`,
      `agency ${JSON.stringify({ agencyId: w.agencyId })}`,
      `flush ${JSON.stringify({ reason: "Keyward dropped its whole cache" })}`,
    ]);
    unsubscribe();
  });

  it("reports uses of its agency's keys only; the others are ignored and counted", async () => {
    const mine = await keyOf(w.owner, w.loc1, "reported mine");
    const theirs = await keyOf(w.otherOwner, w.otherLoc, "reported theirs");
    const now = h.clock.now();
    const use = (keyId: string) => ({
      keyId,
      count: 4,
      lastUsedAt: now,
      ip: null,
      userAgent: null,
      endpoint: null,
    });
    expect(await h.kw.reportedUses.record(w.agencyId, [use(mine.id), use(theirs.id)])).toEqual({
      recorded: 1,
      ignored: 1,
      skipped: 0,
    });
    const usage = new UsageStore(h.kw.store);
    expect(await usage.usageByDay(mine.id, utcDay(now))).toEqual([{ day: utcDay(now), count: 4 }]);
    expect(await usage.usageByDay(theirs.id, utcDay(now))).toEqual([]);
    expect((await h.kw.store.getKey(theirs.id))!.lastUsedAt).toBeNull();
  });
});
