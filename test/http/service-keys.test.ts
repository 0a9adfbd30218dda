/**
 * Issue 12 §2: service credentials (`kw_svc_…`) of their own kind — hash-only, shown once, scoped,
 * rotated with grace and revoked like keys, audited — made by the operator (CLI, service token) for
 * every agency and by agency owners for their own; the service guard asks each route's scope; a
 * `keys:manage` credential acts for a person with that person's rights and audit trail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { inspectToken } from "../../src/core/token.js";
import { createLogger } from "../../src/logger.js";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import { openDatabase } from "../../src/store/dialect.js";
import { migrateSchema } from "../../src/store/migrate-schema.js";
import { SqliteBus } from "../../src/store/sqlite-bus.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

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

/** A call of the platform's, with a service credential (and, optionally, a person it acts for). */
async function svc(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(h.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function operatorCredential(scopes: string[], name = "gateway") {
  return h.kw.serviceKeys.create(CLI, { agencyId: null, name, scopes });
}

async function agencyCredential(agencyId: string, scopes: string[]) {
  return h.kw.serviceKeys.create(CLI, { agencyId, name: "agency", scopes });
}

const verify = (token: string, key = "kw_pit_nope") => svc(token, "POST", "/api/verify", { token: key });

describe("a service credential", () => {
  it("is a kw_svc_ token of the key format, stored by hash only and shown once", async () => {
    const { serviceKey, token } = await operatorCredential(["verify"]);
    expect(token).toMatch(/^kw_svc_[0-9A-Za-z]{38}$/);
    expect(inspectToken(token, "kw")).toEqual({ ok: true, ours: true, kind: "service" });
    expect(serviceKey).toMatchObject({ agencyId: null, scopes: ["verify"], status: "active" });
    expect(serviceKey.token).toBe(`kw_svc_…${token.slice(-4)}`);
    const rows = await h.kw.database.db.selectFrom("service_key_tokens").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    const listed = await svc(SERVICE_TOKEN, "GET", "/api/service-keys");
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(listed.body.serviceKeys.map((k: any) => k.id)).toContain(serviceKey.id);
    // A mistyped credential is refused without a database read, as a wrong one is.
    const mistyped = `${token.slice(0, -1)}${token.endsWith("x") ? "y" : "x"}`;
    expect((await verify(mistyped)).body.code).toBe("invalid_service_token");
  });

  it("verifies with the verify scope; without it, 403 naming the scope; unknown: 401", async () => {
    const v = await operatorCredential(["verify"]);
    const ok = await verify(v.token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: false, code: "malformed" });

    const p = await operatorCredential(["provision"]);
    const no = await verify(p.token);
    expect(no.status).toBe(403);
    expect(no.body.code).toBe("insufficient_service_scope");
    expect(no.body.detail).toMatch(/the verify scope/);

    for (const bad of ["kw_svc_0000000000000000000000000000000000000", "nonsense", ""]) {
      const r = await verify(bad);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("invalid_service_token");
    }
  });

  it("KEYWARD_SERVICE_TOKEN keeps working as an operator credential with every scope", async () => {
    expect((await verify(SERVICE_TOKEN)).status).toBe(200);
    const r = await svc(SERVICE_TOKEN, "POST", "/api/service-keys", {
      name: "made by token",
      scopes: ["verify"],
    });
    expect(r.status).toBe(201);
    expect(r.body.serviceKey.agencyId).toBeNull();
    expect(r.body.token).toMatch(/^kw_svc_/);
  });

  it("stops at once when revoked (the cached credential too), and the revocation is audited", async () => {
    const { serviceKey, token } = await operatorCredential(["verify"]);
    expect((await verify(token)).status).toBe(200); // now cached
    const r = await svc(SERVICE_TOKEN, "POST", `/api/service-keys/${serviceKey.id}/revoke`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "revoked" });
    expect((await verify(token)).body.code).toBe("invalid_service_token");
    const again = await svc(SERVICE_TOKEN, "DELETE", `/api/service-keys/${serviceKey.id}`);
    expect(again.status).toBe(409);
    const audit = await h.kw.database.db
      .selectFrom("audit_log")
      .select(["action", "actor_type", "actor_id"])
      .where("target_id", "=", serviceKey.id)
      .orderBy("seq")
      .execute();
    expect(audit).toEqual([
      { action: "service_key.created", actor_type: "system", actor_id: "cli" },
      { action: "service_key.revoked", actor_type: "service", actor_id: null },
    ]);
  });

  it("rotates with a grace period: the old token works until it ends, the new one at once", async () => {
    const { serviceKey, token: old } = await operatorCredential(["verify"]);
    expect((await verify(old)).status).toBe(200);
    const r = await svc(SERVICE_TOKEN, "POST", `/api/service-keys/${serviceKey.id}/rotate`, {
      expireOldAfterSeconds: 60,
    });
    expect(r.status).toBe(200);
    const fresh = r.body.token as string;
    expect(fresh).not.toBe(old);
    expect(r.body.serviceKey.rotation).toMatchObject({ pending: true, oldToken: `kw_svc_…${old.slice(-4)}` });
    expect((await verify(old)).status).toBe(200);
    expect((await verify(fresh)).status).toBe(200);
    h.clock.advance(61_000);
    expect((await verify(old)).body.code).toBe("invalid_service_token");
    expect((await verify(fresh)).status).toBe(200);
    // Rotating now: the token in use stops with the answer.
    const now = await svc(SERVICE_TOKEN, "POST", `/api/service-keys/${serviceKey.id}/rotate`, {
      expireOldAfterSeconds: 0,
    });
    expect((await verify(fresh)).body.code).toBe("invalid_service_token");
    expect((await verify(now.body.token)).status).toBe(200);
  });

  it("refuses bad input with what to fix, and creates nothing", async () => {
    const count = async () =>
      (await h.kw.database.db.selectFrom("service_keys").select("id").execute()).length;
    const before = await count();
    for (const body of [
      { name: "x", scopes: [] },
      { name: "x", scopes: ["admin"] },
      { name: "", scopes: ["verify"] },
      { name: "x", scopes: ["verify"], agencyId: "agy_nope" },
    ]) {
      const r = await svc(SERVICE_TOKEN, "POST", "/api/service-keys", body);
      expect(r.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect(await count()).toBe(before);
    await expect(
      h.kw.serviceKeys.create(CLI, { agencyId: null, name: "x", scopes: ["root"] }),
    ).rejects.toThrow(/Unknown service scope root/);
  });
});

describe("an agency's credentials", () => {
  it("are made by the owner in the console, for their agency only", async () => {
    const r = await owner.post("/api/service-keys", { name: "crm", scopes: ["verify", "provision"] });
    expect(r.status).toBe(201);
    expect(r.body.serviceKey).toMatchObject({ agencyId: w.agencyId, scopes: ["provision", "verify"] });
    const listed = await owner.get("/api/service-keys");
    expect(listed.body.serviceKeys.map((k: any) => k.id)).toContain(r.body.serviceKey.id);

    // Not for another agency, nor the operator's; not by an admin who is not the owner.
    expect(
      (await owner.post("/api/service-keys", { name: "x", scopes: ["verify"], agencyId: w.otherAgencyId }))
        .status,
    ).toBe(404);
    expect(
      (await owner.post("/api/service-keys", { name: "x", scopes: ["verify"], agencyId: null })).status,
    ).toBe(404);
    expect((await owner.get(`/api/service-keys?agencyId=${w.otherAgencyId}`)).status).toBe(404);
    const admin = await new Client(h).login(w.agencyAdmin);
    const refused = await admin.post("/api/service-keys", { name: "x", scopes: ["verify"] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("permission_denied");
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.post(`/api/service-keys/${r.body.serviceKey.id}/revoke`)).status).toBe(404);
    expect((await owner.post(`/api/service-keys/${r.body.serviceKey.id}/revoke`)).status).toBe(200);
  });

  it("never act as the operator: no agency creation, no plan, no credentials", async () => {
    const { token } = await agencyCredential(w.agencyId, ["verify", "provision", "keys:manage"]);
    const agencies = (await h.kw.store.listAgencies()).length;
    const create = await svc(token, "POST", "/api/agencies", {
      name: "Sneaky",
      plan: "agency_pro",
      owner: { email: "x@sneaky.test", name: "X", password: "correct horse battery staple" },
    });
    expect(create.status).toBe(403);
    expect(create.body.code).toBe("operator_credential_required");
    const plan = await svc(token, "PUT", `/api/agencies/${w.agencyId}/plan`, { plan: "starter" });
    expect(plan.status).toBe(403);
    expect(plan.body.code).toBe("operator_credential_required");
    const more = await svc(token, "POST", "/api/service-keys", { name: "more", scopes: ["verify"] });
    expect(more.status).toBe(403);
    expect((await h.kw.store.listAgencies()).length).toBe(agencies);
    expect((await h.kw.store.getAgency(w.agencyId))!.plan).toBe("agency_pro");
    // Verification stays theirs to use.
    expect((await verify(token)).status).toBe(200);
  });
});

describe("acting for a person (keys:manage, Keyward-Acting-User)", () => {
  it("has exactly that person's rights, and the audit log is theirs", async () => {
    const { token } = await agencyCredential(w.agencyId, ["keys:manage"]);
    const people = await h.kw.store.listUsers(w.agencyId);
    const boss1 = people.find((u) => u.email === "boss1@acme.test")!;
    const clerk1 = people.find((u) => u.email === "clerk1@acme.test")!;
    const as = (user: string) => ({ "keyward-acting-user": user });

    const made = await svc(
      token,
      "POST",
      `/api/accounts/${w.loc1}/keys`,
      { name: "from the crm" },
      as(boss1.id),
    );
    expect(made.status).toBe(201);
    const entry = (
      await h.kw.store.listAudit({ agencyId: w.agencyId, targetId: made.body.key.id, limit: 5 })
    )[0]!;
    expect(entry).toMatchObject({ action: "key.created", actorType: "user", actorId: boss1.id });
    expect(made.body.key.createdBy.id).toBe(boss1.id);

    // The location admin cannot reach the agency's keys, nor the other location: as in the console.
    expect(
      (await svc(token, "GET", `/api/accounts/${w.agencyId}/keys`, undefined, as(boss1.id))).status,
    ).toBe(404);
    expect((await svc(token, "GET", `/api/accounts/${w.loc2}/keys`, undefined, as(boss1.id))).status).toBe(
      404,
    );
    // A plain user may see keys but not make them.
    const clerk = await svc(token, "POST", `/api/accounts/${w.loc1}/keys`, { name: "x" }, as(clerk1.id));
    expect(clerk.status).toBe(403);
    expect(clerk.body.code).toBe("permission_denied");
  });

  it("answers 404 for another agency's person or an unknown one; 403 without the scope", async () => {
    const { token } = await agencyCredential(w.agencyId, ["keys:manage"]);
    const stranger = (await h.kw.store.listUsers(w.otherAgencyId))[0]!;
    for (const user of [stranger.id, "usr_nobody", "ext:nobody", ""]) {
      const r = await svc(token, "GET", `/api/accounts/${w.loc1}/keys`, undefined, {
        "keyward-acting-user": user,
      });
      expect(r.status, user).toBe(404);
      expect(r.body.code).toBe("resource_not_found");
    }
    const { token: verifier } = await agencyCredential(w.agencyId, ["verify"]);
    const boss1 = (await h.kw.store.listUsers(w.agencyId)).find((u) => u.email === "boss1@acme.test")!;
    const r = await svc(verifier, "GET", `/api/accounts/${w.loc1}/keys`, undefined, {
      "keyward-acting-user": boss1.id,
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "insufficient_service_scope" });
    expect(r.body.detail).toMatch(/keys:manage/);
    // Nor may it sign in, or manage credentials, as them.
    const cred = await svc(token, "POST", "/api/auth/logout", undefined, { "keyward-acting-user": boss1.id });
    expect(cred.status).toBe(403);
  });

  it("an operator credential acts for a person of any agency; a revoked one for nobody", async () => {
    const { serviceKey, token } = await operatorCredential(["keys:manage"]);
    const stranger = (await h.kw.store.listUsers(w.otherAgencyId)).find((u) => u.isOwner)!;
    const r = await svc(token, "GET", `/api/accounts/${w.otherAgencyId}/keys`, undefined, {
      "keyward-acting-user": stranger.id,
    });
    expect(r.status).toBe(200);
    await h.kw.serviceKeys.revoke(CLI, serviceKey.id);
    const after = await svc(token, "GET", `/api/accounts/${w.otherAgencyId}/keys`, undefined, {
      "keyward-acting-user": stranger.id,
    });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("invalid_service_token");
  });
});

describe("another process on the same SQLite file", () => {
  it("stops accepting a revoked credential on its next change-log poll", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-svc-bus-"));
    const opened: Keyward[] = [];
    const open = async () => {
      const logger = createLogger("silent");
      const database = openDatabase({ dataDir: dir });
      await migrateSchema(database.db, database.dialect);
      const bus = await SqliteBus.open({ db: database.db, logger, pollMs: 3_600_000 });
      const kw = await createKeyward({
        config: loadConfig({ KEYWARD_DATA_DIR: dir, KEYWARD_LOG_LEVEL: "silent" }),
        logger,
        database,
        bus,
      });
      opened.push(kw);
      return { kw, close: () => database.close() };
    };
    const a = await open();
    const b = await open();
    try {
      const { serviceKey, token } = await b.kw.serviceKeys.create(CLI, {
        agencyId: null,
        name: "x",
        scopes: ["verify"],
      });
      const { hashToken } = await import("../../src/core/token.js");
      expect(await a.kw.serviceKeys.authenticate(token, hashToken(token))).toMatchObject({
        id: serviceKey.id,
      });
      await b.kw.serviceKeys.revoke(CLI, serviceKey.id);
      // Cached in `a` until its poll hears of the revocation.
      expect(a.kw.serviceKeys.authenticate(token, hashToken(token))).toMatchObject({ id: serviceKey.id });
      await (a.kw.bus as SqliteBus).poll();
      expect(await a.kw.serviceKeys.authenticate(token, hashToken(token))).toBeNull();
    } finally {
      for (const kw of opened) await kw.close();
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
