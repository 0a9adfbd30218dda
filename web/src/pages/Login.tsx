/** Sign in with e-mail and password; the server sets an HTTP-only session cookie. */
import { type FormEvent, useState } from "react";
import { api } from "../api";
import { ErrorText, TextField, useAction } from "../ui";

export function LoginPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { run, busy, error } = useAction(async () => {
    await api.post("/api/auth/login", { email, password });
    await onSignedIn();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  return (
    <main className="login-page" id="main">
      <form className="card login-card" onSubmit={submit} noValidate>
        <p className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" /> Keyward
        </p>
        <h1>Sign in</h1>
        <p className="muted">Manage your agency's and locations' API keys.</p>
        <TextField
          label="E-mail"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={error?.field("email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={error?.field("password")}
          required
        />
        {error && !error.hasFields ? <ErrorText error={error} /> : null}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
