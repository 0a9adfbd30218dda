/**
 * Keyward's OAuth consent page (`/oauth/consent?request=oar_…`, where GET /oauth/authorize sends the
 * browser): who asks (the app, its logo, the agency that develops it), which scopes, and for which
 * agency or location. An agency admin installing an agency app chooses its locations or all of them;
 * someone installing a location app picks the location. Allow or Deny answers the server, which
 * names where the browser goes next: back to the app, with a code or with error=access_denied.
 * Shown outside the console's shell; a signed-out visitor signs in first and comes back here.
 */
import { type FormEvent, useEffect, useState } from "react";
import { api, asApiError } from "../api";
import type { ConsentRequest, Decision } from "../oauth-types";
import { useRoute } from "../router";
import { useSession } from "../session";
import { Alert, ErrorText, SelectField, useAction, useLoad } from "../ui";
import { AppLogo } from "./Apps";

export const CONSENT_PATH = "/oauth/consent";

function originOf(uri: string): string {
  try {
    return new URL(uri).origin;
  } catch {
    return uri;
  }
}

export function OAuthConsentPage() {
  const { me } = useSession();
  const requestId = useRoute().query.get("request") ?? "";
  const consent = useLoad(async () => {
    if (!requestId) throw asApiError(new Error("This page needs an authorization request."));
    return api.get<ConsentRequest>(`/api/oauth/requests/${encodeURIComponent(requestId)}`);
  }, [requestId]);
  const [otherAccount, setOtherAccount] = useState(false);
  const appName = consent.data?.request.app.name;
  useEffect(() => {
    document.title = appName ? `Connect ${appName} · Keyward` : "Connect an app · Keyward";
  }, [appName]);

  // Another person: sign out and come back to this page, where the sign-in is shown.
  const switchAccount = async () => {
    setOtherAccount(true);
    try {
      await api.post("/api/auth/logout");
    } finally {
      window.location.reload();
    }
  };

  return (
    <main className="login-page" id="main">
      <div className="card login-card consent-card">
        <p className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" /> Keyward
        </p>
        {consent.loading && !consent.data ? <p role="status">Loading…</p> : null}
        {consent.error ? (
          <>
            <h1 tabIndex={-1}>This request cannot be answered</h1>
            <p>
              {consent.error.status === 404 || !requestId
                ? "It has expired (requests last 10 minutes) or has already been answered. Go back to the app and connect it again."
                : consent.error.detail}
            </p>
          </>
        ) : null}
        {consent.data ? <ConsentForm consent={consent.data} /> : null}
        <p className="small muted consent-who">
          Signed in as {me.user.name} ({me.user.email}) at {me.agency.name}.{" "}
          <button
            type="button"
            className="link-button"
            disabled={otherAccount}
            onClick={() => void switchAccount()}
          >
            Use another account
          </button>
        </p>
      </div>
    </main>
  );
}

function ConsentForm({ consent }: { consent: ConsentRequest }) {
  const { request, targets } = consent;
  const { app } = request;
  const agencyApp = app.distribution === "agency";
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [locationId, setLocationId] = useState(targets.locations[0]?.id ?? "");
  const [missing, setMissing] = useState<string | null>(null);
  const decide = useAction(async (decision: Decision) => {
    const r = await api.post<{ redirectTo: string }>(
      `/api/oauth/requests/${encodeURIComponent(request.id)}/decision`,
      decision,
    );
    window.location.assign(r.redirectTo);
    // The page stays busy until the browser has left.
    await new Promise(() => {});
  });

  // Whether this person may install it here at all, and if not, why (said plainly, not as a dead button).
  const refusal: string | null = agencyApp
    ? !targets.agency
      ? "Only an agency admin can install this app, because it acts for an agency and the locations the agency chooses. Ask one of your agency's admins to install it."
      : targets.agency.allowed
        ? null
        : (targets.agency.reason ?? "Your agency cannot install this app.")
    : targets.locations.length === 0
      ? "You may not install apps for any location. Ask an admin of the location, or an agency admin, to install it."
      : null;

  const allow = (e: FormEvent) => {
    e.preventDefault();
    setMissing(null);
    if (agencyApp) {
      if (!all && chosen.length === 0) {
        setMissing("Choose at least one location, or all locations.");
        return;
      }
      void decide.run({ allow: true, locationIds: all ? "all" : chosen });
    } else void decide.run({ allow: true, locationId });
  };

  return (
    <form onSubmit={allow} aria-labelledby="consent-title">
      <div className="consent-app">
        <AppLogo name={app.name} url={app.logoUrl} size={48} />
        <div>
          <h1 id="consent-title" tabIndex={-1}>
            {app.name} wants to connect to Keyward
          </h1>
          <p className="muted">
            Developed by <strong>{app.developer.name}</strong>
          </p>
        </div>
      </div>

      <h2 className="consent-heading">It asks to</h2>
      {request.scopes.length ? (
        <ul className="consent-scopes">
          {request.scopes.map((s) => (
            <li key={s.name}>
              <span className="block">{s.description}</span>
              <code className="small">{s.name}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p>See that it is installed; it asks for no scope.</p>
      )}

      <h2 className="consent-heading">For</h2>
      {refusal ? (
        <Alert
          tone="warning"
          title={
            agencyApp && targets.agency ? `${targets.agency.name} cannot install it` : "You cannot install it"
          }
        >
          {refusal}
        </Alert>
      ) : agencyApp && targets.agency ? (
        <fieldset className="field">
          <legend>{targets.agency.name} (the agency), for these locations</legend>
          <label className="radio">
            <input type="radio" name="scope-of-install" checked={all} onChange={() => setAll(true)} /> All
            locations, including ones added later
          </label>
          <label className="radio">
            <input type="radio" name="scope-of-install" checked={!all} onChange={() => setAll(false)} /> Only
            the locations I choose
          </label>
          {!all ? (
            <div className="consent-locations">
              {targets.locations.length === 0 ? (
                <p className="muted">The agency has no location yet.</p>
              ) : null}
              {targets.locations.map((l) => (
                <label key={l.id} className="checkbox">
                  <input
                    type="checkbox"
                    checked={chosen.includes(l.id)}
                    onChange={(e) => {
                      setMissing(null);
                      setChosen((now) => (e.target.checked ? [...now, l.id] : now.filter((x) => x !== l.id)));
                    }}
                  />{" "}
                  {l.name}
                </label>
              ))}
            </div>
          ) : null}
          {missing ? <p className="error-text">{missing}</p> : null}
        </fieldset>
      ) : targets.locations.length === 1 ? (
        <p>
          <strong>{targets.locations[0]!.name}</strong> (a location)
        </p>
      ) : (
        <SelectField label="Location" value={locationId} onChange={(e) => setLocationId(e.target.value)}>
          {targets.locations.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </SelectField>
      )}

      <ErrorText error={decide.error} />
      <div className="form-actions consent-actions">
        {refusal ? null : (
          <button type="submit" className="button button-primary" disabled={decide.busy}>
            Allow
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={decide.busy}
          onClick={() => void decide.run({ allow: false })}
        >
          {refusal ? "Go back to the app" : "Deny"}
        </button>
      </div>
      <p className="small muted">
        {refusal ? "You go back to" : "Either way you go back to"}{" "}
        <strong>{originOf(request.redirectUri)}</strong>.
        {refusal ? "" : " You can uninstall the app at any time in Keyward, under Installed apps."}
      </p>
    </form>
  );
}
