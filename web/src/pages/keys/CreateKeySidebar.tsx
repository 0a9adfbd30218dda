/** Add New: the sidebar that creates a key for the agency or one of its locations. */
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { api, type Key, type Kind } from "../../api";
import type { View } from "../../links";
import { useSession } from "../../session";
import { ErrorText, Modal, SelectField, TextArea, TextField, useAction } from "../../ui";
import { ExpiresField, useExpires } from "./ExpiresField";
import { IpAllowlistField, useIpAllowlist } from "./IpAllowlistField";
import { LocationLimitPicker } from "./LocationLimitPicker";
import { ScopePicker } from "./ScopePicker";

export function CreateKeySidebar({
  view,
  onClose,
  onCreated,
}: {
  view: View;
  onClose: () => void;
  onCreated: (key: Key, token: string) => void;
}) {
  const { me } = useSession();
  const accounts = useMemo(() => {
    if (view.kind === "location")
      return [{ id: view.accountId, label: view.name, level: "location" as const }];
    return [
      ...(me.permissions.manageAgencyKeys
        ? [{ id: me.agency.id, label: `Agency: ${me.agency.name}`, level: "agency" as const }]
        : []),
      ...me.locations
        .filter((l) => me.permissions.manageLocationKeys.includes(l.id))
        .map((l) => ({ id: l.id, label: `Location: ${l.name}`, level: "location" as const })),
    ];
  }, [me, view]);
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? "");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<Kind>("private_integration");
  const [scopes, setScopes] = useState<string[]>([]);
  const [locationIds, setLocationIds] = useState<string[] | null>(null);
  const ips = useIpAllowlist(null);
  const expires = useExpires(null);
  const level = accounts.find((a) => a.id === accountId)?.level ?? "location";
  // Scopes of one level mean nothing at the other: start again when the level changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reruns on purpose when the level changes
  useEffect(() => setScopes([]), [level]);

  const { run, busy, error, setError } = useAction(async () => {
    const r = await api.post<{ key: Key; token: string }>(
      `/api/accounts/${encodeURIComponent(accountId)}/keys`,
      {
        name,
        description: description || undefined,
        kind,
        ...(kind === "private_integration" ? { scopes } : {}),
        ...(level === "agency" && locationIds !== null ? { locationIds } : {}),
        ...(ips.list ? { ipAllowlist: ips.list } : {}),
        ...expires.createBody(),
      },
    );
    onCreated(r.key, r.token);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ips.confirmLeavesOut()) void run();
  };
  const codeIs = (...codes: string[]) => (error && codes.includes(error.code) ? error.detail : undefined);
  const accountError = codeIs("plan_required", "permission_denied");
  const kindError = error?.field("kind") ?? codeIs("legacy_creation_disabled");
  const generalError =
    error && !error.hasFields && !accountError && !kindError && error.code !== "resource_not_found"
      ? error
      : null;

  return (
    <Modal
      title="Add New API key"
      variant="sidebar"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-key-form" className="button button-primary" disabled={busy}>
            {busy ? "Creating…" : "Create key"}
          </button>
        </>
      }
    >
      <form id="create-key-form" onSubmit={submit} onChange={() => setError(null)} noValidate>
        {accounts.length > 1 ? (
          <SelectField
            label="Account"
            value={accountId}
            onChange={(e) => setAccountId(e.target.value)}
            error={accountError}
            hint="Who the key belongs to and acts for."
          >
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </SelectField>
        ) : (
          <p className="muted">For {accounts[0]?.label ?? view.name}</p>
        )}
        {accounts.length <= 1 && accountError ? <ErrorText error={accountError} /> : null}
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error?.field("name")}
          hint="Say what uses it, e.g. “Zapier — production”."
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
        <fieldset className="field" aria-describedby={kindError ? "kind-error" : undefined}>
          <legend>Type</legend>
          <label className="radio">
            <input
              type="radio"
              name="kind"
              value="private_integration"
              checked={kind === "private_integration"}
              onChange={() => setKind("private_integration")}
            />
            <span>
              Private Integration Token <span className="muted small">(recommended)</span>
              <span className="muted small block">Limited to the scopes you pick below.</span>
            </span>
          </label>
          <label className="radio">
            <input
              type="radio"
              name="kind"
              value="legacy_v1"
              checked={kind === "legacy_v1"}
              onChange={() => setKind("legacy_v1")}
            />
            <span>
              Legacy v1 key <span className="muted small">(deprecated)</span>
              <span className="muted small block">
                Full access to the account, no scopes. Only for old integrations.
              </span>
            </span>
          </label>
          {kindError ? (
            <p className="error-text" id="kind-error">
              {kindError}
            </p>
          ) : null}
        </fieldset>
        {kind === "private_integration" ? (
          <ScopePicker level={level} value={scopes} onChange={setScopes} error={error?.field("scopes")} />
        ) : null}
        {level === "agency" ? (
          <LocationLimitPicker
            value={locationIds}
            onChange={setLocationIds}
            error={error?.field("locationIds") ?? codeIs("resource_not_found")}
          />
        ) : null}
        <IpAllowlistField state={ips} error={error?.field("ipAllowlist")} />
        <ExpiresField state={expires} error={error?.field("expiresAt") ?? error?.field("expiresInDays")} />
        <ErrorText error={generalError} />
      </form>
    </Modal>
  );
}
