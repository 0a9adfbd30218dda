/**
 * The audit log, newest first: who (by name, linked to everything they did), what, to what (by
 * name), from where (browser and system in words); filters, search and "Load more"; successful
 * sign-ins folded away unless asked for (failed ones always show); CSV and JSON-lines export of
 * everything the filters match.
 */
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { type AuditEntry, api, qs, type User } from "../api";
import { dateTime } from "../format";
import type { View } from "../links";
import { Link, useRoute } from "../router";
import { ErrorText, SelectField, TextField, useAction, useLoad } from "../ui";

const CATEGORIES = [
  { value: "", label: "Everything" },
  { value: "key.", label: "API keys" },
  { value: "agency.", label: "Company settings" },
  { value: "user.", label: "Users" },
  { value: "location.", label: "Locations" },
  { value: "session.", label: "Sign-ins (and failed sign-ins)" },
  { value: "session.login_failed", label: "Failed sign-ins only" },
  { value: "lifecycle.", label: "Inactivity warnings and sweeps" },
  { value: "notification.", label: "Notifications and e-mails" },
];

interface Filters {
  q: string;
  action: string;
  actor: string;
  targetId: string;
  from: string;
  to: string;
  signIns: boolean;
}

const EMPTY: Filters = { q: "", action: "", actor: "", targetId: "", from: "", to: "", signIns: false };

type Page = { entries: AuditEntry[]; nextCursor: string | null };

function params(f: Filters) {
  return {
    q: f.q.trim(),
    action: f.action,
    actor: f.actor,
    targetId: f.targetId.trim(),
    from: f.from ? new Date(`${f.from}T00:00:00`).toISOString() : undefined,
    to: f.to ? new Date(`${f.to}T23:59:59.999`).toISOString() : undefined,
    // Sign-ins are folded away unless asked for, or unless the filter is about them.
    signIns: f.signIns || f.action.startsWith("session.") ? undefined : "false",
  };
}

/** Every user of the agency (the listing is paged), for names and the "Who" filter. */
async function everyone(base: string): Promise<User[]> {
  const out: User[] = [];
  let cursor: string | null = null;
  do {
    const r: { users: User[]; nextCursor: string | null } = await api.get(
      `${base}/users${qs({ limit: 200, cursor })}`,
    );
    out.push(...r.users);
    cursor = r.nextCursor;
  } while (cursor);
  return out;
}

