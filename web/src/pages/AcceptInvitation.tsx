/**
 * The page an invitation e-mail links to (`/invitation#token=…`): the invited person chooses their
 * name and password, which creates their user and signs them in. The token travels in the URL's
 * fragment (never sent to a server in a request line or a Referer) and is dropped from the address
 * bar as soon as it is read.
 */
import { type FormEvent, useState } from "react";
import { api } from "../api";
import { ErrorText, TextField, useAction } from "../ui";

function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") ?? "";
}

export function AcceptInvitationPage({ onAccepted }: { onAccepted: () => Promise<void> }) {
  const [token] = useState(() => {
    const t = tokenFromHash();
    if (t) window.history.replaceState(null, "", window.location.pathname);
    return t;
  });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const { run, busy, error, setError } = useAction(async () => {
    await api.post("/api/invitations/accept", { token, password, ...(name.trim() ? { name } : {}) });
    await onAccepted();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void run();
  };
  return (
    <main className="login-page" id="main">
      <form className="card login-card" onSubmit={submit} noValidate>
        <p className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" /> Keyward
        </p>
        <h1>Accept your invitation</h1>
        {token ? (
          <>
            <p className="muted">
              Choose your password to join. You sign in with the e-mail the invitation was sent to.
            </p>
            <TextField
              label="Your name"
              autoComplete="name"
              hint="Leave empty to keep the name the invitation gave you."
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={error?.field("name")}
            />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              hint="At least 12 characters; a common password is refused."
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setError(null);
              }}
              error={error?.field("password")}
              required
            />
            <TextField
              label="Repeat the password"
              type="password"
              autoComplete="new-password"
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
              error={mismatch ? "The two passwords are not the same: type it again." : undefined}
              required
            />
            {error && !error.field("password") && !error.field("name") ? <ErrorText error={error} /> : null}
            <button type="submit" className="button button-primary button-block" disabled={busy || !password}>
              {busy ? "Joining…" : "Set password and join"}
            </button>
          </>
        ) : (
          <ErrorText error="This link has no invitation in it: open the link from the invitation e-mail again, or ask an admin to resend it." />
        )}
      </form>
    </main>
  );
}
