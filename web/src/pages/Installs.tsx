/**
 * Installed apps: the OAuth apps installed in this agency (agency view, agency admins) or in one
 * location (location view, its admins), whoever developed them, with "Uninstall", which revokes
 * every token of the install at once.
 */
import { useState } from "react";
import { api, type Me } from "../api";
import { date, dateTime, plural } from "../format";
import type { View } from "../links";
import { RowMenu } from "../Menu";
import type { Install } from "../oauth-types";
import { Link } from "../router";
import { useSession } from "../session";
import { ConfirmDialog, ErrorText, useLoad, useToast } from "../ui";
import { AppLogo } from "./Apps";

/** Why an install is suspended, as a sentence. */
function suspendedWords(reason: string | null): string {
  if (reason === "plan_required")
    return "Suspended: agency apps need Agency Pro; it works again if the plan returns.";
  return reason ? `Suspended (${reason.replace(/_/g, " ")}).` : "Suspended.";
}

/** Whether an install belongs on a location's page: installed there, or an agency install covering it. */
function covers(i: Install, locationId: string): boolean {
  return (
    i.locationId === locationId ||
    i.locationIds === "all" ||
    (Array.isArray(i.locationIds) && i.locationIds.includes(locationId))
  );
}

/** Agency admins uninstall anything here; a location's admins what was installed in their location. */
function mayUninstall(me: Me, i: Install): boolean {
  if (me.permissions.changeAgencySettings) return true;
  return (
    i.locationId !== null &&
    me.user.type === "account" &&
    me.user.role === "admin" &&
    me.user.locationIds.includes(i.locationId)
  );
}

export function InstallsPage({ view }: { view: View }) {
  const { me } = useSession();
  const toast = useToast();
  const path = `/api/agencies/${encodeURIComponent(me.agency.id)}/installs`;
  const list = useLoad(() => api.get<{ installs: Install[] }>(path), [path]);
  const [removing, setRemoving] = useState<Install | null>(null);
  const installs = (list.data?.installs ?? []).filter(
    (i) => view.kind === "agency" || covers(i, view.accountId),
  );
  const locationName = (id: string) => me.locations.find((l) => l.id === id)?.name ?? id;
  const where = (i: Install): string => {
    if (i.locationId) return locationName(i.locationId);
    if (i.locationIds === "all") return "The agency, for all its locations";
    if (Array.isArray(i.locationIds))
      return `The agency, for ${i.locationIds.length ? i.locationIds.map(locationName).join(", ") : "no location"}`;
    return "The agency";
  };
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Installed apps</h1>
          <p className="muted">
            {view.kind === "agency"
              ? "OAuth apps installed in this agency and its locations. Uninstalling one stops every token it holds at once."
              : `OAuth apps that act for ${view.name}. Uninstalling one stops every token it holds at once.`}
          </p>
        </div>
      </div>
      <ErrorText error={list.error} />
      {list.loading && !list.data ? <p role="status">Loading installed apps…</p> : null}
      {list.data && installs.length === 0 ? (
        <div className="empty">
          <p>No app is installed {view.kind === "agency" ? "in this agency" : `for ${view.name}`} yet.</p>
          <p>
            Apps are installed from the app itself: its “Connect to Keyward” button opens Keyward's consent
            page, where you choose what it may reach.
          </p>
        </div>
      ) : null}
      {installs.length ? (
        <div className="table-wrap">
          <table className="table installs-table">
            <caption className="visually-hidden">Installed apps</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">For</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Activity</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {installs.map((i) => (
                <tr key={i.id} data-install-id={i.id}>
                  <th scope="row" data-label="App">
                    <span className="app-name">
                      <AppLogo name={i.app.name} url={i.app.logoUrl} />
                      <span>
                        {i.app.name}
                        <span className="muted small block">by {i.app.developerName}</span>
                      </span>
                    </span>
                  </th>
                  <td data-label="For">{where(i)}</td>
                  <td data-label="Scopes">
                    {i.scopes.length ? i.scopes.join(", ") : <span className="muted">None</span>}
                  </td>
                  <td data-label="Status">
                    {i.status === "active" ? (
                      <span className="badge badge-active">Active</span>
                    ) : (
                      <>
                        <span className="badge badge-warning">Suspended</span>
                        <span className="small block">{suspendedWords(i.suspendedReason)}</span>
                      </>
                    )}
                  </td>
                  <td data-label="Activity">
                    <span className="block">
                      Installed {date(i.installedAt)}
                      {i.installedBy ? ` by ${i.installedBy.name}` : ""}
                    </span>
                    <span className="muted small block">
                      {i.lastUsedAt ? `Last used ${dateTime(i.lastUsedAt)}` : "Never used"}
                      {i.unusedDays !== null && i.unusedDays >= 90
                        ? ` · unused for ${plural(i.unusedDays, "day")}`
                        : ""}
                    </span>
                  </td>
                  <td className="actions-cell" data-label="Actions">
                    {mayUninstall(me, i) ? (
                      <RowMenu
                        label={`Actions for ${i.app.name}`}
                        items={[{ label: "Uninstall", danger: true, onSelect: () => setRemoving(i) }]}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Uninstall ${removing.app.name}?`}
          confirmLabel="Uninstall"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del(`/api/installs/${encodeURIComponent(removing.id)}`);
            toast(`Uninstalled “${removing.app.name}”.`);
            await list.reload();
          }}
        >
          <p className="confirm-question">Are you sure you want to uninstall this app?</p>
          <p>
            <strong>{removing.app.name}</strong> ({where(removing)}) loses access at once: every token it
            holds stops working. To use it again, install it again from the app.
          </p>
          {removing.locationId === null ? (
            <p className="muted small">
              An app of this agency's own acting for it with its client credentials does not install itself
              again: an admin does, with “Install in this agency” on Your apps.
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/**
 * For the inventory: installs nobody has used for 90 days or more. App tokens expire by themselves
 * and are not swept like keys; an install this idle is listed so an admin can uninstall it. Shows
 * nothing when there is none, or when the viewer may not list installs.
 */
export function UnusedInstalls({ agencyId }: { agencyId: string }) {
  const list = useLoad(
    () =>
      api
        .get<{ installs: Install[] }>(`/api/agencies/${encodeURIComponent(agencyId)}/installs?unused=true`)
        .catch(() => ({ installs: [] as Install[] })),
    [agencyId],
  );
  const idle = (list.data?.installs ?? [])
    .filter((i) => i.unusedDays !== null && i.unusedDays >= 90)
    .sort((a, b) => (b.unusedDays ?? 0) - (a.unusedDays ?? 0));
  if (idle.length === 0) return null;
  return (
    <section aria-labelledby="unused-installs-title">
      <h2 id="unused-installs-title">Installed apps unused for 90 days ({idle.length})</h2>
      <p className="muted">
        App tokens expire by themselves, so no sweep removes these installs. Uninstall the ones nobody needs
        under <Link to="/agency/installs">Installed apps</Link>.
      </p>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Installed apps unused for 90 days or more</caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Last used</th>
              <th scope="col" className="num">
                Days unused
              </th>
            </tr>
          </thead>
          <tbody>
            {idle.map((i) => (
              <tr key={i.id} data-install-id={i.id}>
                <th scope="row" data-label="App">
                  {i.app.name}
                  <span className="muted small block">by {i.app.developerName}</span>
                </th>
                <td data-label="Last used">
                  {i.lastUsedAt ? date(i.lastUsedAt) : <span className="muted">Never</span>}
                </td>
                <td data-label="Days unused" className="num">
                  {i.unusedDays}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
