/**
 * The scheduler on many nodes, killed in the middle of a sweep of 100,000 due keys.
 *
 * Ten agencies; in each, 9,000 keys whose warnings were all issued days ago and whose action date has
 * passed (due to be deleted now) and 1,000 dormant keys never warned (due a first warning, issued
 * late: one notification and one digest e-mail per agency). The policy sweeps every minute, so the
 * scheduler's real clock finds all of it due. A node with the scheduler on starts sweeping; it is
 * killed with SIGKILL once some agencies are done and one is in flight. Then:
 * - nothing is half done: each agency is either completely done or untouched;
 * - the node restarts, a second scheduler node joins, and together they finish: every action,
 *   warning, notification, digest and audit entry exists exactly once;
 * - a serving node that had one of the keys deleted before the kill cached refuses it (the
 *   invalidation travels with the agency's commit, not after the tick the node never finished).
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPostgres } from "../helpers/postgres.js";
import {
  type NodeProcess,
  SERVICE_TOKEN,
  Session,
  startNode,
  startNodes,
  untilAllRefuse,
  verifyOn,
} from "./cluster.js";

const DAY = 86_400_000;
const AGENCIES = 10;
const DUE = 9_000; // per agency, warned, action date passed
const UNWARNED = 1_000; // per agency, dormant, never warned
const POLICY = {
  KEYWARD_INACTIVITY_DAYS: "1",
  KEYWARD_INACTIVITY_ACTION: "delete",
  KEYWARD_SWEEP_CRON: "* * * * *",
  KEYWARD_INAPP_LEADS_DAYS: "1",
  KEYWARD_EMAIL_LEAD_DAYS: "1",
  KEYWARD_BANNER_HOURS: "1",
};

let db: Awaited<ReturnType<typeof startPostgres>>;
let sql: pg.Client;
let serving: NodeProcess[] = [];
const sweepers: NodeProcess[] = [];
const agencyIds: string[] = [];

const q = async <T = Record<string, number>>(text: string, params: unknown[] = []): Promise<T[]> =>
  (await sql.query(text, params)).rows as T[];
const one = async (text: string, params: unknown[] = []): Promise<number> =>
  Number(Object.values((await q(text, params))[0]!)[0]);

/** Per agency: action events, deleted keys, warning events, notifications, digests, audits. */
async function perAgency(): Promise<Map<string, Record<string, number>>> {
  const rows = await q<{ agency_id: string; what: string; n: number }>(
    `
    select k.agency_id, 'actions' as what, count(*)::int as n from lifecycle_events e join api_keys k on k.id = e.key_id
      where e.kind = 'action' group by 1
    union all select agency_id, 'deleted', count(*)::int from api_keys where status = 'deleted' group by 1
    union all select k.agency_id, 'warnings', count(*)::int from lifecycle_events e join api_keys k on k.id = e.key_id
      where e.kind = 'warning' and e.issued_at > $1 group by 1
    union all select k.agency_id, 'emails', count(*)::int from lifecycle_events e join api_keys k on k.id = e.key_id
      where e.kind = 'email' and e.issued_at > $1 group by 1
    union all select agency_id, 'notifications', count(*)::int from notifications where type = 'inactivity_warning' group by 1
    union all select agency_id, 'digests', count(*)::int from outbox where kind = 'inactivity_digest' group by 1
    union all select agency_id, 'audit_deleted', count(*)::int from audit_log where action = 'key.deleted' group by 1
    union all select agency_id, 'audit_warned', count(*)::int from audit_log where action = 'lifecycle.warning_issued' group by 1
    union all select agency_id, 'audit_digest', count(*)::int from audit_log where action = 'lifecycle.digest_queued' group by 1`,
    [Date.now() - DAY],
  );
  const out = new Map<string, Record<string, number>>();
  for (const id of agencyIds) out.set(id, {});
  for (const r of rows) {
    const m = out.get(r.agency_id);
    if (m) m[r.what] = r.n;
  }
  return out;
}

const done = (dueKeys: number) => ({
  actions: dueKeys,
  deleted: dueKeys,
  warnings: UNWARNED,
  emails: UNWARNED,
  notifications: 1,
  digests: 1,
  audit_deleted: dueKeys,
  audit_warned: 1,
  audit_digest: 1,
});

