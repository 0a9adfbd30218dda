/**
 * Use recording adds at most one database write per key per flush interval, however many requests.
 *
 * A Verifier and UsageRecorder are built over a Store whose Kysely instance carries a counting
 * plugin: every statement that reaches the database is counted by kind and table, with the rows it
 * changed. Requests are verifications of real tokens (cache hits after the first), spread over K
 * keys; at the end of each interval the recorder flushes, and the statements of that flush are the
 * figure. The daily counters are read back to show that no use was lost.
 */
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { createKeyward } from "../src/app/keyward.js";
import { loadConfig } from "../src/config.js";
import { ManualClock } from "../src/core/clock.js";
import { createLogger } from "../src/logger.js";
import { LocalBus, VerificationCache } from "../src/service/cache.js";
import { systemCtx } from "../src/service/context.js";
import { UsageRecorder } from "../src/service/usage.js";
import { Verifier } from "../src/service/verify.js";
import { Store } from "../src/store/store.js";
import { fmt, log, type Result, tempDir } from "./lib.js";

const SUITE = "usage";

function tableOf(node: OperationNode | undefined): string {
  if (!node) return "?";
  const n = node as { kind: string; table?: { identifier?: { name?: string } }; node?: OperationNode };
  if (n.kind === "TableNode") return n.table?.identifier?.name ?? "?";
  if (n.kind === "AliasNode") return tableOf(n.node);
  return "?";
}

/** A raw statement's kind and table, from its text (`update api_keys …`, `insert into usage_daily …`). */
function rawLabel(node: { sqlFragments: readonly string[] }): string {
  const text = node.sqlFragments.join("?").trim();
  const m = /^(?:with\b.*?\)\s*)?(update|insert\s+into|delete\s+from|select)\s+"?(\w+)/is.exec(text);
  if (!m) return "raw";
  const verb = m[1]!.toLowerCase().split(/\s+/)[0]!;
  return verb === "select" ? "select" : `${verb} ${m[2]}`;
}

/** Counts the statements that reach the database, and the rows they change. */
class StatementCounter implements KyselyPlugin {
  statements = new Map<string, number>();
  rows = new Map<string, number>();
  private readonly labels = new WeakMap<object, string>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as RootOperationNode & { into?: OperationNode; table?: OperationNode };
    const label =
      node.kind === "InsertQueryNode"
        ? `insert ${tableOf(node.into)}`
        : node.kind === "UpdateQueryNode"
          ? `update ${tableOf(node.table)}`
          : node.kind === "SelectQueryNode"
            ? "select"
            : node.kind === "RawNode"
              ? rawLabel(node as unknown as { sqlFragments: readonly string[] })
              : node.kind;
    this.labels.set(args.queryId, label);
    this.statements.set(label, (this.statements.get(label) ?? 0) + 1);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const label = this.labels.get(args.queryId) ?? "?";
    const changed = args.result.numAffectedRows ?? args.result.numChangedRows;
    if (changed !== undefined) this.rows.set(label, (this.rows.get(label) ?? 0) + Number(changed));
    return args.result;
  }

  /** Statements other than reads. */
  writes(): number {
    let n = 0;
    for (const [label, count] of this.statements) if (label !== "select") n += count;
    return n;
  }

  rowsWritten(): number {
    let n = 0;
    for (const [label, count] of this.rows) if (label !== "select") n += count;
    return n;
  }

  describe(): string {
    return [...this.statements]
      .filter(([l]) => l !== "select")
      .map(([l, n]) => `${n} ${l} (${this.rows.get(l) ?? 0} rows)`)
      .join(", ");
  }

  reset(): void {
    this.statements.clear();
    this.rows.clear();
  }
}

