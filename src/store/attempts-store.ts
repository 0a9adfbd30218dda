/**
 * The failure counts of the brute-force limits, shared by the nodes of one database (schema
 * migration 005). Each write reads the row under a lock, applies the same pure rule as the nodes do in
 * memory (core/attempts.ts), and writes it back, so concurrent nodes add up rather than overwrite.
 */
import type { Kysely } from "kysely";
import { addFailures, type FailureRule, type FailureState } from "../core/attempts.js";
import type { DialectInfo } from "./dialect.js";
import type { Database } from "./schema.js";

export interface SharedFailure {
  kind: string;
  key: string;
  state: FailureState;
}

const DAY = 86_400_000;

export class AttemptsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectInfo,
  ) {}

  /** Adds failures (any number of keys, in one transaction); answers each key's shared state. */
  async addFailures(
    items: readonly { kind: string; key: string; n: number }[],
    now: number,
    ruleOf: (kind: string) => FailureRule,
  ): Promise<SharedFailure[]> {
    // One order for every node: two batches never wait on each other's rows in a cycle.
    const sorted = [...items].sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1));
    return this.db.transaction().execute(async (tx) => {
      const out: SharedFailure[] = [];
      for (const { kind, key, n } of sorted) {
        await tx
          .insertInto("auth_failures")
          .values({
            kind,
            key,
            window_start: now,
            failures: 0,
            blocked_until: 0,
            strikes: 0,
            updated_at: now,
          })
          .onConflict((oc) => oc.columns(["kind", "key"]).doNothing())
          .execute();
        let q = tx.selectFrom("auth_failures").selectAll().where("kind", "=", kind).where("key", "=", key);
        if (this.dialect.rowLocks) q = q.forUpdate();
        const row = await q.executeTakeFirstOrThrow();
        const state = addFailures(fromRow(row), n, now, ruleOf(kind));
        await tx
          .updateTable("auth_failures")
          .set({
            window_start: state.windowStart,
            failures: state.failures,
            blocked_until: state.blockedUntil,
            strikes: state.strikes,
            updated_at: now,
          })
          .where("kind", "=", kind)
          .where("key", "=", key)
          .execute();
        out.push({ kind, key, state });
      }
      return out;
    });
  }

  async read(kind: string, key: string): Promise<FailureState | undefined> {
    const row = await this.db
      .selectFrom("auth_failures")
      .selectAll()
      .where("kind", "=", kind)
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Keys blocked at `now` whose row changed since `since` (what other nodes decided lately). */
  async blockedSince(now: number, since: number): Promise<SharedFailure[]> {
    const rows = await this.db
      .selectFrom("auth_failures")
      .selectAll()
      .where("blocked_until", ">", now)
      .where("updated_at", ">=", since)
      .limit(10_000)
      .execute();
    return rows.map((r) => ({ kind: r.kind, key: r.key, state: fromRow(r) }));
  }

  async reset(kind: string, key: string): Promise<void> {
    await this.db.deleteFrom("auth_failures").where("kind", "=", kind).where("key", "=", key).execute();
  }

  /** Forgets rows nobody has failed on for longer than any window or block lasts. */
  async prune(now: number): Promise<void> {
    await this.db
      .deleteFrom("auth_failures")
      .where("updated_at", "<", now - 8 * DAY)
      .where("blocked_until", "<", now)
      .execute();
  }
}

function fromRow(r: {
  window_start: number;
  failures: number;
  blocked_until: number;
  strikes: number;
}): FailureState {
  return {
    windowStart: Number(r.window_start),
    failures: Number(r.failures),
    blockedUntil: Number(r.blocked_until),
    strikes: Number(r.strikes),
  };
}
