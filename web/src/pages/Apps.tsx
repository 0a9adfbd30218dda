/**
 * Apps (agency admins): the OAuth 2.0 marketplace apps this agency develops. Register one (its
 * client secret shown once; a public client has none and uses PKCE), edit it, rotate the secret
 * (the old one keeps working for a while) or delete it, which uninstalls it everywhere. Agencies and
 * locations install apps through Keyward's consent page; see docs/oauth.md.
 */
import { type FormEvent, useState } from "react";
import { type ApiError, api, type Scope } from "../api";
import { dateTime, plural } from "../format";
import type { View } from "../links";
import { RowMenu } from "../Menu";
import type { AppWithSecret, Distribution, OAuthApp } from "../oauth-types";
import {
  ConfirmDialog,
  ErrorText,
  Modal,
  SelectField,
  TextArea,
  TextField,
  useAction,
  useLoad,
  useToast,
} from "../ui";
import { TokenReveal } from "./keys/TokenReveal";

const GRACE = [
  { seconds: 0, label: "At once" },
  { seconds: 3600, label: "In 1 hour" },
  { seconds: 86_400, label: "In 24 hours" },
  { seconds: 604_800, label: "In 7 days" },
];

/** The fields the app form sends, named as the API names them. */
const FIELDS = ["name", "logoUrl", "redirectUris", "scopes", "webhookUrl", "visibility", "distribution"];

type Dialog =
  | { type: "create" }
  | { type: "edit"; app: OAuthApp }
  | { type: "rotate"; app: OAuthApp }
  | { type: "delete"; app: OAuthApp }
  | { type: "install"; app: OAuthApp }
  | {
      type: "reveal";
      app: OAuthApp;
      clientSecret: string | null;
      webhookSecret?: string | undefined;
      /** What showed the secrets: a registration, a rotation, or an edit that set a new webhook URL. */
      after: "create" | "rotate" | "edit";
    };

