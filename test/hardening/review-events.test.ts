/**
 * Review: an agency's verify event stream hears of its own keys only — also when it resumes with
 * `Last-Event-ID` and the events it missed were emitted while no agency stream was listening (then
 * their owners were never read, and the replay would hand it every agency's key ids).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../src/service/context.js";
import { systemCtx } from "../../src/service/context.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

const CLI: Ctx = { ...systemCtx, actorId: "cli" };

/** Opens the stream and reads what arrives within `ms` after its `ready` event; then hangs up. */
async function readStream(token: string, lastEventId?: string, ms = 300): Promise<string> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}/api/verify/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let deadline = Number.POSITIVE_INFINITY;
  try {
    while (Date.now() < deadline) {
      const timeout = new Promise<null>((r) =>
        setTimeout(() => r(null), Math.max(10, deadline - Date.now())),
      );
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk === null) break;
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      if (deadline === Number.POSITIVE_INFINITY && text.includes("event: ready")) deadline = Date.now() + ms;
    }
  } finally {
    abort.abort();
  }
  return text;
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe("GET /api/verify/events resumed by another agency's credential", () => {
  it("replays none of the other agency's key events, even those emitted while nobody scoped listened", async () => {
    const { token } = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.otherAgencyId,
      name: "other sdk",
      scopes: ["verify"],
    });
    const first = await readStream(token, undefined, 50);
    const id = /id: ([0-9a-f]{8}-\d+)\nevent: ready/.exec(first)![1]!;
    await until(() => h.kw.verifyEvents.streams === 0);

    // Meanwhile, Acme's key is revoked (no agency-scoped stream is connected).
    const k = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
      name: "secret",
      scopes: ["users.readonly"],
    });
    const keyId = k.body.key.id as string;
    const before = h.kw.verifyEvents.lastEventId;
    expect((await owner.post(`/api/keys/${keyId}/revoke`)).status).toBe(200);
    await until(() => h.kw.verifyEvents.lastEventId !== before);

    const resumed = await readStream(token, id);
    expect(resumed).toContain("event: ready");
    expect(resumed).not.toContain(keyId);
    expect(resumed).toContain("event: flush"); // what it missed is dropped, not lost

    // Acme's own operator-level listener does hear of it: the event exists.
    const operator = await h.kw.serviceKeys.create(CLI, {
      agencyId: null,
      name: "op sdk",
      scopes: ["verify"],
    });
    expect(await readStream(operator.token, id)).toContain(keyId);
  });

  it("a live agency stream hears of its own deleted location, not of another agency's", async () => {
    const other = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.otherAgencyId,
      name: "live",
      scopes: ["verify"],
    });
    const mine = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.agencyId,
      name: "mine",
      scopes: ["verify"],
    });
    const acmeLoc = (await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Gone soon" })).body;
    const acmeLocId = (acmeLoc.location ?? acmeLoc).id as string;
    const otherOwner = await new Client(h).login(w.otherOwner);
    const theirs = (await otherOwner.post(`/api/agencies/${w.otherAgencyId}/locations`, { name: "Theirs" }))
      .body;
    const theirLocId = (theirs.location ?? theirs).id as string;

    // Both streams connected (so owners are read as events happen), then both locations deleted.
    const abort = new AbortController();
    const open = async (token: string) => {
      const res = await fetch(`${h.url}/api/verify/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      return res.body!.getReader();
    };
    const readers = [await open(other.token), await open(mine.token)];
    await until(() => h.kw.verifyEvents.streams === 2);
    const texts = ["", ""];
    const pump = readers.map(async (r, i) => {
      const d = new TextDecoder();
      for (;;) {
        const c = await r.read().catch(() => ({ done: true, value: undefined }));
        if (c.done) return;
        texts[i] += d.decode(c.value, { stream: true });
      }
    });
    expect((await owner.delete(`/api/locations/${acmeLocId}`)).status).toBeLessThan(300);
    expect((await otherOwner.delete(`/api/locations/${theirLocId}`)).status).toBeLessThan(300);
    await until(() => texts[0]!.includes(theirLocId) && texts[1]!.includes(acmeLocId));
    abort.abort();
    await Promise.all(pump);
    expect(texts[0]).not.toContain(acmeLocId);
    expect(texts[1]).not.toContain(theirLocId);
  });
});
