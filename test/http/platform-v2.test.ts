/**
 * The platform API that keys protect: /v2/locations and /v2/users with their scopes; a location key
 * sees only its own location, an agency key its agency's locations; changes are audited as the key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";

let h: Harness;
let w: World;
let admin: Client;
const T: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  admin = await new Client(h).login(w.owner);
  const mk = async (name: string, account: string, scopes: string[]) => {
    const r = await admin.post(`/api/accounts/${account}/keys`, { name, scopes });
    expect(r.status).toBe(201);
    T[name] = r.body.token;
    T[`${name}Id`] = r.body.key.id;
  };
  await mk("agencyAll", w.agencyId, [
    "locations.readonly",
    "locations.write",
    "users.readonly",
    "users.write",
  ]);
  await mk("agencyRead", w.agencyId, ["locations.readonly", "users.readonly"]);
  await mk("locAll", w.loc1, ["locations.readonly", "users.readonly", "users.write"]);
  await mk("locNone", w.loc1, []);
});
afterAll(() => h.close());

describe("/v2/locations", () => {
  it("an agency key lists its agency's locations; a location key only its own", async () => {
    const a = await withKey(h, T.agencyRead!, "GET", "/v2/locations");
    expect(a.body.locations.map((l: any) => l.id).sort()).toEqual([w.loc1, w.loc2].sort());
    const l = await withKey(h, T.locAll!, "GET", "/v2/locations");
    expect(l.body.locations.map((x: any) => x.id)).toEqual([w.loc1]);
    expect((await withKey(h, T.locAll!, "GET", `/v2/locations/${w.loc1}`)).body.name).toBe("Downtown");
  });

  it("creates, updates and deletes with locations.write (agency keys), audited as the key", async () => {
    const c = await withKey(h, T.agencyAll!, "POST", "/v2/locations", {
      name: "Harbour",
      timezone: "Europe/Oslo",
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "Harbour", timezone: "Europe/Oslo", agencyId: w.agencyId });
    const u = await withKey(h, T.agencyAll!, "PUT", `/v2/locations/${c.body.id}`, { name: "Harbour 2" });
    expect(u.status).toBe(200);
    expect(u.body.name).toBe("Harbour 2");
    const d = await withKey(h, T.agencyAll!, "DELETE", `/v2/locations/${c.body.id}`);
    expect(d.status).toBe(204);
    // Gone: it answers as any location the key cannot reach (no hint it ever existed).
    const gone = await withKey(h, T.agencyAll!, "GET", `/v2/locations/${c.body.id}`);
    expect([403, 404]).toContain(gone.status);
    expect(
      (await withKey(h, T.agencyAll!, "GET", "/v2/locations")).body.locations.map((l: any) => l.id),
    ).not.toContain(c.body.id);
    const audit = await admin.get(`/api/agencies/${w.agencyId}/audit?targetId=${c.body.id}`);
    expect(audit.body.entries.map((e: any) => [e.action, e.actorType, e.actorId])).toEqual([
      ["location.deleted", "key", T.agencyAllId],
      ["location.updated", "key", T.agencyAllId],
      ["location.created", "key", T.agencyAllId],
    ]);
  });

  it("needs the right scope for each method", async () => {
    const cases: [string, string, string, unknown, string][] = [
      ["agencyRead", "POST", "/v2/locations", { name: "x" }, "locations.write"],
      ["agencyRead", "PUT", `/v2/locations/${w.loc1}`, { name: "x" }, "locations.write"],
      ["agencyRead", "DELETE", `/v2/locations/${w.loc1}`, undefined, "locations.write"],
      ["locNone", "GET", "/v2/locations", undefined, "locations.readonly"],
      ["locNone", "GET", "/v2/users", undefined, "users.readonly"],
      ["agencyRead", "POST", "/v2/users", { email: "a@b.test", name: "x" }, "users.write"],
    ];
    for (const [key, method, path, body, scope] of cases) {
      const r = await withKey(h, T[key]!, method, path, body);
      expect(r.status, `${key} ${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("insufficient_scope");
      expect(r.body.missingScopes).toEqual([scope]);
    }
    expect((await h.kw.store.getLocation(w.loc1))!.name).toBe("Downtown");
  });

  it("a location key cannot create locations nor reach another location", async () => {
    // locations.write is agency-level, so a location key can never hold it: the scope check answers.
    const r = await withKey(h, T.locAll!, "POST", "/v2/locations", { name: "x" });
    expect(r.status).toBe(403);
    expect((await withKey(h, T.locAll!, "GET", `/v2/locations/${w.loc2}`)).body.code).toBe(
      "location_forbidden",
    );
  });
});

describe("/v2/users", () => {
  it("an agency key sees the agency's users; a location key the users of its location", async () => {
    const a = await withKey(h, T.agencyRead!, "GET", "/v2/users");
    expect(a.body.users.map((u: any) => u.email)).toEqual(
      expect.arrayContaining([w.owner, w.loc1User, w.loc2Admin]),
    );
    const l = await withKey(h, T.locAll!, "GET", "/v2/users");
    expect(l.body.users.map((u: any) => u.email).sort()).toEqual([w.loc1Admin, w.loc1User].sort());
    const boss2 = a.body.users.find((u: any) => u.email === w.loc2Admin);
    expect((await withKey(h, T.locAll!, "GET", `/v2/users/${boss2.id}`)).status).toBe(404);
    expect((await withKey(h, T.agencyRead!, "GET", `/v2/users/${boss2.id}`)).body.email).toBe(w.loc2Admin);
    // Never a password hash.
    expect(JSON.stringify(a.body)).not.toMatch(/argon2|passwordHash/);
  });

  it("a location key creates account users of its own location only", async () => {
    const ok = await withKey(h, T.locAll!, "POST", "/v2/users", { email: "new1@acme.test", name: "New One" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ type: "account", role: "user", locationIds: [w.loc1] });
    for (const body of [
      { email: "new2@acme.test", name: "x", type: "agency" },
      { email: "new3@acme.test", name: "x", locationIds: [w.loc2] },
    ]) {
      const r = await withKey(h, T.locAll!, "POST", "/v2/users", body);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("location_forbidden");
      expect(await h.kw.store.getUserByEmail(w.agencyId, body.email)).toBeNull();
    }
    const dup = await withKey(h, T.locAll!, "POST", "/v2/users", { email: "new1@acme.test", name: "again" });
    expect(dup.status).toBe(409);
  });

  it("updates names, refuses role changes while Enhanced Account Security is on, removes users", async () => {
    const created = await withKey(h, T.agencyAll!, "POST", "/v2/users", {
      email: "temp@acme.test",
      name: "Temp",
      type: "account",
      locationIds: [w.loc2],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const renamed = await withKey(h, T.agencyAll!, "PUT", `/v2/users/${id}`, { name: "Temporary" });
    expect(renamed.body.name).toBe("Temporary");
    const role = await withKey(h, T.agencyAll!, "PUT", `/v2/users/${id}`, { role: "admin" });
    expect(role.body.code).toBe("disabled_by_security");
    const del = await withKey(h, T.agencyAll!, "DELETE", `/v2/users/${id}`);
    expect(del.status).toBe(204);
    expect((await h.kw.store.getUser(id))!.disabledAt).not.toBeNull();
    // The owner cannot be removed.
    const owner = (await withKey(h, T.agencyAll!, "GET", "/v2/users")).body.users.find((u: any) => u.isOwner);
    expect((await withKey(h, T.agencyAll!, "DELETE", `/v2/users/${owner.id}`)).status).toBe(403);
  });

  it("GET /v2/token describes the key", async () => {
    const r = await withKey(h, T.locAll!, "GET", "/v2/token");
    expect(r.body).toEqual({
      keyId: T.locAllId,
      name: "locAll",
      kind: "private_integration",
      agencyId: w.agencyId,
      locationId: w.loc1,
      scopes: ["locations.readonly", "users.readonly", "users.write"],
    });
  });

  it("GET /v2/token shows an edit at once (its answer is kept per cached key)", async () => {
    const id = T.locNoneId!;
    expect((await withKey(h, T.locNone!, "GET", "/v2/token")).body.name).toBe("locNone");
    const edited = await admin.patch(`/api/keys/${id}`, { name: "renamed", scopes: ["users.readonly"] });
    expect(edited.status).toBe(200);
    const r = await withKey(h, T.locNone!, "GET", "/v2/token");
    expect([r.body.name, r.body.scopes]).toEqual(["renamed", ["users.readonly"]]);
  });
});
