/**
 * Issue 12 §3, "never a partial write": every provisioning request is one transaction. A sync
 * refused by the last object's own rule, or a failure between creating an object and writing its
 * external id, leaves nothing behind — rows, external ids, audit entries, sessions — and tells no
 * cache or node of changes that were rolled back. On SQLite and on PostgreSQL.
 */
import { tmpdir } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { UserService } from "../../src/service/users.js";
import { type OpenedDatabase, openDatabase } from "../../src/store/dialect.js";
import { ExternalIdStore } from "../../src/store/external-id-store.js";
import type { Invalidation } from "../../src/store/invalidation.js";
import { Client, type Harness, PASSWORD, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";

const A = "/api/provision/agencies";

interface Backend {
  h: Harness;
  close(): Promise<void>;
}

async function onSqlite(): Promise<Backend> {
  const h = await startHarness();
  return { h, close: () => h.close() };
}

async function onPostgres(): Promise<Backend> {
  const { startPostgres } = await import("../helpers/postgres.js");
  const pg = await startPostgres();
  const db: OpenedDatabase = openDatabase({ databaseUrl: pg.url, dataDir: tmpdir() });
  const h = await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: pg.url } });
  return {
    h,
    async close() {
      await h.close();
      await db.close();
      await pg.stop();
    },
  };
}

