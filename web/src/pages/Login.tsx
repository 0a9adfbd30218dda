/**
 * Sign in with e-mail and password; the server sets an HTTP-only session cookie. When the address
 * and password open accounts in several agencies, the server lists them and the person picks one.
 */
import { type FormEvent, useState } from "react";
import { ApiError, api } from "../api";
import { ErrorText, SelectField, TextField, useAction } from "../ui";

interface AgencyChoice {
  id: string;
  name: string;
}

export function LoginPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [choices, setChoices] = useState<AgencyChoice[] | null>(null);
  const [agencyId, setAgencyId] = useState("");
  const { run, busy, error } = useAction(async () => {
    try {
      await api.post("/api/auth/login", { email, password, ...(choices ? { agencyId } : {}) });
    } catch (e) {
      if (e instanceof ApiError && e.code === "agency_choice_required" && Array.isArray(e.body.agencies)) {
        const listed = e.body.agencies as AgencyChoice[];
        setChoices(listed);
        setAgencyId(listed[0]?.id ?? "");
        return;
      }
      throw e;
    }
    await onSignedIn();
  });
  // Another address or password: the agencies listed no longer apply.
  const edited = (set: (v: string) => void, v: string) => {
    set(v);
    setChoices(null);
  };
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
          onChange={(e) => edited(setEmail, e.target.value)}
          error={error?.field("email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => edited(setPassword, e.target.value)}
          error={error?.field("password")}
          required
        />
        {choices ? (
          <SelectField
            label="Agency"
            hint="This e-mail and password open accounts in several agencies: choose one."
            value={agencyId}
            onChange={(e) => setAgencyId(e.target.value)}
          >
            {choices.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        {error && !error.hasFields ? <ErrorText error={error} /> : null}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
