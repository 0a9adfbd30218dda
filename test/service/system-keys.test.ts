/**
 * `KeyService.createSystemKeys` (issue 11 item 6): the batch system creation `keyward simulate`
 * writes its keys through — the service's own checks, rows and `key.created` audit entries, with
 * explicit ids, creation instants and history, multi-row inserts, and the plan and legacy-creation
 * rules skipped as `createSystemKey` skips them. Real SQLite file, injected clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { loadConfig } from "../../src/config.js";
import { DAY, ManualClock } from "../../src/core/clock.js";
import type { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/logger.js";
import type { Ctx } from "../../src/service/context.js";
import { auditFields } from "../../src/service/keys.js";
import { seedWorld, type World } from "../helpers/harness.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const SIM: Ctx = {
  actor: null,
  actorType: "system",
  actorId: "simulate",
  ip: null,
  userAgent: "keyward-cli",
};

let dataDir: string;
let clock: ManualClock;
let kw: Keyward;
let w: World;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyward-system-keys-"));
  clock = new ManualClock(T0);
  const config = loadConfig({ KEYWARD_DATA_DIR: dataDir, KEYWARD_LOG_LEVEL: "silent" });
  kw = await createKeyward({ config, clock, logger: createLogger("silent") });
  // A starter agency: its people may create no agency key, and no legacy key where none exists.
  w = await seedWorld(kw, "starter");
});

afterEach(async () => {
  await kw.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("KeyService.createSystemKeys", () => {
  it("writes keys with their own ids, creation instants and history, and the service's audit entries", async () => {
    const created = T0 - 30 * DAY;
    const used = T0 - 10 * DAY;
    const written = await kw.store.transaction((s) =>
      kw.keys.createSystemKeys(SIM, s, [
        // An agency key on a plan that refuses them to people, and a new legacy key: both written.
        {
          id: "k_agency",
          owner: { agencyId: w.agencyId, locationId: null },
          kind: "private_integration",
          name: "Zapier",
          createdAt: created,
        },
        {
          id: "k_used",
          owner: { agencyId: w.agencyId, locationId: w.loc1 },
          kind: "legacy_v1",
          name: "  Old CRM  ",
          createdAt: created,
          history: { activityAt: used, lastUsedAt: used, status: "active", revokedAt: null },
        },
        {
          id: "k_revoked",
          owner: { agencyId: w.agencyId, locationId: w.loc1 },
          kind: "private_integration",
          name: "Gone",
          createdAt: created,
          history: { activityAt: created, lastUsedAt: null, status: "revoked", revokedAt: used },
        },
        // Without id or instant: a fresh id, now.
        { owner: { agencyId: w.agencyId, locationId: w.loc2 }, kind: "private_integration", name: "Fresh" },
      ]),
    );
    expect(written.map((r) => r.key.id).slice(0, 3)).toEqual(["k_agency", "k_used", "k_revoked"]);
    const fresh = written[3]!.key;
    expect(fresh.id).toMatch(/^key_/);
    expect(fresh.createdAt).toBe(T0);

    const used1 = (await kw.store.getKey("k_used"))!;
    expect(used1).toMatchObject({
      name: "Old CRM", // the service's text rule trims it
      kind: "legacy_v1",
      status: "active",
      createdAt: created,
      updatedAt: created,
      activityAt: used,
      lastUsedAt: used,
      createdBy: null,
      secretEnc: null,
    });
    expect((await kw.store.getKey("k_revoked"))!).toMatchObject({ status: "revoked", revokedAt: used });
    const [token] = await kw.store.tokensOfKey("k_used");
    expect(token).toEqual(written[1]!.stored);
    expect(token).toMatchObject({ createdAt: created, lastUsedAt: used, validUntil: null });
    expect(token!.display.endsWith(written[1]!.token.slice(-4))).toBe(true);

    // The tokens are real: the active location keys verify, the revoked one does not, and the agency
    // key is written but, on this plan, verifies as plan_required (the product's rule for such keys).
    expect((await kw.verifier.verify(written[1]!.token)).valid).toBe(true);
    expect((await kw.verifier.verify(written[3]!.token)).valid).toBe(true);
    expect((await kw.verifier.verify(written[2]!.token)).valid).toBe(false);
    expect((await kw.verifier.verify(written[0]!.token)).code).toBe("plan_required");

    const audit = await kw.store.listAudit({ agencyId: w.agencyId, action: "key.created", limit: 100 });
    const byKey = new Map(audit.map((e) => [e.targetId, e]));
    expect(byKey.get("k_used")).toMatchObject({
      at: created,
      actorType: "system",
      actorId: "simulate",
      userAgent: "keyward-cli",
      targetType: "key",
      before: null,
      after: auditFields(used1),
    });
    expect(byKey.get(fresh.id)?.at).toBe(T0);
    expect(
      audit.filter((e) => e.targetId !== null && written.some((r) => r.key.id === e.targetId)),
    ).toHaveLength(4);
  });

  it("writes more keys than one statement holds (multi-row inserts in parts)", async () => {
    const n = 1234;
    const written = await kw.store.transaction((s) =>
      kw.keys.createSystemKeys(
        SIM,
        s,
        Array.from({ length: n }, (_, i) => ({
          id: `k${i}`,
          owner: { agencyId: w.agencyId, locationId: w.loc1 },
          kind: "private_integration" as const,
          name: `Key ${i}`,
          createdAt: T0 - i,
        })),
      ),
    );
    expect(written).toHaveLength(n);
    const keys = await kw.store.listKeys({
      agencyId: w.agencyId,
      locationIds: [w.loc1],
      statuses: ["active"],
    });
    expect(keys).toHaveLength(n);
    expect((await kw.store.tokensOfKeys(keys.map((k) => k.id))).length).toBe(n);
    const audit = await kw.store.listAudit({ agencyId: w.agencyId, action: "key.created", limit: 2000 });
    expect(audit).toHaveLength(n);
  });

  it("applies the service's name and scope rules to every item before writing any", async () => {
    const owner = { agencyId: w.agencyId, locationId: w.loc1 };
    const refusal = async (items: Parameters<Keyward["keys"]["createSystemKeys"]>[2]) => {
      try {
        await kw.store.transaction((s) => kw.keys.createSystemKeys(SIM, s, items));
      } catch (e) {
        return { code: (e as ApiError).code, extra: (e as ApiError).extra };
      }
      throw new Error("expected a refusal");
    };
    const good = { id: "k_good", owner, kind: "private_integration" as const, name: "Fine" };
    expect(
      await refusal([good, { id: "k_bad", owner, kind: "private_integration", name: "tab\there" }]),
    ).toMatchObject({
      code: "validation_failed",
      extra: { issues: [expect.objectContaining({ field: "name" })] },
    });
    expect(
      await refusal([good, { id: "k_blank", owner, kind: "private_integration", name: "   " }]),
    ).toMatchObject({
      code: "validation_failed",
    });
    expect(
      await refusal([
        good,
        { id: "k_scoped", owner, kind: "legacy_v1", name: "Legacy", scopes: ["contacts.readonly"] },
      ]),
    ).toMatchObject({
      code: "validation_failed",
      extra: { issues: [expect.objectContaining({ field: "scopes" })] },
    });
    expect(
      await refusal([
        good,
        { id: "k_unknown", owner, kind: "private_integration", name: "X", scopes: ["no.such_scope"] },
      ]),
    ).toMatchObject({ code: "validation_failed" });
    // Nothing of any refused batch was written.
    expect(await kw.store.getKey("k_good")).toBeNull();
    expect(await kw.store.listAudit({ agencyId: w.agencyId, action: "key.created", limit: 10 })).toHaveLength(
      0,
    );
  });
});
