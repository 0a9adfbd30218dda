/**
 * Every caller is an actor, and the services decide (issue 11 item 2): a verified key reaches the
 * use-cases as a `KeyActor` in the context and is judged there by its scopes, where it lives and
 * its agency's Enhanced Account Security — without HTTP in front. Offboarding revokes a user's keys
 * in one transaction. Real SQLite file, injected clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import type { ApiError } from "../../src/core/errors.js";
import type { KeyActor } from "../../src/core/permissions.js";
import { createLogger } from "../../src/logger.js";
import { type Ctx, keyCtx, systemCtx, userCtx } from "../../src/service/context.js";
import { toActor } from "../../src/service/users.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

let dataDir: string;
let kw: Keyward;
let agencyId: string;
let otherAgencyId: string;
let L1: string;
let L2: string;
let ownerCtx: Ctx;

/** A key acting, as `requireKey` puts it in the context once the verifier has accepted it. */
function asKey(over: Partial<KeyActor>): Ctx {
  return keyCtx(
    {
      keyId: "key_test",
      kind: "private_integration",
      agencyId,
      locationId: null,
      scopes: [],
      enhancedSecurity: false,
      ...over,
    },
    null,
    null,
  );
}

/** The code a use-case refuses with. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; extra: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as ApiError;
    return { code: err.code, extra: err.extra };
  }
  throw new Error("expected a refusal, but the call succeeded");
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyward-callers-"));
  kw = await createKeyward({
    config: loadConfig({ KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "silent" }),
    clock: new ManualClock(T0),
    logger: createLogger("silent"),
  });
  const { agency, owner } = await kw.accounts.createAgency(systemCtx, {
    name: "Acme",
    plan: "agency_pro",
    owner: { email: "owner@acme.test", name: "Owner", password: "correct horse battery staple" },
  });
  agencyId = agency.id;
  ownerCtx = userCtx(toActor(owner!), null, null);
  otherAgencyId = (await kw.accounts.createAgency(systemCtx, { name: "Other", plan: "agency_pro" })).agency
    .id;
  L1 = (await kw.accounts.createLocation(systemCtx, agencyId, { name: "One" })).location.id;
  L2 = (await kw.accounts.createLocation(systemCtx, agencyId, { name: "Two" })).location.id;
});

afterEach(async () => {
  await kw.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a key is an actor the services judge (issue 11 item 2)", () => {
  it("is refused what its scopes do not allow, naming the missing scope", async () => {
    const reader = asKey({ scopes: ["users.readonly"] });
    expect(await kw.users.listUsers(reader, agencyId)).toHaveLength(1);
    const r = await refusal(
      kw.users.createUser(reader, agencyId, {
        email: "new@acme.test",
        name: "New",
        type: "agency",
        role: "user",
      }),
    );
    expect(r.code).toBe("insufficient_scope");
    expect(r.extra.missingScopes).toEqual(["users.write"]);
    expect((await refusal(kw.accounts.listLocations(reader, agencyId))).code).toBe("insufficient_scope");
    expect((await refusal(kw.accounts.createLocation(reader, agencyId, { name: "X" }))).code).toBe(
      "insufficient_scope",
    );
    // Nothing was written.
    expect(await kw.store.listUsers(agencyId)).toHaveLength(1);
  });

  it("a location key sees and changes only its own location and its people", async () => {
    const key = asKey({ locationId: L1, scopes: ["locations.readonly", "users.readonly", "users.write"] });
    expect((await kw.accounts.listLocations(key, agencyId)).map((l) => l.id)).toEqual([L1]);
    expect((await refusal(kw.accounts.getLocation(key, L2))).code).toBe("resource_not_found");
    const mine = await kw.users.createUser(key, agencyId, {
      email: "mine@acme.test",
      name: "Mine",
      type: "account",
      role: "user",
    });
    expect(mine.locationIds).toEqual([L1]);
    const theirs = await kw.users.createUser(systemCtx, agencyId, {
      email: "theirs@acme.test",
      name: "Theirs",
      type: "account",
      role: "user",
      locationIds: [L2],
    });
    expect((await kw.users.listUsers(key, agencyId)).map((u) => u.id)).toEqual([mine.id]);
    expect((await refusal(kw.users.getUser(key, theirs.id))).code).toBe("resource_not_found");
    expect((await refusal(kw.users.disableUser(key, theirs.id))).code).toBe("resource_not_found");
    const elsewhere = kw.users.createUser(key, agencyId, {
      email: "both@acme.test",
      name: "Both",
      type: "account",
      role: "user",
      locationIds: [L1, L2],
    });
    expect((await refusal(elsewhere)).code).toBe("location_forbidden");
    const promote = kw.users.updateUser(key, mine.id, { role: "admin" });
    expect((await refusal(promote)).code).toBe("permission_denied");
    // Another agency is not found, whatever the key's scopes.
    expect((await refusal(kw.users.listUsers(key, otherAgencyId))).code).toBe("resource_not_found");
  });

  it("only an agency key creates or deletes locations; a location key may change its own", async () => {
    const locKey = asKey({ kind: "legacy_v1", locationId: L1 });
    expect((await refusal(kw.accounts.createLocation(locKey, agencyId, { name: "X" }))).code).toBe(
      "location_forbidden",
    );
    expect((await refusal(kw.accounts.deleteLocation(locKey, L1))).code).toBe("location_forbidden");
    expect((await refusal(kw.accounts.updateLocation(locKey, L2, { name: "Y" }))).code).toBe(
      "resource_not_found",
    );
    expect((await kw.accounts.updateLocation(locKey, L1, { name: "Renamed" })).name).toBe("Renamed");
    const agencyKey = asKey({ kind: "legacy_v1" });
    await kw.accounts.deleteLocation(agencyKey, L2);
    expect((await kw.store.listLocations(agencyId)).map((l) => l.id)).toEqual([L1]);
  });

  it("Enhanced Account Security turns the legacy user APIs off before anything else is looked at", async () => {
    const v1 = asKey({ kind: "legacy_v1", enhancedSecurity: true });
    const create = kw.users.createUser(v1, agencyId, {
      email: "x@acme.test",
      name: "X",
      type: "agency",
      role: "user",
    });
    expect((await refusal(create)).code).toBe("disabled_by_security");
    expect((await refusal(kw.users.updateUser(v1, "usr_unknown", { name: "Y" }))).code).toBe(
      "disabled_by_security",
    );
    // A private integration token under EAS keeps its user API, without the admin role.
    const pit = asKey({ scopes: ["users.write"], enhancedSecurity: true });
    const admin = kw.users.createUser(pit, agencyId, {
      email: "a@acme.test",
      name: "A",
      type: "agency",
      role: "admin",
    });
    expect((await refusal(admin)).code).toBe("disabled_by_security");
    const plain = await kw.users.createUser(pit, agencyId, {
      email: "p@acme.test",
      name: "P",
      type: "agency",
      role: "user",
    });
    expect(plain.role).toBe("user");
  });

  it("a key is not a person: the use-cases of people refuse it", async () => {
    const key = asKey({ kind: "legacy_v1" });
    expect((await refusal(kw.keys.list(key, agencyId))).code).toBe("unauthenticated");
    expect((await refusal(kw.accounts.auditLog(key, agencyId, { limit: 10 }))).code).toBe("unauthenticated");
  });

  it("the audit log is read by the agency's admins only", async () => {
    const user = await kw.users.createUser(systemCtx, agencyId, {
      email: "plain@acme.test",
      name: "Plain",
      type: "agency",
      role: "user",
    });
    const plain = userCtx(toActor(user), null, null);
    expect((await refusal(kw.accounts.auditLog(plain, agencyId, { limit: 10 }))).code).toBe(
      "permission_denied",
    );
    expect((await refusal(kw.accounts.auditLog(ownerCtx, otherAgencyId, { limit: 10 }))).code).toBe(
      "resource_not_found",
    );
    expect((await kw.accounts.auditLog(ownerCtx, agencyId, { limit: 500 })).length).toBeGreaterThan(0);
  });
});

describe("offboarding revokes a user's keys in one transaction (issue 11 item 2)", () => {
  async function leaverWithKeys(n: number) {
    const leaver = await kw.users.createUser(systemCtx, agencyId, {
      email: "leaver@acme.test",
      name: "Leaver",
      type: "agency",
      role: "admin",
    });
    const ctx = userCtx(toActor(leaver), null, null);
    for (let i = 0; i < n; i++) await kw.keys.create(ctx, L1, { name: `k${i}`, scopes: [] });
    return leaver;
  }

  it("a failure midway leaves every key as it was; the retry revokes them all", async () => {
    const leaver = await leaverWithKeys(3);
    const keys = await kw.users.keysCreatedBy(ownerCtx, leaver.id);
    expect(keys).toHaveLength(3);
    // A real failure of the database on the second key's update.
    const db = kw.database.db;
    await sql
      .raw(
        `create trigger fail_second before update of status on api_keys when new.id = '${keys[1]!.id}' begin select raise(abort, 'injected failure'); end`,
      )
      .execute(db);
    await expect(kw.users.revokeKeysCreatedBy(ownerCtx, leaver.id)).rejects.toThrow(/injected failure/);
    const after = await kw.users.keysCreatedBy(ownerCtx, leaver.id);
    expect(after.map((k) => k.status)).toEqual(["active", "active", "active"]);
    expect(await kw.accounts.auditLog(ownerCtx, agencyId, { action: "key.revoked", limit: 10 })).toEqual([]);

    await sql.raw("drop trigger fail_second").execute(db);
    const done = await kw.users.revokeKeysCreatedBy(ownerCtx, leaver.id);
    expect(done.revoked.sort()).toEqual(keys.map((k) => k.id).sort());
    expect(done.skipped).toEqual([]);
    expect(await kw.users.keysCreatedBy(ownerCtx, leaver.id)).toEqual([]);
    expect(await kw.accounts.auditLog(ownerCtx, agencyId, { action: "key.revoked", limit: 10 })).toHaveLength(
      3,
    );
  });

  it("keys the caller may see but not manage are reported as skipped", async () => {
    const leaver = await leaverWithKeys(2);
    const viewer = await kw.users.createUser(systemCtx, agencyId, {
      email: "viewer@acme.test",
      name: "Viewer",
      type: "agency",
      role: "user",
    });
    const ctx = userCtx(toActor(viewer), null, null);
    const r = await kw.users.revokeKeysCreatedBy(ctx, leaver.id);
    expect(r.revoked).toEqual([]);
    expect(r.skipped).toHaveLength(2);
  });
});