/** Waits until no other session has a transaction that has written something (the killed one rolled back). */
async function quiet(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const n = await one(
      "select count(*)::int from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()",
    );
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("a transaction is still open");
}

beforeAll(async () => {
  db = await startPostgres();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  serving = await startNodes(db.url, ["a", "b"], () => ({
    env: { ...POLICY, KEYWARD_SCHEDULER: "false", KEYWARD_USAGE_FLUSH_MS: "100" },
  }));
}, 120_000);

afterAll(async () => {
  await Promise.all([...serving, ...sweepers].map((n) => n.stop()));
  await sql?.end();
  await db?.stop();
});

it("a sweep killed midway leaves nothing half done, and finishing it does everything exactly once", async () => {
  const [a, b] = serving as [NodeProcess, NodeProcess];
  const owner = await Session.login(a.url);
  agencyIds.push((await owner.request("GET", "/api/me")).body.agency.id);
  for (let i = 1; i < AGENCIES; i++) {
    const r = await fetch(`${a.url}/api/agencies`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: `Agency ${i}`,
        plan: "agency_pro",
        owner: { email: `owner${i}@sweep.test`, name: `Owner ${i}`, password: "a long enough password" },
      }),
    });
    expect(r.status).toBe(201);
    agencyIds.push(((await r.json()) as { agency: { id: string } }).agency.id);
  }
  // One due key with a real token, cached on b before the sweep. Verifying it is a use, which would
  // spare it: b verifies (and flushes) first, and only then is the key's history set back in time.
  // Its agency is the one the scheduler takes first (it goes in id order), so it is done before the kill.
  const first = agencyIds.indexOf([...agencyIds].sort()[0]!);
  const firstOwner =
    first === 0 ? owner : await Session.login(a.url, `owner${first}@sweep.test`, "a long enough password");
  const made = await firstOwner.request("POST", `/api/accounts/${agencyIds[first]}/keys`, {
    name: "cached and due",
  });
  expect(made.status).toBe(201);
  const cached = { id: made.body.key.id as string, token: made.body.token as string };
  expect((await verifyOn(b.url, cached.token)).code).toBe("valid");
  for (let i = 0; i < 200; i++) {
    if ((await one("select count(last_used_at)::int from api_keys where id = $1", [cached.id])) === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  // Real time: the scheduler in the node processes reads the system clock.
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const activity = now - 10 * DAY;
  const firstWarning = now - 9 * DAY;
  const actionAt = now - 8 * DAY; // first sweep ≥ due (activity + 1 day) and ≥ first warning + 1 day
  for (const [i, agencyId] of agencyIds.entries()) {
    const prefix = `key_seed${i}_`;
    await sql.query(
      `insert into api_keys (id, agency_id, location_id, kind, name, description, scopes_json, status, imported,
         created_at, created_by, updated_at, activity_at, warned_at)
       select $1 || g, $2, null, 'private_integration', 'dormant ' || g, '', '[]', 'active', 0, $3, null, $3, $3,
         case when g <= $4 then $5::bigint else null end
       from generate_series(1, $6::int) g`,
      [prefix, agencyId, activity, DUE, firstWarning, DUE + UNWARNED],
    );
  }
  await sql.query(
    "update api_keys set activity_at = $2, created_at = $2, updated_at = $2, warned_at = $3 where id = $1",
    [cached.id, activity, firstWarning],
  );
  // The warned keys' recorded history: first warning and digest issued, and their watch rows.
  const warned = `(select id, agency_id from api_keys where warned_at = $1)`;
  await sql.query(
    `insert into lifecycle_events (key_id, cycle_at, kind, lead_days, issued_at, action_at, skipped, ref_id)
     select w.id, $2, k.kind, 1, $1, $3, 0, null from ${warned} w, (values ('warning'), ('email')) k(kind)`,
    [firstWarning, activity, actionAt],
  );
  await sql.query(
    `insert into lifecycle_watch (key_id, agency_id, account_id, cycle_at, first_warning_at, action_at, next_at)
     select w.id, w.agency_id, w.agency_id, $2, $1, $3, $3 from ${warned} w`,
    [firstWarning, activity, actionAt],
  );
  await sql.query("analyze");
  expect(
    await one("select count(*)::int from api_keys where status = 'active' and activity_at = $1", [activity]),
  ).toBe(AGENCIES * (DUE + UNWARNED) + 1);

  // A scheduler node starts sweeping at once; kill it once some agencies are done, mid-way.
  const t0 = performance.now();
  const s1 = await startNode({
    name: "s1",
    databaseUrl: db.url,
    env: { ...POLICY, KEYWARD_SCHEDULER: "true" },
  });
  sweepers.push(s1);
  let committed = 0;
  for (let i = 0; i < 3000 && committed === 0; i++) {
    committed = await one("select count(*)::int from lifecycle_events where kind = 'action'");
    if (committed === 0) await new Promise((r) => setTimeout(r, 10));
  }
  const t = (label: string) =>
    console.log(`[sweep-crash] ${label} at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t("first agency committed; killing s1");
  await s1.kill9();
  await quiet();
  const afterKill = await perAgency();
  const total = [...afterKill.values()].reduce((n, m) => n + (m.actions ?? 0), 0);
  // Killed in the middle: some work committed, not all of it.
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThan(AGENCIES * DUE);
  let finished = 0;
  for (const [i, id] of agencyIds.entries()) {
    const m = afterKill.get(id)!;
    if ((m.actions ?? 0) === 0) {
      expect(m, `agency ${i} untouched`).toEqual({}); // nothing of an unfinished unit remains
    } else {
      expect(m, `agency ${i} complete`).toEqual(done(i === first ? DUE + 1 : DUE));
      finished++;
    }
  }
  expect(finished).toBeLessThan(AGENCIES);
  expect(afterKill.get(agencyIds[first]!)!.actions).toBe(DUE + 1);
  // The node died before finishing its tick; the deletion reached b with the agency's commit.
  const refused = await untilAllRefuse([a.url, b.url], cached.token, performance.now(), 1_000);
  expect(refused.codes).toEqual(["deleted", "deleted"]);

  t(`after the kill: ${finished} of ${AGENCIES} agencies done, the rest untouched`);
  // The node comes back, and a second scheduler node runs alongside it.
  const [s1b, s2] = await Promise.all([
    startNode({ name: "s1-again", databaseUrl: db.url, env: { ...POLICY, KEYWARD_SCHEDULER: "true" } }),
    startNode({ name: "s2", databaseUrl: db.url, env: { ...POLICY, KEYWARD_SCHEDULER: "true" } }),
  ]);
  sweepers.push(s1b!, s2!);
  const expectedActions = AGENCIES * DUE + 1;
  for (let i = 0; i < 1200; i++) {
    if ((await one("select count(*)::int from lifecycle_events where kind = 'action'")) >= expectedActions)
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t("all actions recorded");
  await quiet();
  const final = await perAgency();
  for (const [i, id] of agencyIds.entries())
    expect(final.get(id), `agency ${i}`).toEqual(done(i === first ? DUE + 1 : DUE));
  // Exactly once, across the whole database.
  expect(await one("select count(*)::int from lifecycle_events where kind = 'action'")).toBe(expectedActions);
  expect(await one("select count(distinct key_id)::int from lifecycle_events where kind = 'action'")).toBe(
    expectedActions,
  );
  expect(
    await one("select count(*)::int from api_keys where status = 'active' and activity_at = $1", [activity]),
  ).toBe(AGENCIES * UNWARNED);
  expect(
    await one(
      "select count(*)::int from (select target_id from audit_log where action = 'key.deleted' group by 1 having count(*) > 1) d",
    ),
  ).toBe(0);
  expect(
    await one(
      `select count(*)::int from notification_recipients r join notifications n on n.id = r.notification_id
       where n.type = 'inactivity_warning'`,
    ),
  ).toBe(AGENCIES); // each agency's owner, once
  expect(await one("select count(*)::int from lifecycle_watch where action_at <= $1", [now])).toBe(0);
}, 240_000);
