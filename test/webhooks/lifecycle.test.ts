/**
 * The scheduler's outcomes are events too, queued in its transaction: the inactivity warning (with
 * its lead and the action's time) and the sweep's deletion.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

let h: Harness;
let w: World;
let rx: Receiver;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } });
  w = await seedWorld(h.kw);
  rx = await startReceiver();
});
afterAll(async () => {
  await rx.close();
  await h.close();
});

it("key.inactivity_warning with lead and action time, then key.deleted from the sweep", async () => {
  const admin = await new Client(h).login(w.agencyAdmin);
  const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
    url: rx.url,
    events: ["key.inactivity_warning", "key.deleted", "key.expired"],
  });
  expect(r.status).toBe(201);
  const k = await admin.post(`/api/accounts/${w.loc1}/keys`, { name: "Dormant", scopes: [] });
  expect(k.status).toBe(201);

  // Default policy: 90 days, warnings 15, 7 and 1 day ahead, sweeps on the first of each quarter.
  h.clock.set(Date.parse("2026-03-17T00:00:00Z"));
  const tick = await h.kw.scheduler.tick();
  expect(tick.warnings.length).toBeGreaterThan(0);
  await h.kw.webhookSender.deliverDue();
  expect(rx.received).toHaveLength(1);
  const warning = JSON.parse(rx.received[0]!.body);
  expect(warning).toMatchObject({
    type: "key.inactivity_warning",
    timestamp: "2026-03-17T00:00:00.000Z",
    data: {
      key: {
        id: k.body.key.id,
        name: "Dormant",
        status: "active",
        owner: { agencyId: w.agencyId, locationId: w.loc1 },
      },
      leadDays: 15,
      actionAt: "2026-04-01T00:00:00.000Z",
      action: "delete",
    },
  });

  h.clock.set(Date.parse("2026-04-01T00:00:00Z"));
  await h.kw.scheduler.tick();
  await h.kw.webhookSender.deliverDue();
  const types = rx.received.map((x) => JSON.parse(x.body).type);
  expect(types.filter((t) => t === "key.deleted")).toHaveLength(1);
  const deleted = rx.received.map((x) => JSON.parse(x.body)).find((b) => b.type === "key.deleted");
  expect(deleted.data).toMatchObject({
    key: { id: k.body.key.id, status: "deleted" },
    reason: "inactivity",
    lastActivityAt: "2026-01-01T00:00:00.000Z",
  });
  expect(rx.received.map((x) => x.body).join("")).not.toContain(k.body.token);
});
