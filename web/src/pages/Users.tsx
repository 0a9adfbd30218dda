/**
 * Users: who has access, with which role, and whether they may manage API keys; inviting people by
 * e-mail (resend, cancel); disabling and re-enabling; offboarding lists the keys a departing person
 * created, revokes them, and removes the person. Each row's actions are in one menu.
 */
import { type FormEvent, useState } from "react";
import { type ApiError, allUsers, api, asApiError, type Invitation, type Key, type User } from "../api";
import { date, plural, STATUS_LABEL } from "../format";
import type { View } from "../links";
import { RowMenu } from "../Menu";
import { useSession } from "../session";
import {
  Alert,
  ConfirmDialog,
  ErrorText,
  Modal,
  SelectField,
  Switch,
  TextField,
  useAction,
  useLoad,
  useToast,
} from "../ui";

export function UsersPage({ view }: { view: View }) {
  const { me } = useSession();
  const toast = useToast();
  const admin = me.permissions.changeAgencySettings;
  const agencyPath = `/api/agencies/${encodeURIComponent(view.accountId)}`;
  const [search, setSearch] = useState("");
  const users = useLoad(
    async () => ({ users: await allUsers(view.accountId, search) }),
    [view.accountId, search],
  );
  const invitations = useLoad(
    () =>
      admin
        ? api.get<{ invitations: Invitation[] }>(`${agencyPath}/invitations`)
        : Promise.resolve({ invitations: [] as Invitation[] }),
    [view.accountId, admin],
  );
  const [offboard, setOffboard] = useState<User | null>(null);
  const [disable, setDisable] = useState<User | null>(null);
  const [inviting, setInviting] = useState(false);
  const [cancel, setCancel] = useState<Invitation | null>(null);
  const enable = useAction(async (u: User) => {
    await api.post(`/api/users/${encodeURIComponent(u.id)}/enable`);
    toast(`${u.name} can sign in again.`);
    await users.reload();
  });
  const resend = useAction(async (i: Invitation) => {
    await api.post(`${agencyPath}/invitations/${encodeURIComponent(i.id)}/resend`);
    toast(`Invitation sent again to ${i.email}. The previous link no longer works.`);
    await invitations.reload();
  });
  const list = [...(users.data?.users ?? [])].sort(
    (a, b) => Number(a.disabled) - Number(b.disabled) || a.name.localeCompare(b.name),
  );
  const pending = invitations.data?.invitations ?? [];
  const alone = users.data !== null && list.filter((u) => !u.disabled).length <= 1 && pending.length === 0;
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
        {admin ? (
          <button type="button" className="button button-primary" onClick={() => setInviting(true)}>
            <span aria-hidden="true">+ </span>Invite people
          </button>
        ) : null}
      </div>
      <UserSearch onSearch={setSearch} />
      <ErrorText error={users.error ?? enable.error ?? resend.error} />
      {alone && admin ? (
        <div className="empty">
          <p>Nobody else is here yet. Invite the people who manage your keys with you.</p>
          <button type="button" className="button button-primary" onClick={() => setInviting(true)}>
            Invite your first teammate
          </button>
        </div>
      ) : null}
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
                  onDisable={() => setDisable(u)}
                  onEnable={() => void enable.run(u)}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {admin && pending.length ? (
        <section aria-labelledby="invitations-title">
          <h2 id="invitations-title">Invitations</h2>
          <ErrorText error={invitations.error} />
          <div className="table-wrap">
            <table className="table invitations-table">
              <caption className="visually-hidden">Open invitations</caption>
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Access</th>
                  <th scope="col">Role</th>
                  <th scope="col">Link</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pending.map((i) => (
                  <tr key={i.id} data-invitation-id={i.id}>
                    <th scope="row" data-label="E-mail">
                      {i.email}
                      {i.name ? <span className="muted small block">{i.name}</span> : null}
                    </th>
                    <td data-label="Access">{accessWords(me, i)}</td>
                    <td data-label="Role">{roleWords(i)}</td>
                    <td data-label="Link">
                      {i.expired ? (
                        <>
                          <span className="badge badge-expired">Expired</span>
                          <span className="small block">Resend it for a new link.</span>
                        </>
                      ) : (
                        <span>
                          Sent {date(i.sentAt)}; works until {date(i.expiresAt)}
                        </span>
                      )}
                    </td>
                    <td className="actions-cell" data-label="Actions">
                      <RowMenu
                        label={`Actions for the invitation of ${i.email}`}
                        items={[
                          { label: "Resend", onSelect: () => void resend.run(i) },
                          { label: "Cancel invitation", danger: true, onSelect: () => setCancel(i) },
                        ]}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {inviting ? (
        <InviteSidebar
          agencyPath={agencyPath}
          onClose={() => setInviting(false)}
          onInvited={(i) => {
            toast(`Invitation sent to ${i.email}.`);
            setInviting(false);
            void invitations.reload();
          }}
        />
      ) : null}
      {cancel ? (
        <ConfirmDialog
          title="Cancel this invitation?"
          confirmLabel="Cancel invitation"
          dismissLabel="Keep it"
          danger
          onClose={() => setCancel(null)}
          onConfirm={async () => {
            await api.del(`${agencyPath}/invitations/${encodeURIComponent(cancel.id)}`);
            toast(`The invitation of ${cancel.email} is cancelled.`);
            await invitations.reload();
          }}
        >
          <p>The link sent to {cancel.email} stops working at once. You can invite them again later.</p>
        </ConfirmDialog>
      ) : null}
      {disable ? (
        <ConfirmDialog
          title={`Disable ${disable.name}?`}
          confirmLabel="Disable"
          danger
          onClose={() => setDisable(null)}
          onConfirm={async () => {
            await api.del(`/api/users/${encodeURIComponent(disable.id)}`);
            toast(`${disable.name} is disabled.`);
            await users.reload();
          }}
        >
          <p>
            {disable.name} ({disable.email}) can no longer sign in and is signed out everywhere. Keys they
            created keep working (offboard them to revoke those). You can re-enable them later.
          </p>
        </ConfirmDialog>
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

function roleWords(u: { type: string; role: string }): string {
  return `${u.type === "agency" ? "Agency" : "Location"} ${u.role}`;
}

function accessWords(me: ReturnType<typeof useSession>["me"], u: { type: string; locationIds: string[] }) {
  if (u.type === "agency") return "Agency and all locations";
  if (u.locationIds.length === 0) return "No location: sees nothing until given one";
  return `Locations: ${u.locationIds.map((id) => me.locations.find((l) => l.id === id)?.name ?? id).join(", ")}`;
}

function UserRow({
  u,
  admin,
  self,
  onChanged,
  onOffboard,
  onDisable,
  onEnable,
}: {
  u: User;
  admin: boolean;
  self: boolean;
  onChanged: () => void;
  onOffboard: () => void;
  onDisable: () => void;
  onEnable: () => void;
}) {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const change = useAction(async (patch: Partial<User>) => {
    await api.patch<User>(`/api/users/${encodeURIComponent(u.id)}`, patch);
    onChanged();
    if (self) await reloadMe();
    toast(`Saved ${u.name}.`);
  });
  const editable = admin && !u.disabled && !u.isOwner;
  return (
    <tr className={u.disabled ? "disabled-user" : undefined} data-user-id={u.id}>
      <th scope="row" data-label="Name">
        {u.name}
        {u.isOwner ? <span className="badge badge-info">Owner</span> : null}
        {self ? <span className="badge">You</span> : null}
        <span className="muted small block">{u.email}</span>
      </th>
      <td data-label="Access">{accessWords(me, u)}</td>
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
          roleWords(u)
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
          <span className="badge badge-revoked">Disabled</span>
        ) : (
          <span className="badge badge-active">Active</span>
        )}
      </td>
      <td data-label="Actions" className="actions-cell">
        {admin && !self && !u.isOwner ? (
          <RowMenu
            label={`Actions for ${u.name}`}
            items={
              u.disabled
                ? [
                    { label: "Re-enable", onSelect: onEnable },
                    { label: "Keys they created", onSelect: onOffboard },
                  ]
                : [
                    { label: "Offboard", onSelect: onOffboard },
                    { label: "Disable", danger: true, onSelect: onDisable },
                  ]
            }
          />
        ) : null}
      </td>
    </tr>
  );
}

/** The invitation form: who, their access (agency or chosen locations), role and the keys switch. */
function InviteSidebar({
  agencyPath,
  onClose,
  onInvited,
}: {
  agencyPath: string;
  onClose: () => void;
  onInvited: (i: Invitation) => void;
}) {
  const { me } = useSession();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [type, setType] = useState<"agency" | "account">(me.locations.length ? "account" : "agency");
  const [role, setRole] = useState<"admin" | "user">("user");
  const [locationIds, setLocationIds] = useState<string[]>([]);
  const [canManageKeys, setCanManageKeys] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        email,
        ...(name.trim() ? { name } : {}),
        type,
        role,
        ...(type === "account" ? { locationIds } : {}),
        canManageKeys,
      };
      onInvited(await api.post<Invitation>(`${agencyPath}/invitations`, body));
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const locations = [...me.locations].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Modal
      title="Invite people"
      variant="sidebar"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="invite-form" className="button button-primary" disabled={busy}>
            {busy ? "Sending…" : "Send invitation"}
          </button>
        </>
      }
    >
      <form id="invite-form" onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">
          They get an e-mail with a link to choose their password. The link works once, for 7 days.
        </p>
        <TextField
          label="E-mail"
          type="email"
          autoComplete="off"
          required
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setError(null);
          }}
          error={error?.field("email")}
        />
        <TextField
          label="Name (optional)"
          hint="They can change it when they accept."
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error?.field("name")}
        />
        <fieldset className="field">
          <legend>Access</legend>
          <label className="radio">
            <input type="radio" name="type" checked={type === "agency"} onChange={() => setType("agency")} />
            The agency and all its locations
          </label>
          <label className="radio">
            <input
              type="radio"
              name="type"
              checked={type === "account"}
              disabled={locations.length === 0}
              onChange={() => setType("account")}
            />
            Only the locations chosen below
          </label>
        </fieldset>
        {type === "account" ? (
          <fieldset
            className="field"
            aria-describedby={error?.field("locationIds") ? "invite-loc-error" : undefined}
          >
            <legend>Locations</legend>
            {locations.map((l) => (
              <label className="checkbox" key={l.id}>
                <input
                  type="checkbox"
                  checked={locationIds.includes(l.id)}
                  onChange={(e) =>
                    setLocationIds((ids) =>
                      e.target.checked ? [...ids, l.id] : ids.filter((x) => x !== l.id),
                    )
                  }
                />
                {l.name}
              </label>
            ))}
            {error?.field("locationIds") ? (
              <p className="error-text" id="invite-loc-error">
                {error.field("locationIds")}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(e.target.value as "admin" | "user")}
          error={error?.field("role")}
        >
          <option value="user">{type === "agency" ? "Agency user" : "Location user"}: sees keys</option>
          <option value="admin">{type === "agency" ? "Agency admin" : "Location admin"}: manages keys</option>
        </SelectField>
        {role === "admin" ? (
          <div className="field setting-row">
            <span id="invite-keys-label">Manage API keys (create, rotate, revoke)</span>
            <Switch
              label="Manage API keys"
              checked={canManageKeys}
              onChange={setCanManageKeys}
              describedBy="invite-keys-label"
            />
          </div>
        ) : null}
        {error && !error.hasFields ? <ErrorText error={error} /> : null}
        {error?.hasFields && !["email", "name", "locationIds", "role"].some((f) => error.field(f)) ? (
          <ErrorText error={error} />
        ) : null}
      </form>
    </Modal>
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
