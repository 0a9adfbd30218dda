/**
 * The lifecycle over HTTP: notifications, banner, forecast, outbox, policy settings, listings'
 * next action, and the tombstone's answer; the digest through a real SMTP server in this process.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

const MAR17 = Date.parse("2026-03-17T00:00:00Z");
const APR1 = "2026-04-01T00:00:00Z";

interface Received {
  from: string;
  to: string[];
  raw: string;
}

function smtpServer(
  received: Received[],
  fail: () => boolean,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_addr, _session, cb) {
      if (fail()) return cb(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address).sort(),
          raw,
        });
        cb();
      });
    },
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.server.address() as { port: number }).port;
      resolve({ port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

/** Quoted-printable soft breaks and escapes undone, enough to read the body. */
function readable(raw: string): string {
  return raw
    .replace(/\r\n/g, "\n")
    .replace(/=\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

describe("lifecycle over HTTP, with the digest through real SMTP", () => {
  let h: Harness;
  let w: World;
  let smtp: { port: number; close(): Promise<void> };
  const received: Received[] = [];
  let failing = false;
  let owner: Client;
  let boss: Client;
  /** Sessions last 12 hours of the virtual clock: sign in again after moving it. */
  const relogin = async () => {
    owner = await new Client(h).login(w.owner);
    boss = await new Client(h).login(w.loc1Admin);
  };
  const keys: Record<string, { id: string; token: string }> = {};

  beforeAll(async () => {
    smtp = await smtpServer(received, () => failing);
    h = await startHarness({
      env: {
        KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        KEYWARD_MAIL_FROM: "Keyward <keyward@acme.test>",
      },
    });
    w = await seedWorld(h.kw);
    owner = await new Client(h).login(w.owner);
    boss = await new Client(h).login(w.loc1Admin);
    const mk = async (c: Client, account: string, name: string) => {
      const r = await c.post(`/api/accounts/${account}/keys`, { name });
      expect(r.status).toBe(201);
      keys[name] = { id: r.body.key.id, token: r.body.token };
    };
    await mk(boss, w.loc1, "Zapier");
    await mk(boss, w.loc1, "Reports script");
    await mk(owner, w.agencyId, "Agency dashboard");
  });

  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  it("listings show the next action and days inactive before anything is issued", async () => {
    const r = await boss.get(`/api/accounts/${w.loc1}/keys`);
    expect(r.status).toBe(200);
    for (const k of r.body.keys ?? r.body) {
      // Listings print times the core's way (milliseconds included).
      expect(Date.parse(k.nextActionAt)).toBe(Date.parse(APR1));
      expect(k.nextAction).toEqual({ action: "delete", at: k.nextActionAt });
      expect(k.daysInactive).toBe(0);
    }
  });

  it("settings show the effective policy and the digest subscription", async () => {
    const r = await owner.get(`/api/agencies/${w.agencyId}/settings`);
    expect(r.status).toBe(200);
    expect(r.body.policy).toEqual({
      inactivityDays: 90,
      action: "delete",
      sweep: "0 0 1 1,4,7,10 *",
      inAppLeadsDays: [15, 7, 1],
      emailLeadDays: 15,
      bannerHours: 24,
    });
    expect(r.body.policyOverride).toBeNull();
    expect(r.body.digest).toEqual({ subscribedAdmins: 2, noSubscriber: false });
  });

  it("an invalid policy is refused field by field; a valid one applies; null resets", async () => {
    const bad = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
      policy: { inAppLeadsDays: [100, 7], sweep: "0 0 30 2 *" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("validation_failed");
    const fields = bad.body.issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(["policy.inAppLeadsDays[0]", "policy.sweep"]);
    expect(
      bad.body.issues.find((i: { field: string }) => i.field === "policy.inAppLeadsDays[0]").message,
    ).toMatch(/longer than inactivityDays \(90\)/);

    const ok = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { policy: { action: "expire" } });
    expect(ok.status).toBe(200);
    expect(ok.body.policy.action).toBe("expire");
    expect(ok.body.policyOverride).toEqual({ action: "expire" });
    const staff = await new Client(h).login(w.agencyUser);
    expect((await staff.patch(`/api/agencies/${w.agencyId}/settings`, { policy: null })).status).toBe(403);
    const reset = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { policy: null });
    expect(reset.body.policyOverride).toBeNull();
    expect(reset.body.policy.action).toBe("delete");
  });

  it("the first warning: one notification per account to its admins, one digest to the agency admins", async () => {
    h.clock.set(MAR17);
    await relogin();
    const r = await h.kw.scheduler.tick();
    expect(r.warnings.map((x) => [x.accountId, x.keyIds.length, x.to]).sort()).toEqual(
      [
        [w.agencyId, 1, [w.agencyAdmin, w.owner].sort()],
        [w.loc1, 2, [w.loc1Admin]],
      ].sort(),
    );

    const mine = await boss.get("/api/me/notifications");
    expect(mine.status).toBe(200);
    expect(mine.body.unread).toBe(1);
    const n = mine.body.notifications[0];
    const ids = [keys.Zapier!.id, keys["Reports script"]!.id].sort();
    expect(n).toMatchObject({
      type: "inactivity_warning",
      agencyId: w.agencyId,
      accountId: w.loc1,
      leadDays: 15,
      actionAt: APR1,
      keyIds: ids,
      readAt: null,
      link: `/accounts/${w.loc1}/keys?highlight=${ids.join(",")}`,
    });
    expect(n.title).toMatch(/2 API keys in Downtown will be deleted on 1 April 2026/);
    // A location user is not an admin: nothing for them; another agency sees nothing.
    const clerk = await new Client(h).login(w.loc1User);
    expect((await clerk.get("/api/me/notifications")).body).toEqual({ unread: 0, notifications: [] });

    // Mark read: 204, then unread 0; someone else's notification is 404.
    expect((await clerk.post(`/api/me/notifications/${n.id}/read`)).status).toBe(404);
    expect((await boss.post(`/api/me/notifications/${n.id}/read`)).status).toBe(204);
    const after = await boss.get("/api/me/notifications");
    expect(after.body.unread).toBe(0);
    expect(after.body.notifications[0].readAt).toBe("2026-03-17T00:00:00Z");
  });

  it("the outbox holds the digest; delivery sends it over SMTP with the summary grouped by account", async () => {
    const pending = await owner.get(`/api/agencies/${w.agencyId}/outbox?status=pending`);
    expect(pending.status).toBe(200);
    expect(pending.body.emails).toHaveLength(1);
    const staff = await new Client(h).login(w.agencyUser);
    expect((await staff.get(`/api/agencies/${w.agencyId}/outbox`)).status).toBe(403);

    const d = await h.kw.outbox.deliverDue();
    expect(d.sent).toHaveLength(1);
    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m.to).toEqual([w.agencyAdmin, w.owner].sort());
    expect(m.from).toBe("keyward@acme.test");
    const body = readable(m.raw);
    expect(body).toMatch(/Subject: 3 API keys of Acme Agency will be deleted on 1 April 2026/);
    expect(body).toMatch(
      /Agency: Acme Agency \(1 key\)\n {2}- Agency dashboard \(Private integration\), created 2026-01-01, last used never, deleted on 2026-04-01/,
    );
    expect(body).toMatch(/Location: Downtown \(2 keys\)\n {2}- Reports script .*\n {2}- Zapier /);
    expect(body).toMatch(/Content-Type: text\/html/);
    const sent = await owner.get(`/api/agencies/${w.agencyId}/outbox?status=sent`);
    expect(sent.body.emails[0]).toMatchObject({
      kind: "inactivity_digest",
      status: "sent",
      attempts: 1,
      lastError: null,
    });
  });

  it("the forecast shows the next sweep's keys, warned, without changing anything", async () => {
    const r = await owner.get(`/api/agencies/${w.agencyId}/forecast?sweeps=2`);
    expect(r.status).toBe(200);
    expect(r.body.sweeps.map((s: { at: string }) => s.at)).toEqual([APR1, "2026-07-01T00:00:00Z"]);
    expect(
      r.body.sweeps[0].keys.map((k: { name: string; warned: boolean; daysInactive: number }) => [
        k.name,
        k.warned,
        k.daysInactive,
      ]),
    ).toEqual([
      ["Agency dashboard", true, 75],
      ["Reports script", true, 75],
      ["Zapier", true, 75],
    ]);
    expect((await boss.get(`/api/agencies/${w.agencyId}/forecast`)).status).toBe(403);
  });

  it("the banner is derived: it shows from 24 hours before the sweep, without the scheduler running", async () => {
    h.clock.set(Date.parse("2026-03-30T23:59:59Z"));
    await relogin();
    expect((await boss.get(`/api/accounts/${w.loc1}/banner`)).status).toBe(204);
    h.clock.set(Date.parse("2026-03-31T00:00:00Z"));
    const b = await boss.get(`/api/accounts/${w.loc1}/banner`);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ accountId: w.loc1, actionAt: APR1, action: "delete", count: 2 });
    expect(b.body.message).toMatch(
      /2 API keys of Downtown have not been used for 90 days\. They will be deleted on 1 April 2026/,
    );
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/accounts/${w.loc1}/banner`)).status).toBe(404);
  });

  it("a use of a warned key is written through and spares it: its banner count drops", async () => {
    const v = await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ token: keys.Zapier!.token }),
    });
    expect(((await v.json()) as any).code).toBe("valid");
    // No flush: a warned key's use is already in the database.
    const b = await boss.get(`/api/accounts/${w.loc1}/banner`);
    expect(b.body.keyIds).toEqual([keys["Reports script"]!.id]);
  });

  it("the sweep deletes the rest: a tombstone that answers deleted with the date; a failed e-mail is visible", async () => {
    h.clock.set(Date.parse(APR1));
    await relogin();
    const r = await h.kw.scheduler.tick();
    expect(r.actions.map((a) => a.keyId).sort()).toEqual(
      [keys["Reports script"]!.id, keys["Agency dashboard"]!.id].sort(),
    );
    const v = await fetch(`${h.url}/api/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ token: keys["Reports script"]!.token }),
    });
    const answer = (await v.json()) as any;
    expect(answer.code).toBe("deleted");
    expect(answer.message).toMatch(/deleted on 2026-04-01T00:00:00Z after 90 days without use/);
    expect((await boss.get(`/api/accounts/${w.loc1}/banner`)).status).toBe(204);
    const audit = await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.deleted`);
    expect(audit.body.entries?.length ?? audit.body.length).toBe(2);

    // The next digest fails at the SMTP server: retried with backoff, then failed and visible.
    h.clock.set(Date.parse("2026-06-16T00:00:00Z"));
    await h.kw.scheduler.tick();
    failing = true;
    let t = h.clock.now();
    for (let i = 0; i < 8; i++) {
      await h.kw.outbox.deliverDue(t);
      t += 7 * 3_600_000;
      h.clock.set(t);
    }
    await relogin();
    const failed = await owner.get(`/api/agencies/${w.agencyId}/outbox?status=failed`);
    expect(failed.body.emails).toHaveLength(1);
    expect(failed.body.emails[0]).toMatchObject({ status: "failed", attempts: 8 });
    expect(failed.body.emails[0].lastError).toMatch(/550/);
  });

  it("with every admin opted out of the digest, the agency is flagged", async () => {
    for (const email of [w.owner, w.agencyAdmin]) {
      const c = await new Client(h).login(email);
      const me = await c.get("/api/me");
      expect((await c.patch(`/api/users/${me.body.user.id}`, { digestOptOut: true })).status).toBe(200);
    }
    const r = await owner.get(`/api/agencies/${w.agencyId}/settings`);
    expect(r.body.digest).toEqual({ subscribedAdmins: 0, noSubscriber: true });
  });
});

describe("without SMTP", () => {
  it("e-mails are written as .eml files under <dataDir>/outbox", async () => {
    const h = await startHarness();
    try {
      const w = await seedWorld(h.kw);
      const owner = await new Client(h).login(w.owner);
      expect((await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Old" })).status).toBe(201);
      h.clock.set(MAR17);
      await h.kw.scheduler.tick();
      const d = await h.kw.outbox.deliverDue();
      expect(d.sent).toHaveLength(1);
      const files = readdirSync(join(h.dataDir, "outbox"));
      expect(files).toEqual([`${d.sent[0]}.eml`]);
      expect(readFileSync(join(h.dataDir, "outbox", files[0]!), "utf8")).toMatch(
        /Subject: 1 API key of Acme Agency/,
      );
    } finally {
      await h.close();
    }
  });
});
