/**
 * Users: who has access, with which role, and whether they may manage API keys; offboarding lists
 * the keys a departing person created, revokes them, and removes the person.
 */
import { useState } from "react";
import { allUsers, api, type Key, type User } from "../api";
import { date, plural, STATUS_LABEL } from "../format";
import type { View } from "../links";
import { useSession } from "../session";
import { Alert, ConfirmDialog, ErrorText, Modal, Switch, useAction, useLoad, useToast } from "../ui";

export function UsersPage({ view }: { view: View }) {
  const { me } = useSession();
  const admin = me.permissions.changeAgencySettings;
  const [search, setSearch] = useState("");
  const users = useLoad(
    async () => ({ users: await allUsers(view.accountId, search) }),
    [view.accountId, search],
  );
  const [offboard, setOffboard] = useState<User | null>(null);
  const list = [...(users.data?.users ?? [])].sort(
    (a, b) => Number(a.disabled) - Number(b.disabled) || a.name.localeCompare(b.name),
  );
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Users</h1>
          <p className="muted">
            Agency admins manage every key; location admins manage their locations' keys. Switch off “Manage
            API keys” to keep an admin from creating, rotating or revoking keys.
          </p>
        </div>
      </div>
      <UserSearch onSearch={setSearch} />
      <ErrorText error={users.error} />
      {users.data ? (
        <div className="table-wrap">
          <table className="table users-table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Access</th>
                <th scope="col">Role</th>
                <th scope="col">Manage API keys</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <UserRow
                  key={u.id}
                  u={u}
                  admin={admin}
                  self={u.id === me.user.id}
                  onChanged={() => void users.reload()}
                  onOffboard={() => setOffboard(u)}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {offboard ? (
        <OffboardSidebar
          user={offboard}
          onClose={() => setOffboard(null)}
          onDone={() => {
            void users.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function UserRow({
  u,
  admin,
  self,
  onChanged,
  onOffboard,
}: {
  u: User;
  admin: boolean;
  self: boolean;
  onChanged: () => void;
  onOffboard: () => void;
}) {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const change = useAction(async (patch: Partial<User>) => {
    await api.patch<User>(`/api/users/${encodeURIComponent(u.id)}`, patch);
    onChanged();
    if (self) await reloadMe();
    toast(`Saved ${u.name}.`);
  });
  const locNames = u.locationIds.map((id) => me.locations.find((l) => l.id === id)?.name ?? id);
  const editable = admin && !u.disabled && !u.isOwner;
  return (
    <tr className={u.disabled ? "disabled-user" : undefined} data-user-id={u.id}>
      <th scope="row" data-label="Name">
        {u.name}
        {u.isOwner ? <span className="badge badge-info">Owner</span> : null}
        {self ? <span className="badge">You</span> : null}
        <span className="muted small block">{u.email}</span>
      </th>
      <td data-label="Access">
        {u.type === "agency" ? "Agency and all locations" : `Locations: ${locNames.join(", ")}`}
      </td>
      <td data-label="Role">
        {editable && !self ? (
          <>
            <label className="visually-hidden" htmlFor={`role-${u.id}`}>
              Role of {u.name}
            </label>
            <select
              id={`role-${u.id}`}
              value={u.role}
              disabled={change.busy}
              onChange={(e) => void change.run({ role: e.target.value as User["role"] })}
            >
              <option value="admin">{u.type === "agency" ? "Agency admin" : "Location admin"}</option>
              <option value="user">{u.type === "agency" ? "Agency user" : "Location user"}</option>
            </select>
          </>
        ) : (
          `${u.type === "agency" ? "Agency" : "Location"} ${u.role}`
        )}
      </td>
      <td data-label="Manage API keys">
        {u.role !== "admin" ? (
          <span className="muted">Not an admin</span>
        ) : editable && !self ? (
          <Switch
            label={`${u.name} may manage API keys`}
            checked={u.canManageKeys}
            disabled={change.busy}
            onChange={(v) => void change.run({ canManageKeys: v })}
          />
        ) : (
          <span>{u.canManageKeys ? "Yes" : "No"}</span>
        )}
        <ErrorText error={change.error} />
      </td>
      <td data-label="Status">
        {u.disabled ? (
          <span className="badge badge-revoked">Removed</span>
        ) : (
          <span className="badge badge-active">Active</span>
        )}
      </td>
      <td data-label="Actions" className="actions-cell">
        {admin && !self && !u.isOwner ? (
          <button
            type="button"
            className="button button-small"
            onClick={onOffboard}
            aria-label={`Offboard ${u.name}`}
          >
            {u.disabled ? "Keys" : "Offboard"}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function OffboardSidebar({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }) {
  const { me } = useSession();
  const toast = useToast();
  const keys = useLoad(
    () => api.get<{ keys: Key[] }>(`/api/users/${encodeURIComponent(user.id)}/keys`),
    [user.id],
  );
  const [confirm, setConfirm] = useState<"revoke" | "remove" | null>(null);
  const [result, setResult] = useState<{ revoked: string[]; skipped: string[] } | null>(null);
  const [removed, setRemoved] = useState(user.disabled);
  const list = keys.data?.keys ?? [];
  const locName = (k: Key) =>
    k.locationId ? (me.locations.find((l) => l.id === k.locationId)?.name ?? k.locationId) : "Agency";
  const skipped = new Set(result?.skipped ?? []);

  return (
    <Modal title={`Offboard ${user.name}`} variant="sidebar" onClose={onClose}>
      <p>
        Step 1: revoke the API keys {user.name} created, so nothing they set up keeps working without your
        knowledge. Create replacements for the integrations you still need.
      </p>
      <ErrorText error={keys.error} />
      {keys.data ? (
        list.length === 0 ? (
          <p className="empty">{user.name} has no active or expired keys.</p>
        ) : (
          <ul className="offboard-keys">
            {list.map((k) => (
              <li key={k.id}>
                <strong>{k.name}</strong> <code>{k.token}</code>{" "}
                <span className="muted small">
                  {locName(k)} · created {date(k.createdAt)} · {STATUS_LABEL[k.status]}
                  {skipped.has(k.id) ? " · you may not revoke this one" : ""}
                </span>
              </li>
            ))}
          </ul>
        )
      ) : null}
      {list.length ? (
        <button type="button" className="button button-danger" onClick={() => setConfirm("revoke")}>
          Revoke {list.length === 1 ? "this key" : `these ${list.length} keys`}
        </button>
      ) : null}
      {result ? (
        <Alert tone={result.skipped.length ? "warning" : "success"}>
          Revoked {plural(result.revoked.length, "key")}.
          {result.skipped.length
            ? ` ${plural(result.skipped.length, "key")} could not be revoked by you: ask an admin of that account.`
            : ""}
        </Alert>
      ) : null}
      <hr />
      <p>Step 2: remove {user.name}. They can no longer sign in; their sessions end at once.</p>
      {removed ? (
        <Alert tone="success">{user.name} has been removed.</Alert>
      ) : (
        <button type="button" className="button button-danger-outline" onClick={() => setConfirm("remove")}>
          Remove {user.name}
        </button>
      )}
      {confirm === "revoke" ? (
        <ConfirmDialog
          title={`Revoke ${user.name}'s keys?`}
          confirmLabel="Revoke"
          danger
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const r = await api.post<{ revoked: string[]; skipped: string[] }>(
              `/api/users/${encodeURIComponent(user.id)}/keys/revoke`,
            );
            setResult(r);
            toast(`Revoked ${plural(r.revoked.length, "key")}.`);
            await keys.reload();
          }}
        >
          <p>
            {plural(list.length, "key")} stop working immediately for every integration using them. This
            cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
      {confirm === "remove" ? (
        <ConfirmDialog
          title={`Remove ${user.name}?`}
          confirmLabel="Remove user"
          danger
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await api.del(`/api/users/${encodeURIComponent(user.id)}`);
            setRemoved(true);
            toast(`${user.name} has been removed.`);
            onDone();
          }}
        >
          <p>
            {user.name} ({user.email}) can no longer sign in. Keys they created keep working unless you
            revoked them in step 1.
          </p>
        </ConfirmDialog>
      ) : null}
    </Modal>
  );
}

/** Find a person by name or e-mail (the listing's `q`). */
function UserSearch({ onSearch }: { onSearch: (q: string) => void }) {
  const [q, setQ] = useState("");
  return (
    <form
      className="toolbar"
      aria-label="Find a person"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(q.trim());
      }}
    >
      <label>
        <span className="visually-hidden">Name or e-mail</span>
        <input
          type="search"
          value={q}
          placeholder="Find by name or e-mail"
          onChange={(e) => {
            setQ(e.target.value);
            if (e.target.value === "") onSearch("");
          }}
        />
      </label>
      <button type="submit" className="button">
        Search
      </button>
    </form>
  );
}
