/**
 * CSV as spreadsheets read it (RFC 4180: CRLF rows, quotes doubled), safe to open: a cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel,
 * LibreOffice and Google Sheets (CSV injection), so it is prefixed with `'` and shows as text.
 * The console's exports (web/src/format.ts `csvField`) follow the same rule.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
