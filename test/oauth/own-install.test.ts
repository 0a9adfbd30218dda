/**
 * An app's own-agency install (client_credentials), on two nodes sharing one database — two
 * instances on one SQLite file, as two processes are, and two nodes on one PostgreSQL:
 * - racing first client_credentials calls make one install (migration 015's unique index), audited
 *   once, whichever node answers;
 * - an admin's uninstall sticks: client_credentials answers `unauthorized_client` saying an admin
 *   must install it again, until an admin does (POST /api/apps/{appId}/install, or the consent);
 *   the app revoking its own install (RFC 7009) does not block it;
 * - the purge runs on both nodes at once without doing anything twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, ManualClock } from "../../src/core/clock.js";
import { openDatabase } from "../../src/store/dialect.js";
import { Client, type Harness, seedWorld, startHarness, T0, type World } from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import {
  basic,
  consent,
  exchange,
  formPost,
  type RegisteredApp,
  registerApp,
  tokenRequest,
} from "./helpers.js";

const SECRET = "oauth-own-install-deployment-secret-0123456789";

describe.each(["sqlite", "postgres"] as const)("own-agency installs on two %s nodes", (backend) => {
  let pg: RunningPostgres | undefined;
  const databases: ReturnType<typeof openDatabase>[] = [];
  const dirs: string[] = [];
  let a: Harness;
  let b: Harness;
  let w: World;

  async function node(clock: ManualClock): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), "keyward-oauth-own-"));
    dirs.push(dir);
    const database = openDatabase(
      backend === "postgres" ? { databaseUrl: pg!.url, dataDir: dir } : { dataDir: dirs[0]! },
    );
    databases.push(database);
    return startHarness({ clock, env: { KEYWARD_SECRET: SECRET, KEYWARD_SCHEDULER: "false" }, database });
  }

  beforeAll(async () => {
    if (backend === "postgres") pg = await startPostgres();
    const clock = new ManualClock(T0);
    a = await node(clock);
    b = await node(clock);
    w = await seedWorld(a.kw);
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const d of databases) await d.close();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const cc = (n: Harness, app: RegisteredApp) =>
    tokenRequest(
      n,
      { grant_type: "client_credentials" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
  const ownInstalls = async (app: RegisteredApp) =>
    (await a.kw.store.oauth().listInstalls(w.agencyId)).filter(
      (i) => i.appId === app.id && i.locationId === null,
    );
  const installedAudits = async (app: RegisteredApp) =>
    (
      await a.kw.store.db
        .selectFrom("audit_log")
        .select("target_id")
        .where("action", "=", "app.installed")
        .where("after_json", "like", `%${app.id}%`)
        .execute()
    ).length;

  it("racing first client_credentials calls on both nodes make one install", async () => {
    const owner = await new Client(a).login(w.owner);
    for (let round = 0; round < 3; round++) {
      const app = await registerApp(owner, w.agencyId, { name: `Racer ${round}` });
      const answers = await Promise.all([a, b, a, b, a, b].map((n) => cc(n, app)));
      for (const r of answers) expect(r.status, JSON.stringify(r.body)).toBe(200);
      const installs = await ownInstalls(app);
      expect(installs).toHaveLength(1);
      expect(new Set(answers.map((r) => r.body.install_id))).toEqual(new Set([installs[0]!.id]));
      expect(await installedAudits(app)).toBe(1);
      // The database itself refuses a second active install in the same place.
      const twin = { ...installs[0]!, id: `ins_twin${round}`, installedAt: a.clock.now() };
      expect(await b.kw.store.oauth().insertInstallIfNone(twin)).toBe(false);
      await expect(a.kw.store.oauth().insertInstall(twin)).rejects.toThrow();
    }
  });

  it("an admin's uninstall sticks until an admin installs the app again", async () => {
    const owner = await new Client(a).login(w.owner);
    const app = await registerApp(owner, w.agencyId, { name: "Backend job" });
    const first = await cc(a, app);
    expect(first.status).toBe(200);
    expect((await owner.delete(`/api/installs/${first.body.install_id}`)).status).toBe(204);

    // Refused on either node, in OAuth's format, saying what to do; nothing installed.
    for (const n of [a, b]) {
      const r = await cc(n, app);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("unauthorized_client");
      expect(r.body.error_description).toMatch(/admin uninstalled/);
      expect(r.body.error_description).toContain(`POST /api/apps/${app.id}/install`);
      // RFC 6749 §5.2: error_description is printable ASCII without `"` or `\`.
      expect(r.body.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
    }
    expect(await ownInstalls(app)).toHaveLength(0);

    // Bad inputs of the way back: someone who may not, another agency's app, an unknown one.
    const staff = await new Client(b).login(w.agencyUser);
    expect((await staff.post(`/api/apps/${app.id}/install`)).status).toBe(403);
    const stranger = await new Client(b).login(w.otherOwner);
    const foreign = await stranger.post(`/api/apps/${app.id}/install`);
    expect([foreign.status, foreign.body.code]).toEqual([404, "resource_not_found"]);
    expect((await owner.post("/api/apps/app_unknown/install")).status).toBe(404);

    // An admin installs it again (on the other node): client_credentials works with that install.
    const admin = await new Client(b).login(w.agencyAdmin);
    const back = await admin.post(`/api/apps/${app.id}/install`);
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body.install).toMatchObject({
      agencyId: w.agencyId,
      locationId: null,
      locationIds: "all",
      status: "active",
      app: { id: app.id, name: "Backend job" },
    });
    const again = await cc(a, app);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.install_id).toBe(back.body.install.id);
    // Installed already: 409, saying so.
    const twice = await owner.post(`/api/apps/${app.id}/install`);
    expect([twice.status, twice.body.code]).toEqual([409, "invalid_state"]);
    expect(twice.body.detail).toMatch(/already installed/);

    // A public client has no client_credentials: nothing to install.
    const pub = await registerApp(owner, w.agencyId, { name: "SPA", public: true });
    const none = await owner.post(`/api/apps/${pub.id}/install`);
    expect([none.status, none.body.code]).toEqual([409, "invalid_state"]);

    // An admin's consent installs it again too.
    expect((await owner.delete(`/api/installs/${again.body.install_id}`)).status).toBe(204);
    expect((await cc(b, app)).status).toBe(400);
    const { code } = await consent(a, owner, app, { allow: true, locationIds: "all" });
    const t = await exchange(a, app, code!);
    expect(t.status).toBe(200);
    const viaConsent = await cc(b, app);
    expect(viaConsent.status).toBe(200);
    expect(viaConsent.body.install_id).toBe(t.body.install_id);
  });

  it("the app revoking its own install does not block its next client_credentials call", async () => {
    const owner = await new Client(a).login(w.owner);
    const app = await registerApp(owner, w.agencyId, { name: "Self-revoker" });
    const { code } = await consent(a, owner, app, { allow: true, locationIds: "all" });
    const t = await exchange(a, app, code!);
    expect(t.status).toBe(200);
    const rev = await formPost(
      b,
      "/oauth/revoke",
      { token: t.body.refresh_token },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(rev.status).toBe(200);
    expect(await ownInstalls(app)).toHaveLength(0);
    const r = await cc(a, app);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.install_id).not.toBe(t.body.install_id);
  });

  it("both nodes purging at once delete each row once", async () => {
    const owner = await new Client(a).login(w.owner);
    const app = await registerApp(owner, w.agencyId, { name: "Busy" });
    for (let i = 0; i < 12; i++) expect((await cc(i % 2 ? a : b, app)).status).toBe(200);
    a.clock.advance(9 * DAY);
    const due = (
      await a.kw.store.db
        .selectFrom("api_keys")
        .select("id")
        .where("kind", "=", "oauth")
        .where("expires_at", "<", a.clock.now() - 7 * DAY)
        .execute()
    ).length;
    expect(due).toBeGreaterThanOrEqual(12);
    const [ra, rb] = await Promise.all([a.kw.oauthPurge.run(), b.kw.oauthPurge.run()]);
    const [again] = await Promise.all([a.kw.oauthPurge.run()]);
    expect(ra.accessTokens + rb.accessTokens + again.accessTokens).toBe(due);
    expect(again.accessTokens).toBe(0);
  });
});
