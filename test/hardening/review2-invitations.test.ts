/**
 * Review 2, item 4: an invitation carries its sender's right to add people. When the admin who sent
 * it is removed or loses that right, their open invitations are cancelled in the same transaction
 * (audited), and acceptance checks the sender again — so nobody joins on the word of someone who
 * could no longer invite them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorCtx } from "../../src/service/access.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { readable, startSmtp } from "../helpers/smtp.js";

let h: Harness;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let owner: Client;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHarness({
    env: { KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, KEYWARD_MAIL_FROM: "Keyward <k@acme.test>" },
  });
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

async function tokenMailedTo(email: string): Promise<string> {
  await h.kw.outbox.deliverDue();
  const mail = [...smtp.received].reverse().find((m) => m.to.includes(email));
  expect(mail).toBeDefined();
  return /invitation#token=([A-Za-z0-9_-]+)/.exec(readable(mail!.raw))![1]!;
}

/** A fresh agency admin who invites `email` from the console; returns the admin and the link's token. */
async function adminInvites(tag: string, email: string) {
  const made = await owner.post(`/api/agencies/${w.agencyId}/users`, {
    email: `${tag}@acme.test`,
    name: tag,
    password: "a fine admin passphrase 1",
    type: "agency",
    role: "admin",
  });
  expect(made.status).toBe(201);
  const admin = await new Client(h).login(`${tag}@acme.test`, "a fine admin passphrase 1");
  const inv = await admin.post(`/api/agencies/${w.agencyId}/invitations`, {
    email,
    type: "agency",
    role: "admin",
  });
  expect(inv.status).toBe(201);
  return {
    adminId: made.body.id as string,
    invitationId: inv.body.id as string,
    token: await tokenMailedTo(email),
  };
}

const accept = (token: string) =>
  new Client(h).post("/api/invitations/accept", { token, password: "the invitee's own passphrase" });

const openIds = async () =>
  ((await owner.get(`/api/agencies/${w.agencyId}/invitations`)).body.invitations as { id: string }[]).map(
    (i) => i.id,
  );

describe("an invitation whose sender", () => {
  it("is removed stops working: cancelled with the removal, and audited", async () => {
    const { adminId, invitationId, token } = await adminInvites("leaver", "via-leaver@ext.test");
    expect(await openIds()).toContain(invitationId);
    expect((await owner.delete(`/api/users/${adminId}`)).status).toBe(200);
    expect(await openIds()).not.toContain(invitationId);
    const audit = await h.kw.store.listAudit({ agencyId: w.agencyId, targetId: invitationId, limit: 5 });
    expect(audit[0]).toMatchObject({
      action: "invitation.cancelled",
      after: { reason: "their inviter was removed" },
    });
    const r = await accept(token);
    expect([r.status, r.body.code]).toEqual([410, "invitation_cancelled"]);
    expect(await h.kw.store.getUserByEmail(w.agencyId, "via-leaver@ext.test")).toBeNull();
    // Restoring the sender does not bring the invitation back.
    expect((await owner.post(`/api/users/${adminId}/enable`)).status).toBe(200);
    expect((await accept(token)).status).toBe(410);
  });

  it("is no longer an agency admin stops working", async () => {
    const { adminId, invitationId, token } = await adminInvites("demoted", "via-demoted@ext.test");
    expect((await owner.patch(`/api/users/${adminId}`, { role: "user" })).status).toBe(200);
    expect(await openIds()).not.toContain(invitationId);
    const r = await accept(token);
    expect([r.status, r.body.code]).toEqual([410, "invitation_cancelled"]);
  });

  it("is removed by the platform (provisioning) stops working too", async () => {
    const { adminId, token } = await adminInvites("provisioned", "via-provisioned@ext.test");
    await h.kw.users.disableUser(operatorCtx(w.agencyId), adminId);
    expect((await accept(token)).status).toBe(410);
  });

  it("lost the right by a path that did not cancel it is refused at acceptance", async () => {
    const { adminId, token } = await adminInvites("sidestep", "via-sidestep@ext.test");
    // Written straight to the store: nothing cancelled the invitation, acceptance must still refuse.
    const admin = (await h.kw.store.getUser(adminId))!;
    await h.kw.store.updateUser({ ...admin, disabledAt: h.clock.now() });
    const r = await accept(token);
    expect([r.status, r.body.code]).toEqual([410, "invitation_cancelled"]);
    expect(r.body.detail).toMatch(/can no longer invite/);
  });

  it("still may invite is accepted, as is one the operator sent", async () => {
    const { adminId, token } = await adminInvites("stayer", "via-stayer@ext.test");
    // A change that keeps their right (a rename) does not touch their invitations.
    expect((await owner.patch(`/api/users/${adminId}`, { name: "Stayer Renamed" })).status).toBe(200);
    const r0 = await accept(token);
    expect(r0.status).toBe(201);
    await h.kw.invitations.invite(operatorCtx(w.agencyId), w.agencyId, {
      email: "via-operator@ext.test",
      type: "agency",
      role: "user",
    });
    expect((await accept(await tokenMailedTo("via-operator@ext.test"))).status).toBe(201);
  });
});
