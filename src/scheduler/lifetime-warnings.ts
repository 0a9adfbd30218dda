/**
 * Lifetime warnings (issue 13 §3): a small job of the scheduler's tick. A key whose lifetime ends
 * within 7 days, then within 1 day, gets an in-app notification to its account's admins (the same
 * machinery as inactivity warnings: type `lifetime_warning`), a `key.lifetime_ending` audit entry
 * (and so the webhook event of that name), in one transaction with the mark that it was warned.
 * Judged on the injected clock; a later tick finds the mark and issues nothing twice.
 */
import { DAY, isoSecond } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { accountAdmins } from "../service/lifecycle.js";
import type { NewNotification } from "../store/lifecycle-store.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import { LIFETIME_LEADS, LIFETIME_WARNING, LifetimeStore } from "../store/lifetime-store.js";
import type { NewAudit, Store } from "../store/store.js";

export interface LifetimeWarning {
  keyId: string;
  agencyId: string;
  accountId: string;
  leadDays: number;
  expiresAt: number;
  notificationId: string;
}

/** The lead a key is warned for now: the shortest lead its remaining lifetime is within. */
export function leadFor(expiresAt: number, now: number): number {
  let lead: number = LIFETIME_LEADS[0];
  for (const d of LIFETIME_LEADS) if (expiresAt - now <= d * DAY) lead = d;
  return lead;
}

export async function warnLifetimesEnding(store: Store, now: number): Promise<LifetimeWarning[]> {
  return store.transaction(async (s) => {
    const lifetimes = new LifetimeStore(s);
    const keys = await lifetimes.dueForWarning(now);
    if (keys.length === 0) return [];
    const people = await s.peopleOf([...new Set(keys.map((k) => k.agencyId))]);
    const notes: NewNotification[] = [];
    const audits: NewAudit[] = [];
    const out: LifetimeWarning[] = [];
    for (const k of keys) {
      const expiresAt = k.expiresAt!;
      const leadDays = leadFor(expiresAt, now);
      const accountId = k.locationId ?? k.agencyId;
      const users = people.get(k.agencyId)?.users ?? [];
      const id = newId("notification");
      const when = leadDays === 1 ? "within 1 day" : `within ${leadDays} days`;
      notes.push({
        id,
        agencyId: k.agencyId,
        accountId,
        type: LIFETIME_WARNING,
        leadDays,
        actionAt: expiresAt,
        keyIds: [k.id],
        title: `API key “${k.name}” expires ${when}`,
        body: `Its lifetime ends on ${isoSecond(expiresAt)}; after that it answers expired. An admin can extend its lifetime (edit the key) or create a replacement.`,
        createdAt: now,
        recipients: accountAdmins(users, k.agencyId, accountId).map((u) => u.id),
      });
      audits.push({
        id: newId("audit"),
        at: now,
        agencyId: k.agencyId,
        actorType: "system",
        actorId: null,
        ip: null,
        userAgent: null,
        action: "key.lifetime_ending",
        targetType: "key",
        targetId: k.id,
        before: null,
        after: { leadDays, expiresAt: new Date(expiresAt).toISOString(), notificationId: id },
      });
      out.push({ keyId: k.id, agencyId: k.agencyId, accountId, leadDays, expiresAt, notificationId: id });
    }
    await new LifecycleStore(s).insertNotifications(notes);
    await lifetimes.markWarned(
      keys.map((k) => k.id),
      now,
    );
    await s.appendAudits(audits);
    return out;
  });
}
