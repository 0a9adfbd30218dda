/**
 * The platform's own ids for agencies, locations and users (migration 009, issue 12 §3): an agency's
 * is unique, a location's and a user's unique within their agency. Kept beside the rows rather than
 * in the model: only provisioning and id resolution read them.
 */
import type { Store } from "./store.js";

export type ExternalKind = "agency" | "location" | "user";

export class ExternalIdStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  async agencyOf(externalId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom("agencies")
      .select("id")
      .where("external_id", "=", externalId)
      .executeTakeFirst();
    return r?.id ?? null;
  }

  /** A location of the agency by its external id; a deleted one too when asked (it keeps its id). */
  async locationOf(
    agencyId: string,
    externalId: string,
    includeDeleted = false,
  ): Promise<{ id: string; deleted: boolean } | null> {
    let q = this.db
      .selectFrom("locations")
      .select(["id", "deleted_at"])
      .where("agency_id", "=", agencyId)
      .where("external_id", "=", externalId);
    if (!includeDeleted) q = q.where("deleted_at", "is", null);
    const r = await q.executeTakeFirst();
    return r ? { id: r.id, deleted: r.deleted_at !== null } : null;
  }

  async userOf(agencyId: string, externalId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom("users")
      .select("id")
      .where("agency_id", "=", agencyId)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
    return r?.id ?? null;
  }

  /** The external ids of the given objects (absent: none set). */
  async externalIdsOf(kind: ExternalKind, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const table = kind === "agency" ? "agencies" : kind === "location" ? "locations" : "users";
    const rows = await this.db
      .selectFrom(table)
      .select(["id", "external_id"])
      .where("id", "in", [...ids])
      .execute();
    for (const r of rows) if (r.external_id) out.set(r.id, r.external_id);
    return out;
  }

  /** Names an object with the platform's id (null: forgets it, e.g. on a deleted location). */
  async set(kind: ExternalKind, id: string, externalId: string | null): Promise<void> {
    const table = kind === "agency" ? "agencies" : kind === "location" ? "locations" : "users";
    await this.db.updateTable(table).set({ external_id: externalId }).where("id", "=", id).execute();
  }
}
