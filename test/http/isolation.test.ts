/**
 * Tenant isolation: an id of another agency answers exactly as an id that does not exist (404, same
 * code, same message) on every endpoint, changes nothing, and never shows the other tenant's data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";

let h: Harness;
let w: World;
let mine: Client;
let theirs: Client;
const B: Record<string, string> = {};
let theirToken = "";

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  mine = await new Client(h).login(w.owner);
  theirs = await new Client(h).login(w.otherOwner);
  B.agency = w.otherAgencyId;
  B.location = w.otherLoc;
  const k = await theirs.post(`/api/accounts/${w.otherLoc}/keys`, {
    name: "Their secret integration",
    scopes: ["locations.readonly", "users.readonly"],
  });
  B.key = k.body.key.id;
  theirToken = k.body.token;
  const ak = await theirs.post(`/api/accounts/${w.otherAgencyId}/keys`, { name: "Their agency key" });
  B.agencyKey = ak.body.key.id;
  B.user = (await theirs.get("/api/me")).body.user.id;
});
afterAll(() => h.close());

/** Every endpoint taking an id, as [method, path template, body]. `{id}` is replaced. */
function endpoints(ids: Record<string, string>): [string, string, unknown][] {
  return [
    ["GET", `/api/accounts/${ids.agency}/keys`, undefined],
    ["GET", `/api/accounts/${ids.location}/keys`, undefined],
    ["POST", `/api/accounts/${ids.location}/keys`, { name: "x" }],
    ["POST", `/api/accounts/${ids.agency}/keys`, { name: "x" }],
    [
      "POST",
      `/api/accounts/${ids.location}/keys/import`,
      { name: "x", kind: "private_integration", token: "abcdefghijkl" },
    ],
    ["GET", `/api/keys/${ids.key}`, undefined],
    ["PATCH", `/api/keys/${ids.key}`, { name: "x" }],
    ["POST", `/api/keys/${ids.key}/revoke`, {}],
    ["POST", `/api/keys/${ids.key}/rotate`, { expireOldAfterSeconds: 0 }],
    ["POST", `/api/keys/${ids.key}/rotation/cancel`, {}],
    ["POST", `/api/keys/${ids.key}/rotation/expire-now`, {}],
    ["POST", `/api/keys/${ids.key}/refresh`, {}],
    ["GET", `/api/keys/${ids.key}/usage`, undefined],
    ["GET", `/api/keys/${ids.agencyKey}`, undefined],
    ["POST", `/api/keys/${ids.agencyKey}/revoke`, {}],
    ["GET", `/api/agencies/${ids.agency}`, undefined],
    ["PATCH", `/api/agencies/${ids.agency}`, { plan: "starter" }],
    ["GET", `/api/agencies/${ids.agency}/settings`, undefined],
    ["PATCH", `/api/agencies/${ids.agency}/settings`, { legacyCreation: "disabled" }],
    ["GET", `/api/agencies/${ids.agency}/locations`, undefined],
    ["POST", `/api/agencies/${ids.agency}/locations`, { name: "x" }],
    ["GET", `/api/locations/${ids.location}`, undefined],
    ["PATCH", `/api/locations/${ids.location}`, { name: "x" }],
    ["DELETE", `/api/locations/${ids.location}`, undefined],
    ["GET", `/api/agencies/${ids.agency}/users`, undefined],
    [
      "POST",
      `/api/agencies/${ids.agency}/users`,
      { email: "new@x.test", name: "x", type: "agency", role: "user" },
    ],
    ["GET", `/api/users/${ids.user}`, undefined],
    ["PATCH", `/api/users/${ids.user}`, { name: "x" }],
    ["DELETE", `/api/users/${ids.user}`, undefined],
    ["GET", `/api/users/${ids.user}/keys`, undefined],
    ["POST", `/api/users/${ids.user}/keys/revoke`, {}],
    ["GET", `/api/agencies/${ids.agency}/audit`, undefined],
  ];
}

const GHOST: Record<string, string> = {
  agency: "agy_00000000000000000000",
  location: "loc_00000000000000000000",
  key: "key_00000000000000000000",
  agencyKey: "key_00000000000000000001",
  user: "usr_00000000000000000000",
};

async function snapshot() {
  const [keys, audit, agency, loc, user] = await Promise.all([
    h.kw.store.listKeys({ agencyId: B.agency! }),
    h.kw.store.listAudit({ agencyId: B.agency!, limit: 1000 }),
    h.kw.store.getAgency(B.agency!),
    h.kw.store.getLocation(B.location!),
    h.kw.store.getUser(B.user!),
  ]);
  return JSON.stringify({ keys, audit, agency, loc, user });
}

