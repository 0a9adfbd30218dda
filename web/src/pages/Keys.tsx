/**
 * Settings → API Keys: the agency's keys and every location's (agency view), or one location's.
 * Add New and edit open a sidebar on the right; revoke and rotate ask first; a new token is shown
 * once. Buttons that change keys appear only to people allowed to use them. This file holds the page
 * (what is loaded, which dialog is open); the table and each dialog live in ./keys/.
 */
import { useMemo, useState } from "react";
import { api, type Key, type Me, qs } from "../api";
import { date, plural } from "../format";
import { KeepDialog, useReloadOnKeep } from "../KeepDialog";
import type { View } from "../links";
import { Link, useRoute } from "../router";
import { useSession } from "../session";
import { ErrorText, Modal, useAction, useLoad, useToast } from "../ui";
import { CreateKeySidebar } from "./keys/CreateKeySidebar";
import { EditKeySidebar } from "./keys/EditKeySidebar";
import { type KeyAction, KeyTable } from "./keys/KeyTable";
import { ReportLeakDialog } from "./keys/ReportLeakDialog";
import { RevokeDialog } from "./keys/RevokeDialog";
import { RotateDialog } from "./keys/RotateDialog";
import { CancelRotationDialog, ExpireNowDialog } from "./keys/RotationDialogs";
import { TokenReveal } from "./keys/TokenReveal";

type Dialog = { type: "create" } | KeyAction | { type: "token"; key: Key; token: string; title: string };

export function KeysPage({ view }: { view: View }) {
  const { me } = useSession();
  const route = useRoute();
  const toast = useToast();
  const [showAll, setShowAll] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const picked = useMemo(() => {
    const k = route.query.get("highlight");
    return k ? new Set(k.split(",").filter(Boolean)) : null;
  }, [route.query]);

  const keys = useLoad(
    () =>
      api.get<{ keys: Key[] }>(
        `/api/accounts/${encodeURIComponent(view.accountId)}/keys${qs({
          includeLocations: view.kind === "agency" ? "true" : undefined,
          status: showAll || picked ? "all" : undefined,
        })}`,
      ),
    [view.accountId, showAll, picked !== null],
  );
  useReloadOnKeep(keys.reload);

  const refresh = useAction(async (k: Key) => {
    await api.post(`/api/keys/${encodeURIComponent(k.id)}/refresh`);
    toast(`“${k.name}” is active again: the same token works.`);
    await keys.reload();
  });

  const all = keys.data?.keys ?? [];
  const shown = picked ? all.filter((k) => picked.has(k.id)) : all;
  const agencyKeys = shown.filter((k) => k.locationId === null);
  const locationKeys = shown.filter((k) => k.locationId !== null);
  const mayCreate =
    view.kind === "agency"
      ? me.permissions.manageAgencyKeys || me.permissions.manageLocationKeys.length > 0
      : me.permissions.manageLocationKeys.includes(view.accountId);
  const create = () => setDialog({ type: "create" });

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

      <div className="toolbar">
        {picked ? (
          <p className="picked-note">
            Showing {plural(shown.length, "key")} from a notification.{" "}
            <Link to={route.path}>Show all keys</Link>
          </p>
        ) : (
          <label className="checkbox">
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />
            Show revoked and deleted keys
          </label>
        )}
        <InactivityNote keys={all} />
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
                empty={emptyAgency(me)}
                onCreate={
                  me.permissions.manageAgencyKeys && me.agency.plan === "agency_pro" ? create : undefined
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
                empty="No location has a key yet."
                onCreate={me.permissions.manageLocationKeys.length ? create : undefined}
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
            empty="This location has no API key yet."
            onCreate={mayCreate ? create : undefined}
            caption={`API keys of ${view.name}`}
            {...rowProps}
          />
        )
      ) : null}

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

/** "2 keys will be deleted on 1 Apr 2026 if still unused." — the one thing to know at a glance. */
function InactivityNote({ keys }: { keys: Key[] }) {
  const next = keys
    .filter((k) => k.status === "active" && k.nextAction)
    .reduce<Key[]>((acc, k) => {
      const first = acc[0];
      if (!first || k.nextAction!.at < first.nextAction!.at) return [k];
      if (k.nextAction!.at === first.nextAction!.at) acc.push(k);
      return acc;
    }, []);
  const first = next[0];
  if (!first?.nextAction) return null;
  return (
    <p className="muted small">
      Unused keys are removed automatically. Next: {plural(next.length, "key")} on {date(first.nextAction.at)}{" "}
      if still unused.
    </p>
  );
}
