/**
 * The simulation's output: its events (docs/spec.md §4 "Simulation", `--json` lines), made from what the
 * scheduler reports and from banner changes, ordered within an instant. No I/O.
 */
import { isoSecond as iso } from "../../core/clock.js";
import type { TickReport } from "../scheduler.js";

export type SimEvent =
  | {
      at: string;
      type: "warning";
      account: string;
      leadDays: number;
      actionAt: string;
      keys: string[];
      to: string[];
    }
  | { at: string; type: "email"; agency: string; actionAt: string; keys: string[]; to: string[] }
  | { at: string; type: "banner_on"; account: string; actionAt: string; keys: string[] }
  | { at: string; type: "banner_off"; account: string; actionAt: string }
  | { at: string; type: "deleted"; key: string }
  | { at: string; type: "expired"; key: string }
  /** An admin's Keep that took effect (issue 14): the key was spared and starts a new cycle. */
  | { at: string; type: "kept"; key: string };

const ORDER: Record<SimEvent["type"], number> = {
  // Admin actions count before the scheduler at one instant, so a Keep is listed first.
  kept: -1,
  deleted: 0,
  expired: 0,
  banner_off: 1,
  warning: 2,
  email: 3,
  banner_on: 4,
};

/** What a scheduler tick at `t` did, as events. An e-mail without a recipient is not sent: no event. */
export function tickEvents(t: number, r: TickReport): SimEvent[] {
  const out: SimEvent[] = [];
  for (const a of r.actions)
    out.push({ at: iso(t), type: a.action === "delete" ? "deleted" : "expired", key: a.keyId });
  for (const w of r.warnings)
    out.push({
      at: iso(t),
      type: "warning",
      account: w.accountId,
      leadDays: w.leadDays,
      actionAt: iso(w.actionAt),
      keys: [...w.keyIds].sort(),
      to: [...w.to].sort(),
    });
  for (const e of r.emails)
    if (e.emailId !== null)
      out.push({
        at: iso(t),
        type: "email",
        agency: e.agencyId,
        actionAt: iso(e.actionAt),
        keys: [...e.keyIds].sort(),
        to: [...e.to].sort(),
      });
  return out;
}

/** One account's banners at `t` against the instant before (actionAt → keys): what came on, what went. */
export function bannerEvents(
  t: number,
  account: string,
  before: ReadonlyMap<number, string[]>,
  after: ReadonlyMap<number, string[]>,
): SimEvent[] {
  const out: SimEvent[] = [];
  for (const [actionAt, keys] of after)
    if (!before.has(actionAt))
      out.push({ at: iso(t), type: "banner_on", account, actionAt: iso(actionAt), keys });
  for (const actionAt of before.keys())
    if (!after.has(actionAt)) out.push({ at: iso(t), type: "banner_off", account, actionAt: iso(actionAt) });
  return out;
}

/** Events of one instant: actions, banners going, warnings, e-mails, banners coming; then by content. */
export function compareEvents(a: SimEvent, b: SimEvent): number {
  return ORDER[a.type] - ORDER[b.type] || JSON.stringify(a).localeCompare(JSON.stringify(b));
}

/** One event as the JSON line `--json` prints: fields in the order of docs/spec.md §4. */
export function eventLine(e: SimEvent): string {
  return JSON.stringify(e);
}
