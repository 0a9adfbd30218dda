/**
 * Leaked tokens (issue 14 §2): GitHub-style signed partner reports (a P-256 key pair made here signs
 * them), both feedback labels, the revoke and notify policies, the e-mail through a real SMTP server,
 * the refusals (401 unsigned / badly signed / unknown key, replay, oversized, not JSON), the key file
 * reloaded on change, and an admin's report from the API.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR } from "../../src/core/clock.js";
import { createLogger } from "../../src/logger.js";
import { LeakReportKeys } from "../../src/service/leak-keys.js";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";

interface Received {
  to: string[];
  raw: string;
}

function smtpServer(received: Received[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address).sort(), raw });
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

const readable = (raw: string) =>
  raw
    .replace(/\r\n/g, "\n")
    .replace(/=\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

/** KEYWARD_PUBLIC_URL is set (for the e-mail's link): the console's requests come from there. */
const ORIGIN = { origin: "https://keys.acme.test" };

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, pem: publicKey.export({ type: "spki", format: "pem" }) as string };
}

function writeKeys(file: string, keys: { id: string; pem: string }[], bump = 0) {
  writeFileSync(
    file,
    JSON.stringify({
      public_keys: keys.map((k, i) => ({ key_identifier: k.id, key: k.pem, is_current: i === 0 })),
    }),
  );
  // The file's stamp (mtime, size, inode) must differ from the last one read.
  const t = new Date(Date.now() + bump * 1000);
  utimesSync(file, t, t);
}