describe.each([
  ["SQLite", onSqlite],
  ["PostgreSQL", onPostgres],
] as const)("on %s: a provisioning request is all or nothing", (_name, open) => {
  let b: Backend;
  beforeAll(async () => {
    b = await open();
  }, 120_000);
  afterAll(() => b?.close());
  afterEach(() => vi.restoreAllMocks());

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(b.h.url + path, {
      method,
      headers: {
        authorization: `Bearer ${SERVICE_TOKEN}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Everything a refused request must leave as it was (external ids live in the rows). */
  async function snapshot() {
    const db = b.h.kw.database.db;
    const rows = async (
      table: "agencies" | "locations" | "users" | "user_locations" | "sessions" | "api_keys" | "service_keys",
    ) => (await db.selectFrom(table).selectAll().execute()).map((r) => JSON.stringify(r)).sort();
    const audit = await db.selectFrom("audit_log").select("id").execute();
    return {
      agencies: await rows("agencies"),
      locations: await rows("locations"),
      users: await rows("users"),
      userLocations: await rows("user_locations"),
      sessions: await rows("sessions"),
      keys: await rows("api_keys"),
      credentials: await rows("service_keys"),
      audit: audit.length,
    };
  }

  /** Every invalidation this node publishes from now on. */
  function published(): Invalidation[] {
    const seen: Invalidation[] = [];
    b.h.kw.bus.subscribe((m) => seen.push(m));
    return seen;
  }

  /** Fails writing the external id `ext` (when `armed`), as a conflict found late would. */
  function failSettingExternalId(ext: string, armed = () => true) {
    const real = ExternalIdStore.prototype.set;
    vi.spyOn(ExternalIdStore.prototype, "set").mockImplementation(async function (
      this: ExternalIdStore,
      kind,
      id,
      externalId,
    ) {
      if (externalId === ext && armed())
        throw new ApiError("conflict", `The external id ${ext} was taken meanwhile.`);
      return real.call(this, kind, id, externalId);
    });
  }

  const owner = { externalId: "boss", email: "boss@at.test", name: "Boss", owner: true };
  const ann = { externalId: "ann", email: "ann@at.test", name: "Ann", locations: ["a"] };

  it("a sync whose last object is refused changes nothing: rows, external ids, audit, sessions, caches", async () => {
    const first = await call("POST", "/api/provision/sync", {
      agency: { externalId: "at", name: "Atomic", plan: "agency_pro" },
      locations: [{ externalId: "a", name: "A" }],
      users: [owner, ann],
    });
    expect(first.status).toBe(200);
    const { hashPassword } = await import("../../src/service/passwords.js");
    const annRow = (await b.h.kw.store.getUserByEmail(first.body.agency.id, ann.email))!;
    await b.h.kw.store.updateUser({ ...annRow, passwordHash: await hashPassword(PASSWORD) });
    const annSignedIn = await new Client(b.h).login(ann.email);

    const before = await snapshot();
    const seen = published();
    const body = {
      agency: { externalId: "at", name: "Atomic renamed" },
      locations: [
        { externalId: "a", name: "A renamed" },
        { externalId: "c", name: "C" },
      ],
      users: [
        { ...ann, disabled: true },
        { externalId: "carl", email: "carl@at.test", name: "Carl", locations: ["c"] },
        // Last, and refused only by its own rule: nobody but the owner changes the owner's e-mail.
        { ...owner, email: "boss@elsewhere.test" },
      ],
    };
    const refused = await call("POST", "/api/provision/sync", body);
    expect([refused.status, refused.body.code]).toEqual([403, "permission_denied"]);
    expect(refused.body.detail).toMatch(/owner's e-mail/);
    expect(await snapshot()).toEqual(before);
    expect(seen).toEqual([]);
    expect((await annSignedIn.get("/api/me")).status).toBe(200);

    // The same body without the refused change applies all of it, and tells the caches after.
    const applied = await call("POST", "/api/provision/sync", {
      ...body,
      users: [...body.users.slice(0, 2), owner],
    });
    expect(applied.status).toBe(200);
    expect(seen).toContainEqual({ type: "agency", id: first.body.agency.id });
    expect((await annSignedIn.get("/api/me")).status).toBe(401);
    expect(applied.body.locations.map((l: { result: string }) => l.result)).toEqual(["updated", "created"]);
  });

  it("a failure between creating an object and writing its external id leaves nothing", async () => {
    failSettingExternalId("late");
    const before = await snapshot();
    const seen = published();

    const agency = await call("PUT", `${A}/late`, { name: "Late", plan: "agency_pro" });
    expect([agency.status, agency.body.code]).toEqual([409, "conflict"]);
    const location = await call("PUT", `${A}/at/locations/late`, { name: "Late" });
    expect([location.status, location.body.code]).toEqual([409, "conflict"]);
    const user = await call("PUT", `${A}/at/users/late`, { email: "late@at.test", name: "Late" });
    expect([user.status, user.body.code]).toEqual([409, "conflict"]);
    const sync = await call("POST", "/api/provision/sync", {
      agency: { externalId: "at", name: "Atomic renamed" },
      locations: [
        { externalId: "a", name: "A" },
        { externalId: "c", name: "C" },
        { externalId: "late", name: "Late" },
      ],
      users: [owner],
    });
    expect([sync.status, sync.body.code]).toEqual([409, "conflict"]);

    expect(await snapshot()).toEqual(before);
    expect(seen).toEqual([]);
  });

  it("re-pointing an external id from a deleted location: a failure keeps it on the deleted one", async () => {
    const made = await call("PUT", `${A}/at/locations/re`, { name: "Re" });
    expect(made.status).toBe(200);
    expect((await call("DELETE", `${A}/at/locations/re`)).status).toBe(204);
    let armed = false;
    failSettingExternalId("re", () => armed);
    armed = true;
    const before = await snapshot();

    const again = await call("PUT", `${A}/at/locations/re`, { name: "Re again" });
    expect([again.status, again.body.code]).toEqual([409, "conflict"]);
    expect(await snapshot()).toEqual(before);
    const old = await b.h.kw.database.db
      .selectFrom("locations")
      .select(["external_id", "deleted_at"])
      .where("id", "=", made.body.id)
      .executeTakeFirstOrThrow();
    expect(old.external_id).toBe("re");
    expect(old.deleted_at).not.toBeNull();

    armed = false;
    const ok = await call("PUT", `${A}/at/locations/re`, { name: "Re again" });
    expect(ok.status).toBe(200);
    expect(ok.body.id).not.toBe(made.body.id);
  });

  it("closing an agency that fails part-way keeps every location, key, credential and person", async () => {
    const agencyId = (await b.h.kw.provisioning.resolveRef(null, "agency", "ext:at"))!;
    const key = await call("POST", "/api/service-keys", {
      agencyId: "ext:at",
      name: "crm",
      scopes: ["provision"],
    });
    expect(key.status).toBe(201);
    const before = await snapshot();
    const seen = published();
    // The last step of closing (removing the people) fails: what came before it must not stay.
    vi.spyOn(UserService.prototype, "removeForClosedAgency").mockRejectedValue(
      new ApiError("conflict", "Injected: removing a person failed."),
    );
    const closed = await call("DELETE", `${A}/at`);
    expect(closed.status).toBe(409);
    expect(await snapshot()).toEqual(before);
    expect(seen).toEqual([]);
    expect(await b.h.kw.store.listLocations(agencyId)).not.toEqual([]);
  });
});
