/**
 * Issue 10 §3: the plan is the deployment's to set. An agency's own admins (its owner included)
 * cannot change it; the platform's service token can, on PUT /api/agencies/{id}/plan (the CLI's
 * `keyward agencies set-plan` is in cli.test.ts). Every change is audit-logged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userCtx } from "../../src/service/context.js";
import { toActor } from "../../src/service/users.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  setPlan,
  startHarness,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw, "starter");
});
afterAll(() => h.close());

describe("an agency's admins cannot buy themselves a plan", () => {
  it("refuses the owner's PATCH plan with 403 plan_managed_by_operator; the plan stays", async () => {
    const owner = await new Client(h).login(w.owner);
    const auditBefore = (await h.kw.store.listAudit({ agencyId: w.agencyId, limit: 500 })).length;
    for (const body of [{ plan: "agency_pro" }, { plan: "unlimited", name: "Renamed" }]) {
      const r = await owner.patch(`/api/agencies/${w.agencyId}`, body);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("plan_managed_by_operator");
      expect(r.body.detail).toMatch(/set by the deployment's operator.*This agency is on starter\./);
    }
    const agency = await h.kw.store.getAgency(w.agencyId);
    expect(agency).toMatchObject({ plan: "starter", name: "Acme Agency" });
    expect((await h.kw.store.listAudit({ agencyId: w.agencyId, limit: 500 })).length).toBe(auditBefore);
    // Agency keys stay refused.
    const refused = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "agency key" });
    expect(refused.body.code).toBe("plan_required");
  });

  it("still lets an admin rename the agency, echoing its unchanged plan", async () => {
    const admin = await new Client(h).login(w.agencyAdmin);
    const r = await admin.patch(`/api/agencies/${w.agencyId}`, { name: "Acme Renamed", plan: "starter" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "Acme Renamed", plan: "starter" });
    await admin.patch(`/api/agencies/${w.agencyId}`, { name: "Acme Agency" });
  });

  it("does not take a signed-in person's cookie on the plan route", async () => {
    const owner = await new Client(h).login(w.owner);
    const r = await owner.put(`/api/agencies/${w.agencyId}/plan`, { plan: "agency_pro" });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("invalid_service_token");
    const bad = await fetch(`${h.url}/api/agencies/${w.agencyId}/plan`, {
      method: "PUT",
      headers: { authorization: "Bearer not-the-service-token", "content-type": "application/json" },
      body: JSON.stringify({ plan: "agency_pro" }),
    });
    expect(bad.status).toBe(401);
    expect((await h.kw.store.getAgency(w.agencyId))!.plan).toBe("starter");
  });

  it("the service layer refuses a person's plan change whatever the route", async () => {
    const owner = (await h.kw.store.listUsers(w.agencyId)).find((u) => u.isOwner)!;
    await expect(
      h.kw.accounts.setPlan(userCtx(toActor(owner), null, null), w.agencyId, "agency_pro"),
    ).rejects.toMatchObject({ code: "plan_managed_by_operator" });
  });
});

describe("the platform's service token sets the plan", () => {
  it("upgrades and downgrades, audited as the service; agency keys follow", async () => {
    const up = await setPlan(h, w.agencyId, "agency_pro");
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ id: w.agencyId, plan: "agency_pro" });
    const owner = await new Client(h).login(w.owner);
    const key = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "agency key" });
    expect(key.status).toBe(201);
    expect((await withKey(h, key.body.token, "GET", "/v2/token")).status).toBe(200);

    const down = await setPlan(h, w.agencyId, "unlimited");
    expect(down.body.plan).toBe("unlimited");
    expect((await withKey(h, key.body.token, "GET", "/v2/token")).body.code).toBe("plan_required");

    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=agency.plan_changed`);
    expect(audit.body.entries.map((e: any) => [e.actorType, e.before.plan, e.after.plan])).toEqual([
      ["service", "agency_pro", "unlimited"],
      ["service", "starter", "agency_pro"],
    ]);
  });

  it("answers 404 for an unknown agency and 400 for an unknown plan", async () => {
    expect((await setPlan(h, "agy_nope", "starter")).status).toBe(404);
    const r = await fetch(`${h.url}/api/agencies/${w.agencyId}/plan`, {
      method: "PUT",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ plan: "gold" }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).code).toBe("validation_failed");
  });
});
