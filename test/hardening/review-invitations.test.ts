/**
 * Review: closing an agency (DELETE /api/provision/agencies/{externalId}) removes everyone — and
 * must end its open invitations too, or an invitee could still join the closed agency as an admin
 * (and re-enable the people the platform removed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorCtx } from "../../src/service/access.js";
import { Client, type Harness, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";
import { readable, startSmtp } from "../helpers/smtp.js";

const PUBLIC_URL = "https://keyward.example.test";
let h: Harness;
let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHarness({
    env: {
      KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      KEYWARD_MAIL_FROM: "Keyward <keyward@acme.test>",
      KEYWARD_PUBLIC_URL: PUBLIC_URL,
    },
  });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

async function operator(method: string, path: string, body?: unknown) {
  const res = await fetch(h.url + path, {
    method,
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function tokenMailedTo(email: string): Promise<string> {
  await h.kw.outbox.deliverDue();
  const mail = [...smtp.received].reverse().find((m) => m.to.includes(email));
  expect(mail).toBeDefined();
  return /invitation#token=([A-Za-z0-9_-]+)/.exec(readable(mail!.raw))![1]!;
}

describe("closing an agency", () => {
  it("cancels its open invitations: nobody joins a closed agency", async () => {
    const a = await operator("PUT", "/api/provision/agencies/closing", {
      name: "Closing",
      plan: "agency_pro",
    });
    expect(a.status).toBe(200);
    const owner = await operator("PUT", "/api/provision/agencies/closing/users/boss", {
      email: "boss@closing.test",
      name: "Boss",
      owner: true,
    });
    expect(owner.status).toBe(200);
    const agencyId = a.body.id as string;
    await h.kw.invitations.invite(operatorCtx(agencyId), agencyId, {
      email: "late@closing.test",
      type: "agency",
      role: "admin",
    });
    const token = await tokenMailedTo("late@closing.test");

    expect([200, 204]).toContain((await operator("DELETE", "/api/provision/agencies/closing")).status);

    const r = await new Client(h, { origin: PUBLIC_URL }).post("/api/invitations/accept", {
      token,
      password: "a brand new passphrase for me",
    });
    expect(r.status).toBe(410);
    expect(r.body.code).toBe("invitation_cancelled");
    const users = await h.kw.store.listUsers(agencyId);
    expect(users.filter((u) => u.disabledAt === null)).toEqual([]);
  });

  it("keeps no invitation link in the outbox once the e-mail is sent: the link is a live credential", async () => {
    const a = await operator("PUT", "/api/provision/agencies/open", { name: "Open", plan: "agency_pro" });
    const agencyId = a.body.id as string;
    await h.kw.invitations.invite(operatorCtx(agencyId), agencyId, {
      email: "new@open.test",
      type: "agency",
      role: "admin",
    });
    const token = await tokenMailedTo("new@open.test");
    const rows = await h.kw.store.db
      .selectFrom("outbox")
      .selectAll()
      .where("kind", "=", "invitation")
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
    // The link still works: only the copy in the database is gone.
    const r = await new Client(h, { origin: PUBLIC_URL }).post("/api/invitations/accept", {
      token,
      password: "a brand new passphrase for me",
    });
    expect(r.status).toBe(201);
  });
});
