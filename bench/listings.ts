/**
 * Listing a page of keys (issue 16 item 6) on SQLite: the SQL keyset page (ListingStore.keysPage)
 * against reading every key of the agency and slicing in memory (what a caller had to do before),
 * for the first page, a deep page, a search and the last-used order. Prints ms per call and ratios.
 * Run: node bin/run-ts.js bench/listings.ts [keys]
 */
import { performance } from "node:perf_hooks";
import { createKeyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import type { ApiKey, KeyToken } from "../src/core/model.js";
import { createLogger } from "../src/logger.js";
import { systemCtx } from "../src/service/context.js";
import { ListingStore } from "../src/store/listing-store.js";
import { tempDir } from "./lib.js";

const N = Number(process.argv[2] ?? 20_000);
const tmp = tempDir("listings");
const kw = await createKeyward({
  config: loadConfig({ KEYWARD_DATA_DIR: tmp.dir, KEYWARD_LOG_LEVEL: "silent", KEYWARD_SCHEDULER: "false" }),
  logger: createLogger("silent"),
});
try {
  const { agency } = await kw.accounts.createAgency(systemCtx, {
    name: "Bench",
    plan: "agency_pro",
    owner: { email: "owner@bench.test", name: "Owner", password: "correct horse battery staple" },
  });
  const loc = (await kw.accounts.createLocation(systemCtx, agency.id, { name: "Loc" })).location;
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const keys: ApiKey[] = [];
  const tokens: KeyToken[] = [];
  for (let i = 0; i < N; i++) {
    const id = `key_bench${String(i).padStart(8, "0")}`;
    keys.push({
      id,
      agencyId: agency.id,
      locationId: i % 2 ? loc.id : null,
      kind: "private_integration",
      name: `Key ${(i * 7919) % N}`,
      description: "",
      scopes: [],
      status: "active",
      imported: false,
      createdAt: t0 + i * 1000,
      createdBy: null,
      updatedAt: t0 + i * 1000,
      activityAt: t0 + i * 1000,
      lastUsedAt: i % 3 ? t0 + ((i * 31) % N) * 1000 : null,
      lastUsedIp: null,
      lastUsedUa: null,
      revokedAt: null,
      expiredAt: null,
      deletedAt: null,
      inactiveDays: null,
      warnedAt: null,
      secretEnc: null,
      locationIds: null,
      ipAllowlist: null,
    });
    tokens.push({
      hash: `h${i}`,
      keyId: id,
      display: `kw_pit_…${String(i).padStart(4, "0").slice(-4)}`,
      createdAt: t0,
      validUntil: null,
      retiredReason: null,
      lastUsedAt: null,
    });
  }
  await kw.store.transaction(async (s) => {
    await s.insertKeys(keys);
    await s.insertTokens(tokens);
  });
  const listing = new ListingStore(kw.store);
  const base = { agencyId: agency.id, statuses: ["active" as const, "expired" as const], limit: 50 };
  const time = async (fn: () => Promise<unknown>, runs = 20) => {
    await fn();
    const t = performance.now();
    for (let i = 0; i < runs; i++) await fn();
    return (performance.now() - t) / runs;
  };
  const inMemory = await time(async () => {
    const all = await kw.store.listKeys({ agencyId: agency.id, statuses: ["active", "expired"] });
    return all.slice(0, 50);
  }, 5);
  const first = await time(() => listing.keysPage({ ...base, sort: "created", direction: "asc" }));
  const mid = keys[Math.floor(N * 0.9)]!;
  const deep = await time(() =>
    listing.keysPage({
      ...base,
      sort: "created",
      direction: "asc",
      after: { value: mid.createdAt, id: mid.id },
    }),
  );
  const search = await time(() =>
    listing.keysPage({ ...base, sort: "created", direction: "asc", q: "key 12" }),
  );
  const last4 = await time(() => listing.keysPage({ ...base, sort: "created", direction: "asc", q: "0042" }));
  const byUse = await time(() => listing.keysPage({ ...base, sort: "lastUsed", direction: "desc" }));
  const byName = await time(() => listing.keysPage({ ...base, sort: "name", direction: "asc" }));
  const row = (name: string, ms: number) =>
    console.log(
      `${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms   ${(inMemory / ms).toFixed(1)}× faster than reading all`,
    );
  console.log(`${N} keys in one agency, SQLite; one page = 50 keys (rows only, no views)`);
  console.log(`${"read every key, slice 50 (before)".padEnd(44)} ${inMemory.toFixed(2).padStart(8)} ms`);
  row("keyset page 1, created", first);
  row("keyset page at 90 %, created", deep);
  row("q = name part", search);
  row("q = last four", last4);
  row("sort lastUsed desc", byUse);
  row("sort name", byName);
} finally {
  await kw.close();
  tmp.remove();
}
