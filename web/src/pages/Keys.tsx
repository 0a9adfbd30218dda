/**
 * Settings → API Keys: the agency's keys and every location's (agency view), or one location's.
 * Add New and edit open a sidebar on the right; revoke and rotate ask first; a new token is shown
 * once. Buttons that change keys appear only to people allowed to use them.
 */
import { type FormEvent, Fragment, useEffect, useMemo, useRef, useState } from "react";
import { api, type Key, type Kind, type Me, qs, type Scope } from "../api";
import { date, dateTime, KIND_LABEL, nextActionWords, plural, STATUS_LABEL, timeOf } from "../format";
import type { View } from "../links";
import { Link, useRoute } from "../router";
import { canManage, useSession } from "../session";
import {
  Alert,
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

type Dialog =
  | { type: "create" }
  | { type: "edit"; key: Key }
  | { type: "revoke"; key: Key }
  | { type: "rotate"; key: Key }
  | { type: "expire-now"; key: Key }
  | { type: "cancel-rotation"; key: Key }
  | { type: "token"; key: Key; token: string; title: string };

export function KeysPage({ view }: { view: View }) {
  const { me } = useSession();
  const route = useRoute();
  const toast = useToast();
  const [showAll, setShowAll] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const picked = useMemo(() => {
    const k = route.query.get("highlight");
    return k ? new Set(k.split(",").filter(Boolean)) : null;
  }, [route.query]);

  const keys = useLoad(
    () =>
      api.get<{ keys: Key[] }>(
        `/api/accounts/${encodeURIComponent(view.accountId)}/keys${qs({
          includeLocations: view.kind === "agency" ? "true" : undefined,
          status: showAll || picked ? "all" : undefined,
        })}`,
      ),
    [view.accountId, showAll, picked !== null],
  );

  const refresh = useAction(async (k: Key) => {
    await api.post(`/api/keys/${encodeURIComponent(k.id)}/refresh`);
    toast(`“${k.name}” is active again: the same token works.`);
    await keys.reload();
  });

  const all = keys.data?.keys ?? [];
  const shown = picked ? all.filter((k) => picked.has(k.id)) : all;
  const agencyKeys = shown.filter((k) => k.locationId === null);
  const locationKeys = shown.filter((k) => k.locationId !== null);
  const mayCreate =
    view.kind === "agency"
      ? me.permissions.manageAgencyKeys || me.permissions.manageLocationKeys.length > 0
      : me.permissions.manageLocationKeys.includes(view.accountId);

  const closeAnd = (reload: boolean) => {
    setDialog(null);
    if (reload) void keys.reload();
  };

  const rowProps = {
    me,
    onAction: setDialog,
    onRefresh: (k: Key) => void refresh.run(k),
    refreshing: refresh.busy,
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>API Keys</h1>
          <p className="muted">
            {view.kind === "agency"
              ? "Keys let other tools (Zapier, scripts, dashboards) use the API for your agency and its locations. Treat them like passwords."
              : `Keys let other tools use the API for ${view.name}. Treat them like passwords.`}
          </p>
        </div>
        {mayCreate ? (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog({ type: "create" })}
          >
            <span aria-hidden="true">+ </span>Add New
          </button>
        ) : null}
      </div>

      {mayCreate ? null : (
        <p className="muted small" id="read-only-note">
          You can see these keys but not change them. Ask an admin if you need a key created, rotated or
          revoked.
        </p>
      )}

      <div className="toolbar">
        {picked ? (
          <p className="picked-note">
            Showing {plural(shown.length, "key")} from a notification.{" "}
            <Link to={route.path}>Show all keys</Link>
          </p>
        ) : (
          <label className="checkbox">
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />
            Show revoked and deleted keys
          </label>
        )}
        <InactivityNote keys={all} />
      </div>

      <ErrorText error={keys.error ?? refresh.error} />
      {keys.loading && !keys.data ? <p role="status">Loading keys…</p> : null}

      {keys.data ? (
        view.kind === "agency" ? (
          <>
            <section aria-labelledby="agency-keys-title">
              <h2 id="agency-keys-title">Agency API keys</h2>
              <KeyTable
                keys={agencyKeys}
                showAccount={false}
                empty={emptyAgency(me)}
                caption="Agency API keys"
                {...rowProps}
              />
            </section>
            <section aria-labelledby="location-keys-title">
              <h2 id="location-keys-title">Location API keys</h2>
              <KeyTable
                keys={locationKeys}
                showAccount
                empty="No location has a key yet."
                caption="Location API keys"
                {...rowProps}
              />
            </section>
          </>
        ) : (
          <KeyTable
            keys={shown}
            showAccount={false}
            empty="This location has no API key yet."
            caption={`API keys of ${view.name}`}
            {...rowProps}
          />
        )
      ) : null}

      {dialog?.type === "create" ? (
        <CreateKeySidebar
          view={view}
          onClose={() => closeAnd(false)}
          onCreated={(key, token) => {
            void keys.reload();
            setDialog({ type: "token", key, token, title: "Your new API key" });
          }}
        />
      ) : null}
      {dialog?.type === "edit" ? (
        <EditKeySidebar
          apiKey={dialog.key}
          onClose={() => closeAnd(false)}
          onSaved={(k) => {
            toast(`Saved “${k.name}”. Its token did not change.`);
            closeAnd(true);
          }}
        />
      ) : null}
      {dialog?.type === "token" ? (
        <Modal
          title={dialog.title}
          onClose={() => closeAnd(true)}
          variant="sidebar"
          footer={
            <button type="button" className="button button-primary" onClick={() => closeAnd(true)}>
              Done
            </button>
          }
        >
          <TokenReveal apiKey={dialog.key} token={dialog.token} />
        </Modal>
      ) : null}
      {dialog?.type === "revoke" ? (
        <ConfirmDialog
          title="Revoke API key"
          confirmLabel="Revoke"
          danger
          onClose={() => closeAnd(false)}
          onConfirm={async () => {
            await api.post(`/api/keys/${encodeURIComponent(dialog.key.id)}/revoke`);
            toast(`Revoked “${dialog.key.name}”.`);
            await keys.reload();
          }}
        >
          <p className="confirm-question">Are you sure you want to revoke this API key?</p>
          <p>
            <strong>{dialog.key.name}</strong> (<code>{dialog.key.token}</code>) stops working immediately for
            every integration that uses it. Revoked keys cannot be reactivated: you would have to create a new
            key and update the integration.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.type === "rotate" ? (
        <RotateDialog
          apiKey={dialog.key}
          onClose={() => closeAnd(false)}
          onRotated={(key, token) => {
            void keys.reload();
            setDialog({ type: "token", key, token, title: "Your new token" });
          }}
        />
      ) : null}
      {dialog?.type === "expire-now" ? (
        <ConfirmDialog
          title="Expire the old token now?"
          confirmLabel="Expire old token now"
          danger
          onClose={() => closeAnd(false)}
          onConfirm={async () => {
            await api.post(`/api/keys/${encodeURIComponent(dialog.key.id)}/rotation/expire-now`);
            toast(`The old token of “${dialog.key.name}” no longer works.`);
            await keys.reload();
          }}
        >
          <p>
            The old token <code>{dialog.key.rotation?.oldToken}</code> of <strong>{dialog.key.name}</strong>{" "}
            stops working at once. {oldTokenUse(dialog.key)} Only the new token will work.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.type === "cancel-rotation" ? (
        <ConfirmDialog
          title="Cancel the rotation?"
          confirmLabel="Cancel rotation"
          dismissLabel="Keep the rotation"
          onClose={() => closeAnd(false)}
          onConfirm={async () => {
            await api.post(`/api/keys/${encodeURIComponent(dialog.key.id)}/rotation/cancel`);
            toast(`Rotation of “${dialog.key.name}” cancelled: the old token keeps working.`);
            await keys.reload();
          }}
        >
          <p>
            The old token <code>{dialog.key.rotation?.oldToken}</code> keeps working, and the new token{" "}
            <code>{dialog.key.token}</code> stops working at once.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function emptyAgency(me: Me): string {
  if (me.agency.plan !== "agency_pro")
    return "Agency keys need the Agency Pro plan. Location keys are below.";
  return "The agency has no API key yet.";
}

/** "2 keys will be deleted on 1 Apr 2026 if still unused." — the one thing to know at a glance. */
function InactivityNote({ keys }: { keys: Key[] }) {
  const next = keys
    .filter((k) => k.status === "active" && k.nextAction)
    .reduce<Key[]>((acc, k) => {
      const first = acc[0];
      if (!first || k.nextAction!.at < first.nextAction!.at) return [k];
      if (k.nextAction!.at === first.nextAction!.at) acc.push(k);
      return acc;
    }, []);
  const first = next[0];
  if (!first?.nextAction) return null;
  return (
    <p className="muted small">
      Unused keys are removed automatically. Next: {plural(next.length, "key")} on {date(first.nextAction.at)}{" "}
      if still unused.
    </p>
  );
}

function oldTokenUse(k: Key): string {
  if (!k.rotation) return "";
  return k.rotation.oldTokenLastUsedAt
    ? `It was last used on ${dateTime(k.rotation.oldTokenLastUsedAt)}.`
    : "It has not been used since the rotation.";
}

interface RowProps {
  me: Me;
  onAction: (d: Dialog) => void;
  onRefresh: (k: Key) => void;
  refreshing: boolean;
}

function KeyTable({
  keys,
  showAccount,
  empty,
  caption,
  me,
  onAction,
  onRefresh,
  refreshing,
}: RowProps & { keys: Key[]; showAccount: boolean; empty: string; caption: string }) {
  const locName = (id: string | null) => me.locations.find((l) => l.id === id)?.name ?? id ?? "";
  if (keys.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table keys-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {showAccount ? <th scope="col">Location</th> : null}
            <th scope="col">Token</th>
            <th scope="col">Type</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col">Next action</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const manage = canManage(me, k);
            const live = k.status === "active" || k.status === "expired";
            return (
              <Fragment key={k.id}>
                <tr data-key-id={k.id} className={`status-${k.status}${k.rotation ? " has-rotation" : ""}`}>
                  <th scope="row" data-label="Name">
                    {manage && live ? (
                      <button
                        type="button"
                        className="link-button key-name"
                        onClick={() => onAction({ type: "edit", key: k })}
                      >
                        {k.name}
                      </button>
                    ) : (
                      <span className="key-name">{k.name}</span>
                    )}
                    {k.description ? (
                      <span className="muted small block description">{k.description}</span>
                    ) : null}
                  </th>
                  {showAccount ? <td data-label="Location">{locName(k.locationId)}</td> : null}
                  <td data-label="Token">
                    <code className="token">{k.token}</code>
                  </td>
                  <td data-label="Type">
                    <span>{KIND_LABEL[k.kind]}</span>
                    {k.kind === "legacy_v1" ? <span className="badge badge-warning">Deprecated</span> : null}
                  </td>
                  <td data-label="Scopes">
                    {k.kind === "legacy_v1" ? (
                      <span className="muted">Full access</span>
                    ) : k.scopes.length ? (
                      <ul className="chips">
                        {k.scopes.map((s) => (
                          <li key={s} className="chip">
                            {s}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">None</span>
                    )}
                  </td>
                  <td data-label="Created">
                    <span className="nowrap">{date(k.createdAt)}</span>
                    <span className="muted small block">
                      {k.createdBy ? `by ${k.createdBy.name}` : k.imported ? "imported" : ""}
                    </span>
                  </td>
                  <td data-label="Last used">
                    {k.lastUsed ? (
                      <>
                        <span className="nowrap">{date(k.lastUsed.at)}</span>
                        <span className="muted small block" title={k.lastUsed.userAgent ?? undefined}>
                          {timeOf(k.lastUsed.at)}
                          {k.lastUsed.ip ? ` from ${k.lastUsed.ip}` : ""}
                        </span>
                      </>
                    ) : (
                      <span className="muted">Never used</span>
                    )}
                    {k.status === "active" && k.daysInactive > 0 ? (
                      <span className="muted small block">{plural(k.daysInactive, "day")} inactive</span>
                    ) : null}
                  </td>
                  <td data-label="Status">
                    <span className={`badge badge-${k.status}`}>{STATUS_LABEL[k.status]}</span>
                    {k.suspended ? (
                      <span
                        className="badge badge-expired"
                        title="The agency's plan does not include agency keys: calls are refused with plan_required until an upgrade to Agency Pro."
                      >
                        Suspended by plan
                      </span>
                    ) : null}
                    {k.rotation ? <span className="badge badge-info">Rotation pending</span> : null}
                  </td>
                  <td data-label="Next action">
                    <NextAction k={k} />
                  </td>
                  <td className="actions-cell" data-label="Actions">
                    {manage ? (
                      <RowActions k={k} onAction={onAction} onRefresh={onRefresh} refreshing={refreshing} />
                    ) : null}
                  </td>
                </tr>
                {k.rotation ? (
                  <tr className="rotation-row" data-rotation-of={k.id}>
                    <td colSpan={showAccount ? 10 : 9}>
                      <div className="rotation-box">
                        <p>
                          <strong>Rotation pending.</strong> The old token <code>{k.rotation.oldToken}</code>{" "}
                          keeps working until {dateTime(k.rotation.oldTokenExpiresAt)}.{" "}
                          {k.rotation.oldTokenLastUsedAt
                            ? `Old token last used ${dateTime(k.rotation.oldTokenLastUsedAt)}.`
                            : "Old token not used since the rotation."}
                        </p>
                        {manage ? (
                          <div className="row-actions">
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Expire now, old token of ${k.name}`}
                              onClick={() => onAction({ type: "expire-now", key: k })}
                            >
                              Expire now
                            </button>
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Cancel rotation of ${k.name}`}
                              onClick={() => onAction({ type: "cancel-rotation", key: k })}
                            >
                              Cancel rotation
                            </button>
                          </div>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function NextAction({ k }: { k: Key }) {
  if (k.status === "expired")
    return (
      <span>
        Expired after {plural(k.daysInactive, "day")} without use: refresh or rotate it to use it again.
      </span>
    );
  if (k.status !== "active") return <span className="muted">—</span>;
  return <span>{nextActionWords(k) ?? <span className="muted">Nothing planned</span>}</span>;
}

function RowActions({
  k,
  onAction,
  onRefresh,
  refreshing,
}: {
  k: Key;
  onAction: (d: Dialog) => void;
  onRefresh: (k: Key) => void;
  refreshing: boolean;
}) {
  const label = (verb: string) => `${verb} ${k.name}`;
  if (k.status === "revoked" || k.status === "deleted") return null;
  return (
    <div className="row-actions">
      {k.status === "expired" ? (
        <button
          type="button"
          className="button button-small button-primary"
          disabled={refreshing}
          aria-label={label("Refresh")}
          onClick={() => onRefresh(k)}
        >
          Refresh
        </button>
      ) : null}
      {k.rotation ? null : (
        <button
          type="button"
          className="button button-small"
          aria-label={label("Rotate")}
          onClick={() => onAction({ type: "rotate", key: k })}
        >
          Rotate
        </button>
      )}
      <button
        type="button"
        className="button button-small button-danger-outline"
        aria-label={label("Revoke")}
        onClick={() => onAction({ type: "revoke", key: k })}
      >
        Revoke
      </button>
    </div>
  );
}

/** The token, this once, with a copy button and a plain warning. */
export function TokenReveal({ apiKey, token }: { apiKey: Key; token: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      input.current?.select();
      setCopied(document.execCommand?.("copy") ? "yes" : "failed");
    }
  };
  return (
    <div className="token-reveal">
      <Alert tone="warning" title="Copy this token now">
        This is the only time it is shown. Keyward does not keep it and cannot show it again. Store it
        somewhere safe, such as a password manager. If you lose it, rotate the key to get a new one.
      </Alert>
      <label htmlFor="new-token" className="label">
        Token for “{apiKey.name}”
      </label>
      <div className="copy-row">
        <textarea
          id="new-token"
          ref={input}
          readOnly
          value={token}
          rows={2}
          spellCheck={false}
          className="token-input"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button button-primary" onClick={() => void copy()} data-autofocus>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <p role="status" className="small">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Copying failed: select the token and copy it by hand."
            : ""}
      </p>
    </div>
  );
}

// ── Add New ──

function useScopes(level: "agency" | "location") {
  return useLoad(() => api.get<{ scopes: Scope[] }>(`/api/scopes?level=${level}`), [level]);
}

function ScopePicker({
  level,
  value,
  onChange,
  error,
}: {
  level: "agency" | "location";
  value: string[];
  onChange: (v: string[]) => void;
  error?: string | undefined;
}) {
  const scopes = useScopes(level);
  const list = scopes.data?.scopes ?? [];
  return (
    <fieldset className="field scope-picker" aria-describedby={error ? "scopes-error" : undefined}>
      <legend>Scopes</legend>
      <p className="hint">What the key may do. Only {level}-level scopes are listed.</p>
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
        <p className="error-text" id="scopes-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function CreateKeySidebar({
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
      },
    );
    onCreated(r.key, r.token);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  const codeIs = (...codes: string[]) => (error && codes.includes(error.code) ? error.detail : undefined);
  const accountError = codeIs("plan_required", "permission_denied");
  const kindError = error?.field("kind") ?? codeIs("legacy_creation_disabled");
  const generalError = error && !error.hasFields && !accountError && !kindError ? error : null;

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
        <ErrorText error={generalError} />
      </form>
    </Modal>
  );
}

// ── edit ──

function EditKeySidebar({
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
  const { run, busy, error, setError } = useAction(async () => {
    const body: Record<string, unknown> = {};
    if (name !== apiKey.name) body.name = name;
    if (description !== apiKey.description) body.description = description;
    if (apiKey.kind === "private_integration" && scopes.join(" ") !== apiKey.scopes.join(" "))
      body.scopes = scopes;
    const k = Object.keys(body).length
      ? await api.patch<Key>(`/api/keys/${encodeURIComponent(apiKey.id)}`, body)
      : apiKey;
    onSaved(k);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
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
        <p className="hint">Saving does not change the token: integrations keep working.</p>
        <ErrorText error={error && !error.hasFields ? error : null} />
      </form>
      <KeyDetails k={apiKey} />
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

// ── rotate ──

function RotateDialog({
  apiKey,
  onClose,
  onRotated,
}: {
  apiKey: Key;
  onClose: () => void;
  onRotated: (key: Key, token: string) => void;
}) {
  const [choice, setChoice] = useState<"later" | "now" | null>(null);
  const { run, busy, error } = useAction(async () => {
    const r = await api.post<{ key: Key; token: string }>(
      `/api/keys/${encodeURIComponent(apiKey.id)}/rotate`,
      {
        expireOldAfterSeconds: choice === "now" ? 0 : 7 * 86_400,
      },
    );
    onRotated(r.key, r.token);
  });
  if (!choice)
    return (
      <Modal
        title={`Rotate “${apiKey.name}”`}
        onClose={onClose}
        footer={
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        }
      >
        <p>Rotating gives this key a new token. Its name, scopes and settings stay the same.</p>
        <div className="choices">
          <button type="button" className="choice" onClick={() => setChoice("later")} data-autofocus>
            <strong>Rotate and expire this token later</strong>
            <span className="muted small">
              The current token keeps working for 7 days, so you have time to update your integrations.
            </span>
          </button>
          <button type="button" className="choice" onClick={() => setChoice("now")}>
            <strong>Rotate and expire this token now</strong>
            <span className="muted small">
              The current token stops working immediately. Use this if it may have leaked.
            </span>
          </button>
        </div>
        {apiKey.status === "expired" ? (
          <p className="hint">The key is expired: rotating makes it active with the new token.</p>
        ) : null}
      </Modal>
    );
  return (
    <Modal
      title={choice === "later" ? "Rotate and expire this token later?" : "Rotate and expire this token now?"}
      onClose={onClose}
      tone={choice === "now" ? "danger" : "normal"}
      footer={
        <>
          <button type="button" className="button" onClick={() => setChoice(null)} data-autofocus>
            Back
          </button>
          <button
            type="button"
            className={`button ${choice === "now" ? "button-danger" : "button-primary"}`}
            disabled={busy}
            onClick={() => void run()}
          >
            {busy ? "Rotating…" : choice === "later" ? "Rotate, expire in 7 days" : "Rotate, expire now"}
          </button>
        </>
      }
    >
      {choice === "later" ? (
        <p>
          A new token is created for <strong>{apiKey.name}</strong>. The current token{" "}
          <code>{apiKey.token}</code> keeps working for 7 days; after that only the new token works.
        </p>
      ) : (
        <p>
          A new token is created for <strong>{apiKey.name}</strong> and the current token{" "}
          <code>{apiKey.token}</code> <strong>stops working immediately</strong>. Every integration using it
          fails until you give it the new token.
        </p>
      )}
      <ErrorText error={error} />
    </Modal>
  );
}
