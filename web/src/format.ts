/** Words and dates as an admin reads them. Times come from the server; the browser clock is never used. */
import type { InactivityAction, Key, Kind } from "./api";

const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });
const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export function date(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : DATE.format(t);
}

const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });

/** "14:05" */
export function timeOf(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : TIME.format(t);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : DATE_TIME.format(t);
}

export const KIND_LABEL: Record<Kind, string> = {
  private_integration: "Private integration",
  legacy_v1: "Legacy v1",
};

export const STATUS_LABEL: Record<Key["status"], string> = {
  active: "Active",
  expired: "Expired",
  revoked: "Revoked",
  deleted: "Deleted",
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Deleted on 1 Apr 2026 if still unused", or null when nothing is planned. */
export function nextActionWords(k: Pick<Key, "nextAction" | "status">): string | null {
  if (k.status !== "active" || !k.nextAction) return null;
  const verb = k.nextAction.action === "delete" ? "Deleted" : "Expires";
  return `${verb} on ${date(k.nextAction.at)} if still unused`;
}

export function actionVerb(action: InactivityAction, tense: "future" | "past" = "future"): string {
  if (tense === "past") return action === "delete" ? "deleted" : "expired";
  return action === "delete" ? "be deleted" : "expire";
}

/** What a status means for the integrations using it. */
export function statusWords(k: Key): string {
  switch (k.status) {
    case "active":
      return k.rotation ? "Active, rotation pending" : "Active";
    case "expired":
      return `Expired${k.expiredAt ? ` on ${date(k.expiredAt)}` : ""}`;
    case "revoked":
      return `Revoked${k.revokedAt ? ` on ${date(k.revokedAt)}` : ""}`;
    case "deleted":
      return `Deleted${k.deletedAt ? ` on ${date(k.deletedAt)}` : ""}`;
  }
}

/** One CSV field, quoted when needed; a leading =, +, - or @ is neutralised so spreadsheets do not run it. */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: unknown[][]): string {
  return `${rows.map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

/**
 * A field's error as a sentence next to the field: "must be at most 200 characters" under "Name"
 * reads "Name must be at most 200 characters."; a message that is already a sentence gets its
 * capital and full stop.
 */
export function fieldSentence(label: string, message: string): string {
  let m = message.trim();
  if (m === "") return m;
  const subject = label.replace(/\s*\([^)]*\)$/, "");
  if (/^(must|is|are|has|have|should|cannot|can't|needs|was|may|does|already)\b/.test(m))
    m = `${subject} ${m}`;
  else m = m[0]!.toUpperCase() + m.slice(1);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}