export function AppsPage({ view }: { view: View }) {
  const toast = useToast();
  const base = `/api/agencies/${encodeURIComponent(view.accountId)}/apps`;
  const list = useLoad(() => api.get<{ apps: OAuthApp[] }>(base), [base]);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const apps = list.data?.apps ?? [];
  const create = () => setDialog({ type: "create" });
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Apps</h1>
          <p className="muted">
            OAuth 2.0 apps your agency develops. Agencies and locations install them on Keyward's consent
            page; the apps then get short-lived access tokens instead of API keys.
          </p>
        </div>
        {apps.length ? (
          <button type="button" className="button button-primary" onClick={create}>
            <span aria-hidden="true">+ </span>Register app
          </button>
        ) : null}
      </div>
      <ErrorText error={list.error} />
      {list.loading && !list.data ? <p role="status">Loading apps…</p> : null}
      {list.data && apps.length === 0 ? (
        <div className="empty">
          <p>
            No apps yet. Register one to let agencies and locations connect it with OAuth 2.0 — no API key to
            copy around.
          </p>
          <button type="button" className="button button-primary" onClick={create}>
            Register your first app
          </button>
        </div>
      ) : null}
      {apps.length ? (
        <div className="table-wrap">
          <table className="table apps-table">
            <caption className="visually-hidden">Apps</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Installed in</th>
                <th scope="col">Client secret</th>
                <th scope="col">Installs</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr key={a.id} data-app-id={a.id}>
                  <th scope="row" data-label="App">
                    <span className="app-name">
                      <AppLogo name={a.name} url={a.logoUrl} />
                      <span>
                        {a.name}
                        <span className="muted small block">
                          Client ID <code>{a.clientId}</code>
                        </span>
                      </span>
                    </span>
                  </th>
                  <td data-label="Installed in">
                    {a.distribution === "agency" ? "Agencies (Agency Pro)" : "Locations"}
                    <span className="muted small block">
                      {a.visibility === "public" ? "Public: any agency" : "Private: this agency only"}
                    </span>
                  </td>
                  <td data-label="Client secret">
                    {a.secret ? (
                      <>
                        <code>{a.secret.display}</code>
                        <span className="muted small block">since {dateTime(a.secret.createdAt)}</span>
                        {a.secret.previousValidUntil ? (
                          <span className="small block">
                            The previous secret works until {dateTime(a.secret.previousValidUntil)}
                          </span>
                        ) : null}
                      </>
                    ) : a.public ? (
                      <span className="muted">None: a public client (PKCE)</span>
                    ) : (
                      // Revoked after a leak report (docs/leaks.md): rotating gives it a new one.
                      <span className="block">None: revoked. Rotate to give the app a new one.</span>
                    )}
                  </td>
                  <td data-label="Installs">{plural(a.installCount, "install")}</td>
                  <td className="actions-cell" data-label="Actions">
                    <RowMenu
                      label={`Actions for ${a.name}`}
                      items={[
                        { label: "Edit", onSelect: () => setDialog({ type: "edit", app: a }) },
                        {
                          label: "Rotate secret",
                          disabled: a.public,
                          onSelect: () => setDialog({ type: "rotate", app: a }),
                        },
                        {
                          label: "Install in this agency",
                          disabled: a.public,
                          onSelect: () => setDialog({ type: "install", app: a }),
                        },
                        {
                          label: "Delete",
                          danger: true,
                          onSelect: () => setDialog({ type: "delete", app: a }),
                        },
                      ]}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {dialog?.type === "create" || dialog?.type === "edit" ? (
        <AppForm
          app={dialog.type === "edit" ? dialog.app : null}
          onClose={() => setDialog(null)}
          onSave={async (body) => {
            if (dialog.type === "edit") {
              // A new webhook URL is a new endpoint: its signing secret comes back once, when the server sends it.
              const r = await api.patch<OAuthApp & { webhookSecret?: string }>(
                `/api/apps/${encodeURIComponent(dialog.app.id)}`,
                body,
              );
              toast(`Saved “${r.name}”.`);
              setDialog(
                r.webhookSecret
                  ? {
                      type: "reveal",
                      app: r,
                      clientSecret: null,
                      webhookSecret: r.webhookSecret,
                      after: "edit",
                    }
                  : null,
              );
            } else {
              const r = await api.post<AppWithSecret>(base, body);
              setDialog({
                type: "reveal",
                app: r.app,
                clientSecret: r.clientSecret ?? null,
                webhookSecret: r.webhookSecret,
                after: "create",
              });
            }
            await list.reload();
          }}
        />
      ) : null}
      {dialog?.type === "rotate" ? (
        <RotateDialog
          app={dialog.app}
          // The confirmation closes itself after success, when the new secret is already shown.
          onClose={() => setDialog((d) => (d?.type === "rotate" ? null : d))}
          onRotated={async (app, clientSecret) => {
            setDialog({ type: "reveal", app, clientSecret, after: "rotate" });
            await list.reload();
          }}
        />
      ) : null}
      {dialog?.type === "delete" ? (
        <ConfirmDialog
          title={`Delete ${dialog.app.name}?`}
          confirmLabel="Delete app"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.del(`/api/apps/${encodeURIComponent(dialog.app.id)}`);
            toast(`Deleted “${dialog.app.name}”.`);
            await list.reload();
          }}
        >
          <p className="confirm-question">Are you sure you want to delete this app?</p>
          <p>
            <strong>{dialog.app.name}</strong> is uninstalled everywhere (
            {plural(dialog.app.installCount, "install")}): every token it holds stops working at once. It
            cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.type === "install" ? (
        <ConfirmDialog
          title={`Install ${dialog.app.name} in this agency?`}
          confirmLabel="Install"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.post(`/api/apps/${encodeURIComponent(dialog.app.id)}/install`);
            toast(`Installed “${dialog.app.name}” in this agency.`);
            await list.reload();
          }}
        >
          <p>
            The app acts for this agency with its client credentials (<code>client_credentials</code>), with
            the scopes it registered. Its first call installs it by itself; after an admin uninstalled it,
            installing it here is the only way back.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.type === "reveal" ? (
        <Modal
          title={
            dialog.after === "rotate"
              ? "New client secret"
              : dialog.after === "edit"
                ? "New webhook signing secret"
                : "App registered"
          }
          onClose={() => setDialog(null)}
          footer={
            <button type="button" className="button" onClick={() => setDialog(null)}>
              Done
            </button>
          }
        >
          <dl className="details">
            <dt>App</dt>
            <dd>{dialog.app.name}</dd>
            <dt>Client ID</dt>
            <dd>
              <code data-testid="client-id">{dialog.app.clientId}</code>
            </dd>
          </dl>
          {dialog.clientSecret ? (
            <TokenReveal
              token={dialog.clientSecret}
              label="Client secret (kw_cs_…)"
              warning={{
                title: "Copy this secret now",
                text: "This is the only time it is shown. Your app sends it with the client ID to Keyward's token endpoint. If you lose it, rotate the secret.",
              }}
            />
          ) : dialog.after === "create" ? (
            <p>A public client has no secret: it proves itself with PKCE (S256) on every authorization.</p>
          ) : null}
          {dialog.webhookSecret ? (
            <TokenReveal
              id="new-webhook-secret"
              token={dialog.webhookSecret}
              label="Webhook signing secret (whsec_…)"
              warning={{
                title: "And the webhook signing secret",
                text: "Your app verifies the app.installed and app.uninstalled events with it (Standard Webhooks). It is shown once too; the endpoint is listed under Webhooks, where it can be rotated.",
              }}
            />
          ) : null}
        </Modal>
      ) : null}
    </div>
  );
}

