/**
 * Review: an agency's credential must not learn which agency external ids exist. PUT (or sync) of
 * an agency that is not its own answered 404 when another agency had the external id and 403 when
 * none had — telling the platform's customers apart from unused ids. Both now answer 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { type Harness, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const CLI: Ctx = { ...systemCtx, actorId: "cli" };
const A = "/api/provision/agencies";

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(h.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

describe("an agency's provisioning credential naming another agency", () => {
  it("gets the same 404 whether the external id is taken or not", async () => {
    const mine = await call(SERVICE_TOKEN, "PUT", `${A}/mine`, { name: "Mine", plan: "agency_pro" });
    expect(
      (await call(SERVICE_TOKEN, "PUT", `${A}/taken`, { name: "Taken", plan: "agency_pro" })).status,
    ).toBe(200);
    const { token } = await h.kw.serviceKeys.create(CLI, {
      agencyId: mine.body.id,
      name: "p",
      scopes: ["provision"],
    });

    const taken = await call(token, "PUT", `${A}/taken`, { name: "X", plan: "agency_pro" });
    const free = await call(token, "PUT", `${A}/free`, { name: "X", plan: "agency_pro" });
    expect([free.status, free.body.code]).toEqual([taken.status, taken.body.code]);
    expect([free.status, free.body.code]).toEqual([404, "resource_not_found"]);
    expect(free.body.detail).toBe(taken.body.detail);

    const sync = (ext: string) =>
      call(token, "POST", "/api/provision/sync", {
        agency: { externalId: ext, name: "X", plan: "agency_pro" },
        users: [{ externalId: "o", email: "o@x.test", name: "O", owner: true }],
      });
    const [s1, s2] = [await sync("taken"), await sync("free")];
    expect([s2.status, s2.body.code, s2.body.detail]).toEqual([s1.status, s1.body.code, s1.body.detail]);
    expect(s2.status).toBe(404);
  });
});
