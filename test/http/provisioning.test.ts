/**
 * Issue 12 §3: the platform mirrors its tenants by its own ids. A PUT answers the same body however
 * often it is sent (and audits once); DELETEs have the console's effects; `sync` makes a whole agency
 * what its body says and reports it; management routes take `ext:` ids; every refusal changes nothing.
 */
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { openDatabase } from "../../src/store/dialect.js";
import { Client, type Harness, PASSWORD, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";

const CLI: Ctx = { ...systemCtx, actorId: "cli" };

let h: Harness;
let operator: string;
beforeAll(async () => {
  h = await startHarness();
  operator = (await h.kw.serviceKeys.create(CLI, { agencyId: null, name: "crm", scopes: ["provision"] }))
    .token;
});
afterAll(() => h.close());

function caller(hh: Harness) {
  return async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(hh.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : null,
      result: res.headers.get("keyward-provision-result"),
    };
  };
}
const call = (token: string, method: string, path: string, body?: unknown) =>
  caller(h)(token, method, path, body);
const A = "/api/provision/agencies";

/** Everything a refusal must leave as it was: rows and audit entries. */
async function snapshot(hh = h) {
  const db = hh.kw.database.db;
  const [agencies, locations, users, audit] = await Promise.all([
    db.selectFrom("agencies").selectAll().orderBy("id").execute(),
    db.selectFrom("locations").selectAll().orderBy("id").execute(),
    db.selectFrom("users").selectAll().orderBy("id").execute(),
    db.selectFrom("audit_log").select("id").execute(),
  ]);
  return JSON.stringify({ agencies, locations, users, audit: audit.length });
}

async function auditOf(targetId: string) {
  return (
    await h.kw.database.db
      .selectFrom("audit_log")
      .select(["action", "actor_type", "actor_id"])
      .where("target_id", "=", targetId)
      .orderBy("seq")
      .execute()
  ).map((e) => e.action);
}

/** An agency with an owner, a location and an account user, provisioned by PUTs. */
async function provisionAgency(ext: string) {
  const agency = await call(operator, "PUT", `${A}/${ext}`, { name: `Agency ${ext}`, plan: "agency_pro" });
  const loc = await call(operator, "PUT", `${A}/${ext}/locations/l1`, { name: "Downtown" });
  const boss = await call(operator, "PUT", `${A}/${ext}/users/u-owner`, {
    email: `owner@${ext}.test`,
    name: "Olive",
    owner: true,
  });
  const clerk = await call(operator, "PUT", `${A}/${ext}/users/u-clerk`, {
    email: `clerk@${ext}.test`,
    name: "Clerk",
    locations: ["l1"],
  });
  return { agency: agency.body, loc: loc.body, owner: boss.body, clerk: clerk.body };
}