describe("leaked tokens", () => {
  let h: Harness;
  let w: World;
  let smtp: { port: number; close(): Promise<void> };
  const received: Received[] = [];
  let dir: string;
  let keyFile: string;
  const gh = keyPair();
  const other = keyPair();
  let owner: Client;
  let boss: Client;
  let clerk: Client;
  let stranger: Client;
  let seq = 0;

  /** A GitHub-style call: the exact bytes, signed with `signer` under the key id `kid`. */
  const report = async (
    body: string,
    opts: { signer?: KeyObject; kid?: string; signature?: string; headers?: boolean } = {},
  ) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.headers !== false) {
      headers["Github-Public-Key-Identifier"] = opts.kid ?? "gh-1";
      headers["Github-Public-Key-Signature"] =
        opts.signature ?? sign("sha256", Buffer.from(body), opts.signer ?? gh.privateKey).toString("base64");
    }
    const res = await fetch(`${h.url}/api/leaks`, { method: "POST", headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const leak = (token: string, extra: Record<string, unknown> = {}) => ({
    token,
    type: "keyward_private_integration_token",
    url: `https://github.com/octo/repo/blob/main/config-${++seq}.js`,
    source: "content",
    ...extra,
  });
  const mkKey = async (c: Client, account: string, name: string) => {
    const r = await c.post(`/api/accounts/${account}/keys`, { name });
    expect(r.status).toBe(201);
    return { id: r.body.key.id as string, token: r.body.token as string };
  };
  const auditOf = async (keyId: string, action: string) =>
    (await owner.get(`/api/agencies/${w.agencyId}/audit?action=${action}&targetId=${keyId}`)).body.entries;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyward-leak-keys-"));
    keyFile = join(dir, "keys.json");
    writeKeys(keyFile, [{ id: "gh-1", pem: gh.pem }]);
    smtp = await smtpServer(received);
    h = await startHarness({
      env: {
        KEYWARD_LEAK_REPORT_KEYS: keyFile,
        KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        KEYWARD_PUBLIC_URL: "https://keys.acme.test",
      },
    });
    w = await seedWorld(h.kw);
    owner = await new Client(h, ORIGIN).login(w.owner);
    boss = await new Client(h, ORIGIN).login(w.loc1Admin);
    clerk = await new Client(h, ORIGIN).login(w.loc1User);
    stranger = await new Client(h, ORIGIN).login(w.otherOwner);
  });

  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a signed report revokes a live token (the default), labels it true_positive, and the rest false_positive", async () => {
    const k = await mkKey(boss, w.loc1, "Zapier");
    const unknown = "kw_pit_0123456789abcdefghijABCDEFGHIJKLmnopqr";
    const mistyped = `${k.token.slice(0, -1)}${k.token.endsWith("x") ? "y" : "x"}`;
    const reports = [leak(k.token), leak(unknown), leak(mistyped), leak("ghp_not_ours_at_all")];
    const r = await report(JSON.stringify(reports));
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      {
        token_hash: sha256(k.token),
        token_type: "keyward_private_integration_token",
        label: "true_positive",
      },
      {
        token_hash: sha256(unknown),
        token_type: "keyward_private_integration_token",
        label: "false_positive",
      },
      {
        token_hash: sha256(mistyped),
        token_type: "keyward_private_integration_token",
        label: "false_positive",
      },
      {
        token_hash: sha256("ghp_not_ours_at_all"),
        token_type: "keyward_private_integration_token",
        label: "false_positive",
      },
    ]);

    // Revoked at once, on this node: the token no longer verifies.
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(401);
    const view = await boss.get(`/api/keys/${k.id}`);
    expect(view.body.status).toBe("revoked");
    expect(view.body.leak).toEqual({
      reportedAt: expect.any(String),
      source: "content",
      url: reports[0]!.url,
      action: "revoked",
    });

    // key.leaked carries what a webhook payload needs, never the token or its hash.
    const [entry] = await auditOf(k.id, "key.leaked");
    expect(entry).toMatchObject({ actorType: "system", actorId: "leak-report" });
    expect(entry.after).toMatchObject({
      keyId: k.id,
      name: "Zapier",
      owner: w.loc1,
      locationId: w.loc1,
      agencyId: w.agencyId,
      status: "revoked",
      action: "revoked",
      url: reports[0]!.url,
      source: "content",
      tokenType: "keyward_private_integration_token",
    });
    expect(JSON.stringify(entry)).not.toContain(k.token);
    expect(JSON.stringify(entry)).not.toContain(sha256(k.token));
    expect(await auditOf(k.id, "key.revoked")).toHaveLength(1);

    // The key's admins are told in-app at once: the location's admin and the agency admins.
    for (const c of [boss, owner]) {
      const inbox = (await c.get("/api/me/notifications")).body;
      const n = inbox.notifications.find((x: { type: string }) => x.type === "key_leaked");
      expect(n).toMatchObject({ keyIds: [k.id], accountId: w.loc1 });
      expect(n.title).toContain("Zapier");
      expect(n.title).toContain("revoked");
    }
    // The clerk (not an admin) is not.
    const clerkInbox = (await clerk.get("/api/me/notifications")).body;
    expect(clerkInbox.notifications.filter((x: { type: string }) => x.type === "key_leaked")).toEqual([]);

    // … and by e-mail, one message, not a digest.
    const sent = await h.kw.outbox.deliverDue();
    expect(sent.sent).toHaveLength(1);
    const mail = received.at(-1)!;
    expect(mail.to).toEqual([w.agencyAdmin, w.loc1Admin, w.owner].sort());
    const text = readable(mail.raw);
    expect(text).toContain("Zapier");
    expect(text).toContain(reports[0]!.url);
    expect(text).toContain(`https://keys.acme.test/accounts/${w.loc1}/keys?highlight=${k.id}`);
    expect(text).not.toContain(k.token);
  });

  it("under the notify policy the key keeps working; the leak is recorded and the admins told", async () => {
    expect((await owner.patch(`/api/agencies/${w.agencyId}/settings`, { leakAction: "bogus" })).status).toBe(
      400,
    );
    const set = await owner.patch(`/api/agencies/${w.agencyId}/settings`, { leakAction: "notify" });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ leakAction: "notify", allowKeep: true });
    const change = (await owner.get(`/api/agencies/${w.agencyId}/audit?action=agency.updated`)).body
      .entries[0];
    expect(change.after).toMatchObject({ keyRules: { leakAction: "notify" } });
    try {
      const k = await mkKey(owner, w.agencyId, "Agency dashboard");
      // Listed twice in one report: both entries labelled, the key acted on once.
      const body = JSON.stringify([leak(k.token), leak(k.token)]);
      const r = await report(body);
      const tp = {
        token_hash: sha256(k.token),
        token_type: "keyward_private_integration_token",
        label: "true_positive",
      };
      expect(r.body).toEqual([tp, tp]);
      expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
      const view = (await owner.get(`/api/keys/${k.id}`)).body;
      expect(view.status).toBe("active");
      expect(view.leak).toMatchObject({ action: "notified", source: "content" });
      const entries = await auditOf(k.id, "key.leaked");
      expect(entries).toHaveLength(1);
      expect(entries[0].after).toMatchObject({ status: "active", action: "notified", owner: w.agencyId });
      expect(await auditOf(k.id, "key.revoked")).toEqual([]);
      // Agency key: its admins are the agency admins.
      expect((await h.kw.outbox.deliverDue()).sent).toHaveLength(1);
      expect(received.at(-1)!.to).toEqual([w.agencyAdmin, w.owner].sort());
      expect(readable(received.at(-1)!.raw)).toContain("still works");
    } finally {
      await owner.patch(`/api/agencies/${w.agencyId}/settings`, { leakAction: "revoke" });
    }
  });

  it("an unknown or dead token is a false positive and nothing else happens", async () => {
    const k = await mkKey(boss, w.loc1, "Old script");
    expect((await boss.post(`/api/keys/${k.id}/revoke`)).status).toBe(200);
    const before = (await owner.get(`/api/agencies/${w.agencyId}/audit?limit=200`)).body.entries.length;
    const mails = (await owner.get(`/api/agencies/${w.agencyId}/outbox`)).body.emails.length;
    const r = await report(JSON.stringify([leak(k.token)]));
    expect(r.body[0].label).toBe("false_positive");
    expect((await owner.get(`/api/agencies/${w.agencyId}/audit?limit=200`)).body.entries.length).toBe(before);
    expect((await owner.get(`/api/agencies/${w.agencyId}/outbox`)).body.emails.length).toBe(mails);
    expect((await boss.get(`/api/keys/${k.id}`)).body.leak).toBeNull();
  });

  it("unsigned, badly signed, signed by an unknown key or over other bytes: 401, nothing revealed or changed", async () => {
    const k = await mkKey(boss, w.loc1, "Signed only");
    const body = JSON.stringify([leak(k.token)]);
    const answers = [
      await report(body, { headers: false }),
      await report(body, { signer: other.privateKey }),
      await report(body, { kid: "gh-unknown" }),
      await report(body, { signature: "bm90IGEgc2lnbmF0dXJl" }),
      await report(body, {
        signature: sign("sha256", Buffer.from(`${body} `), gh.privateKey).toString("base64"),
      }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body.code).toBe("leak_signature_invalid");
      expect(a.body.detail).toBe(answers[0]!.body.detail);
    }
    expect((await boss.get(`/api/keys/${k.id}`)).body).toMatchObject({ status: "active", leak: null });
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(200);
  });

  it("the same signed body again within 24 hours is refused; after the window it is read again", async () => {
    const k = await mkKey(boss, w.loc1, "Replayed");
    const body = JSON.stringify([leak(k.token)]);
    expect((await report(body)).body[0].label).toBe("true_positive");
    const again = await report(body);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("leak_report_replayed");
    expect(await auditOf(k.id, "key.leaked")).toHaveLength(1);
    h.clock.advance(24 * HOUR + 1000);
    // Read again: the token is revoked by now, so a false positive.
    const later = await report(body);
    expect(later.status).toBe(200);
    expect(later.body[0].label).toBe("false_positive");
    owner = await new Client(h, ORIGIN).login(w.owner);
    boss = await new Client(h, ORIGIN).login(w.loc1Admin);
    clerk = await new Client(h, ORIGIN).login(w.loc1User);
    stranger = await new Client(h, ORIGIN).login(w.otherOwner);
  });

  it("not JSON, not the format, too many or too large: 4xx, nothing changed", async () => {
    const notJson = await report("this is not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe("invalid_json");
    const notArray = await report(JSON.stringify({ token: "kw_pit_x" }));
    expect(notArray.status).toBe(400);
    expect(notArray.body.code).toBe("validation_failed");
    expect((await report("[]")).status).toBe(400);
    const many = JSON.stringify(Array.from({ length: 1001 }, () => ({ token: "t" })));
    expect((await report(many)).status).toBe(400);
    // Larger than the deployment's body limit (64 KiB by default): refused before it is read.
    const big = JSON.stringify([leak("x".repeat(200), { url: "u".repeat(70 * 1024) })]);
    const tooLarge = await report(big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.code).toBe("payload_too_large");
  });

  it("the key file is read again when it changes: a new key is trusted, a removed one no longer", async () => {
    const next = keyPair();
    writeKeys(keyFile, [{ id: "gh-2", pem: next.pem }], 5);
    const k = await mkKey(boss, w.loc1, "Rotated partner key");
    const body = JSON.stringify([leak(k.token)]);
    expect((await report(body)).status).toBe(401); // gh-1 is gone
    const ok = await report(body, { kid: "gh-2", signer: next.privateKey });
    expect(ok.status).toBe(200);
    expect(ok.body[0].label).toBe("true_positive");
    // A broken edit trusts nothing (fails closed).
    writeFileSync(keyFile, "{ not json");
    utimesSync(keyFile, new Date(Date.now() + 10_000), new Date(Date.now() + 10_000));
    const k2 = await mkKey(boss, w.loc1, "Broken file");
    expect(
      (await report(JSON.stringify([leak(k2.token)]), { kid: "gh-2", signer: next.privateKey })).status,
    ).toBe(401);
    writeKeys(keyFile, [{ id: "gh-1", pem: gh.pem }], 15);
  });

  it("an admin reports a key leaked with a reason; others are refused, nothing changed", async () => {
    const k = await mkKey(boss, w.loc1, "Pasted in chat");
    const noReason = await boss.post(`/api/keys/${k.id}/report-leak`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe("validation_failed");
    expect((await boss.post(`/api/keys/${k.id}/report-leak`, { reason: "   " })).status).toBe(400);
    const notAdmin = await clerk.post(`/api/keys/${k.id}/report-leak`, { reason: "saw it" });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.code).toBe("permission_denied");
    expect((await stranger.post(`/api/keys/${k.id}/report-leak`, { reason: "x" })).status).toBe(404);
    expect((await boss.get(`/api/keys/${k.id}`)).body).toMatchObject({ status: "active", leak: null });

    const r = await boss.post(`/api/keys/${k.id}/report-leak`, {
      reason: "pasted in a public Slack channel",
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: "revoked",
      leak: { source: "admin", url: null, action: "revoked" },
    });
    expect((await withKey(h, k.token, "GET", "/v2/token")).status).toBe(401);
    const [entry] = await auditOf(k.id, "key.leaked");
    expect(entry).toMatchObject({ actorType: "user" });
    expect(entry.after).toMatchObject({ reason: "pasted in a public Slack channel", source: "admin" });
    const again = await boss.post(`/api/keys/${k.id}/report-leak`, { reason: "again" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invalid_state");
  });
});

describe("leak reports on PostgreSQL", () => {
  it("the same signed body sent to two nodes at once is acted on once", async () => {
    const { startPostgres } = await import("../helpers/postgres.js");
    const { openDatabase } = await import("../../src/store/dialect.js");
    const dir = mkdtempSync(join(tmpdir(), "keyward-leak-keys-"));
    const keyFile = join(dir, "keys.json");
    const gh = keyPair();
    writeKeys(keyFile, [{ id: "gh-1", pem: gh.pem }]);
    const pg = await startPostgres();
    const env = { KEYWARD_DATABASE_URL: pg.url, KEYWARD_LEAK_REPORT_KEYS: keyFile };
    const a = await startHarness({ database: openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() }), env });
    const b = await startHarness({ database: openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() }), env });
    try {
      const w = await seedWorld(a.kw, "agency_pro", "-pg");
      const owner = await new Client(a).login(w.owner);
      const k = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "Twice" });
      const body = JSON.stringify([
        { token: k.body.token, type: "t", url: "https://x.test/a", source: "content" },
      ]);
      const signature = sign("sha256", Buffer.from(body), gh.privateKey).toString("base64");
      const send = (h: Harness) =>
        fetch(`${h.url}/api/leaks`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "Github-Public-Key-Identifier": "gh-1",
            "Github-Public-Key-Signature": signature,
          },
          body,
        }).then((r) => r.status);
      const statuses = await Promise.all([send(a), send(b), send(a), send(b)]);
      expect(statuses.sort()).toEqual([200, 409, 409, 409]);
      const entries = (await owner.get(`/api/agencies/${w.agencyId}/audit?action=key.leaked`)).body.entries;
      expect(entries).toHaveLength(1);
      // Revoked on the other node too.
      expect((await withKey(b, k.body.token, "GET", "/v2/token")).status).toBe(401);
    } finally {
      await a.close();
      await b.close();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the leak report key file", () => {
  const silent = createLogger("silent");

  it("accepts GitHub's document and a bare array; unset or wrong keys trust nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "keyward-leak-keys-"));
    try {
      const k = keyPair();
      const body = Buffer.from('[{"token":"x"}]');
      const sig = sign("sha256", body, k.privateKey).toString("base64");
      const file = join(dir, "keys.json");
      writeFileSync(file, JSON.stringify([{ key_identifier: "a", key: k.pem }]));
      expect(new LeakReportKeys(file, silent).verify("a", sig, body)).toBe(true);
      expect(new LeakReportKeys(file, silent).verify("b", sig, body)).toBe(false);
      expect(new LeakReportKeys(undefined, silent).verify("a", sig, body)).toBe(false);
      expect(new LeakReportKeys(join(dir, "missing.json"), silent).verify("a", sig, body)).toBe(false);
      // An RSA or Ed25519 key is not a P-256 key: the whole file is refused.
      const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string;
      writeFileSync(
        file,
        JSON.stringify({
          public_keys: [
            { key_identifier: "a", key: k.pem },
            { key_identifier: "e", key: ed },
          ],
        }),
      );
      expect(new LeakReportKeys(file, silent).verify("a", sig, body)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
