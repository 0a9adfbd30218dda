/**
 * Leaked OAuth secrets reported to POST /api/leaks (docs/leaks.md "Apps' secrets"): a client secret
 * (`kw_cs_…`) is revoked — the other secret of a rotation in its grace keeps working — with the
 * own-agency tokens it could mint; a refresh token (`kw_ort_…`) revokes its install's token family;
 * both per the owning agency's `leakAction`, audited, their admins told. Dead or unknown ones are
 * false positives and change nothing.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR } from "../../src/core/clock.js";
import { generateToken } from "../../src/core/token.js";
import { Client, type Harness, seedWorld, startHarness, type World, withKey } from "../helpers/harness.js";
import {
  basic,
  consent,
  exchange,
  type RegisteredApp,
  refresh,
  registerApp,
  tokenRequest,
} from "../oauth/helpers.js";

const ORIGIN = { origin: "https://keys.acme.test" };

describe("leaked OAuth secrets", () => {
  let h: Harness;
  let w: World;
  let dir: string;
  let owner: Client;
  let other: Client;
  let seq = 0;
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

  const report = async (tokens: string[]) => {
    const body = JSON.stringify(
      tokens.map((token) => ({
        token,
        type: "keyward_oauth",
        url: `https://github.com/octo/app/blob/main/.env-${++seq}`,
        source: "content",
      })),
    );
    const res = await fetch(`${h.url}/api/leaks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "Github-Public-Key-Identifier": "gh-1",
        "Github-Public-Key-Signature": sign("sha256", Buffer.from(body), privateKey).toString("base64"),
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const labels = async (tokens: string[]) => {
    const r = await report(tokens);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.map((f: { label: string }) => f.label);
  };
  const cc = (app: RegisteredApp, secret = app.clientSecret!) =>
    tokenRequest(h, { grant_type: "client_credentials" }, { authorization: basic(app.clientId, secret) });
  const audit = async (c: Client, agencyId: string, action: string) =>
    (await c.get(`/api/agencies/${agencyId}/audit?action=${action}`)).body.entries as {
      targetId: string;
      after: Record<string, unknown>;
    }[];
  const inbox = async (c: Client, type: string) =>
    ((await c.get("/api/me/notifications")).body.notifications as { type: string; title: string }[]).filter(
      (n) => n.type === type,
    );
  const outbox = (kind: string) =>
    h.kw.store.db.selectFrom("outbox").select(["to_json", "subject"]).where("kind", "=", kind).execute();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyward-oauth-leaks-"));
    const keyFile = join(dir, "keys.json");
    writeFileSync(
      keyFile,
      JSON.stringify({
        public_keys: [{ key_identifier: "gh-1", key: publicKey.export({ type: "spki", format: "pem" }) }],
      }),
    );
    h = await startHarness({
      env: { KEYWARD_LEAK_REPORT_KEYS: keyFile, KEYWARD_PUBLIC_URL: "https://keys.acme.test" },
    });
    w = await seedWorld(h.kw);
    owner = await new Client(h, ORIGIN).login(w.owner);
    other = await new Client(h, ORIGIN).login(w.otherOwner);
  });

  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a leaked client secret is revoked with the tokens it minted alone; the developer's admins are told", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Leaky" });
    const minted = await cc(app);
    expect(minted.status).toBe(200);
    expect((await withKey(h, minted.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    // An install elsewhere, made with the user's consent, is not the secret's alone: it stays.
    const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
    const elsewhere = await exchange(h, app, code!);
    expect(elsewhere.status).toBe(200);

    expect(await labels([app.clientSecret!])).toEqual(["true_positive"]);

    const refused = await cc(app);
    expect([refused.status, refused.body.error]).toEqual([401, "invalid_client"]);
    const gone = await withKey(h, minted.body.access_token, "GET", "/v2/locations");
    expect([gone.status, gone.body.code]).toEqual([401, "revoked"]);
    expect((await withKey(h, elsewhere.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    expect((await owner.get(`/api/apps/${app.id}`)).body.secret).toBeNull();

    const [entry] = (await audit(owner, w.agencyId, "app.secret_leaked")).filter(
      (e) => e.targetId === app.id,
    );
    expect(entry?.after).toMatchObject({
      secret: "current",
      action: "revoked",
      accessTokensRevoked: 1,
      source: "content",
      notified: 2, // the owner and the agency admin
    });
    expect(JSON.stringify(entry)).not.toContain(app.clientSecret!);
    const notes = await inbox(owner, "app_secret_leaked");
    expect(notes.some((n) => n.title.includes("“Leaky” leaked and was revoked"))).toBe(true);
    const mails = await outbox("app_secret_leaked");
    expect(mails.some((m) => m.subject.includes("Leaky") && m.to_json.includes(w.owner))).toBe(true);

    // Reported again: it no longer works, a false positive; a new secret works.
    expect(await labels([app.clientSecret!])).toEqual(["false_positive"]);
    const rotated = await owner.post(`/api/apps/${app.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect((await cc(app, rotated.body.clientSecret)).status).toBe(200);
  });

  it("the other secret of a rotation in its grace keeps working, whichever of the two leaked", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Rotating" });
    const old = app.clientSecret!;
    const r = await owner.post(`/api/apps/${app.id}/rotate-secret`, { graceSeconds: 3600 });
    expect(r.status).toBe(200);
    const fresh = r.body.clientSecret as string;
    expect((await cc(app, old)).status).toBe(200);

    // The new one leaked: the previous one still authenticates for the rest of its grace.
    expect(await labels([fresh])).toEqual(["true_positive"]);
    expect((await cc(app, fresh)).status).toBe(401);
    expect((await cc(app, old)).status).toBe(200);

    // Another app: its previous secret leaked — the current one keeps working.
    const app2 = await registerApp(owner, w.agencyId, { name: "Rotating too" });
    const r2 = await owner.post(`/api/apps/${app2.id}/rotate-secret`, { graceSeconds: 3600 });
    expect(await labels([app2.clientSecret!])).toEqual(["true_positive"]);
    expect((await cc(app2, app2.clientSecret!)).status).toBe(401);
    expect((await cc(app2, r2.body.clientSecret)).status).toBe(200);
    const [entry] = (await audit(owner, w.agencyId, "app.secret_leaked")).filter(
      (e) => e.targetId === app2.id,
    );
    expect(entry?.after).toMatchObject({ secret: "previous", action: "revoked" });

    // A previous secret whose grace has ended is no secret any more: a false positive.
    const app3 = await registerApp(owner, w.agencyId, { name: "Rotated long ago" });
    await owner.post(`/api/apps/${app3.id}/rotate-secret`, { graceSeconds: 60 });
    h.clock.advance(HOUR);
    expect(await labels([app3.clientSecret!])).toEqual(["false_positive"]);
  });

  it("a leaked refresh token revokes its install's token family; the install's admins are told", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Synced" });
    const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
    const t = await exchange(h, app, code!);
    expect(t.status).toBe(200);
    const next = await refresh(h, app, t.body.refresh_token);
    expect(next.status).toBe(200);

    // The current one leaked (a spent one would be acted on the same way).
    expect(await labels([next.body.refresh_token])).toEqual(["true_positive"]);
    const again = await refresh(h, app, next.body.refresh_token);
    expect([again.status, again.body.error]).toEqual([400, "invalid_grant"]);
    for (const token of [t.body.access_token, next.body.access_token]) {
      const v = await withKey(h, token, "GET", "/v2/locations");
      expect([v.status, v.body.code]).toEqual([401, "revoked"]);
    }
    // The install stays (the app must be authorized again); the developer's client secret is untouched.
    const installs = (await other.get(`/api/agencies/${w.otherAgencyId}/installs`)).body.installs;
    expect(installs.some((i: { id: string }) => i.id === t.body.install_id)).toBe(true);
    expect((await cc(app)).status).toBe(200);

    const [entry] = (await audit(other, w.otherAgencyId, "app.token_leaked")).filter(
      (e) => e.targetId === t.body.install_id,
    );
    expect(entry?.after).toMatchObject({ token: "refresh_token", action: "revoked", appId: app.id });
    expect(JSON.stringify(entry)).not.toContain(next.body.refresh_token);
    const notes = await inbox(other, "app_token_leaked");
    expect(notes.some((n) => n.title.includes("“Synced” leaked"))).toBe(true);
    // The developer agency is another tenant: it hears nothing of the other agency's install here.
    expect(await inbox(owner, "app_token_leaked")).toEqual([]);

    // Now revoked: reported again, a false positive.
    expect(await labels([next.body.refresh_token])).toEqual(["false_positive"]);
  });

  it("a leaked access token (kw_oat_…) is a key's token: revoked alone, as any key", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Token only" });
    const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
    const t = await exchange(h, app, code!);
    expect(await labels([t.body.access_token])).toEqual(["true_positive"]);
    const v = await withKey(h, t.body.access_token, "GET", "/v2/locations");
    expect([v.status, v.body.code]).toEqual([401, "revoked"]);
    // The install's refresh token still gets a new access token.
    expect((await refresh(h, app, t.body.refresh_token)).status).toBe(200);
  });

  it("under leakAction notify nothing is revoked, and the admins are told to act", async () => {
    const set = await other.patch(`/api/agencies/${w.otherAgencyId}/settings`, { leakAction: "notify" });
    expect(set.status).toBe(200);
    const app = await registerApp(owner, w.agencyId, { name: "Tolerated" });
    const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
    const t = await exchange(h, app, code!);
    expect(await labels([t.body.refresh_token])).toEqual(["true_positive"]);
    expect((await withKey(h, t.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    expect((await refresh(h, app, t.body.refresh_token)).status).toBe(200);
    const notes = await inbox(other, "app_token_leaked");
    expect(notes.some((n) => n.title.includes("“Tolerated” leaked: act now"))).toBe(true);
    const [entry] = (await audit(other, w.otherAgencyId, "app.token_leaked")).filter(
      (e) => e.targetId === t.body.install_id,
    );
    expect(entry?.after).toMatchObject({ action: "notified", accessTokensRevoked: 0 });
    await other.patch(`/api/agencies/${w.otherAgencyId}/settings`, { leakAction: "revoke" });
  });

  it("unknown, mistyped, ended or uninstalled secrets are false positives and change nothing", async () => {
    const app = await registerApp(owner, w.agencyId, { name: "Bystander" });
    const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
    const t = await exchange(h, app, code!);
    const unknownSecret = generateToken("kw", "client_secret");
    const unknownRefresh = generateToken("kw", "oauth_refresh");
    const mistyped = `${app.clientSecret!.slice(0, -1)}${app.clientSecret!.endsWith("x") ? "y" : "x"}`;
    const mistypedRefresh = `${t.body.refresh_token.slice(0, -1)}${t.body.refresh_token.endsWith("x") ? "y" : "x"}`;
    expect(await labels([unknownSecret, unknownRefresh, mistyped, mistypedRefresh])).toEqual([
      "false_positive",
      "false_positive",
      "false_positive",
      "false_positive",
    ]);
    expect((await cc(app)).status).toBe(200);
    expect((await withKey(h, t.body.access_token, "GET", "/v2/locations")).status).toBe(200);

    // A refresh token of an install that was uninstalled: nothing left to act on.
    expect((await other.delete(`/api/installs/${t.body.install_id}`)).status).toBe(204);
    expect(await labels([t.body.refresh_token])).toEqual(["false_positive"]);
    // A deleted app's secret: nothing either.
    expect((await owner.delete(`/api/apps/${app.id}`)).status).toBe(204);
    expect(await labels([app.clientSecret!])).toEqual(["false_positive"]);
    const audits = (await audit(owner, w.agencyId, "app.secret_leaked")).filter((e) => e.targetId === app.id);
    expect(audits).toEqual([]);
  });
});