export async function run(): Promise<Result[]> {
  const tmp = tempDir("usage");
  const config = loadConfig({ KEYWARD_DATA_DIR: tmp.dir, KEYWARD_LOG_LEVEL: "silent" });
  const clock = new ManualClock(Date.parse("2026-01-01T08:00:00Z"));
  const kw = await createKeyward({ config, clock, logger: createLogger("silent") });
  const results: Result[] = [];
  try {
    const { agency } = await kw.accounts.createAgency(systemCtx, {
      name: "Bench Agency",
      plan: "agency_pro",
    });
    const { location } = await kw.accounts.createLocation(systemCtx, agency.id, { name: "Bench Location" });
    const counter = new StatementCounter();
    const store = new Store(kw.database.db.withPlugin(counter), kw.database.dialect);
    const usage = new UsageRecorder(store, clock);
    const verifier = new Verifier({
      store,
      cache: new VerificationCache(),
      bus: new LocalBus(),
      usage,
      clock,
      prefix: config.tokenPrefix,
      cacheTtlMs: config.cacheTtlMs,
    });
    const keys = async (n: number) =>
      kw.store.transaction(async (s) => {
        const out: { id: string; token: string }[] = [];
        for (let i = 0; i < n; i++) {
          const owner = { agencyId: agency.id, locationId: i % 2 ? location.id : null };
          const { key, token } = await kw.keys.createSystemKey(
            systemCtx,
            s,
            owner,
            "private_integration",
            `key ${i}`,
            [],
          );
          out.push({ id: key.id, token });
        }
        return out;
      });

    // Each interval: `uses` verifications spread over the keys, then one flush.
    const intervals = async (
      label: string,
      ks: { id: string; token: string }[],
      usesPerInterval: number[],
    ) => {
      let total = 0;
      const flushWrites: number[] = [];
      for (const [i, uses] of usesPerInterval.entries()) {
        counter.reset();
        for (let u = 0; u < uses; u++) {
          const k = ks[(u * 7919) % ks.length]!; // a stride that visits every key, not in order
          const r = await verifier.verify(k.token, {
            use: { ip: "203.0.113.7", userAgent: "bench/1.0", endpoint: "GET /v2/token" },
          });
          if (!r.valid) throw new Error(`verification failed: ${r.code}`);
          clock.advance(Math.floor(config.usageFlushMs / Math.max(1, uses)));
        }
        const reads = counter.statements.get("select") ?? 0;
        counter.reset();
        await usage.flush();
        total += uses;
        const keysUsed = Math.min(uses, ks.length);
        const writes = counter.writes();
        log(
          SUITE,
          `${label}, interval ${i + 1}: ${fmt(uses)} uses on ${fmt(keysUsed)} keys (${reads} cache-miss reads) → flush: ${writes} write statements, ${counter.rowsWritten()} rows: ${counter.describe() || "nothing"}`,
        );
        flushWrites.push(writes);
        if (keysUsed === 0) {
          results.push({
            suite: SUITE,
            name: `${label}, idle interval: writes`,
            value: writes,
            unit: "statements",
          });
          continue;
        }
        results.push({
          suite: SUITE,
          name: `${label}, ${fmt(uses)} uses: writes/key`,
          value: writes / keysUsed,
          unit: "per key",
          target: { op: "<=", limit: 1 },
          note: `${writes} statements for ${keysUsed} keys: ${counter.describe()}`,
        });
        results.push({
          suite: SUITE,
          name: `${label}, ${fmt(uses)} uses: key rows/key`,
          value: (counter.rows.get("update api_keys") ?? 0) / keysUsed,
          unit: "per key",
          note: "each key's row is written once per flush, whatever the number of uses",
        });
      }
      // Every use is counted: the daily counters add up to the requests served.
      const counted = await kw.store.db
        .selectFrom("usage_daily")
        .select((eb) => eb.fn.sum<number>("count").as("n"))
        .where(
          "key_id",
          "in",
          ks.map((k) => k.id),
        )
        .executeTakeFirstOrThrow();
      if (Number(counted.n ?? 0) !== total)
        throw new Error(`${label}: ${total} uses made, ${counted.n} counted in usage_daily`);
      log(SUITE, `${label}: usage_daily counts ${fmt(Number(counted.n))} uses, as many as were made`);
      return flushWrites;
    };

    const [few, many] = await intervals("100 keys", await keys(100), [1_000, 100_000, 0]);
    await intervals("1,000 keys", await keys(1_000), [200_000]);
    results.push({
      suite: SUITE,
      name: "flush writes, 100k uses / 1k uses",
      value: many! / few!,
      unit: "ratio",
      target: { op: "<=", limit: 1 },
      note: "same 100 keys: 100× the requests, the same statements",
    });
    return results;
  } finally {
    await kw.close();
    tmp.remove();
  }
}
