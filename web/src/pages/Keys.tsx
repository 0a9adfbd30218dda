/**
 * Settings → API Keys: the agency's keys and every location's (agency view), or one location's.
 * Add New and edit open a sidebar on the right; revoke and rotate ask first; a new token is shown
 * once. Buttons that change keys appear only to people allowed to use them. This file holds the page
 * (what is loaded, which dialog is open); the table and each dialog live in ./keys/.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { api, type Key, type Me, qs, type Upcoming } from "../api";
import { date, plural } from "../format";
import { KeepDialog, useReloadOnKeep } from "../KeepDialog";
import { keysLink, type View } from "../links";
import { Link, useRoute } from "../router";
import { useSession } from "../session";
import { ErrorText, Modal, useAction, useLoad, useToast } from "../ui";
import { CreateKeySidebar } from "./keys/CreateKeySidebar";
import { EditKeySidebar } from "./keys/EditKeySidebar";
import { isFiltered, KeyFilters, type KeyFilterValues, NO_FILTERS } from "./keys/KeyFilters";
import { type KeyAction, KeyTable } from "./keys/KeyTable";
import { ReportLeakDialog } from "./keys/ReportLeakDialog";
import { RevokeDialog } from "./keys/RevokeDialog";
import { RotateDialog } from "./keys/RotateDialog";
import { CancelRotationDialog, ExpireNowDialog } from "./keys/RotationDialogs";
import { TokenReveal } from "./keys/TokenReveal";

type KeyPage = { keys: Key[]; nextCursor: string | null };
const PAGE_SIZE = 50;

type Dialog = { type: "create" } | KeyAction | { type: "token"; key: Key; token: string; title: string };

export function KeysPage({ view }: { view: View }) {
  const { me } = useSession();
  const route = useRoute();
  const toast = useToast();
  const [filters, setFilters] = useState<KeyFilterValues>(NO_FILTERS);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [more, setMore] = useState<Key[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const picked = useMemo(() => {
    const k = route.query.get("highlight");
    return k ? new Set(k.split(",").filter(Boolean)) : null;
  }, [route.query]);

  const pagePath = (cursor: string | null, limit: number) =>
    `/api/accounts/${encodeURIComponent(view.accountId)}/keys${qs({
      includeLocations: view.kind === "agency" ? "true" : undefined,
      status: picked ? "all" : filters.status,
      ...(picked
        ? {}
        : {
            q: filters.q,
            kind: filters.kind,
            accountId: filters.accountId,
            warned: filters.warned ? "true" : undefined,
            sort: filters.sort === "created" ? undefined : filters.sort,
          }),
      limit,
      cursor,
    })}`;
  const keys = useLoad(async () => {
    if (picked) {
      // Keys named by a notification or the banner may be on any page: read them all.
      const out: Key[] = [];
      let cursor: string | null = null;
      do {
        const r: KeyPage = await api.get<KeyPage>(pagePath(cursor, 200));
        out.push(...r.keys);
        cursor = r.nextCursor;
      } while (cursor);
      setMore([]);
      setNext(null);
      return { keys: out };
    }
    const r = await api.get<KeyPage>(pagePath(null, PAGE_SIZE));
    setMore([]);
    setNext(r.nextCursor);
    return r;
  }, [view.accountId, picked !== null, filters]);
  const loadMore = useAction(async () => {
    if (next === null) return;
    const r = await api.get<KeyPage>(pagePath(next, PAGE_SIZE));
    setMore((m) => [...m, ...r.keys]);
    setNext(r.nextCursor);
  });
  useReloadOnKeep(keys.reload);

  const refresh = useAction(async (k: Key) => {
    await api.post(`/api/keys/${encodeURIComponent(k.id)}/refresh`);
    toast(`“${k.name}” is active again: the same token works.`);
    await keys.reload();
  });

  const all = [...(keys.data?.keys ?? []), ...more];
  // `?edit=<keyId>` (the lifetime banner's "Extend lifetime") opens that key's edit sidebar once.
  const editId = route.query.get("edit");
  const opened = useRef<string | null>(null);
  useEffect(() => {
    if (!editId || opened.current === editId) return;
    const k = keys.data?.keys.find((x) => x.id === editId);
    if (!k) return;
    opened.current = editId;
    setDialog({ type: "edit", key: k });
  }, [editId, keys.data]);
  const shown = picked ? all.filter((k) => picked.has(k.id)) : all;
  const agencyKeys = shown.filter((k) => k.locationId === null);
  const locationKeys = shown.filter((k) => k.locationId !== null);
  const mayCreate =
    view.kind === "agency"
      ? me.permissions.manageAgencyKeys || me.permissions.manageLocationKeys.length > 0
      : me.permissions.manageLocationKeys.includes(view.accountId);
  const create = () => setDialog({ type: "create" });

  // With filters or more pages to load, an empty table says so rather than "no key yet".
  const partial =
    next !== null
      ? "None among the keys loaded so far: load more below, or narrow the search."
      : isFiltered(filters) && !picked
        ? "No key here matches the search and filters."
        : null;

  const closeAnd = (reload: boolean) => {
    setDialog(null);
    if (reload) void keys.reload();
  };

  const rowProps = {
    me,
    onAction: setDialog,
    onRefresh: (k: Key) => void refresh.run(k),
    refreshing: refresh.busy,
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>API Keys</h1>
          <p className="muted">
            {view.kind === "agency"
              ? "Keys let other tools (Zapier, scripts, dashboards) use the API for your agency and its locations. Treat them like passwords."
              : `Keys let other tools use the API for ${view.name}. Treat them like passwords.`}
          </p>
        </div>
        {mayCreate ? (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog({ type: "create" })}
          >
            <span aria-hidden="true">+ </span>Add New
          </button>
        ) : null}
      </div>

      {mayCreate ? null : (
        <p className="muted small" id="read-only-note">
          You can see these keys but not change them. Ask an admin if you need a key created, rotated or
          revoked.
        </p>
      )}

      {picked ? null : <KeyFilters me={me} view={view} value={filters} onChange={setFilters} />}
      <div className="toolbar">
        {picked ? (
          <p className="picked-note">
            Showing {plural(shown.length, "key")} from a notification.{" "}
            <Link to={route.path}>Show all keys</Link>
          </p>
        ) : (
          <p className="muted small" role="status">
            {keys.data
              ? `${next === null ? "" : "First "}${plural(all.length, "key")}${isFiltered(filters) ? " match" : ""}${next === null ? "" : ": load more below"}.`
              : ""}
          </p>
        )}
        <InactivityNote view={view} />
      </div>

      <ErrorText error={keys.error ?? refresh.error} />
      {keys.loading && !keys.data ? <p role="status">Loading keys…</p> : null}

      {keys.data ? (
        view.kind === "agency" ? (
          <>
            <section aria-labelledby="agency-keys-title">
              <h2 id="agency-keys-title">Agency API keys</h2>
              <KeyTable
                keys={agencyKeys}
                showAccount={false}
                empty={partial ?? emptyAgency(me)}
                onCreate={
                  !partial && me.permissions.manageAgencyKeys && me.agency.plan === "agency_pro"
                    ? create
                    : undefined
                }
                caption="Agency API keys"
                {...rowProps}
              />
            </section>
            <section aria-labelledby="location-keys-title">
              <h2 id="location-keys-title">Location API keys</h2>
              <KeyTable
                keys={locationKeys}
                showAccount
                empty={partial ?? "No location has a key yet."}
                onCreate={!partial && me.permissions.manageLocationKeys.length ? create : undefined}
                createLabel="Create a location key"
                caption="Location API keys"
                {...rowProps}
              />
            </section>
          </>
        ) : (
          <KeyTable
            keys={shown}
            showAccount={false}
            empty={partial ?? "This location has no API key yet."}
            onCreate={!partial && mayCreate ? create : undefined}
            caption={`API keys of ${view.name}`}
            {...rowProps}
          />
        )
      ) : null}

      {next !== null && !picked ? (
        <p>
          <button
            type="button"
            className="button"
            disabled={loadMore.busy}
            onClick={() => void loadMore.run()}
          >
            {loadMore.busy ? "Loading…" : "Load more keys"}
          </button>
        </p>
      ) : null}
      <ErrorText error={loadMore.error} />

      {dialog?.type === "create" ? (
        <CreateKeySidebar
          view={view}
          onClose={() => closeAnd(false)}
          onCreated={(key, token) => {
            void keys.reload();
            setDialog({ type: "token", key, token, title: "Your new API key" });
          }}
        />
      ) : null}
      {dialog?.type === "edit" ? (
        <EditKeySidebar
          apiKey={dialog.key}
          onClose={() => closeAnd(false)}
          onSaved={(k) => {
            toast(`Saved “${k.name}”. Its token did not change.`);
            closeAnd(true);
          }}
        />
      ) : null}
      {dialog?.type === "token" ? (
        <Modal
          title={dialog.title}
          onClose={() => closeAnd(true)}
          variant="sidebar"
          footer={
            <button type="button" className="button button-primary" onClick={() => closeAnd(true)}>
              Done
            </button>
          }
        >
          <TokenReveal apiKey={dialog.key} token={dialog.token} />
        </Modal>
      ) : null}
      {dialog?.type === "revoke" ? (
        <RevokeDialog apiKey={dialog.key} onClose={() => closeAnd(false)} onRevoked={keys.reload} />
      ) : null}
      {dialog?.type === "rotate" ? (
        <RotateDialog
          apiKey={dialog.key}
          onClose={() => closeAnd(false)}
          onRotated={(key, token) => {
            void keys.reload();
            setDialog({ type: "token", key, token, title: "Your new token" });
          }}
        />
      ) : null}
      {dialog?.type === "keep" ? (
        <KeepDialog
          keys={[{ id: dialog.key.id, name: dialog.key.name }]}
          onClose={() => closeAnd(false)}
          onKept={keys.reload}
        />
      ) : null}
      {dialog?.type === "report-leak" ? (
        <ReportLeakDialog apiKey={dialog.key} onClose={() => closeAnd(false)} onReported={keys.reload} />
      ) : null}
      {dialog?.type === "expire-now" ? (
        <ExpireNowDialog apiKey={dialog.key} onClose={() => closeAnd(false)} onExpired={keys.reload} />
      ) : null}
      {dialog?.type === "cancel-rotation" ? (
        <CancelRotationDialog apiKey={dialog.key} onClose={() => closeAnd(false)} onCancelled={keys.reload} />
      ) : null}
    </div>
  );
}

function emptyAgency(me: Me): string {
  if (me.agency.plan !== "agency_pro")
    return "Agency keys need the Agency Pro plan. Location keys are below.";
  return "The agency has no API key yet.";
}

/**
 * "Unused keys are deleted automatically. Next: 2 keys of Downtown on 1 Apr 2026 if still unused." —
 * the one thing to know at a glance, counted by the server as the banner, the inventory and the
 * digest count it (the keys of the next sweep, of this account or of the agency and its locations).
 */
function InactivityNote({ view }: { view: View }) {
  const { me } = useSession();
  const { data } = useLoad(
    () => api.get<Upcoming>(`/api/accounts/${encodeURIComponent(view.accountId)}/upcoming`).catch(() => null),
    [view.accountId],
  );
  if (!data) return null;
  return (
    <p className="muted small inactivity-note">
      {data.action === "expire"
        ? "Unused keys expire automatically."
        : "Unused keys are deleted automatically."}
      {data.actionAt ? (
        <>
          {" "}
          Next: <Link to={keysLink(me, data.accountId, data.keyIds)}>{plural(data.count, "key")}</Link>{" "}
          {data.scopeWords} on {date(data.actionAt)} if still unused.
        </>
      ) : null}
    </p>
  );
}