describe("PUT by external id", () => {
  it("creates, then answers the same body again with one audit entry per object", async () => {
    const first = await call(operator, "PUT", `${A}/acme`, { name: "Acme", plan: "agency_pro" });
    expect(first.status).toBe(200);
    expect(first.result).toBe("created");
    expect(first.body).toMatchObject({ externalId: "acme", name: "Acme", plan: "agency_pro" });
    const again = await call(operator, "PUT", `${A}/acme`, { name: "Acme", plan: "agency_pro" });
    expect(again.status).toBe(200);
    expect(again.result).toBe("unchanged");
    expect(again.body).toEqual(first.body);
    expect(await auditOf(first.body.id)).toEqual(["agency.created"]);

    const loc = { name: "Downtown", timezone: "Europe/Paris" };
    const l1 = await call(operator, "PUT", `${A}/acme/locations/dt`, loc);
    const l2 = await call(operator, "PUT", `${A}/acme/locations/dt`, loc);
    expect([l1.status, l1.result, l2.result]).toEqual([200, "created", "unchanged"]);
    expect(l2.body).toEqual(l1.body);
    expect(await auditOf(l1.body.id)).toEqual(["location.created"]);

    const user = { email: "Olive@Acme.test", name: "Olive", owner: true };
    const u1 = await call(operator, "PUT", `${A}/acme/users/u1`, user);
    const u2 = await call(operator, "PUT", `${A}/acme/users/u1`, user);
    expect([u1.status, u1.result, u2.result]).toEqual([200, "created", "unchanged"]);
    expect(u2.body).toEqual(u1.body);
    expect(u1.body).toMatchObject({ email: "olive@acme.test", owner: true, type: "agency", role: "admin" });
    expect(await auditOf(u1.body.id)).toEqual(["user.created"]);

    const clerk = { email: "clerk@acme.test", name: "Clerk", locations: ["dt"], canManageKeys: false };
    const c1 = await call(operator, "PUT", `${A}/acme/users/u2`, clerk);
    expect(c1.body).toMatchObject({
      type: "account",
      role: "user",
      locations: ["dt"],
      locationIds: [l1.body.id],
    });
    expect((await call(operator, "PUT", `${A}/acme/users/u2`, clerk)).body).toEqual(c1.body);
  });

  it("updates what differs, through the console's rules, audited as the credential", async () => {
    const p = await provisionAgency("upd");
    const r = await call(operator, "PUT", `${A}/upd/users/u-clerk`, {
      email: "clerk@upd.test",
      name: "Clerk Renamed",
      role: "admin",
      locations: ["l1"],
    });
    expect(r.result).toBe("updated");
    expect(r.body).toMatchObject({ name: "Clerk Renamed", role: "admin" });
    const entries = await h.kw.store.listAudit({ agencyId: p.agency.id, targetId: p.clerk.id, limit: 10 });
    expect(entries[0]).toMatchObject({ action: "user.updated", actorType: "service" });
    expect(entries[0]!.actorId).toMatch(/^svk_/);

    const loc = await call(operator, "PUT", `${A}/upd/locations/l1`, { name: "Uptown" });
    expect([loc.result, loc.body.name]).toEqual(["updated", "Uptown"]);
    const plan = await call(operator, "PUT", `${A}/upd`, { name: "Agency upd", plan: "starter" });
    expect([plan.result, plan.body.plan]).toEqual(["updated", "starter"]);
  });

  it("disables and restores a person; a disabled person's sessions end", async () => {
    await provisionAgency("dis");
    await h.kw.users.updateUser(CLI_ADMIN(await agencyIdOf("dis")), await userIdOf("dis", "u-clerk"), {
      password: PASSWORD,
    });
    const clerk = await new Client(h).login("clerk@dis.test");
    expect((await clerk.get("/api/me")).status).toBe(200);
    const body = { email: "clerk@dis.test", name: "Clerk", locations: ["l1"], disabled: true };
    const off = await call(operator, "PUT", `${A}/dis/users/u-clerk`, body);
    expect([off.result, off.body.disabled]).toEqual(["updated", true]);
    expect((await clerk.get("/api/me")).status).toBe(401);
    const on = await call(operator, "PUT", `${A}/dis/users/u-clerk`, { ...body, disabled: false });
    expect([on.result, on.body.disabled]).toEqual(["updated", false]);
    await new Client(h).login("clerk@dis.test");
  });
});

async function agencyIdOf(ext: string): Promise<string> {
  return (await h.kw.provisioning.resolveRef(null, "agency", `ext:${ext}`))!;
}
async function userIdOf(agencyExt: string, ext: string): Promise<string> {
  return h.kw.provisioning.resolveRef(null, "user", `ext:${agencyExt}/${ext}`);
}
function CLI_ADMIN(agencyId: string): Ctx {
  return {
    ...CLI,
    actor: {
      userId: "cli",
      agencyId,
      type: "agency",
      role: "admin",
      isOwner: false,
      canManageKeys: true,
      locationIds: [],
    },
  };
}

