/**
 * Storage for leaked tokens and Keep (issue 14): where a key leaked, the receipts of signed leak
 * reports (replay refusal), and the warnings a Keep clears. Every write happens in the caller's
 * transaction (a `Store` bound to it).
 */
import type { Store } from "./store.js";

export interface KeyLeak {
  id: string;
  keyId: string;
  agencyId: string;
  source: string;
  url: string | null;
  tokenType: string | null;
  reason: string | null;
  reportedAt: number;
  reporterType: string;
  reporterId: string | null;
  action: "revoked" | "notified";
}

const CHUNK = 400;

export class LeakStore {
  constructor(readonly s: Store) {}

  private get db() {
    return this.s.db;
  }

  async insertLeak(l: KeyLeak): Promise<void> {
    await this.db
      .insertInto("key_leaks")
      .values({
        id: l.id,
        key_id: l.keyId,
        agency_id: l.agencyId,
        source: l.source,
        url: l.url,
        token_type: l.tokenType,
        reason: l.reason,
        reported_at: l.reportedAt,
        reporter_type: l.reporterType,
        reporter_id: l.reporterId,
        action: l.action,
      })
      .execute();
  }

  /** The latest leak report of each key that has one. */
  async latestOf(keyIds: readonly string[]): Promise<Map<string, KeyLeak>> {
    const out = new Map<string, KeyLeak>();
    for (let i = 0; i < keyIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("key_leaks")
        .selectAll()
        .where("key_id", "in", keyIds.slice(i, i + CHUNK))
        .orderBy("reported_at")
        .orderBy("id")
        .execute();
      for (const r of rows)
        out.set(r.key_id, {
          id: r.id,
          keyId: r.key_id,
          agencyId: r.agency_id,
          source: r.source,
          url: r.url,
          tokenType: r.token_type,
          reason: r.reason,
          reportedAt: Number(r.reported_at),
          reporterType: r.reporter_type,
          reporterId: r.reporter_id,
          action: r.action as KeyLeak["action"],
        });
    }
    return out;
  }

  /**
   * Records a signed report's digest; false when it was already received since `since` (a replay).
   * Older receipts are dropped first, so the table holds one window's worth.
   */
  async recordReceipt(digest: string, at: number, since: number): Promise<boolean> {
    await this.db.deleteFrom("leak_report_receipts").where("received_at", "<", since).execute();
    const r = await this.db
      .insertInto("leak_report_receipts")
      .values({ digest, received_at: at })
      .onConflict((oc) => oc.column("digest").doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  // ── Keep ────────────────────────────────────────────────────────────────

  /** Whether the key's current cycle (`cycleAt`) has had its first warning and no action yet. */
  async pendingInCycle(keyId: string, cycleAt: number): Promise<boolean> {
    const rows = await this.db
      .selectFrom("lifecycle_events")
      .select(["kind", "skipped"])
      .where("key_id", "=", keyId)
      .where("cycle_at", "=", cycleAt)
      .execute();
    if (rows.some((r) => r.kind === "action")) return false;
    return rows.some((r) => r.kind === "warning" && Number(r.skipped) === 0);
  }

  /**
   * After a Keep moved the key to a new cycle: drops its watch row (the banner counts it no more),
   * and clears the warnings of its old cycle that no longer warn about any pending key. A warning
   * that also names keys still pending stays: it is still true of them.
   */
  async clearKeptWarnings(keyId: string, oldCycleAt: number, now: number): Promise<string[]> {
    await this.db.deleteFrom("lifecycle_watch").where("key_id", "=", keyId).execute();
    return this.clearCycleWarnings(keyId, oldCycleAt, now);
  }

  /**
   * Clears the key's inactivity warnings of one cycle that no longer warn about any pending key (a
   * Keep moved the key on; or its lifetime now ends first, core/two-endings.ts). A warning that also
   * names keys still pending stays: it is still true of them. Answers the ids cleared.
   */
  async clearCycleWarnings(keyId: string, cycleAt: number, now: number): Promise<string[]> {
    const refs = await this.db
      .selectFrom("lifecycle_events")
      .select("ref_id")
      .where("key_id", "=", keyId)
      .where("cycle_at", "=", cycleAt)
      .where("kind", "=", "warning")
      .where("ref_id", "is not", null)
      .execute();
    const ids = [...new Set(refs.map((r) => r.ref_id!))];
    if (ids.length === 0) return [];
    const notes = await this.db
      .selectFrom("notifications")
      .select(["id", "key_ids_json", "action_at"])
      .where("id", "in", ids)
      .where("cleared_at", "is", null)
      .execute();
    const cleared: string[] = [];
    for (const n of notes) {
      const others = (JSON.parse(n.key_ids_json) as string[]).filter((k) => k !== keyId);
      let stillPending = false;
      if (others.length > 0 && n.action_at !== null) {
        const r = await this.db
          .selectFrom("lifecycle_watch as w")
          .innerJoin("api_keys as k", "k.id", "w.key_id")
          .select("w.key_id")
          .where("w.key_id", "in", others)
          .where("k.status", "=", "active")
          .whereRef("k.activity_at", "=", "w.cycle_at")
          .where("w.action_at", "=", n.action_at)
          // A key whose lifetime ends first is not pending this action (core/two-endings.ts).
          .where((eb) =>
            eb.or([eb("k.expires_at", "is", null), eb("k.expires_at", ">", eb.ref("w.action_at"))]),
          )
          .limit(1)
          .execute();
        stillPending = r.length > 0;
      }
      if (stillPending) continue;
      await this.db.updateTable("notifications").set({ cleared_at: now }).where("id", "=", n.id).execute();
      cleared.push(n.id);
    }
    return cleared;
  }
}
