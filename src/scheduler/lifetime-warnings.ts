/**
 * Lifetime warnings (issue 13 §3): a small job of the scheduler's tick. A key whose lifetime ends
 * within 7 days, then within 1 day, gets an in-app notification to its account's admins (the same
 * machinery as inactivity warnings: type `lifetime_warning`), a `key.lifetime_ending` audit entry
 * (and so the webhook event of that name), in one transaction with the mark that it was warned.
 * Judged on the injected clock; a later tick finds the mark and issues nothing twice.
 */
import { DAY, isoSecond } from "../core/clock.js";
import { newId } from "../core/ids.js";
import type { ApiKey } from "../core/model.js";
import { type LifetimeDigestKey, lifetimeDigestEmail } from "../notify/lifetime-digest.js";
import { accountAdmins, digestRecipients } from "../service/lifecycle.js";
import type { NewNotification } from "../store/lifecycle-store.js";
import { LifecycleStore } from "../store/lifecycle-store.js";
import { LIFETIME_LEADS, LIFETIME_WARNING, LifetimeStore } from "../store/lifetime-store.js";
import { enqueueEmail } from "../store/outbox.js";
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

export async function warnLifetimesEnding(
  store: Store,
  now: number,
  publicUrl?: string | undefined,
  /** Keys whose inactivity action comes first (core/two-endings.ts): not warned of their lifetime now. */
  inactivityFirst?: (s: Store, keys: ApiKey[]) => Promise<Set<string>>,
  /** Keys warned per tick at most; the rest are warned at the next tick. */
  limit = 1_000,
): Promise<LifetimeWarning[]> {
  return store.transaction(async (s) => {
    const lifetimes = new LifetimeStore(s);
    const keys: ApiKey[] = [];
    // Pages past the keys held back, so that they never crowd out others' warnings.
    for (let after: { expiresAt: number; id: string } | undefined; keys.length < limit; ) {
      const page = await lifetimes.dueForWarning(now, limit, after);
      // They stay due: if the key is used, its inactivity action moves on and the lifetime is first.
      const first = page.length > 0 && inactivityFirst ? await inactivityFirst(s, page) : new Set<string>();
      for (const k of page) if (!first.has(k.id) && keys.length < limit) keys.push(k);
      const last = page.at(-1);
      if (page.length < limit || !last) break;
      after = { expiresAt: last.expiresAt!, id: last.id };
    }
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
    // The agency digest: one e-mail per agency listing this tick's warnings, to subscribed agency admins.
    const byAgency = new Map<string, LifetimeWarning[]>();
    for (const x of out) byAgency.set(x.agencyId, [...(byAgency.get(x.agencyId) ?? []), x]);
    for (const [agencyId, warned] of byAgency) {
      const p = people.get(agencyId);
      const to = digestRecipients(p?.users ?? [])
        .map((u) => u.email)
        .sort();
      const agency = await s.getAgency(agencyId);
      if (to.length === 0 || !agency) continue;
      const names = new Map((p?.locations ?? []).map((l) => [l.id, l.name]));
      const byId = new Map(keys.map((k) => [k.id, k]));
      const listed: LifetimeDigestKey[] = warned.map((x) => ({
        id: x.keyId,
        name: byId.get(x.keyId)!.name,
        accountId: x.accountId,
        accountName: x.accountId === agencyId ? agency.name : (names.get(x.accountId) ?? x.accountId),
        expiresAt: x.expiresAt,
        leadDays: x.leadDays,
      }));
      const mail = lifetimeDigestEmail({ agencyName: agency.name, keys: listed, consoleUrl: publicUrl });
      await enqueueEmail(s, { now: () => now }, { agencyId, kind: "lifetime_digest", to, ...mail });
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
