/** Edit: the sidebar that changes a key's name, description and scopes (never its token). */
import { type FormEvent, useState } from "react";
import { api, type Key } from "../../api";
import { dateTime, KIND_LABEL, nextActionWords } from "../../format";
import { ErrorText, Modal, TextArea, TextField, useAction } from "../../ui";
import { ExpiresField, useExpires } from "./ExpiresField";
import { IpAllowlistField, useIpAllowlist } from "./IpAllowlistField";
import { KeyUsage } from "./KeyUsage";
import { LocationLimitPicker } from "./LocationLimitPicker";
import { ScopePicker } from "./ScopePicker";

export function EditKeySidebar({
  apiKey,
  onClose,
  onSaved,
}: {
  apiKey: Key;
  onClose: () => void;
  onSaved: (k: Key) => void;
}) {
  const [name, setName] = useState(apiKey.name);
  const [description, setDescription] = useState(apiKey.description);
  const [scopes, setScopes] = useState(apiKey.scopes);
  const [locationIds, setLocationIds] = useState<string[] | null>(apiKey.locationIds);
  const ips = useIpAllowlist(apiKey.ipAllowlist);
  const expires = useExpires(apiKey.expiresAt);
  const { run, busy, error, setError } = useAction(async () => {
    const body: Record<string, unknown> = {};
    if (name !== apiKey.name) body.name = name;
    if (description !== apiKey.description) body.description = description;
    if (apiKey.kind === "private_integration" && scopes.join(" ") !== apiKey.scopes.join(" "))
      body.scopes = scopes;
    const sorted = locationIds && [...locationIds].sort();
    if (apiKey.locationId === null && JSON.stringify(sorted) !== JSON.stringify(apiKey.locationIds))
      body.locationIds = sorted;
    if (JSON.stringify(ips.list) !== JSON.stringify(apiKey.ipAllowlist)) body.ipAllowlist = ips.list;
    const expiresAt = expires.editValue();
    if (expiresAt !== undefined) body.expiresAt = expiresAt;
    const k = Object.keys(body).length
      ? await api.patch<Key>(`/api/keys/${encodeURIComponent(apiKey.id)}`, body)
      : apiKey;
    onSaved(k);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ips.confirmLeavesOut()) void run();
  };
  return (
    <Modal
      title="Edit API key"
      variant="sidebar"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="edit-key-form" className="button button-primary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id="edit-key-form" onSubmit={submit} onChange={() => setError(null)} noValidate>
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error?.field("name")}
          maxLength={200}
          required
        />
        <TextArea
          label="Description (optional)"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={error?.field("description")}
          rows={2}
          maxLength={1000}
        />
        {apiKey.kind === "private_integration" ? (
          <ScopePicker
            level={apiKey.locationId ? "location" : "agency"}
            value={scopes}
            onChange={setScopes}
            error={error?.field("scopes")}
          />
        ) : null}
        {apiKey.locationId === null ? (
          <LocationLimitPicker
            value={locationIds}
            onChange={setLocationIds}
            error={error?.field("locationIds")}
          />
        ) : null}
        <IpAllowlistField state={ips} error={error?.field("ipAllowlist")} />
        <ExpiresField state={expires} error={error?.field("expiresAt")} />
        <p className="hint">Saving does not change the token: integrations keep working.</p>
        <ErrorText error={error && !error.hasFields ? error : null} />
      </form>
      <KeyDetails k={apiKey} />
      <KeyUsage apiKey={apiKey} />
    </Modal>
  );
}

function KeyDetails({ k }: { k: Key }) {
  return (
    <dl className="details">
      <dt>Token</dt>
      <dd>
        <code>{k.token}</code>
      </dd>
      <dt>Type</dt>
      <dd>{KIND_LABEL[k.kind]}</dd>
      <dt>Created</dt>
      <dd>
        {dateTime(k.createdAt)}
        {k.createdBy ? ` by ${k.createdBy.name} (${k.createdBy.email})` : ""}
      </dd>
      <dt>Last used</dt>
      <dd>
        {k.lastUsed ? (
          <>
            {dateTime(k.lastUsed.at)}
            {k.lastUsed.ip ? ` from ${k.lastUsed.ip}` : ""}
            {k.lastUsed.userAgent ? <span className="muted small block">{k.lastUsed.userAgent}</span> : null}
          </>
        ) : (
          "Never"
        )}
      </dd>
      <dt>Next action</dt>
      <dd>{nextActionWords(k) ?? "Nothing planned"}</dd>
    </dl>
  );
}
