/**
 * Listings a page at a time (issue 16 item 6): keys, users and the audit log take search, filters,
 * sort, `cursor` and `limit` and answer `{…, nextCursor}`; bad values are 400s with a clear code.
 * Run on SQLite and on a real PostgreSQL: the filtering and paging are SQL.
 */
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/core/clock.js";
import { openDatabase } from "../../src/store/dialect.js";
import {
  Client,
  type Harness,
  PASSWORD,
  seedWorld,
  startHarness,
  T0,
  type World,
} from "../helpers/harness.js";
import { type RunningPostgres, startPostgres } from "../helpers/postgres.js";

const backends = [{ name: "SQLite" }, { name: "PostgreSQL" }] as const;

describe.each(backends)("listings on $name", ({ name }) => {
  let h: Harness;
  let w: World;
  let owner: Client;
  let pg: RunningPostgres | undefined;
  /** loc1's keys, in creation order: [id, name, token] */
  const made: { id: string; name: string; token: string }[] = [];

  beforeAll(async () => {
    const env = { KEYWARD_SESSION_TTL_HOURS: "2160" };
    if (name === "PostgreSQL") {
      pg = await startPostgres();
      const db = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
      h = await startHarness({ database: db, env: { ...env, KEYWARD_DATABASE_URL: pg.url } });
    } else h = await startHarness({ env });
    w = await seedWorld(h.kw);
    owner = await new Client(h).login(w.owner);
    const names = ["Zapier", "alpha report", "Beta 100%", "gamma_sync", "Delta", "Zapier", "epsilon"];
    for (const n of names) {
      h.clock.advance(1000);
      const r = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: n });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      made.push({ id: r.body.key.id, name: n, token: r.body.token });
    }
    // Uses: Delta most recently, then alpha; the others never.
    for (const [i, at] of [
      [1, T0 + HOUR],
      [4, T0 + 2 * HOUR],
    ] as const) {
      const k = (await h.kw.store.getKey(made[i]!.id))!;
      await h.kw.store.updateKey({ ...k, lastUsedAt: at });
    }
    await owner.post(`/api/accounts/${w.loc2}/keys`, { name: "Uptown key" });
    await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "Agency key" });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await pg?.stop();
  });

  const keysOf = (account: string, query = "") => owner.get(`/api/accounts/${account}/keys${query}`);
  async function all(account: string, query: string) {
    const out: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await keysOf(account, `${query}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      out.push(...r.body.keys.map((k: { id: string }) => k.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    return { ids: out, pages };
  }

  it("keys: pages of `limit` with an opaque cursor, in creation order by default, null on the last page", async () => {
    const first = await keysOf(w.loc1, "?limit=3");
    expect(first.body.keys).toHaveLength(3);
    expect(first.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const { ids, pages } = await all(w.loc1, "?limit=3");
    expect(pages).toBe(3);
    expect(ids).toEqual(made.map((k) => k.id));
    const whole = await keysOf(w.loc1);
    expect(whole.body.keys).toHaveLength(7);
    expect(whole.body.nextCursor).toBeNull();
  });

  it("keys: sort by name (ties broken by id) and by last use (never-used last), either direction", async () => {
    const byName = await all(w.loc1, "?limit=2&sort=name");
    const expected = [...made]
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1))
      .map((k) => k.id);
    expect(byName.ids).toEqual(expected);
    expect((await all(w.loc1, "?limit=2&sort=name:desc")).ids).toEqual([...expected].reverse());
    const used = (await all(w.loc1, "?limit=2&sort=lastUsed")).ids;
    expect(used.slice(0, 2)).toEqual([made[4]!.id, made[1]!.id]);
    expect(new Set(used)).toEqual(new Set(made.map((k) => k.id)));
    expect((await all(w.loc1, "?limit=4&sort=lastUsed:asc")).ids.slice(-2)).toEqual([
      made[1]!.id,
      made[4]!.id,
    ]);
  });

  it("keys: q finds by part of the name (any case, wildcards literal), by the token's last four, by id", async () => {
    const names = async (q: string) =>
      (await keysOf(w.loc1, `?q=${encodeURIComponent(q)}`)).body.keys.map((k: { name: string }) => k.name);
    expect(await names("zap")).toEqual(["Zapier", "Zapier"]);
    expect(await names("100%")).toEqual(["Beta 100%"]);
    expect(await names("%")).toEqual(["Beta 100%"]);
    expect(await names("a_s")).toEqual(["gamma_sync"]);
    const target = made[3]!;
    const last4 = target.token.slice(-4);
    expect(await names(last4)).toContain("gamma_sync");
    expect(await names(`…${last4}`)).toContain("gamma_sync");
    expect(await names(target.id)).toEqual(["gamma_sync"]);
    expect(await names("nothing like this")).toEqual([]);
  });

  it("keys: agency-wide listing narrowed by accountId (a location, or the agency's own), kind and status", async () => {
    const base = "?includeLocations=true&limit=200";
    expect((await keysOf(w.agencyId, base)).body.keys).toHaveLength(9);
    const loc2 = await keysOf(w.agencyId, `${base}&accountId=${w.loc2}`);
    expect(loc2.body.keys.map((k: { name: string }) => k.name)).toEqual(["Uptown key"]);
    const own = await keysOf(w.agencyId, `${base}&accountId=${w.agencyId}`);
    expect(own.body.keys.map((k: { name: string }) => k.name)).toEqual(["Agency key"]);
    const legacy = await keysOf(w.agencyId, `${base}&kind=legacy_v1`);
    expect(legacy.status).toBe(200);
    for (const k of legacy.body.keys) expect(k.kind).toBe("legacy_v1");
    await owner.post(`/api/keys/${made[6]!.id}/revoke`);
    expect((await keysOf(w.loc1)).body.keys).toHaveLength(6);
    const revoked = await keysOf(w.loc1, "?status=revoked");
    expect(revoked.body.keys.map((k: { id: string }) => k.id)).toEqual([made[6]!.id]);
  });

  it("keys: bad values are 400s that say what to fix", async () => {
    const bad = async (query: string, code: string, field?: string) => {
      const r = await keysOf(w.loc1, query);
      expect(r.status, query).toBe(400);
      expect(r.body.code, query).toBe(code);
      if (field) expect(r.body.issues.map((i: { field: string }) => i.field)).toContain(field);
      expect(r.body.detail.length).toBeGreaterThan(20);
    };
    await bad("?limit=0", "validation_failed", "query.limit");
    await bad("?limit=201", "validation_failed", "query.limit");
    await bad("?limit=ten", "validation_failed", "query.limit");
    await bad("?sort=colour", "validation_failed", "query.sort");
    await bad("?sort=name:up", "validation_failed", "query.sort");
    await bad("?kind=secret", "validation_failed", "query.kind");
    await bad("?warned=maybe", "validation_failed", "query.warned");
    await bad("?status=gone", "validation_failed", "query.status");
    await bad("?colour=red", "validation_failed");
    await bad(`?q=${"x".repeat(201)}`, "validation_failed", "query.q");
    await bad("?cursor=not-a-cursor", "invalid_cursor");
    await bad("?cursor=!!!", "invalid_cursor");
    const c = (await keysOf(w.loc1, "?limit=1&sort=name")).body.nextCursor;
    await bad(`?cursor=${c}&sort=created`, "invalid_cursor");
    await bad(`?accountId=${w.loc2}`, "validation_failed", "query.accountId");
    const r = await keysOf(w.agencyId, `?includeLocations=true&accountId=${w.otherLoc}`);
    expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
  });

  it("keys: another agency sees nothing, whatever it searches", async () => {
    const other = await new Client(h).login(w.otherOwner);
    expect((await other.get(`/api/accounts/${w.loc1}/keys?q=Zapier`)).status).toBe(404);
    const own = await other.get(`/api/accounts/${w.otherAgencyId}/keys?includeLocations=true&q=Zapier`);
    expect(own.body.keys).toEqual([]);
  });

  it("users: by name, q on name or e-mail, role, disabled, paged; account users see their locations' people", async () => {
    const u = async (query: string, who: Client = owner) => {
      const r = await who.get(`/api/agencies/${w.agencyId}/users${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as {
        users: { email: string; name: string; disabledAt: string | null }[];
        nextCursor: string | null;
      };
    };
    const everyone = await u("?limit=200");
    expect(everyone.users).toHaveLength(6);
    expect(everyone.nextCursor).toBeNull();
    const names = everyone.users.map((x) => x.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    const p1 = await u("?limit=4");
    expect(p1.users).toHaveLength(4);
    const p2 = await u(`?limit=4&cursor=${p1.nextCursor}`);
    expect(p2.nextCursor).toBeNull();
    expect([...p1.users, ...p2.users].map((x) => x.email)).toEqual(everyone.users.map((x) => x.email));
    expect((await u("?q=BOSS")).users.map((x) => x.email).sort()).toEqual([w.loc1Admin, w.loc2Admin]);
    expect((await u("?q=acme.test&role=user")).users.map((x) => x.email).sort()).toEqual(
      [w.loc1User, w.agencyUser].sort(),
    );
    const clerk = (await h.kw.store.getUserByEmail(w.agencyId, w.loc1User))!;
    expect((await owner.delete(`/api/users/${clerk.id}`)).status).toBe(200);
    const disabled = await u("?disabled=true");
    expect(disabled.users.map((x) => x.email)).toEqual([w.loc1User]);
    expect((await u("?disabled=false&limit=200")).users.map((x) => x.email)).not.toContain(w.loc1User);
    const boss = await new Client(h).login(w.loc1Admin, PASSWORD);
    const seen = (await u("?limit=200", boss)).users.map((x) => x.email).sort();
    expect(seen).not.toContain(w.loc2Admin);
    expect(seen).toContain(w.loc1Admin);
    const r = await owner.get(`/api/agencies/${w.agencyId}/users?role=owner`);
    expect([r.status, r.body.code]).toEqual([400, "validation_failed"]);
    const c = await owner.get(`/api/agencies/${w.agencyId}/users?cursor=abc`);
    expect([c.status, c.body.code]).toEqual([400, "invalid_cursor"]);
  });

  it("audit: pages with a cursor, names next to ids, sign-ins folded on request, failed sign-ins kept", async () => {
    const base = `/api/agencies/${w.agencyId}/audit`;
    // A failed sign-in and a successful one, from a browser.
    const ua =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const failed = await new Client(h, { "user-agent": ua }).request("POST", "/api/auth/login", {
      email: w.agencyAdmin,
      password: "not the password",
    });
    expect(failed.status).toBe(401);
    await new Client(h, { "user-agent": ua }).login(w.agencyAdmin);

    const p1 = await owner.get(`${base}?limit=5`);
    expect(p1.status).toBe(200);
    expect(p1.body.entries).toHaveLength(5);
    const seen = new Set<string>(p1.body.entries.map((e: { id: string }) => e.id));
    let cursor = p1.body.nextCursor as string | null;
    let total = 5;
    while (cursor) {
      const r = await owner.get(`${base}?limit=50&cursor=${cursor}`);
      for (const e of r.body.entries) {
        expect(seen.has(e.id)).toBe(false);
        seen.add(e.id);
      }
      total += r.body.entries.length;
      cursor = r.body.nextCursor;
    }
    const everything = await owner.get(`${base}?limit=200`);
    expect(total).toBe(everything.body.entries.length);

    const created = everything.body.entries.find(
      (e: { action: string; targetId: string }) => e.action === "key.created" && e.targetId === made[0]!.id,
    );
    expect(created.actorName).toBe("Olive Owner");
    expect(created.targetName).toBe("Zapier");
    const signIn = everything.body.entries.find((e: { action: string }) => e.action === "session.created");
    expect(signIn.userAgentShort).toBe("Chrome 131 on macOS");
    const fail = everything.body.entries.find((e: { action: string }) => e.action === "session.login_failed");
    expect(fail.targetName).toBe("admin");

    const folded = (await owner.get(`${base}?limit=200&signIns=false`)).body.entries;
    expect(folded.some((e: { action: string }) => e.action === "session.created")).toBe(false);
    expect(folded.some((e: { action: string }) => e.action === "session.login_failed")).toBe(true);
    expect(folded.length).toBeLessThan(everything.body.entries.length);

    const byName = (await owner.get(`${base}?limit=200&q=olive`)).body.entries;
    expect(byName.length).toBeGreaterThan(0);
    const ownerId = (await h.kw.store.getUserByEmail(w.agencyId, w.owner))!.id;
    for (const e of byName)
      expect(e.actorId === ownerId || JSON.stringify(e).toLowerCase().includes("olive")).toBe(true);

    for (const [query, code] of [
      ["?cursor=zzz", "invalid_cursor"],
      ["?limit=500", "validation_failed"],
      ["?from=yesterday", "validation_failed"],
      ["?before=10", "validation_failed"],
      ["?format=xlsx", "validation_failed"],
    ] as const) {
      const r = await owner.get(`${base}${query}`);
      expect([r.status, r.body.code], query).toEqual([400, code]);
    }
    const staff = await new Client(h).login(w.agencyUser);
    expect((await staff.get(base)).status).toBe(403);
    expect((await staff.get(`${base}?format=csv`)).status).toBe(403);
  });

  it("audit: CSV and JSON-lines export of everything the filters match, CSV cells safe from formulas", async () => {
    const base = `/api/agencies/${w.agencyId}/audit`;
    const evil = await owner.post(`/api/accounts/${w.loc2}/keys`, { name: '=HYPERLINK("http://x")' });
    expect(evil.status).toBe(201);
    const all = (await owner.get(`${base}?limit=200`)).body.entries;
    const csv = await fetch(`${h.url}${base}?format=csv`, { headers: { cookie: owner.cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(
      /attachment; filename="keyward-audit-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const text = await csv.text();
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "at,action,actor_type,actor_id,actor_name,target_type,target_id,target_name,ip,browser,user_agent,before,after,id",
    );
    expect(lines.length - 1).toBeGreaterThanOrEqual(all.length); // rows with line breaks in JSON are quoted
    expect(text).toContain(`'=HYPERLINK(""http://x"")`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    const jsonl = await fetch(`${h.url}${base}?format=jsonl&action=key.`, {
      headers: { cookie: owner.cookie },
    });
    expect(jsonl.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const rows = (await jsonl.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    const keyEntries = (await owner.get(`${base}?limit=200&action=key.`)).body.entries;
    expect(rows.map((r: { id: string }) => r.id)).toEqual(keyEntries.map((e: { id: string }) => e.id));
    expect(rows.find((r: { targetId: string }) => r.targetId === evil.body.key.id).targetName).toBe(
      '=HYPERLINK("http://x")',
    );
  });

  it("keys: warned=true lists the keys whose first inactivity warning is out, as the banner counts them", async () => {
    // A fresh location: one key created now (due on 1 Apr 2026 plus seconds: the sweep of 1 Jul), one
    // in mid-April (the sweep of 1 Oct). At 16 Jun the first is warned, the second not yet.
    const loc = (await owner.post(`/api/agencies/${w.agencyId}/locations`, { name: "Warned town" })).body;
    const locId = loc.location?.id ?? loc.id;
    const early = await owner.post(`/api/accounts/${locId}/keys`, { name: "early" });
    h.clock.set(Date.parse("2026-04-15T00:00:00Z"));
    await owner.login(w.owner);
    const late = await owner.post(`/api/accounts/${locId}/keys`, { name: "late" });
    h.clock.set(Date.parse("2026-06-16T00:00:01Z"));
    await owner.login(w.owner);
    await h.kw.scheduler.tick();
    const warned = await keysOf(locId, "?warned=true");
    expect(warned.body.keys.map((k: { id: string }) => k.id)).toEqual([early.body.key.id]);
    const unwarned = await keysOf(locId, "?warned=false");
    expect(unwarned.body.keys.map((k: { id: string }) => k.id)).toContain(late.body.key.id);
    expect(unwarned.body.keys.map((k: { id: string }) => k.id)).not.toContain(early.body.key.id);
  });
});
