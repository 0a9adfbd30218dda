/** The audit log, newest first, with filters (what, who, which target, when) and "Load more". */
import { type FormEvent, useMemo, useState } from "react";
import { type AuditEntry, api, qs, type User } from "../api";
import { dateTime } from "../format";
import type { View } from "../links";
import { ErrorText, SelectField, TextField, useAction, useLoad } from "../ui";

const CATEGORIES = [
  { value: "", label: "Everything" },
  { value: "key.", label: "API keys" },
  { value: "agency.", label: "Company settings" },
  { value: "user.", label: "Users" },
  { value: "location.", label: "Locations" },
  { value: "session.", label: "Sign-ins" },
  { value: "lifecycle.", label: "Inactivity warnings and sweeps" },
  { value: "notification.", label: "Notifications and e-mails" },
];

interface Filters {
  action: string;
  actorId: string;
  targetId: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { action: "", actorId: "", targetId: "", since: "", until: "" };

function query(f: Filters, before?: number) {
  return qs({
    action: f.action,
    actorId: f.actorId,
    targetId: f.targetId.trim(),
    since: f.since ? new Date(`${f.since}T00:00:00`).toISOString() : undefined,
    until: f.until ? new Date(`${f.until}T23:59:59.999`).toISOString() : undefined,
    before,
    limit: 50,
  });
}

export function AuditPage({ view }: { view: View }) {
  const base = `/api/agencies/${encodeURIComponent(view.accountId)}`;
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const users = useLoad(
    () => api.get<{ users: User[] }>(`${base}/users`).catch(() => ({ users: [] as User[] })),
    [base],
  );
  const page = useLoad(async () => {
    const r = await api.get<{ entries: AuditEntry[]; next: number | null }>(`${base}/audit${query(filters)}`);
    setMore([]);
    setNext(r.next);
    return r.entries;
  }, [base, filters]);
  const loadMore = useAction(async () => {
    if (next === null) return;
    const r = await api.get<{ entries: AuditEntry[]; next: number | null }>(
      `${base}/audit${query(filters, next)}`,
    );
    setMore((m) => [...m, ...r.entries]);
    setNext(r.next);
  });
  const names = useMemo(() => new Map((users.data?.users ?? []).map((u) => [u.id, u.name])), [users.data]);
  const entries = [...(page.data ?? []), ...more];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ ...draft });
  };
  const who = (e: AuditEntry) =>
    e.actorType === "user"
      ? (names.get(e.actorId ?? "") ?? e.actorId ?? "a user")
      : e.actorType === "key"
        ? `API key ${e.actorId ?? ""}`
        : e.actorType === "service"
          ? "Platform service"
          : "Keyward (automatic)";

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Audit log</h1>
          <p className="muted">
            Every change to keys, settings, users and locations, newest first. Tokens are never recorded.
          </p>
        </div>
      </div>
      <form className="filters card" onSubmit={submit} aria-label="Filter the audit log">
        <SelectField
          label="What"
          value={draft.action}
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
        >
          {CATEGORIES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Who"
          value={draft.actorId}
          onChange={(e) => setDraft({ ...draft, actorId: e.target.value })}
        >
          <option value="">Anyone</option>
          {(users.data?.users ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.email})
            </option>
          ))}
        </SelectField>
        <TextField
          label="Target id"
          value={draft.targetId}
          placeholder="key_…, loc_…, usr_…"
          onChange={(e) => setDraft({ ...draft, targetId: e.target.value })}
          error={page.error?.field("query.targetId")}
        />
        <TextField
          label="From"
          type="date"
          value={draft.since}
          onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          error={page.error?.field("query.since")}
        />
        <TextField
          label="To"
          type="date"
          value={draft.until}
          onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          error={page.error?.field("query.until")}
        />
        <div className="form-actions">
          <button type="submit" className="button button-primary">
            Apply filters
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorText error={page.error && !page.error.hasFields ? page.error : null} />
      {page.loading && !page.data ? <p role="status">Loading…</p> : null}
      {page.data ? (
        entries.length === 0 ? (
          <p className="empty">Nothing matches these filters.</p>
        ) : (
          <div className="table-wrap">
            <table className="table audit-table">
              <caption className="visually-hidden">Audit entries</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">Changes</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">{dateTime(e.at)}</td>
                    <td data-label="Who">{who(e)}</td>
                    <td data-label="What">
                      <code>{e.action}</code>
                    </td>
                    <td data-label="Target">
                      {e.targetType}
                      {e.targetId ? <span className="muted small block">{e.targetId}</span> : null}
                    </td>
                    <td data-label="Changes">
                      <Changes before={e.before} after={e.after} />
                    </td>
                    <td data-label="From">
                      {e.ip ?? "—"}
                      {e.userAgent ? (
                        <span className="muted small block ua" title={e.userAgent}>
                          {e.userAgent}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      {next !== null ? (
        <button type="button" className="button" disabled={loadMore.busy} onClick={() => void loadMore.run()}>
          {loadMore.busy ? "Loading…" : "Load more"}
        </button>
      ) : null}
      <ErrorText error={loadMore.error} />
    </div>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function Changes({
  before,
  after,
}: {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  if (keys.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="changes">
      {keys.map((k) => {
        const b = before?.[k];
        const a = after?.[k];
        return (
          <li key={k}>
            <span className="muted">{k}:</span>{" "}
            {before && after ? (
              <>
                {show(b)} <span aria-hidden="true">→</span>
                <span className="visually-hidden">changed to</span> {show(a)}
              </>
            ) : (
              show(after ? a : b)
            )}
          </li>
        );
      })}
    </ul>
  );
}