export function AuditPage({ view }: { view: View }) {
  const route = useRoute();
  const base = `/api/agencies/${encodeURIComponent(view.accountId)}`;
  const fromUrl = { ...EMPTY, actor: route.query.get("actor") ?? "" };
  const [draft, setDraft] = useState<Filters>(fromUrl);
  const [filters, setFilters] = useState<Filters>(fromUrl);
  const urlActor = route.query.get("actor") ?? "";
  useEffect(() => {
    // Followed a "Who" link: show that person's entries.
    if (urlActor === "") return;
    setDraft({ ...EMPTY, actor: urlActor });
    setFilters({ ...EMPTY, actor: urlActor });
  }, [urlActor]);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const users = useLoad(() => everyone(base).catch(() => [] as User[]), [base]);
  const page = useLoad(async () => {
    const r = await api.get<Page>(`${base}/audit${qs({ ...params(filters), limit: 50 })}`);
    setMore([]);
    setNext(r.nextCursor);
    return r.entries;
  }, [base, filters]);
  const loadMore = useAction(async () => {
    if (next === null) return;
    const r = await api.get<Page>(`${base}/audit${qs({ ...params(filters), limit: 50, cursor: next })}`);
    setMore((m) => [...m, ...r.entries]);
    setNext(r.nextCursor);
  });
  const names = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.name])), [users.data]);
  const entries = [...(page.data ?? []), ...more];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ ...draft });
  };
  const exportHref = (format: "csv" | "jsonl") => `${base}/audit${qs({ ...params(filters), format })}`;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Audit log</h1>
          <p className="muted">
            Every change to keys, settings, users and locations, and every failed sign-in, newest first.
            Tokens are never recorded.
          </p>
        </div>
        <div className="row-actions">
          <a className="button" href={exportHref("csv")} download>
            Export CSV
          </a>
          <a className="button" href={exportHref("jsonl")} download>
            Export JSON lines
          </a>
        </div>
      </div>
      <form className="filters card" onSubmit={submit} aria-label="Filter the audit log">
        <TextField
          label="Search"
          type="search"
          value={draft.q}
          placeholder="A name, an id, an action, a changed value"
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          error={page.error?.field("query.q")}
        />
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
          value={draft.actor}
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
        >
          <option value="">Anyone</option>
          {(users.data ?? []).map((u) => (
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
          value={draft.from}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          error={page.error?.field("query.from")}
        />
        <TextField
          label="To"
          type="date"
          value={draft.to}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          error={page.error?.field("query.to")}
        />
        <div className="field">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft.signIns}
              onChange={(e) => setDraft({ ...draft, signIns: e.target.checked })}
            />
            Show sign-ins and sign-outs (failed sign-ins always show)
          </label>
        </div>
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
                  <tr
                    key={e.id}
                    data-action={e.action}
                    className={e.action === "session.login_failed" ? "audit-failed" : undefined}
                  >
                    <td data-label="When">{dateTime(e.at)}</td>
                    <td data-label="Who">
                      <Who entry={e} name={e.actorName ?? names.get(e.actorId ?? "") ?? null} />
                    </td>
                    <td data-label="What">
                      {ACTION_WORDS[e.action] ? (
                        <span className="block">{ACTION_WORDS[e.action]}</span>
                      ) : null}
                      <code>{e.action}</code>
                    </td>
                    <td data-label="Target">
                      {e.targetName ? <span className="block">{e.targetName}</span> : null}
                      <span className={e.targetName ? "muted small block" : undefined}>
                        {e.targetType}
                        {e.targetId ? ` ${e.targetId}` : ""}
                      </span>
                    </td>
                    <td data-label="Changes">
                      <Changes before={e.before} after={e.after} />
                    </td>
                    <td data-label="From">
                      {e.ip ?? "—"}
                      {e.userAgentShort ? (
                        <span className="muted small block ua" title={e.userAgent ?? undefined}>
                          {e.userAgentShort}
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

/** What some actions mean, in words (the code stays next to them). */
const ACTION_WORDS: Record<string, string> = {
  "session.created": "Signed in",
  "session.ended": "Signed out",
  "session.revoked": "Session ended",
  "session.login_failed": "Failed sign-in",
  "key.created": "Key created",
  "key.revoked": "Key revoked",
  "key.rotated": "Key rotated",
  "key.updated": "Key edited",
  "key.deleted": "Key deleted",
  "key.expired": "Key expired",
  "key.refreshed": "Key refreshed",
};

/** The actor by name, linked to everything they did; an id only when there is no name. */
function Who({ entry: e, name }: { entry: AuditEntry; name: string | null }) {
  if (e.actorType === "user" && e.actorId)
    return (
      <>
        <Link to={`/agency/audit?actor=${encodeURIComponent(e.actorId)}`}>{name ?? e.actorId}</Link>
        {name ? <span className="muted small block">{e.actorId}</span> : null}
      </>
    );
  if (e.actorType === "user") return <span>Someone not signed in</span>;
  if (e.actorType === "key")
    return (
      <>
        <Link to={`/agency/audit?actor=${encodeURIComponent(e.actorId ?? "")}`}>
          API key {name ? `“${name}”` : (e.actorId ?? "")}
        </Link>
        {name ? <span className="muted small block">{e.actorId}</span> : null}
      </>
    );
  if (e.actorType === "service") return <span>Platform service</span>;
  return <span>{e.actorId === "cli" ? "The operator (CLI)" : "Keyward (automatic)"}</span>;
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
