/**
 * The agency digest of lifetimes ending (issue 13 §3): one e-mail per agency and tick to its subscribed
 * agency admins, listing every key warned in that tick (7 days or 1 day before its lifetime ends).
 */
import { isoSecond } from "../core/clock.js";
import { keysLink } from "../service/lifecycle.js";

export interface LifetimeDigestKey {
  id: string;
  name: string;
  accountId: string;
  accountName: string;
  expiresAt: number;
  leadDays: number;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function lifetimeDigestEmail(input: {
  agencyName: string;
  keys: readonly LifetimeDigestKey[];
  consoleUrl: string | undefined;
}): { subject: string; text: string; html: string } {
  const keys = [...input.keys].sort((a, b) => a.expiresAt - b.expiresAt || a.name.localeCompare(b.name));
  const n = keys.length;
  const subject = `${n === 1 ? "1 API key" : `${n} API keys`} of ${input.agencyName} will reach the end of ${n === 1 ? "its" : "their"} lifetime soon`;
  const intro = `${n === 1 ? "This key" : "These keys"} of ${input.agencyName} and its locations will stop working (answering expired) when ${n === 1 ? "its lifetime ends" : "their lifetimes end"}. An admin can extend a lifetime by editing the key, or create a replacement.`;
  const base = (input.consoleUrl ?? "").replace(/\/$/, "");
  const line = (k: LifetimeDigestKey) =>
    `${k.name} (${k.accountName}): ends ${isoSecond(k.expiresAt)}, within ${k.leadDays === 1 ? "1 day" : `${k.leadDays} days`}`;
  const text = [intro, "", ...keys.map((k) => `- ${line(k)} ${base}${keysLink(k.accountId, [k.id])}`)].join(
    "\n",
  );
  const html = `<p>${esc(intro)}</p><ul>${keys
    .map((k) => `<li><a href="${esc(base + keysLink(k.accountId, [k.id]))}">${esc(line(k))}</a></li>`)
    .join("")}</ul>`;
  return { subject, text, html };
}
