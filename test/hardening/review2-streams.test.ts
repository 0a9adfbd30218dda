/**
 * Review 2, item 3: one credential could open event streams (GET /api/verify/events) without end,
 * each holding a connection and up to a megabyte of buffer. A credential holds at most 32 per node
 * (KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL); beyond, 429 `too_many_streams` with Retry-After. Open
 * streams, refused ones and dropped slow clients are in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { type Harness, SERVICE_TOKEN, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
const CLI: Ctx = { ...systemCtx, actorId: "cli" };
const aborts: AbortController[] = [];

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(async () => {
  for (const a of aborts) a.abort();
  await h.close();
});

async function open(token: string) {
  const abort = new AbortController();
  aborts.push(abort);
  const res = await fetch(`${h.url}/api/verify/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  return { res, abort };
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

const metric = async (name: string) => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
};

describe("event streams per credential", () => {
  it("allows 32 at once; the 33rd is 429 too_many_streams with Retry-After, until one closes", async () => {
    const { token } = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.agencyId,
      name: "greedy",
      scopes: ["verify"],
    });
    const streams = [];
    for (let i = 0; i < 32; i++) {
      const s = await open(token);
      expect(s.res.status, `stream ${i + 1}`).toBe(200);
      streams.push(s);
    }
    const refused = await open(token);
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get("retry-after")).toBe("30");
    const body = (await refused.res.json()) as { code: string; detail: string };
    expect(body.code).toBe("too_many_streams");
    expect(body.detail).toMatch(/32 event streams/);
    expect(await metric("keyward_verify_streams")).toBe(32);
    expect(await metric("keyward_verify_streams_refused_total")).toBe(1);

    // Another credential, and the service token, are not held back by this one's streams.
    const { token: other } = await h.kw.serviceKeys.create(CLI, {
      agencyId: null,
      name: "gw",
      scopes: ["verify"],
    });
    const a = await open(other);
    const b = await open(SERVICE_TOKEN);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    a.abort.abort();
    b.abort.abort();

    // A stream that ends frees its slot.
    streams[0]!.abort.abort();
    await until(() => h.kw.verifyEvents.streams === 31);
    const again = await open(token);
    expect(again.res.status).toBe(200);
    for (const s of [...streams, again]) s.abort.abort();
    await until(() => h.kw.verifyEvents.streams === 0);
    expect(await metric("keyward_verify_streams")).toBe(0);
  });

  it("counts dropped slow clients in /metrics", async () => {
    const before = (await metric("keyward_verify_streams_dropped_total")) ?? 0;
    let closed: string | undefined;
    h.kw.verifyEvents.subscribe({
      agencyId: null,
      write: () => false,
      close: (reason) => {
        closed = reason;
      },
    });
    await h.kw.bus.publish({ type: "all" });
    await until(() => closed !== undefined);
    expect(closed).toBe("slow");
    expect(await metric("keyward_verify_streams_dropped_total")).toBe(before + 1);
  });
});
