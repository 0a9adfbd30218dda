/**
 * Settings → Service credentials (the agency's owner): the credentials the platform's services use
 * for this agency (kw_svc_…): create one (shown once), rotate it (the old one keeps working for a
 * while) or revoke it. See docs/service-credentials.md.
 */
import { type FormEvent, useState } from "react";
import { api, type ServiceKey } from "../api";
import { dateTime } from "../format";
import type { View } from "../links";
import { ConfirmDialog, ErrorText, Modal, SelectField, TextField, useAction, useLoad, useToast } from "../ui";
import { TokenReveal } from "./keys/TokenReveal";

const SCOPES = [
  { name: "verify", description: "Verify API keys (POST /api/verify)" },
  { name: "provision", description: "Mirror this agency's locations and people (the provisioning API)" },
  { name: "keys:manage", description: "Manage API keys acting for one of this agency's people" },
] as const;

const GRACE = [
  { seconds: 0, label: "At once" },
  { seconds: 3600, label: "In 1 hour" },
  { seconds: 86_400, label: "In 24 hours" },
  { seconds: 604_800, label: "In 7 days" },
];

type Dialog =
  | { type: "create" }
  | { type: "rotate"; key: ServiceKey }
  | { type: "revoke"; key: ServiceKey }
  | { type: "reveal"; name: string; token: string };

export function ServiceKeysPage({ view }: { view: View }) {
  const toast = useToast();
  const list = useLoad(
    () =>
      api.get<{ serviceKeys: ServiceKey[] }>(
        `/api/service-keys?agencyId=${encodeURIComponent(view.accountId)}`,
      ),
    [view.accountId],
  );
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const keys = list.data?.serviceKeys ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Service credentials</h1>
          <p className="muted">
            What your platform's services use to verify keys, provision this agency and manage keys for your
            people. Each acts on this agency only.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ type: "create" })}>
          New service credential
        </button>
      </div>
      <ErrorText error={list.error} />
      {list.loading && !list.data ? (
        <p role="status">Loading…</p>
      ) : keys.length === 0 ? (
        <p className="empty">No service credentials yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Service credentials</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Credential</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.token}</code>
                    {k.rotation ? (
                      <p className="small muted">
                        Old <code>{k.rotation.oldToken}</code> works until{" "}
                        {dateTime(k.rotation.oldTokenExpiresAt)}
                      </p>
                    ) : null}
                  </td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{dateTime(k.createdAt)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-small"
                      disabled={k.rotation !== null}
                      onClick={() => setDialog({ type: "rotate", key: k })}
                    >
                      Rotate<span className="visually-hidden"> {k.name}</span>
                    </button>
                    <button
                      type="button"
                      className="button button-small button-danger"
                      onClick={() => setDialog({ type: "revoke", key: k })}
                    >
                      Revoke<span className="visually-hidden"> {k.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.type === "create" ? (
        <CreateDialog
          agencyId={view.accountId}
          onClose={() => setDialog(null)}
          onCreated={async (name, token) => {
            setDialog({ type: "reveal", name, token });
            await list.reload();
          }}
        />
      ) : null}
      {dialog?.type === "rotate" ? (
        <RotateDialog
          serviceKey={dialog.key}
          // The confirmation closes itself after success, when the new credential is already shown.
          onClose={() => setDialog((d) => (d?.type === "rotate" ? null : d))}
          onRotated={async (token) => {
            setDialog({ type: "reveal", name: dialog.key.name, token });
            await list.reload();
          }}
        />
      ) : null}
      {dialog?.type === "revoke" ? (
        <ConfirmDialog
          title="Revoke service credential"
          confirmLabel="Revoke"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.post(`/api/service-keys/${encodeURIComponent(dialog.key.id)}/revoke`);
            toast(`Revoked “${dialog.key.name}”.`);
            await list.reload();
          }}
        >
          <p className="confirm-question">Are you sure you want to revoke this service credential?</p>
          <p>
            <strong>{dialog.key.name}</strong> (<code>{dialog.key.token}</code>) stops working immediately for
            every service that uses it. It cannot be reactivated.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.type === "reveal" ? (
        <Modal
          title="Service credential"
          onClose={() => setDialog(null)}
          footer={
            <button type="button" className="button" onClick={() => setDialog(null)}>
              Done
            </button>
          }
        >
          <TokenReveal apiKey={{ name: dialog.name }} token={dialog.token} />
        </Modal>
      ) : null}
    </div>
  );
}

function CreateDialog({
  agencyId,
  onClose,
  onCreated,
}: {
  agencyId: string;
  onClose: () => void;
  onCreated: (name: string, token: string) => Promise<void>;
}) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["verify"]);
  const { run, busy, error } = useAction(async () => {
    const r = await api.post<{ serviceKey: ServiceKey; token: string }>("/api/service-keys", {
      name,
      scopes,
      agencyId,
    });
    await onCreated(r.serviceKey.name, r.token);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  return (
    <Modal
      title="New service credential"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-service-key" className="button button-primary" disabled={busy}>
            {busy ? "Creating…" : "Create"}
          </button>
        </>
      }
    >
      <form id="create-service-key" onSubmit={submit}>
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
        />
        <fieldset className="field">
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.name} className="checkbox">
              <input
                type="checkbox"
                checked={scopes.includes(s.name)}
                onChange={(e) =>
                  setScopes((now) => (e.target.checked ? [...now, s.name] : now.filter((x) => x !== s.name)))
                }
              />{" "}
              <code>{s.name}</code> — {s.description}
            </label>
          ))}
        </fieldset>
        <ErrorText error={error} />
      </form>
    </Modal>
  );
}

function RotateDialog({
  serviceKey,
  onClose,
  onRotated,
}: {
  serviceKey: ServiceKey;
  onClose: () => void;
  onRotated: (token: string) => Promise<void>;
}) {
  const [grace, setGrace] = useState(86_400);
  return (
    <ConfirmDialog
      title="Rotate service credential"
      confirmLabel="Rotate"
      onClose={onClose}
      onConfirm={async () => {
        const r = await api.post<{ token: string }>(
          `/api/service-keys/${encodeURIComponent(serviceKey.id)}/rotate`,
          { expireOldAfterSeconds: grace },
        );
        await onRotated(r.token);
      }}
    >
      <p>
        <strong>{serviceKey.name}</strong> gets a new credential, shown once. The one in use now stops:
      </p>
      <SelectField
        label="Old credential stops"
        value={grace}
        onChange={(e) => setGrace(Number(e.target.value))}
      >
        {GRACE.map((g) => (
          <option key={g.seconds} value={g.seconds}>
            {g.label}
          </option>
        ))}
      </SelectField>
    </ConfirmDialog>
  );
}
