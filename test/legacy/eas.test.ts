/**
 * Enhanced Account Security (docs/spec.md §5) over real HTTP: each effect on and off, the switch never
 * touching keys, key material never in any location response or the audit log while it is on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { call, keySnapshot, outbox, seedKey } from "./helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let pit: string;
let agencyV1: { id: string; token: string };
const settings = () => `/api/agencies/${w.agencyId}/settings`;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  const created = await owner.post(`/api/accounts/${w.agencyId}/keys`, {
    name: "Platform sync",
    scopes: ["locations.readonly", "locations.write", "users.readonly", "users.write"],
  });
  expect(created.status).toBe(201);
  pit = created.body.token;
  agencyV1 = await seedKey(h, w.agencyId, null, "Agency v1 integration");
});
afterAll(() => h.close());

async function setEas(on: boolean) {
  const r = await owner.patch(
    settings(),
    on ? { enhancedSecurity: true } : { enhancedSecurity: false, confirm: true },
  );
  expect(r.status).toBe(200);
  expect(r.body.enhancedSecurity).toBe(on);
}

/** Every location endpoint of every version, list and single, read and write, as each caller. */
async function everyLocationResponse(locationIds: string[], locationKeys: string[]): Promise<string[]> {
  const texts: string[] = [];
  const viaSession = async (method: string, path: string, body?: unknown) => {
    const r = await owner.request(method, path, body);
    expect(r.status, `${method} ${path}`).toBeLessThan(300);
    texts.push(JSON.stringify(r.body));
  };
  await viaSession("GET", `/api/agencies/${w.agencyId}/locations`);
  for (const id of locationIds) {
    await viaSession("GET", `/api/locations/${id}`);
    await viaSession("PATCH", `/api/locations/${id}`, { phone: "+1 555 0100" });
  }
  const viaKey = async (token: string, method: string, path: string, body?: unknown) => {
    const r = await call(h, token, method, path, body);
    expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
    texts.push(r.text);
  };
  for (const token of [pit, agencyV1.token]) {
    const v = token === pit ? "v2" : "v1";
    await viaKey(token, "GET", `/${v}/locations`);
    for (const id of locationIds) {
      await viaKey(token, "GET", `/${v}/locations/${id}`);
      await viaKey(token, "PUT", `/${v}/locations/${id}`, { timezone: "Europe/Paris" });
    }
  }
  for (const [i, token] of locationKeys.entries()) {
    await viaKey(token, "GET", "/v1/locations");
    await viaKey(token, "GET", `/v1/locations/${locationIds[i]}`);
  }
  return texts;
}