describe("ids of another agency", () => {
  it("answer 404 everywhere, like ids that do not exist, and change nothing", async () => {
    const before = await snapshot();
    const theirs = endpoints(B);
    const ghosts = endpoints(GHOST);
    for (let i = 0; i < theirs.length; i++) {
      const [method, path, body] = theirs[i]!;
      const r = await mine.request(method, path, body);
      const g = await mine.request(ghosts[i]![0], ghosts[i]![1], ghosts[i]![2]);
      const label = `${method} ${path}`;
      expect(r.status, label).toBe(404);
      expect(r.headers.get("content-type"), label).toBe("application/problem+json");
      expect(r.body.code, label).toBe("resource_not_found");
      // No hint that it exists: the same answer as for an id that does not.
      expect({ status: r.status, code: r.body.code, detail: r.body.detail }, label).toEqual({
        status: g.status,
        code: g.body.code,
        detail: g.body.detail,
      });
      const text = JSON.stringify(r.body);
      expect(text).not.toContain("Their secret integration");
      expect(text).not.toContain("Other Agency");
    }
    expect(await snapshot()).toBe(before);
  });

  it("every role of my agency gets the same 404", async () => {
    for (const email of [w.agencyAdmin, w.agencyUser, w.loc1Admin, w.loc1User]) {
      const c = await new Client(h).login(email);
      for (const [method, path, body] of endpoints(B)) {
        const r = await c.request(method, path, body);
        expect(r.status, `${email} ${method} ${path}`).toBe(404);
      }
    }
  });

  it("listings never include another tenant's data", async () => {
    const everything = [
      await mine.get(`/api/accounts/${w.agencyId}/keys?includeLocations=true&status=all`),
      await mine.get(`/api/agencies/${w.agencyId}/locations`),
      await mine.get(`/api/agencies/${w.agencyId}/users`),
      await mine.get(`/api/agencies/${w.agencyId}/audit?limit=200`),
      await mine.get("/api/me"),
    ];
    for (const r of everything) {
      expect(r.status).toBe(200);
      const text = JSON.stringify(r.body);
      for (const id of Object.values(B)) expect(text).not.toContain(id);
      expect(text).not.toContain("Their secret integration");
    }
  });

  it("an API key never reaches another tenant's locations or users", async () => {
    const k = await mine.post(`/api/accounts/${w.agencyId}/keys`, {
      name: "mine",
      scopes: ["locations.readonly", "users.readonly", "users.write", "locations.write"],
    });
    const t = k.body.token;
    const loc = await withKey(h, t, "GET", `/v2/locations/${w.otherLoc}`);
    const ghostLoc = await withKey(h, t, "GET", `/v2/locations/${GHOST.location}`);
    expect(loc.status).toBe(403);
    expect(loc.body).toEqual({ ...ghostLoc.body, instance: loc.body.instance });
    for (const [method, path, body] of [
      ["GET", `/v2/users/${B.user}`, undefined],
      ["PUT", `/v2/users/${B.user}`, { name: "x" }],
      ["DELETE", `/v2/users/${B.user}`, undefined],
    ] as const) {
      const r = await withKey(h, t, method, path, body);
      expect(r.status, path).toBe(404);
    }
    for (const [method, path, body] of [
      ["PUT", `/v2/locations/${w.otherLoc}`, { name: "x" }],
      ["DELETE", `/v2/locations/${w.otherLoc}`, undefined],
    ] as const) {
      const r = await withKey(h, t, method, path, body);
      expect(r.status, path).toBe(403);
      expect(r.body.code).toBe("location_forbidden");
    }
    const list = await withKey(h, t, "GET", "/v2/locations");
    expect(list.body.locations.map((l: any) => l.id).sort()).toEqual([w.loc1, w.loc2].sort());
    const users = await withKey(h, t, "GET", "/v2/users");
    expect(users.body.users.every((u: any) => u.agencyId === w.agencyId)).toBe(true);
    // And their key cannot reach mine.
    expect((await withKey(h, theirToken, "GET", `/v2/locations/${w.loc1}`)).body.code).toBe(
      "location_forbidden",
    );
    expect((await h.kw.store.getLocation(w.otherLoc))!.name).toBe("Elsewhere");
  });
});
