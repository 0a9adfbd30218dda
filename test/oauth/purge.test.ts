/**
 * The OAuth purge (docs/oauth.md "Purge"), on SQLite and on PostgreSQL, on the injected clock: ended
 * access tokens (with every row naming them), revoked/expired refresh tokens and expired codes go a
 * week after they ended, spent refresh tokens 30 days after their use, expired requests at once;
 * rows within their retention stay and still answer why they stopped; nothing live is touched, nor
 * any other kind of key; an install's last use survives its tokens; a run is bounded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, ManualClock, MINUTE } from "../../src/core/clock.js";
import { hashToken } from "../../src/core/token.js";
import { createLogger } from "../../src/logger.js";
import { OAuthPurge } from "../../src/scheduler/oauth-purge.js";
import { openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  seedWorld,
  startHarness,
  T0,
  type World,
  withKey,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";
import {
  authorize,
  basic,
  consent,
  exchange,
  formPost,
  pkce,
  REDIRECT,
  type RegisteredApp,
  refresh,
  registerApp,
  tokenRequest,
} from "./helpers.js";

describe.each(["sqlite", "postgres"] as const)("the OAuth purge on %s", (backend) => {
  let pg: RunningPostgres | undefined;
  let database: ReturnType<typeof openDatabase> | undefined;
  let dir: string;
  let h: Harness;
  let w: World;
  let app: RegisteredApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyward-oauth-purge-"));
    if (backend === "postgres") {
      pg = await startPostgres();
      database = openDatabase({ databaseUrl: pg.url, dataDir: dir });
    }
    h = await startHarness({
      clock: new ManualClock(T0),
      env: { KEYWARD_SCHEDULER: "false" },
      ...(database ? { database } : {}),
    });
    w = await seedWorld(h.kw);
    app = await registerApp(await new Client(h).login(w.owner), w.agencyId);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await database?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const owner = () => new Client(h).login(w.owner);
  const stranger = () => new Client(h).login(w.otherOwner);
  const keyOf = async (token: string) => (await h.kw.store.findToken(hashToken(token)))?.key ?? null;
  const refreshRow = (token: string) => h.kw.store.oauth().getRefreshToken(hashToken(token));
  const codeRow = (code: string) => h.kw.store.oauth().getCode(hashToken(code));
  const cc = () =>
    tokenRequest(
      h,
      { grant_type: "client_credentials" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );

  it("deletes what ended past its retention, keeps the rest, and keeps the install's last use", async () => {
    const start = h.clock.now();
    // A live install in another agency (the app is public): code, tokens, a refresh.
    const other = await stranger();
    const { verifier, challenge } = pkce();
    const got = await consent(h, other, app, { allow: true, locationIds: "all" }, { challenge });
    const first = await exchange(h, app, got.code!, verifier);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const installId = first.body.install_id as string;
    expect((await withKey(h, first.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    await h.kw.usage.flush();
    const usedAt = h.clock.now();
    const second = await refresh(h, app, first.body.refresh_token);
    expect(second.status).toBe(200);
    // A location token from it, a client_credentials token, a code never exchanged, a pending request.
    const loc = await formPost(
      h,
      "/oauth/locationToken",
      { locationId: w.otherLoc },
      { authorization: `Bearer ${second.body.access_token}` },
    );
    expect(loc.status, JSON.stringify(loc.body)).toBe(200);
    const own = await cc();
    expect(own.status).toBe(200);
    const unexchanged = await consent(h, other, app, { allow: true, locationIds: "all" });
    const pending = await authorize(h, {
      response_type: "code",
      client_id: app.clientId,
      redirect_uri: REDIRECT,
    });
    expect(pending.status).toBe(302);
    const requestId = new URL(pending.location!, h.url).searchParams.get("request")!;
    // An install uninstalled by its admin: revoked tokens.
    const app2 = await registerApp(await owner(), w.agencyId, { name: "Gone Soon" });
    const g = await consent(h, other, app2, { allow: true, locationIds: "all" });
    const gone = await exchange(h, app2, g.code!);
    expect(gone.status).toBe(200);
    expect((await other.delete(`/api/installs/${gone.body.install_id}`)).status).toBe(204);
    // Keys of other kinds, one whose lifetime ended at once too: the purge never touches them.
    const pit = await (await owner()).post(`/api/accounts/${w.loc1}/keys`, {
      name: "not an app's",
      scopes: [],
      expiresAt: new Date(start + 30 * MINUTE).toISOString(),
    });
    expect(pit.status, JSON.stringify(pit.body)).toBe(201);

    const ended = [first, second, own, gone].map((t) => t.body.access_token as string);
    ended.push(loc.body.access_token);

    // A week after the codes expired (2 min) but not after: everything stays; the request goes at once.
    h.clock.set(start + 7 * DAY);
    let r = await h.kw.oauthPurge.run();
    expect(r).toMatchObject({ accessTokens: 0, refreshTokens: 0, codes: 0, more: false });
    expect(r.requests).toBeGreaterThanOrEqual(1);
    expect(await h.kw.store.oauth().getRequest(requestId)).toBeNull();
    expect(await codeRow(unexchanged.code!)).not.toBeNull();
    expect(await codeRow(got.code!)).not.toBeNull();
    // An ended token within its week still says why: expired (or revoked), not not_found.
    const why = await withKey(h, first.body.access_token, "GET", "/v2/locations");
    expect([why.status, why.body.code]).toEqual([401, "expired"]);
    const revoked = await withKey(h, gone.body.access_token, "GET", "/v2/locations");
    expect(revoked.body.code).toBe("revoked");

    h.clock.set(start + 7 * DAY + 3 * MINUTE);
    r = await h.kw.oauthPurge.run();
    // The codes (expired 2 minutes after they were made) and the uninstalled install's refresh token
    // (revoked at the start) are a week past their end.
    expect(r).toMatchObject({ accessTokens: 0, refreshTokens: 1, codes: 3, requests: 0 });
    expect(await refreshRow(gone.body.refresh_token)).toBeNull();
    expect(await codeRow(unexchanged.code!)).toBeNull();
    expect(await codeRow(got.code!)).toBeNull();
    for (const t of ended) expect(await keyOf(t)).not.toBeNull();

    // Just before the access tokens' week ends, the app refreshes: a live pair, and a spent token.
    h.clock.set(start + 8 * DAY - MINUTE);
    const third = await refresh(h, app, second.body.refresh_token);
    expect(third.status).toBe(200);
    h.clock.set(start + 8 * DAY + MINUTE);
    r = await h.kw.oauthPurge.run();
    // Five ended access tokens (first, second, location, client_credentials, the uninstalled one's —
    // judged by its lifetime, a day after its revocation); the spent refresh tokens stay (30 days).
    expect(r).toMatchObject({ accessTokens: 5, refreshTokens: 0, codes: 0, requests: 0, more: false });
    for (const t of ended) expect(await keyOf(t)).toBeNull();
    for (const t of ended) {
      const v = await withKey(h, t, "GET", "/v2/locations");
      expect([v.status, v.body.code]).toEqual([401, "not_found"]);
    }
    expect(await refreshRow(first.body.refresh_token)).not.toBeNull();
    expect(await refreshRow(second.body.refresh_token)).not.toBeNull();
    // Every row naming a deleted key went with it.
    const db = h.kw.store.db;
    const all = new Set((await db.selectFrom("api_keys").select("id").execute()).map((k) => k.id));
    for (const table of ["key_tokens", "usage_daily", "usage_details", "usage_codes"] as const) {
      const rows = await db.selectFrom(table).select("key_id").execute();
      expect(
        rows.filter((x) => !all.has(x.key_id)),
        `${table} rows naming a purged key`,
      ).toEqual([]);
    }
    // The install's last use outlived the tokens that made it (none of its tokens left has been used) (the inventory's "unused for 90 days").
    const installs = await (await stranger()).get(`/api/agencies/${w.otherAgencyId}/installs`);
    const mine = installs.body.installs.find((i: { id: string }) => i.id === installId);
    expect(Date.parse(mine.lastUsedAt)).toBe(usedAt);

    // The live install is whole: its live token works, its live refresh token refreshes.
    expect((await withKey(h, third.body.access_token, "GET", "/v2/locations")).status).toBe(200);
    // The key of another kind, ended long ago, is still there.
    expect(await h.kw.store.getKey(pit.body.key.id)).not.toBeNull();
    // 30 days after its use a spent refresh token goes; the one spent on day 8 stays till day 38.
    h.clock.set(start + 30 * DAY + MINUTE);
    r = await h.kw.oauthPurge.run();
    expect(r.refreshTokens).toBe(1);
    expect(await refreshRow(first.body.refresh_token)).toBeNull();
    expect(await refreshRow(second.body.refresh_token)).not.toBeNull();
    expect(await refreshRow(third.body.refresh_token)).not.toBeNull();
    const fourth = await refresh(h, app, third.body.refresh_token);
    expect(fourth.status, JSON.stringify(fourth.body)).toBe(200);

    // What the runs did is counted in /metrics (the 30-day run took the day-8 token too).
    const metrics = await h.kw.metrics.registry.metrics();
    expect(metrics).toMatch(/keyward_oauth_purged_total\{kind="access_token"\} 6/);
    expect(metrics).toMatch(/keyward_oauth_purged_total\{kind="code"\} 3/);
  });

  it("a run is bounded: a full batch says more is due, and the next runs finish the rest", async () => {
    const start = h.clock.now();
    for (let i = 0; i < 5; i++) expect((await cc()).status).toBe(200);
    h.clock.set(start + 8 * DAY + MINUTE);
    const db = h.kw.store.db;
    const due = (
      await db
        .selectFrom("api_keys")
        .select("id")
        .where("kind", "=", "oauth")
        .where("expires_at", "<", h.clock.now() - 7 * DAY)
        .execute()
    ).length;
    expect(due).toBeGreaterThanOrEqual(5);
    const lines: string[] = [];
    const logged = new OAuthPurge({
      store: h.kw.store,
      clock: h.clock,
      metrics: h.kw.metrics,
      batch: 2,
      logger: createLogger(
        "info",
        new Writable({
          write(chunk, _enc, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      ),
    });
    const runs = [];
    for (let i = 0; i < 10; i++) {
      const run = await logged.run();
      runs.push(run);
      if (!run.more) break;
    }
    // No run took more than its batch; each full one said more was due; together they took all.
    for (const run of runs) expect(run.accessTokens).toBeLessThanOrEqual(2);
    expect(runs.slice(0, -1).every((x) => x.more && x.accessTokens === 2)).toBe(true);
    expect(runs.reduce((n, x) => n + x.accessTokens, 0)).toBe(due);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // Each run that deleted something says what in the log, as the other jobs do.
    const entries = lines.map((l) => JSON.parse(l)).filter((e) => e.msg?.startsWith("oauth purge"));
    expect(entries.length).toBe(runs.filter((x) => x.accessTokens > 0).length);
    expect(entries[0]).toMatchObject({ accessTokens: 2, more: true });
  });
});

it("runs with the scheduler's background work (KEYWARD_SCHEDULER), started and stopped with it", async () => {
  const on = await startHarness({ env: { KEYWARD_SCHEDULER: "true" } });
  const off = await startHarness({ env: { KEYWARD_SCHEDULER: "false" } });
  try {
    expect(on.kw.background).toContain(on.kw.oauthPurge);
    expect(on.kw.background).toContain(on.kw.scheduler);
    expect(off.kw.background).not.toContain(off.kw.oauthPurge);
  } finally {
    await on.close();
    await off.close();
  }
});