describe("Enhanced Account Security", () => {
  it("is on by default; only agency admins may change it, and turning it off needs confirmation", async () => {
    expect((await owner.get(settings())).body.enhancedSecurity).toBe(true);
    for (const who of [w.loc1Admin, w.agencyUser, w.loc1User]) {
      const c = await new Client(h).login(who);
      const r = await c.patch(settings(), { enhancedSecurity: false, confirm: true });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("permission_denied");
    }
    const unconfirmed = await owner.patch(settings(), { enhancedSecurity: false });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.code).toBe("confirmation_required");
    expect(unconfirmed.body.detail).toMatch(/strongly discouraged/);
    expect((await owner.get(settings())).body.enhancedSecurity).toBe(true);
    expect(await outbox(h, "security_disabled")).toHaveLength(0);
  });

  it("while on, creating a location (console, v2, v1) generates no key and returns none", async () => {
    const before = await keySnapshot(h, w.agencyId);
    const viaConsole = await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Console-made" });
    const viaV2 = await call(h, pit, "POST", "/v2/locations", { name: "V2-made" });
    const viaV1 = await call(h, agencyV1.token, "POST", "/v1/locations", { name: "V1-made" });
    for (const r of [viaConsole, viaV2, viaV1]) expect(r.status).toBe(201);
    expect(JSON.stringify(viaConsole.body)).not.toContain("apiKey");
    expect(viaV2.text).not.toContain("apiKey");
    expect(viaV1.text).not.toContain("apiKey");
    expect(await keySnapshot(h, w.agencyId)).toEqual(before);
  });

  let created: { id: string; apiKey: string }[] = [];

  it("turning it off is audited, e-mails the other agency admins, and touches no key", async () => {
    const before = await keySnapshot(h, w.agencyId);
    await setEas(false);
    expect(await keySnapshot(h, w.agencyId)).toEqual(before);

    const mails = await outbox(h, "security_disabled");
    expect(mails).toHaveLength(1);
    // The other agency admins: not the owner who did it, not agency users nor account admins.
    expect(JSON.parse(mails[0]!.to_json)).toEqual([w.agencyAdmin]);
    expect(mails[0]!.agency_id).toBe(w.agencyId);
    expect(mails[0]!.subject).toMatch(/Enhanced Account Security was turned off/);
    expect(mails[0]!.text_body).toContain(w.owner);
    expect(mails[0]!.text_body).toMatch(/strongly discouraged/);

    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=agency.security_changed`);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({
      actorType: "user",
      before: { enhancedSecurity: true },
      after: { enhancedSecurity: false },
    });
  });

  it("while off, a new location gets a legacy key: in its creation response, and in v1 responses only", async () => {
    const viaConsole = await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Console-made 2" });
    const viaV2 = await call(h, pit, "POST", "/v2/locations", { name: "V2-made 2" });
    const viaV1 = await call(h, agencyV1.token, "POST", "/v1/locations", { name: "V1-made 2" });
    created = [viaConsole, viaV2, viaV1].map((r) => {
      expect(r.status).toBe(201);
      expect(r.body.apiKey).toMatch(/^kw_v1_[0-9A-Za-z]{38}$/);
      return { id: r.body.id as string, apiKey: r.body.apiKey as string };
    });
    expect(new Set(created.map((c) => c.apiKey)).size).toBe(3);

    for (const c of created) {
      const keys = await h.kw.store.listKeys({ agencyId: w.agencyId, locationIds: [c.id] });
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kind: "legacy_v1", name: "Location API key", status: "active" });
      // Stored readable only as AES-256-GCM ciphertext.
      expect(keys[0]!.secretEnc).toMatch(/^v1\./);
      expect(keys[0]!.secretEnc).not.toContain(c.apiKey.slice(6));

      const own = await call(h, c.apiKey, "GET", `/v1/locations/${c.id}`);
      expect(own.status).toBe(200);
      expect(own.body.apiKey).toBe(c.apiKey);
      const v2 = await call(h, pit, "GET", `/v2/locations/${c.id}`);
      expect(v2.text).not.toContain("apiKey");
      const api = await owner.get(`/api/locations/${c.id}`);
      expect(JSON.stringify(api.body)).not.toContain("apiKey");
    }
    const list = await call(h, agencyV1.token, "GET", "/v1/locations");
    const byId = new Map(list.body.locations.map((l: any) => [l.id, l]));
    for (const c of created) expect((byId.get(c.id) as any).apiKey).toBe(c.apiKey);
    // Locations created while EAS was on have no key to show.
    expect(byId.get(w.loc1)).not.toHaveProperty("apiKey");

    const audit = JSON.stringify((await owner.get(`/api/agencies/${w.agencyId}/audit?limit=200`)).body);
    for (const c of created) expect(audit).not.toContain(c.apiKey);
    expect(audit).not.toContain("apiKey");
  });

  it("turned back on: no key created, restored or deleted, and no location response anywhere carries one", async () => {
    const before = await keySnapshot(h, w.agencyId);
    await setEas(true);
    expect(await keySnapshot(h, w.agencyId)).toEqual(before);
    // The readable copies are erased; the keys keep working.
    for (const c of created) {
      const [k] = await h.kw.store.listKeys({ agencyId: w.agencyId, locationIds: [c.id] });
      expect(k!.secretEnc).toBeNull();
    }
    const texts = await everyLocationResponse(
      created.map((c) => c.id),
      created.map((c) => c.apiKey),
    );
    expect(texts.length).toBeGreaterThan(20);
    for (const t of texts) {
      expect(t).not.toContain("apiKey");
      for (const c of created) expect(t).not.toContain(c.apiKey);
      expect(t).not.toMatch(/kw_v1_[0-9A-Za-z]{38}/);
    }
    const audit = JSON.stringify((await owner.get(`/api/agencies/${w.agencyId}/audit?limit=200`)).body);
    expect(audit).not.toContain("apiKey");
    for (const c of created) expect(audit).not.toContain(c.apiKey);
    expect(audit).not.toContain(pit);
    expect(audit).not.toContain(agencyV1.token);
    // Turning it on e-mails nobody.
    expect(await outbox(h, "security_disabled")).toHaveLength(1);

    // Off again: a key whose readable copy was erased stays unreadable (nothing is restored).
    await setEas(false);
    const again = await call(h, created[0]!.apiKey, "GET", `/v1/locations/${created[0]!.id}`);
    expect(again.status).toBe(200);
    expect(again.text).not.toContain("apiKey");
    expect(await outbox(h, "security_disabled")).toHaveLength(2);
    await setEas(true);
  });

  it("while on, the v1 user APIs answer disabled_by_security and the API cannot change roles", async () => {
    const users = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users as any[];
    const clerk = users.find((u) => u.email === w.loc1User)!;
    const newUser = { email: "zap@acme.test", name: "Zap", type: "account", locationIds: [w.loc1] };

    expect((await call(h, null, "POST", "/v1/users", newUser)).status).toBe(401);
    for (const [method, path, body] of [
      ["POST", "/v1/users", newUser],
      ["POST", "/v1/users", {}],
      ["PUT", `/v1/users/${clerk.id}`, { role: "admin" }],
      ["PUT", `/v1/users/${clerk.id}`, { name: "Renamed" }],
      ["DELETE", `/v1/users/${clerk.id}`, undefined],
    ] as const) {
      const r = await call(h, agencyV1.token, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("disabled_by_security");
    }
    for (const patch of [
      { role: "admin" },
      { type: "agency" },
      { canManageKeys: false },
      { locationIds: [w.loc2] },
    ]) {
      const r = await call(h, pit, "PUT", `/v2/users/${clerk.id}`, patch);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("disabled_by_security");
    }
    const admin = users.find((u) => u.email === w.agencyAdmin)!;
    const takeover = await call(h, pit, "PUT", `/v2/users/${admin.id}`, { password: "a brand new password" });
    expect(takeover.body.code).toBe("disabled_by_security");
    const promote = await call(h, pit, "POST", "/v2/users", { ...newUser, role: "admin" });
    expect(promote.body.code).toBe("disabled_by_security");
    expect((await call(h, pit, "PUT", `/v2/users/${clerk.id}`, { name: "Clerk One" })).status).toBe(200);
    const after = (await owner.get(`/api/users/${clerk.id}`)).body;
    expect(after).toMatchObject({ role: "user", type: "account", disabled: false, name: "Clerk One" });
  });

  it("while off, the v1 user APIs work, roles included", async () => {
    await setEas(false);
    const created = await call(h, agencyV1.token, "POST", "/v1/users", {
      email: "zap@acme.test",
      name: "Zap",
      locationIds: [w.loc1],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: "account", role: "user" });
    const promoted = await call(h, agencyV1.token, "PUT", `/v1/users/${created.body.id}`, { role: "admin" });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe("admin");
    const v2 = await call(h, pit, "PUT", `/v2/users/${created.body.id}`, { canManageKeys: false });
    expect(v2.status).toBe(200);
    const removed = await call(h, agencyV1.token, "DELETE", `/v1/users/${created.body.id}`);
    expect(removed.status).toBe(200);
    expect((await owner.get(`/api/users/${created.body.id}`)).body.disabled).toBe(true);
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=user.&actorId=${agencyV1.id}`);
    expect(audit.body.entries.map((e: any) => e.action).sort()).toEqual([
      "user.created",
      "user.disabled",
      "user.updated",
    ]);
    await setEas(true);
  });
});
