/**
 * Locations (issue 16 item 2): every location with its live keys, its admins and how many people
 * are assigned; agency admins create, rename and delete them. Deleting says first what it does:
 * the location's keys are revoked, and the people assigned to it lose access to it.
 */
import { type FormEvent, useState } from "react";
import { type ApiError, api, asApiError, type LocationSummary } from "../api";
import { plural } from "../format";
import type { View } from "../links";
import { RowMenu } from "../Menu";
import { Link } from "../router";
import { useSession } from "../session";
import { ConfirmDialog, ErrorText, Modal, TextField, useLoad, useToast } from "../ui";

export function LocationsPage({ view }: { view: View }) {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const admin = me.permissions.changeAgencySettings;
  const path = `/api/agencies/${encodeURIComponent(view.accountId)}/locations`;
  const locations = useLoad(() => api.get<{ locations: LocationSummary[] }>(path), [view.accountId]);
  const [naming, setNaming] = useState<{ location: LocationSummary | null } | null>(null);
  const [deleting, setDeleting] = useState<LocationSummary | null>(null);
  const list = [...(locations.data?.locations ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const changed = async () => {
    await Promise.all([locations.reload(), reloadMe()]); // the view switcher lists locations too
  };
  const create = () => setNaming({ location: null });
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Locations</h1>
          <p className="muted">
            Each location (sub-account) has its own API keys and its own admins. Keys of a deleted location
            are revoked with it.
          </p>
        </div>
        {admin ? (
          <button type="button" className="button button-primary" onClick={create}>
            <span aria-hidden="true">+ </span>Add location
          </button>
        ) : null}
      </div>
      <ErrorText error={locations.error} />
      {locations.loading && !locations.data ? <p role="status">Loading locations…</p> : null}
      {locations.data && list.length === 0 ? (
        <div className="empty">
          <p>This agency has no location yet. Locations get their own keys and admins.</p>
          {admin ? (
            <button type="button" className="button button-primary" onClick={create}>
              Create your first location
            </button>
          ) : null}
        </div>
      ) : null}
      {list.length ? (
        <div className="table-wrap">
          <table className="table locations-table">
            <caption className="visually-hidden">Locations</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">API keys</th>
                <th scope="col">Admins</th>
                <th scope="col">People</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((l) => (
                <tr key={l.id} data-location-id={l.id}>
                  <th scope="row" data-label="Name">
                    {l.name}
                    <span className="muted small block">{l.id}</span>
                  </th>
                  <td data-label="API keys">
                    <Link to={`/location/${encodeURIComponent(l.id)}/keys`}>{plural(l.keyCount, "key")}</Link>
                  </td>
                  <td data-label="Admins">
                    {l.admins.length ? (
                      l.admins.map((a) => (
                        <span key={a.id} className="block" title={a.email}>
                          {a.name}
                        </span>
                      ))
                    ) : (
                      <span className="muted">None: agency admins get its warnings</span>
                    )}
                  </td>
                  <td data-label="People">{plural(l.userCount, "person", "people")}</td>
                  <td className="actions-cell" data-label="Actions">
                    {admin ? (
                      <RowMenu
                        label={`Actions for ${l.name}`}
                        items={[
                          { label: "Rename", onSelect: () => setNaming({ location: l }) },
                          { label: "Delete", danger: true, onSelect: () => setDeleting(l) },
                        ]}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {naming ? (
        <NameDialog
          location={naming.location}
          onClose={() => setNaming(null)}
          onSave={async (name) => {
            if (naming.location) {
              await api.patch(`/api/locations/${encodeURIComponent(naming.location.id)}`, { name });
              toast(`Renamed to ${name}.`);
            } else {
              await api.post(path, { name });
              toast(`${name} is created.`);
            }
            setNaming(null);
            await changed();
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete location"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/api/locations/${encodeURIComponent(deleting.id)}`);
            toast(`${deleting.name} is deleted; its keys are revoked.`);
            await changed();
          }}
        >
          <ul className="consequences">
            <li>
              {deleting.keyCount
                ? `Its ${plural(deleting.keyCount, "API key")} ${deleting.keyCount === 1 ? "is" : "are"} revoked at once: every integration using ${deleting.keyCount === 1 ? "it" : "them"} stops working.`
                : "It has no active or expired API key."}
            </li>
            <li>
              {deleting.userCount
                ? `${plural(deleting.userCount, "person", "people")} assigned to it lose${deleting.userCount === 1 ? "s" : ""} access to it; someone assigned to no other location can then see nothing until given one.`
                : "Nobody is assigned to it."}
            </li>
            <li>This cannot be undone.</li>
          </ul>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function NameDialog({
  location,
  onClose,
  onSave,
}: {
  location: LocationSummary | null;
  onClose: () => void;
  onSave: (name: string) => Promise<void>;
}) {
  const [name, setName] = useState(location?.name ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave(name);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={location ? `Rename ${location.name}` : "Add location"}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="location-name-form" className="button button-primary" disabled={busy}>
            {busy ? "Saving…" : location ? "Rename" : "Create location"}
          </button>
        </>
      }
    >
      <form id="location-name-form" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error?.field("name")}
        />
        {error && !error.field("name") ? <ErrorText error={error} /> : null}
      </form>
    </Modal>
  );
}
