/**
 * `key.rate_limited`: a key's first refusal by a limit in a window queues one event for the agency's
 * subscribed endpoints (signed, verified with the standardwebhooks package); further refusals in the
 * same window do not, the next window's first does; another agency's endpoints hear nothing; and a
 * failing queue never touches the 429.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

let h: Harness;
let w: World;
let rx: Receiver;
let other: Receiver;
let admin: Client;
let secret: string;

// standardwebhooks refuses timestamps more than 5 minutes from its real clock: start at real time,
// on a 10 s boundary so the windows below are predictable.
const START = Math.floor(Date.now() / 10_000) * 10_000;

beforeAll(async () => {
  h = await startHarness({
    clock: new ManualClock(START),
    env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" },
  });
  w = await seedWorld(h.kw);
  rx = await startReceiver();
  other = await startReceiver();
  admin = await new Client(h).login(w.agencyAdmin);
  const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
    url: rx.url,
    events: ["key.rate_limited"],
  });
  expect(r.status).toBe(201);
  secret = r.body.secret;
  // Another agency's endpoint, subscribed to the same event.
  const otherAdmin = await new Client(h).login(w.otherOwner);
  const o = await otherAdmin.post(`/api/agencies/${w.otherAgencyId}/webhooks`, {
    url: other.url,
    events: ["key.rate_limited"],
  });
  expect(o.status).toBe(201);
});
afterAll(async () => {
  await rx.close();
  await other.close();
  await h.close();
});

async function statuses(token: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await withKey(h, token, "GET", "/v2/token")).status);
  return out;
}

it("the first refusal in a window queues one signed key.rate_limited; later ones in it do not", async () => {
  h.clock.set(START + 1_000);
  const k = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name: "Chatty",
    scopes: [],
    rateLimits: [{ name: "burst", limit: 2, windowSeconds: 10 }],
  });
  expect(k.status, JSON.stringify(k.body)).toBe(201);
  expect(await statuses(k.body.token, 5)).toEqual([200, 200, 429, 429, 429]);
  await h.kw.rateLimitWebhooks.settled();
  await h.kw.webhookSender.deliverDue();
  expect(rx.received).toHaveLength(1);
  const headers = {
    "webhook-id": String(rx.received[0]!.headers["webhook-id"]),
    "webhook-timestamp": String(rx.received[0]!.headers["webhook-timestamp"]),
    "webhook-signature": String(rx.received[0]!.headers["webhook-signature"]),
  };
  const event = new Webhook(secret).verify(rx.received[0]!.body, headers) as any;
  expect(event).toMatchObject({
    type: "key.rate_limited",
    timestamp: new Date(START + 1_000).toISOString(),
    data: {
      key: { id: k.body.key.id, name: "Chatty", owner: { agencyId: w.agencyId, locationId: w.loc1 } },
      limit: "burst",
      owner: "key",
      // Not before 15 s: then the previous window (2) weighs ⌈2 × 50 %⌉ = 1 and one more fits.
      retryAfterSeconds: 14,
      refusedAt: new Date(START + 1_000).toISOString(),
    },
  });
  expect(rx.received[0]!.body).not.toContain(k.body.token);

  // The next window: 2 pass less the previous window's weighted share (2 × 90 % → 2): refused at
  // once, and that is this window's first refusal.
  h.clock.set(START + 11_000);
  expect(await statuses(k.body.token, 2)).toEqual([429, 429]);
  await h.kw.rateLimitWebhooks.settled();
  await h.kw.webhookSender.deliverDue();
  expect(rx.received).toHaveLength(2);
  expect(JSON.parse(rx.received[1]!.body).data.refusedAt).toBe(new Date(START + 11_000).toISOString());
  expect(other.received).toHaveLength(0);
});

it("a failure to queue is logged, and the refusal is answered as before", async () => {
  h.clock.set(START + 41_000);
  const k = await admin.post(`/api/accounts/${w.loc1}/keys`, {
    name: "Unlucky",
    scopes: [],
    rateLimits: [{ name: "burst", limit: 1, windowSeconds: 10 }],
  });
  expect(k.status).toBe(201);
  const webhooks = h.kw.store.webhooks.bind(h.kw.store);
  const broken = () => {
    const real = webhooks();
    return Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
      enqueueEvents: () => Promise.reject(new Error("disk full")),
    });
  };
  (h.kw.store as any).webhooks = broken;
  try {
    const before = rx.received.length;
    expect(await statuses(k.body.token, 2)).toEqual([200, 429]);
    await h.kw.rateLimitWebhooks.settled();
    await h.kw.webhookSender.deliverDue();
    expect(rx.received).toHaveLength(before);
  } finally {
    (h.kw.store as any).webhooks = webhooks;
  }
});
