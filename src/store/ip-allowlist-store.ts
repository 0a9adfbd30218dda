/**
 * A location's IP allowlist (issue 13 §2), kept on its row (`locations.ip_allowlist_json`, schema
 * migration 012). On SQLite a change is logged by the `change_log_location_ip_update` trigger.
 */
import type { Store } from "./store.js";

export class IpAllowlistStore {
  constructor(private readonly store: Store) {}

  async ofLocation(locationId: string): Promise<string[] | null> {
    const r = await this.store.db
      .selectFrom("locations")
      .select("ip_allowlist_json")
      .where("id", "=", locationId)
      .executeTakeFirst();
    return r?.ip_allowlist_json ? (JSON.parse(r.ip_allowlist_json) as string[]) : null;
  }

  async setOfLocation(locationId: string, cidrs: readonly string[] | null, at: number): Promise<void> {
    await this.store.db
      .updateTable("locations")
      .set({ ip_allowlist_json: cidrs === null ? null : JSON.stringify(cidrs), updated_at: at })
      .where("id", "=", locationId)
      .execute();
  }
}
