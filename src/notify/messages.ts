/**
 * The words of the inactivity lifecycle: the in-app warning and the digest e-mail (HTML and text).
 * Pure functions of what the scheduler decided; no I/O.
 */
import { humanDate } from "../core/clock.js";
import type { InactivityAction } from "../core/lifecycle.js";
import { actionVerb, keysLink, plural } from "../service/lifecycle.js";

/** The console's profile page, where the digest is switched off. */
export const PROFILE_PATH = "/profile";

export interface WarningText {
  title: string;
  body: string;
}

export function warningText(input: {
  accountName: string;
  keys: { name: string }[];
  leadDays: number;
  actionAt: number;
  action: InactivityAction;
  inactivityDays: number;
  now: number;
}): WarningText {
  const n = input.keys.length;
  const verb = actionVerb(input.action);
  const title = `${plural(n, "API key")} in ${input.accountName} will be ${verb} on ${humanDate(input.actionAt)}`;
  const names = input.keys
    .map((k) => k.name)
    .sort()
    .slice(0, 10)
    .join(", ");
  const more = n > 10 ? ` and ${n - 10} more` : "";
  const days = Math.max(0, Math.round((input.actionAt - input.now) / 86_400_000));
  const body =
    `${names}${more} ${n === 1 ? "has" : "have"} not been used for ${plural(input.inactivityDays, "day")} or more. ` +
    `In ${plural(days, "day")} (${humanDate(input.actionAt)}) ${n === 1 ? "it" : "they"} will be ${verb}` +
    (input.action === "expire" ? " (an admin can refresh or rotate an expired key)" : "") +
    ". Any successful use before then keeps a key, and an admin can choose Keep; if a key is no longer needed, revoke it.";
  return { title, body };
}

export interface DigestKey {
  id: string;
  name: string;
  kind: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface DigestAccount {
  accountId: string;
  accountName: string;
  kind: "agency" | "location";
  keys: DigestKey[];
}

export interface DigestEmail {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const day = (t: number | null) => (t === null ? "never" : new Date(t).toISOString().slice(0, 10));

const KIND: Record<string, string> = { private_integration: "Private integration", legacy_v1: "Legacy v1" };

/** The digest: every key grouped by account (the agency first, then locations by name). */
export function digestEmail(input: {
  agencyName: string;
  accounts: DigestAccount[];
  actionAt: number;
  action: InactivityAction;
  inactivityDays: number;
  consoleUrl: string | undefined;
}): DigestEmail {
  const accounts = [...input.accounts]
    .map((a) => ({
      ...a,
      keys: [...a.keys].sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)),
    }))
    .sort(
      (a, b) =>
        (a.kind === "agency" ? 0 : 1) - (b.kind === "agency" ? 0 : 1) ||
        a.accountName.localeCompare(b.accountName),
    );
  const n = accounts.reduce((s, a) => s + a.keys.length, 0);
  const verb = actionVerb(input.action);
  const when = humanDate(input.actionAt);
  const subject = `${plural(n, "API key")} of ${input.agencyName} will be ${verb} on ${when}`;
  const base = (input.consoleUrl ?? "").replace(/\/$/, "");
  const intro =
    // Whose keys: the digest covers the agency and every location, as the agency's banner does.
    `${plural(n, "API key")} of ${input.agencyName} and its locations ${n === 1 ? "has" : "have"} not been used for ` +
    `${plural(input.inactivityDays, "day")} or more and will be ${verb} on ${when}.`;
  const keep =
    "A key that is used successfully before then is kept; an admin can also choose Keep on the keys page (the links below). If a key is no longer needed, revoke it." +
    (input.action === "expire" ? " An expired key can be refreshed or rotated by an admin." : "");

  const text: string[] = [intro, "", keep, ""];
  for (const a of accounts) {
    const link =
      base +
      keysLink(
        a.accountId,
        a.keys.map((k) => k.id),
      );
    text.push(
      `${a.kind === "agency" ? "Agency" : "Location"}: ${a.accountName} (${plural(a.keys.length, "key")})`,
    );
    for (const k of a.keys)
      text.push(
        `  - ${k.name} (${KIND[k.kind] ?? k.kind}), created ${day(k.createdAt)}, last used ${day(k.lastUsedAt)}, ${verb} on ${day(input.actionAt)}`,
      );
    text.push(`  Review: ${link}`, "");
  }
  // The profile page has the switch (issue 16 item 4): the sentence leads there.
  const profile = `${base}${PROFILE_PATH}`;
  text.push(`You receive this digest as an agency admin; you can turn it off in your profile: ${profile}`);

  const rows = accounts
    .map((a) => {
      const link =
        base +
        keysLink(
          a.accountId,
          a.keys.map((k) => k.id),
        );
      const keys = a.keys
        .map(
          (k) =>
            `<tr><td style="padding:4px 8px">${esc(k.name)}</td><td style="padding:4px 8px">${esc(KIND[k.kind] ?? k.kind)}</td>` +
            `<td style="padding:4px 8px">${day(k.createdAt)}</td><td style="padding:4px 8px">${day(k.lastUsedAt)}</td>` +
            `<td style="padding:4px 8px">${day(input.actionAt)}</td></tr>`,
        )
        .join("");
      return (
        `<h3 style="margin:20px 0 6px">${a.kind === "agency" ? "Agency" : "Location"}: ${esc(a.accountName)}</h3>` +
        `<table style="border-collapse:collapse;font-size:14px"><thead><tr style="text-align:left;background:#f3f4f6">` +
        `<th style="padding:4px 8px">Name</th><th style="padding:4px 8px">Kind</th><th style="padding:4px 8px">Created</th>` +
        `<th style="padding:4px 8px">Last used</th><th style="padding:4px 8px">${verb === "deleted" ? "Deleted on" : "Expires on"}</th>` +
        `</tr></thead><tbody>${keys}</tbody></table>` +
        `<p style="margin:6px 0"><a href="${esc(link)}">Review these keys</a></p>`
      );
    })
    .join("");
  const html =
    `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#111;max-width:720px">` +
    `<h2 style="margin:0 0 12px">${esc(subject)}</h2><p>${esc(intro)}</p><p>${esc(keep)}</p>${rows}` +
    `<p style="color:#6b7280;font-size:12px;margin-top:24px">You receive this digest as an agency admin; you can turn it off in <a href="${esc(profile)}">your profile</a>.</p>` +
    `</body></html>`;
  return { subject, text: text.join("\n"), html };
}
