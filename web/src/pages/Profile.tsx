/**
 * Your profile (issue 16 item 4): your name and e-mail, your password (the current one is asked
 * for), the digest e-mail on or off (the digest's "turn it off in your profile" leads here), and the
 * sessions you are signed in with, this one marked, with "Sign out of other sessions".
 */
import { type FormEvent, useState } from "react";
import { type ApiError, api, asApiError, type SessionInfo, type User } from "../api";
import { dateTime, plural } from "../format";
import { useSession } from "../session";
import { Alert, ConfirmDialog, ErrorText, Switch, TextField, useAction, useLoad, useToast } from "../ui";

export function ProfilePage() {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const userPath = `/api/users/${encodeURIComponent(me.user.id)}`;
  const [name, setName] = useState(me.user.name);
  const saveName = useAction(async (e: FormEvent) => {
    e.preventDefault();
    await api.patch<User>(userPath, { name });
    await reloadMe();
    toast("Your name is saved.");
  });
  const digest = useAction(async (on: boolean) => {
    await api.patch<User>(userPath, { digestOptOut: !on });
    await reloadMe();
    toast(on ? "You will receive the digest e-mail." : "You will no longer receive the digest e-mail.");
  });
  const sessions = useLoad(() => api.get<{ sessions: SessionInfo[] }>("/api/me/sessions"), []);
  const [confirmOthers, setConfirmOthers] = useState(false);
  const list = sessions.data?.sessions ?? [];
  const agencyAdmin = me.user.type === "agency" && me.user.role === "admin";
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Your profile</h1>
          <p className="muted">
            {me.user.name} · {me.agency.name}
          </p>
        </div>
      </div>

      <section className="card" aria-labelledby="profile-name-title">
        <h2 id="profile-name-title">Name and e-mail</h2>
        <form className="grid-form" onSubmit={(e) => void saveName.run(e)} noValidate>
          <TextField
            label="Name"
            value={name}
            autoComplete="name"
            onChange={(e) => setName(e.target.value)}
            error={saveName.error?.field("name")}
          />
          <TextField
            label="E-mail"
            value={me.user.email}
            readOnly
            hint="You sign in with it. An agency admin can change it on the Users page."
          />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={saveName.busy || name === me.user.name}
            >
              Save name
            </button>
          </div>
        </form>
        {saveName.error && !saveName.error.field("name") ? <ErrorText error={saveName.error} /> : null}
      </section>

      <PasswordSection userPath={userPath} onChanged={() => void sessions.reload()} />

      <section className="card" aria-labelledby="profile-notify-title">
        <h2 id="profile-notify-title">Notifications</h2>
        <div className="setting-row">
          <div>
            <p className="label" id="digest-label">
              Digest e-mail
            </p>
            <p className="muted small" id="digest-hint">
              {agencyAdmin
                ? "Before the inactivity sweep, a summary of the keys of the agency and its locations that will be removed if still unused. The in-app warnings (the bell) come either way."
                : "Only agency admins receive the digest e-mail; your warnings come in the bell."}
            </p>
          </div>
          <Switch
            label="Digest e-mail"
            checked={!me.user.digestOptOut}
            disabled={!agencyAdmin || digest.busy}
            describedBy="digest-hint"
            onChange={(on) => void digest.run(on)}
          />
        </div>
        <ErrorText error={digest.error} />
      </section>

      <section className="card" aria-labelledby="profile-sessions-title">
        <h2 id="profile-sessions-title">Your sessions</h2>
        <p className="muted">Where you are signed in. Sessions end after 12 hours, or when you sign out.</p>
        <ErrorText error={sessions.error} />
        {list.length ? (
          <div className="table-wrap">
            <table className="table sessions-table">
              <caption className="visually-hidden">Your sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id} data-session-id={s.id}>
                    <th scope="row" data-label="Device" title={s.userAgent ?? undefined}>
                      {device(s.userAgent)}
                      {s.current ? <span className="badge badge-info">This session</span> : null}
                    </th>
                    <td data-label="Signed in">{dateTime(s.createdAt)}</td>
                    <td data-label="Last seen">{s.current ? "Now" : dateTime(s.lastSeenAt)}</td>
                    <td data-label="Address">{s.ip ?? <span className="muted">unknown</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <p>
          <button
            type="button"
            className="button button-danger-outline"
            disabled={list.length <= 1}
            onClick={() => setConfirmOthers(true)}
          >
            Sign out of other sessions
          </button>
          {list.length <= 1 && sessions.data ? (
            <span className="muted small"> This is your only session.</span>
          ) : null}
        </p>
      </section>

      {confirmOthers ? (
        <ConfirmDialog
          title="Sign out of your other sessions?"
          confirmLabel="Sign out of other sessions"
          danger
          onClose={() => setConfirmOthers(false)}
          onConfirm={async () => {
            const r = await api.post<{ signedOut: number }>("/api/me/sessions/sign-out-others");
            toast(`Signed out of ${plural(r.signedOut, "other session")}.`);
            await sessions.reload();
          }}
        >
          <p>
            Every other browser and device signed in as you is signed out at once. This one stays signed in.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function PasswordSection({ userPath, onChanged }: { userPath: string; onChanged: () => void }) {
  const toast = useToast();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    try {
      await api.patch(userPath, { password: next, currentPassword: current });
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
      toast("Your password is changed. Your other sessions are signed out.");
      onChanged();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="profile-password-title">
      <h2 id="profile-password-title">Password</h2>
      <form className="grid-form" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={error?.field("currentPassword")}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters; a common password is refused."
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={error?.field("password")}
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          error={mismatch ? "The two new passwords are not the same: type it again." : undefined}
        />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy || !next}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
      {error && !error.field("currentPassword") && !error.field("password") ? (
        <ErrorText error={error} />
      ) : null}
      {done ? (
        <Alert tone="success">Your password is changed; your other sessions are signed out.</Alert>
      ) : null}
    </section>
  );
}

/** "Firefox on Windows": enough to recognise a device, from its user agent. */
export function device(ua: string | null): string {
  if (!ua) return "Unknown device";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /OPR\//.test(ua)
      ? "Opera"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\//.test(ua)
          ? /HeadlessChrome/.test(ua)
            ? "Chrome (headless)"
            : "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : /curl\//.test(ua)
              ? "curl"
              : null;
  const os = /Windows/.test(ua)
    ? "Windows"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Android/.test(ua)
        ? "Android"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 40);
}