describe("DELETE by external id", () => {
  it("a location: its keys are revoked, as in the console; again: nothing more", async () => {
    const p = await provisionAgency("del");
    const owner = await h.kw.store.getUser(p.owner.id);
    const { key } = await h.kw.keys.create(
      { ...CLI, actor: { ...CLI_ADMIN(p.agency.id).actor!, userId: owner!.id, isOwner: true } as never },
      p.loc.id,
      { name: "doomed" },
    );
    const r = await call(operator, "DELETE", `${A}/del/locations/l1`);
    expect([r.status, r.result]).toEqual([204, "deleted"]);
    expect((await h.kw.store.getKey(key.id))!.status).toBe("revoked");
    expect(await h.kw.store.getLocation(p.loc.id)).toBeNull();
    const again = await call(operator, "DELETE", `${A}/del/locations/l1`);
    expect([again.status, again.result]).toEqual([204, "unchanged"]);
    // The external id is free for a new location.
    const fresh = await call(operator, "PUT", `${A}/del/locations/l1`, { name: "Reborn" });
    expect(fresh.result).toBe("created");
    expect(fresh.body.id).not.toBe(p.loc.id);
    expect((await call(operator, "DELETE", `${A}/del/locations/nope`)).status).toBe(404);
  });

  it("a person: removed (their sessions end); the owner never", async () => {
    const p = await provisionAgency("delu");
    const r = await call(operator, "DELETE", `${A}/delu/users/u-clerk`);
    expect([r.status, r.result]).toEqual([204, "deleted"]);
    expect((await h.kw.store.getUser(p.clerk.id))!.disabledAt).not.toBeNull();
    const before = await snapshot();
    const owner = await call(operator, "DELETE", `${A}/delu/users/u-owner`);
    expect(owner.status).toBe(409);
    expect(owner.body.code).toBe("agency_owner_required");
    expect(owner.body.detail).toMatch(/owner/);
    expect(await snapshot()).toBe(before);
  });
});

describe("DELETE of an agency (closing it)", () => {
  it("revokes every key and credential and removes everyone, the owner too; again: unchanged", async () => {
    const p = await provisionAgency("close");
    const owner = await loginAsOwner(p.agency.id, p.owner.id);
    const locKey = await owner.post(`/api/accounts/${p.loc.id}/keys`, { name: "loc key" });
    const agencyKey = await owner.post(`/api/accounts/${p.agency.id}/keys`, { name: "agency key" });
    const cred = await h.kw.serviceKeys.create(CLI, {
      agencyId: p.agency.id,
      name: "c",
      scopes: ["provision"],
    });
    // The agency's own credential cannot close it.
    const before = await snapshot();
    const own = await call(cred.token, "DELETE", `${A}/close`);
    expect([own.status, own.body.code]).toEqual([403, "operator_credential_required"]);
    expect(await snapshot()).toBe(before);

    const r = await call(operator, "DELETE", `${A}/close`);
    expect([r.status, r.result]).toEqual([204, "deleted"]);
    for (const id of [locKey.body.key.id, agencyKey.body.key.id])
      expect((await h.kw.store.getKey(id))!.status).toBe("revoked");
    expect(await h.kw.store.listLocations(p.agency.id)).toEqual([]);
    expect((await h.kw.store.listUsers(p.agency.id)).every((u) => u.disabledAt !== null)).toBe(true);
    expect((await owner.get("/api/me")).status).toBe(401);
    expect((await call(cred.token, "PUT", `${A}/close/locations/l9`, { name: "X" })).status).toBe(401);
    const again = await call(operator, "DELETE", `${A}/close`);
    expect([again.status, again.result]).toEqual([204, "unchanged"]);
    expect((await call(operator, "DELETE", `${A}/never-was`)).status).toBe(404);
  });
});