/** The app's logo, or its initial when it has none or the image does not load. */
export function AppLogo({ name, url, size = 32 }: { name: string; url: string | null; size?: number }) {
  const [failed, setFailed] = useState(false);
  if (url && !failed)
    return (
      <img
        className="app-logo"
        src={url}
        alt=""
        width={size}
        height={size}
        referrerPolicy="no-referrer"
        onError={() => setFailed(true)}
      />
    );
  return (
    <span className="app-logo app-logo-initial" aria-hidden="true" style={{ width: size, height: size }}>
      {name.trim().charAt(0).toUpperCase() || "?"}
    </span>
  );
}

/** The message the server gave for one of the form's fields (it names them with or without "body."). */
function fieldError(error: ApiError | null, name: string): string | undefined {
  return error?.field(name) ?? error?.field(`body.${name}`);
}

interface AppBody {
  name: string;
  logoUrl: string | null;
  redirectUris: string[];
  scopes: string[];
  visibility: "private" | "public";
  webhookUrl: string | null;
  distribution?: Distribution;
  public?: boolean;
}

function AppForm({
  app,
  onClose,
  onSave,
}: {
  app: OAuthApp | null;
  onClose: () => void;
  onSave: (body: AppBody) => Promise<void>;
}) {
  const [name, setName] = useState(app?.name ?? "");
  const [logoUrl, setLogoUrl] = useState(app?.logoUrl ?? "");
  const [redirectUris, setRedirectUris] = useState((app?.redirectUris ?? []).join("\n"));
  const [distribution, setDistribution] = useState<Distribution>(app?.distribution ?? "location");
  const [visibility, setVisibility] = useState<"private" | "public">(app?.visibility ?? "private");
  const [isPublic, setIsPublic] = useState(app?.public ?? false);
  const [webhookUrl, setWebhookUrl] = useState(app?.webhookUrl ?? "");
  const [scopes, setScopes] = useState<string[]>(app?.scopes ?? []);
  const { run, busy, error } = useAction(async () => {
    const body: AppBody = {
      name: name.trim(),
      logoUrl: logoUrl.trim() || null,
      redirectUris: redirectUris
        .split(/\s+/)
        .map((u) => u.trim())
        .filter(Boolean),
      scopes,
      visibility,
      webhookUrl: webhookUrl.trim() || null,
      ...(app ? {} : { distribution, public: isPublic }),
    };
    await onSave(body);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  // The webhook URL's own refusals (not HTTPS, an internal address …) name no field: they belong under it.
  const webhookProblem = error?.code.startsWith("webhook_url") ?? false;
  const unplaced =
    error && !webhookProblem && (!error.hasFields || !FIELDS.some((f) => fieldError(error, f)));
  return (
    <Modal title={app ? `Edit ${app.name}` : "Register an app"} onClose={onClose} variant="sidebar">
      <form onSubmit={submit} aria-label={app ? "Edit app" : "New app"} noValidate>
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fieldError(error, "name")}
          hint="Shown to the people who install it."
          required
          maxLength={100}
        />
        <TextField
          label="Logo URL"
          inputMode="url"
          value={logoUrl}
          placeholder="https://example.com/logo.png"
          onChange={(e) => setLogoUrl(e.target.value)}
          error={fieldError(error, "logoUrl")}
        />
        <TextArea
          label="Redirect URIs"
          value={redirectUris}
          rows={3}
          placeholder="https://example.com/oauth/callback"
          hint="One per line. Matched exactly; HTTPS, except http://127.0.0.1 or localhost while developing."
          onChange={(e) => setRedirectUris(e.target.value)}
          error={fieldError(error, "redirectUris")}
          required
        />
        {app ? null : (
          <fieldset className="field">
            <legend>Who installs it</legend>
            <label className="radio">
              <input
                type="radio"
                name="distribution"
                checked={distribution === "location"}
                onChange={() => setDistribution("location")}
              />{" "}
              A location, for itself (any plan)
            </label>
            <label className="radio">
              <input
                type="radio"
                name="distribution"
                checked={distribution === "agency"}
                onChange={() => setDistribution("agency")}
              />{" "}
              An agency, for the locations it chooses (needs Agency Pro)
            </label>
            <p className="hint">This cannot be changed later.</p>
          </fieldset>
        )}
        <SelectField
          label="Visibility"
          value={visibility}
          onChange={(e) => setVisibility(e.target.value as "private" | "public")}
          error={fieldError(error, "visibility")}
        >
          <option value="private">Private: only this agency may install it</option>
          <option value="public">Public: any agency may install it</option>
        </SelectField>
        {app ? null : (
          <label className="checkbox field">
            <input type="checkbox" checked={isPublic} onChange={(e) => setIsPublic(e.target.checked)} />{" "}
            Public client: no client secret, PKCE only (a browser or mobile app)
          </label>
        )}
        <TextField
          label="Webhook URL"
          inputMode="url"
          value={webhookUrl}
          placeholder="https://example.com/keyward-events"
          hint="Keyward sends app.installed and app.uninstalled here, signed."
          onChange={(e) => setWebhookUrl(e.target.value)}
          error={fieldError(error, "webhookUrl") ?? (webhookProblem ? error?.detail : undefined)}
        />
        <AppScopes
          level={(app?.distribution ?? distribution) === "location" ? "location" : null}
          value={scopes}
          onChange={setScopes}
          error={fieldError(error, "scopes")}
        />
        {unplaced ? <ErrorText error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? "Saving…" : app ? "Save" : "Register app"}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * The scopes an app asks for. A location app acts for one location, so only location scopes; an
 * agency app acts for the agency and, through location tokens, for its locations: every scope.
 */
function AppScopes({
  level,
  value,
  onChange,
  error,
}: {
  level: "location" | null;
  value: string[];
  onChange: (v: string[]) => void;
  error?: string | undefined;
}) {
  const scopes = useLoad(
    () => api.get<{ scopes: Scope[] }>(`/api/scopes${level ? `?level=${level}` : ""}`),
    [level],
  );
  const list = scopes.data?.scopes ?? [];
  return (
    <fieldset className="field scope-picker" aria-describedby={error ? "app-scopes-error" : undefined}>
      <legend>Scopes</legend>
      <p className="hint">What the app asks for; whoever installs it sees this list.</p>
      <ErrorText error={scopes.error} />
      {list.map((s) => (
        <label key={s.name} className="checkbox scope">
          <input
            type="checkbox"
            checked={value.includes(s.name)}
            onChange={(e) =>
              onChange(e.target.checked ? [...value, s.name] : value.filter((x) => x !== s.name))
            }
          />
          <span>
            <code>{s.name}</code>
            <span className="muted small block">{s.description}</span>
          </span>
        </label>
      ))}
      {error ? (
        <p className="error-text" id="app-scopes-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function RotateDialog({
  app,
  onClose,
  onRotated,
}: {
  app: OAuthApp;
  onClose: () => void;
  onRotated: (app: OAuthApp, clientSecret: string) => Promise<void>;
}) {
  const [grace, setGrace] = useState(86_400);
  return (
    <ConfirmDialog
      title="Rotate client secret"
      confirmLabel="Rotate"
      onClose={onClose}
      onConfirm={async () => {
        const r = await api.post<AppWithSecret>(`/api/apps/${encodeURIComponent(app.id)}/rotate-secret`, {
          graceSeconds: grace,
        });
        await onRotated(r.app, r.clientSecret ?? "");
      }}
    >
      <p>
        <strong>{app.name}</strong> gets a new client secret, shown once. The one in use now stops:
      </p>
      <SelectField label="Old secret stops" value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
        {GRACE.map((g) => (
          <option key={g.seconds} value={g.seconds}>
            {g.label}
          </option>
        ))}
      </SelectField>
    </ConfirmDialog>
  );
}
