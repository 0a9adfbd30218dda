/**
 * When the database cannot be written (issue 10 item 12): writes answer 503 `storage_unavailable`
 * (not 500), /readyz reports not-ready naming storage, and both recover when storage does.
 *
 * Tests run as root, whom file permissions do not stop, so the database is made unwritable with
 * `PRAGMA query_only` on the server's own connection: SQLite then refuses every write with
 * SQLITE_READONLY, the same error a read-only file or folder gives.
 */
import { tmpdir } from "node:os";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storageFailure } from "../../src/store/storage-errors.js";
import {
  Client,
  type Harness,
  PASSWORD,
  seedWorld,
  startHarness,
  type World,
  withKey,
} from "../helpers/harness.js";

let h: Harness;
let w: World;

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

async function refuseWrites(on: boolean): Promise<void> {
  await sql.raw(`pragma query_only = ${on ? 1 : 0}`).execute(h.kw.store.db);
}

async function readyz() {
  const r = await fetch(`${h.url}/readyz`);
  const body = (await r.json()) as {
    status: string;
    checks: { name: string; ok: boolean; detail?: string }[];
  };
  return { status: r.status, body, storage: body.checks.find((c) => c.name === "storage") };
}

describe("the database cannot be written", () => {
  it("create and sign-in answer 503 storage_unavailable, /readyz says why; both recover", async () => {
    const owner = await new Client(h).login(w.owner);
    const before = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "made before" });
    expect(before.status).toBe(201);
    expect(await withKey(h, before.body.token, "GET", "/v2/token").then((r) => r.status)).toBe(200);
    expect((await readyz()).status).toBe(200);

    await refuseWrites(true);
    try {
      const created = await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "made during" });
      expect(created.status).toBe(503);
      expect(created.headers.get("content-type")).toBe("application/problem+json");
      expect(created.headers.get("retry-after")).toBe("5");
      expect(created.body.code).toBe("storage_unavailable");
      expect(created.body.detail).toMatch(/database is unavailable \(the database refuses writes/);

      const login = await new Client(h).post("/api/auth/login", { email: w.agencyAdmin, password: PASSWORD });
      expect(login.status).toBe(503);
      expect(login.body.code).toBe("storage_unavailable");

      // Reads still work: a cached key keeps verifying.
      expect(await withKey(h, before.body.token, "GET", "/v2/token").then((r) => r.status)).toBe(200);

      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.status).toBe("unavailable");
      // The writes that failed are named: what a request met outranks the probe.
      expect(down.storage).toEqual({
        name: "storage",
        ok: false,
        detail: "a write failed 0 s ago (the database refuses writes (read-only file, folder or connection))",
      });
      // The database still answers reads: only the write probe fails.
      expect(down.body.checks.find((c) => c.name === "database")?.ok).toBe(true);
    } finally {
      await refuseWrites(false);
    }

    // Writes work again, and the probe would pass — but a write failed moments ago: a probe that
    // writes nothing also passes on a full disk, so a real failure is reported for ten seconds.
    h.clock.advance(3_000);
    const recent = await readyz();
    expect(recent.status).toBe(503);
    expect(recent.storage?.detail).toMatch(/^a write failed 3 s ago/);
    h.clock.advance(7_000);
    const up = await readyz();
    expect(up.status).toBe(200);
    expect(up.storage).toEqual({ name: "storage", ok: true });
    expect((await owner.post(`/api/accounts/${w.agencyId}/keys`, { name: "made after" })).status).toBe(201);
    await new Client(h).login(w.agencyAdmin);
  });

  it("/readyz probes at most once per kept interval", async () => {
    h.clock.advance(3_000);
    expect((await readyz()).status).toBe(200);
    await refuseWrites(true);
    try {
      // Within the kept interval the last answer stands; past it, the probe looks again.
      expect((await readyz()).status).toBe(200);
      h.clock.advance(2_000);
      expect((await readyz()).status).toBe(503);
    } finally {
      await refuseWrites(false);
    }
  });

  it("recognizes storage failures of both databases, and nothing else", () => {
    const e = (code: string, message = "x") => Object.assign(new Error(message), { code });
    expect(storageFailure(e("SQLITE_READONLY"))).toMatch(/refuses writes/);
    expect(storageFailure(e("SQLITE_BUSY"))).toMatch(/write lock/);
    expect(storageFailure(e("SQLITE_IOERR_WRITE"))).toMatch(/I\/O error/);
    expect(storageFailure(e("SQLITE_FULL"))).toMatch(/disk .* full/);
    expect(storageFailure(e("SQLITE_CANTOPEN"))).toMatch(/cannot be opened/);
    expect(storageFailure(e("ECONNREFUSED"))).toMatch(/cannot be reached/);
    expect(storageFailure(e("57P01"))).toMatch(/shutting down/);
    expect(storageFailure(e("08006"))).toMatch(/connection to PostgreSQL/);
    expect(storageFailure(e("53100"))).toMatch(/out of resources/);
    expect(storageFailure(e("25006"))).toMatch(/refuses writes/);
    expect(storageFailure(new Error("Connection terminated unexpectedly"))).toMatch(/PostgreSQL/);
    // Bugs and bad input stay what they are.
    expect(storageFailure(e("SQLITE_CONSTRAINT_UNIQUE"))).toBeNull();
    expect(storageFailure(e("23505"))).toBeNull();
    expect(storageFailure(e("42P01"))).toBeNull();
    expect(storageFailure(new TypeError("undefined is not a function"))).toBeNull();
  });

  it("on PostgreSQL too: a database that refuses writes answers 503 and fails /readyz, then recovers", async () => {
    const { startPostgres } = await import("../helpers/postgres.js");
    const { openDatabase } = await import("../../src/store/dialect.js");
    const pgm = await import("pg");
    const running = await startPostgres();
    const db = openDatabase({ databaseUrl: running.url, dataDir: tmpdir() });
    const admin = new pgm.default.Client({ connectionString: running.url });
    await admin.connect();
    const name = new URL(running.url).pathname.slice(1);
    // New sessions start read-only (as on a standby), and the current ones are ended.
    const readOnly = async (on: boolean) => {
      await admin.query(`alter database "${name}" set default_transaction_read_only = ${on ? "on" : "off"}`);
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
    };
    try {
      const p = await startHarness({ database: db, env: { KEYWARD_DATABASE_URL: running.url } });
      try {
        const world = await seedWorld(p.kw, "agency_pro", "-pg");
        const owner = await new Client(p).login(world.owner);
        await readOnly(true);
        // The first request may meet a pooled connection that was ended: a storage failure too.
        const created = await owner.post(`/api/accounts/${world.agencyId}/keys`, { name: "refused" });
        expect(created.status).toBe(503);
        expect(created.body.code).toBe("storage_unavailable");
        const again = await owner.post(`/api/accounts/${world.agencyId}/keys`, { name: "refused" });
        expect(again.status).toBe(503);
        expect(again.body.detail).toMatch(/PostgreSQL refuses writes/);
        const login = await new Client(p).post("/api/auth/login", {
          email: world.agencyAdmin,
          password: PASSWORD,
        });
        expect(login.status).toBe(503);
        const r = await fetch(`${p.url}/readyz`);
        expect(r.status).toBe(503);
        const checks = ((await r.json()) as { checks: { name: string }[] }).checks;
        expect(checks.find((c) => c.name === "storage")).toMatchObject({
          name: "storage",
          ok: false,
          detail: expect.stringMatching(/PostgreSQL refuses writes/),
        });

        await readOnly(false);
        p.clock.advance(10_000);
        // A pooled connection ended by the restore may fail one more request; then all is well.
        await fetch(`${p.url}/readyz`);
        p.clock.advance(10_000);
        expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
        expect((await owner.post(`/api/accounts/${world.agencyId}/keys`, { name: "after" })).status).toBe(
          201,
        );
      } finally {
        await p.close();
      }
    } finally {
      await db.close();
      await admin.end();
      await running.stop();
    }
  }, 120_000);
});
