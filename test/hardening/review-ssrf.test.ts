/**
 * Review: webhook URLs written as IPv4-compatible IPv6 addresses (`[::127.0.0.1]`, i.e. ::7f00:1)
 * are internal addresses too: refused like the IPv4 address they embed, in every spelling.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("POST /api/agencies/{agencyId}/webhooks", () => {
  it.each([
    "https://[::127.0.0.1]/hook",
    "https://[::7f00:1]/hook",
    "https://[::169.254.169.254]/hook",
    "https://[0:0:0:0:0:0:a00:1]/hook",
    // The forms that already were refused stay refused.
    "https://2130706433/hook",
    "https://0177.0.0.1/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::1]/hook",
    "https://0.0.0.0/hook",
  ])("refuses %s as an internal address", async (url) => {
    const r = await owner.post(`/api/agencies/${w.agencyId}/webhooks`, { url, events: ["key.created"] });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("webhook_url_forbidden");
  });
});