describe("bad input changes nothing", () => {
  it("a body that would leave the agency without its owner: 409 saying what to fix", async () => {
    await provisionAgency("own");
    const before = await snapshot();
    for (const body of [
      { email: "owner@own.test", name: "Olive", owner: false },
      { email: "owner@own.test", name: "Olive", owner: true, disabled: true },
    ]) {
      const r = await call(operator, "PUT", `${A}/own/users/u-owner`, body);
      expect(r.status).toBe(409);
      expect(r.body.code).toBe("agency_owner_required");
      expect(r.body.detail).toMatch(/Keep owner: true and disabled: false/);
    }
    // A second owner is refused too (one per agency).
    const second = await call(operator, "PUT", `${A}/own/users/u-2`, {
      email: "two@own.test",
      name: "Two",
      owner: true,
    });
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(/already has an owner \(u-owner/);
    expect(await snapshot()).toBe(before);
  });

  it("conflicting external ids: 409", async () => {
    const p = await provisionAgency("cx");
    const before = await snapshot();
    // The clerk's e-mail, under another external id.
    const email = await call(operator, "PUT", `${A}/cx/users/u-other`, { email: "clerk@cx.test", name: "X" });
    expect(email.status).toBe(409);
    expect(email.body.detail).toMatch(/belongs to the user with external id u-clerk/);
    // Naming an object that already carries another external id.
    const loc = await call(operator, "PUT", `${A}/cx/locations/l9`, { name: "X", id: p.loc.id });
    expect(loc.status).toBe(409);
    expect(loc.body.detail).toMatch(/already has the external id l1/);
    const agency = await call(operator, "PUT", `${A}/cx-2`, { name: "X", plan: "starter", id: p.agency.id });
    expect(agency.status).toBe(409);
    const clash = await call(operator, "PUT", `${A}/cx/users/u-clerk`, {
      email: "c2@cx.test",
      name: "X",
      id: p.owner.id,
    });
    expect(clash.status).toBe(409);
    expect(await snapshot()).toBe(before);
  });

  it("unknown locations, missing plan, malformed ids: 400; unknown agency: 404", async () => {
    await provisionAgency("bad");
    const before = await snapshot();
    const cases: [string, string, unknown, number][] = [
      ["PUT", `${A}/bad/users/u-x`, { email: "x@bad.test", name: "X", locations: ["nowhere"] }, 400],
      ["PUT", `${A}/brand-new`, { name: "No plan" }, 400],
      ["PUT", `${A}/has%2Fslash`, { name: "X", plan: "starter" }, 400],
      ["PUT", `${A}/bad/users/u-x`, { email: "x@bad.test", name: "X", owner: true, role: "user" }, 400],
      ["PUT", `${A}/bad/users/u-x`, { email: "not an email", name: "X" }, 400],
      ["PUT", `${A}/nope/locations/l1`, { name: "X" }, 404],
      ["DELETE", `${A}/nope/users/u1`, undefined, 404],
      ["POST", "/api/provision/sync", { agency: { externalId: "bad", name: "X" }, users: [] }, 409],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await call(operator, method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.body.detail ?? r.body.title).toBeTruthy();
    }
    expect(await snapshot()).toBe(before);
  });

  it("without the provision scope: 403 naming it; unknown or revoked credentials: 401", async () => {
    const { serviceKey, token } = await h.kw.serviceKeys.create(CLI, {
      agencyId: null,
      name: "v",
      scopes: ["verify"],
    });
    const p = await h.kw.serviceKeys.create(CLI, { agencyId: null, name: "p", scopes: ["provision"] });
    await h.kw.serviceKeys.revoke(CLI, p.serviceKey.id);
    const before = await snapshot();
    const r = await call(token, "PUT", `${A}/scope-less`, { name: "X", plan: "starter" });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("insufficient_service_scope");
    expect(r.body.detail).toMatch(/provision scope/);
    expect((await call("kw_svc_nonsense", "PUT", `${A}/x`, { name: "X", plan: "starter" })).status).toBe(401);
    const revoked = await call(p.token, "PUT", `${A}/x`, { name: "X", plan: "starter" });
    expect([revoked.status, revoked.body.code]).toEqual([401, "invalid_service_token"]);
    expect(await snapshot()).toBe(before);
    expect(serviceKey.id).toMatch(/^svk_/);
  });
});

describe("an agency's credential (tenant isolation)", () => {
  it("provisions its own agency only, and never its plan", async () => {
    const mine = await provisionAgency("mine");
    await provisionAgency("theirs");
    const { token } = await h.kw.serviceKeys.create(CLI, {
      agencyId: mine.agency.id,
      name: "own",
      scopes: ["provision"],
    });
    const before = await snapshot();
    const other = await call(token, "PUT", `${A}/theirs/locations/l2`, { name: "Intrusion" });
    expect([other.status, other.body.code]).toEqual([404, "resource_not_found"]);
    expect((await call(token, "DELETE", `${A}/theirs/users/u-clerk`)).status).toBe(404);
    expect((await call(token, "PUT", `${A}/theirs`, { name: "Mine now" })).status).toBe(404);
    const create = await call(token, "PUT", `${A}/fresh-agency`, { name: "New", plan: "starter" });
    expect([create.status, create.body.code]).toEqual([404, "resource_not_found"]); // as a taken id: nothing told
    const plan = await call(token, "PUT", `${A}/mine`, { name: "Agency mine", plan: "starter" });
    expect([plan.status, plan.body.code]).toEqual([403, "plan_managed_by_operator"]);
    const sync = await call(token, "POST", "/api/provision/sync", {
      agency: { externalId: "theirs", name: "X" },
      users: [{ externalId: "u-owner", email: "owner@theirs.test", name: "O", owner: true }],
    });
    expect(sync.status).toBe(404);
    expect(await snapshot()).toBe(before);

    // Its own agency: yes, echoing the plan unchanged.
    const ok = await call(token, "PUT", `${A}/mine/locations/l2`, { name: "Second" });
    expect([ok.status, ok.result]).toEqual([200, "created"]);
    expect((await call(token, "PUT", `${A}/mine`, { name: "Agency mine", plan: "agency_pro" })).status).toBe(
      200,
    );
  });
});

describe("POST /api/provision/sync", () => {
  const body = {
    agency: { externalId: "syn", name: "Synced", plan: "unlimited" },
    locations: [
      { externalId: "a", name: "A" },
      { externalId: "b", name: "B" },
    ],
    users: [
      { externalId: "boss", email: "boss@syn.test", name: "Boss", owner: true },
      { externalId: "ann", email: "ann@syn.test", name: "Ann", locations: ["a"] },
      { externalId: "bob", email: "bob@syn.test", name: "Bob", locations: ["a", "b"], role: "admin" },
    ],
  };

  it("creates a whole agency, reports it, and changes nothing the second time", async () => {
    const r = await call(operator, "POST", "/api/provision/sync", body);
    expect(r.status).toBe(200);
    expect(r.body.agency).toMatchObject({ externalId: "syn", result: "created" });
    expect(r.body.locations.map((l: any) => [l.externalId, l.result])).toEqual([
      ["a", "created"],
      ["b", "created"],
    ]);
    expect(r.body.users.map((u: any) => [u.externalId, u.result])).toEqual([
      ["boss", "created"],
      ["ann", "created"],
      ["bob", "created"],
    ]);
    const audit = await snapshot();
    const again = await call(operator, "POST", "/api/provision/sync", body);
    expect(again.status).toBe(200);
    expect(
      [again.body.agency, ...again.body.locations, ...again.body.users].every(
        (o: any) => o.result === "unchanged",
      ),
    ).toBe(true);
    expect(await snapshot()).toBe(audit);
  });

  it("deletes what the body no longer names, and leaves the console's own objects alone", async () => {
    const agencyId = await agencyIdOf("syn");
    const consoles = await h.kw.accounts.createLocation(CLI_ADMIN(agencyId), agencyId, { name: "Console's" });
    const r = await call(operator, "POST", "/api/provision/sync", {
      ...body,
      locations: [{ externalId: "a", name: "A renamed" }],
      users: [body.users[0], { ...body.users[2], locations: ["a"] }],
    });
    expect(r.status).toBe(200);
    const results = (xs: any[]) => Object.fromEntries(xs.map((x) => [x.externalId, x.result]));
    expect(results(r.body.locations)).toEqual({ a: "updated", b: "deleted" });
    expect(results(r.body.users)).toEqual({ boss: "unchanged", bob: "updated", ann: "deleted" });
    expect(await h.kw.store.getLocation(consoles.location.id)).not.toBeNull();
  });

  it("refuses a body without an owner, or with two, before changing anything", async () => {
    const before = await snapshot();
    const noOwner = await call(operator, "POST", "/api/provision/sync", {
      ...body,
      users: body.users.map((u) => ({ ...u, owner: false })),
    });
    expect([noOwner.status, noOwner.body.code]).toEqual([409, "agency_owner_required"]);
    expect(noOwner.body.detail).toMatch(/mark one active user owner: true/);
    const twoOwners = await call(operator, "POST", "/api/provision/sync", {
      ...body,
      users: body.users.map((u) => ({ ...u, owner: true, type: "agency", role: "admin", locations: [] })),
    });
    expect(twoOwners.status).toBe(409);
    const otherOwner = await call(operator, "POST", "/api/provision/sync", {
      ...body,
      users: [{ externalId: "newboss", email: "nb@syn.test", name: "NB", owner: true }],
    });
    expect([otherOwner.status, otherOwner.body.code]).toEqual([409, "agency_owner_required"]);
    expect(otherOwner.body.detail).toMatch(/The agency's owner is boss/);
    expect(await snapshot()).toBe(before);
  });
});

describe("management routes take external ids", () => {
  it("ext:<id> in the caller's agency, for locations, users, accounts and agencies", async () => {
    const p = await provisionAgency("extr");
    const owner = await loginAsOwner(p.agency.id, p.owner.id);
    expect((await owner.get("/api/locations/ext:l1")).body.id).toBe(p.loc.id);
    expect((await owner.get("/api/users/ext:u-clerk")).body.id).toBe(p.clerk.id);
    expect((await owner.get("/api/agencies/ext:extr")).body.id).toBe(p.agency.id);
    expect((await owner.get("/api/accounts/ext:l1/keys")).status).toBe(200);
    expect((await owner.get("/api/accounts/ext:extr/keys")).status).toBe(200);
    // Another agency's external ids name nothing here.
    await provisionAgency("extr2");
    expect((await owner.get("/api/locations/ext:extr2/l1")).status).toBe(404);
    expect((await owner.get("/api/agencies/ext:extr2")).status).toBe(404);
    expect((await owner.get("/api/locations/ext:nothing")).status).toBe(404);
    // The service routes too: the operator's plan change by the agency's external id.
    const plan = await call(SERVICE_TOKEN, "PUT", "/api/agencies/ext:extr/plan", { plan: "starter" });
    expect([plan.status, plan.body.plan]).toEqual([200, "starter"]);
  });
});

/** Signs in as a provisioned owner, whose password the test sets directly in the store. */
async function loginAsOwner(agencyId: string, userId: string): Promise<Client> {
  const { hashPassword } = await import("../../src/service/passwords.js");
  const u = (await h.kw.store.getUser(userId))!;
  await h.kw.store.updateUser({ ...u, passwordHash: await hashPassword(PASSWORD) });
  expect(u.agencyId).toBe(agencyId);
  return new Client(h).login(u.email);
}

describe("on PostgreSQL", () => {
  it("provisions, answers the same twice, and syncs", async () => {
    const { startPostgres } = await import("../helpers/postgres.js");
    const pg = await startPostgres();
    const db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
    const p = await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: pg.url } });
    try {
      const on = caller(p);
      const put = () => on(SERVICE_TOKEN, "PUT", `${A}/pg`, { name: "On PG", plan: "agency_pro" });
      const first = await put();
      const second = await put();
      expect([first.status, first.result, second.result]).toEqual([200, "created", "unchanged"]);
      expect(second.body).toEqual(first.body);
      const sync = await on(SERVICE_TOKEN, "POST", "/api/provision/sync", {
        agency: { externalId: "pg", name: "On PG" },
        locations: [{ externalId: "l", name: "L" }],
        users: [
          { externalId: "o", email: "o@pg.test", name: "O", owner: true },
          { externalId: "u", email: "u@pg.test", name: "U", locations: ["l"] },
        ],
      });
      expect(sync.status).toBe(200);
      expect(sync.body.users.map((u: any) => u.result)).toEqual(["created", "created"]);
      const conflict = await on(SERVICE_TOKEN, "PUT", `${A}/pg/users/x`, { email: "u@pg.test", name: "X" });
      expect(conflict.status).toBe(409);
      const deleted = await on(SERVICE_TOKEN, "DELETE", `${A}/pg/locations/l`);
      expect([deleted.status, deleted.result]).toEqual([204, "deleted"]);
    } finally {
      await p.close();
      await db.close();
      await pg.stop();
    }
  });
});
