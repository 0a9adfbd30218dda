/**
 * Webhooks (agency admins): the agency's endpoints, creating one (its secret shown once), enabling
 * and disabling, rotating the secret, a test event, and per endpoint the delivery log with replay of
 * one delivery or of everything since a time.
 */
import { type FormEvent, useState } from "react";
import { api, type WebhookDelivery, type WebhookEndpoint } from "../api";
import { dateTime } from "../format";
import type { View } from "../links";
import {
  ErrorText,
  Modal,
  SelectField,
  Switch,
  TextArea,
  TextField,
  useAction,
  useLoad,
  useToast,
} from "../ui";
import { TokenReveal } from "./keys/TokenReveal";

const EVENTS = [
  "key.created",
  "key.updated",
  "key.rotated",
  "key.revoked",
  "key.expired",
  "key.deleted",
  "key.refreshed",
  "key.inactivity_warning",
  "key.kept",
  "key.lifetime_ending",
  "key.leaked",
  "key.rate_limited",
  "settings.security_changed",
  "plan.changed",
] as const;

type Shown = { endpoint: WebhookEndpoint; secret: string };

export function WebhooksPage({ view }: { view: View }) {
  const base = `/api/agencies/${encodeURIComponent(view.accountId)}/webhooks`;
  const list = useLoad(() => api.get<{ endpoints: WebhookEndpoint[] }>(base), [base]);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const endpoints = list.data?.endpoints ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Webhooks</h1>
          <p className="muted">
            Keyward POSTs signed events (Standard Webhooks) to these HTTPS endpoints when keys and settings
            change. At most 20 endpoints.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          Add endpoint
        </button>
      </div>
      <ErrorText error={list.error} />
      {endpoints.length === 0 && !list.loading ? <p className="muted">No endpoints yet.</p> : null}
      {endpoints.map((e) => (
        <EndpointCard
          key={e.id}
          endpoint={e}
          open={open === e.id}
          onToggle={() => setOpen(open === e.id ? null : e.id)}
          onChanged={() => void list.reload()}
          onSecret={setShown}
        />
      ))}
      {creating ? (
        <CreateEndpoint
          base={base}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setShown(s);
            void list.reload();
          }}
        />
      ) : null}
      {shown ? (
        <Modal title="Signing secret" onClose={() => setShown(null)}>
          <TokenReveal
            token={shown.secret}
            label={shown.endpoint.scheme === "ed25519" ? "Public key (whpk_…)" : "Signing secret (whsec_…)"}
            warning={{
              title: "Copy this secret now",
              text:
                shown.endpoint.scheme === "ed25519"
                  ? "Receivers verify signatures with this public key. It stays downloadable from the endpoint."
                  : "This is the only time it is shown. Receivers verify signatures with it. If you lose it, rotate the secret.",
            }}
          />
        </Modal>
      ) : null}
    </div>
  );
}

function CreateEndpoint({
  base,
  onClose,
  onCreated,
}: {
  base: string;
  onClose: () => void;
  onCreated: (s: Shown) => void;
}) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [scheme, setScheme] = useState<"hmac" | "ed25519">("hmac");
  const [events, setEvents] = useState<string[]>(["key.revoked"]);
  const create = useAction(async () => {
    const r = await api.post<Shown>(base, { url, events, description, scheme });
    onCreated(r);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  return (
    <Modal title="Add a webhook endpoint" onClose={onClose} variant="sidebar">
      <form onSubmit={submit} aria-label="New webhook endpoint">
        <TextField
          label="URL"
          value={url}
          placeholder="https://example.com/keyward-events"
          onChange={(e) => setUrl(e.target.value)}
          error={
            create.error?.field("body.url") ??
            (create.error?.code?.startsWith("webhook_url") ? create.error.message : undefined)
          }
          required
        />
        <TextArea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={create.error?.field("body.description")}
          rows={2}
        />
        <SelectField
          label="Signature scheme"
          value={scheme}
          onChange={(e) => setScheme(e.target.value as "hmac")}
        >
          <option value="hmac">HMAC-SHA256 (shared secret)</option>
          <option value="ed25519">Ed25519 (public key)</option>
        </SelectField>
        <fieldset className="field">
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <label key={ev} className="checkbox">
              <input
                type="checkbox"
                checked={events.includes(ev)}
                onChange={(e) =>
                  setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))
                }
              />{" "}
              {ev}
            </label>
          ))}
        </fieldset>
        <ErrorText error={create.error?.code?.startsWith("webhook_url") ? null : create.error} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={create.busy}>
            Create endpoint
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

function EndpointCard({
  endpoint: e,
  open,
  onToggle,
  onChanged,
  onSecret,
}: {
  endpoint: WebhookEndpoint;
  open: boolean;
  onToggle: () => void;
  onChanged: () => void;
  onSecret: (s: Shown) => void;
}) {
  const path = `/api/webhooks/${encodeURIComponent(e.id)}`;
  const toast = useToast();
  const [logKey, setLogKey] = useState(0);
  const toggle = useAction(async (enabled: boolean) => {
    await api.patch(path, { enabled });
    onChanged();
  });
  const test = useAction(async () => {
    await api.post(`${path}/test`);
    toast("Test event queued.");
    setLogKey((k) => k + 1);
  });
  const rotate = useAction(async () => onSecret(await api.post<Shown>(`${path}/rotate-secret`)));
  const remove = useAction(async () => {
    await api.del(path);
    onChanged();
  });
  const downloadKey = () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([`${e.publicKey}\n`], { type: "text/plain" }));
    a.download = `${e.id}.whpk.txt`;
    a.click();
  };
  return (
    <section className="card webhook" aria-label={`Endpoint ${e.url}`}>
      <div className="webhook-head">
        <div>
          <p className="webhook-url">
            <strong>{e.url}</strong>{" "}
            <span className={`badge ${e.enabled ? "badge-active" : "badge-warning"}`}>
              {e.enabled
                ? "Enabled"
                : `Disabled${e.disabledReason && e.disabledReason !== "manual" ? ` (${e.disabledReason === "gone" ? "410 Gone" : "failing for 5 days"})` : ""}`}
            </span>
          </p>
          {e.description ? <p className="muted">{e.description}</p> : null}
          <p className="small">
            {e.scheme === "ed25519" ? "Ed25519" : "HMAC-SHA256"} · {e.events.join(", ")}
            {e.failingSince ? ` · failing since ${dateTime(e.failingSince)}` : ""}
            {e.previousSecretUntil ? ` · previous secret signs until ${dateTime(e.previousSecretUntil)}` : ""}
          </p>
        </div>
        <Switch checked={e.enabled} label={`Enabled: ${e.url}`} onChange={(v) => void toggle.run(v)} />
      </div>
      <div className="form-actions">
        <button
          type="button"
          className="button button-small"
          onClick={() => void test.run()}
          disabled={!e.enabled}
        >
          Send test event
        </button>
        <button type="button" className="button button-small" onClick={onToggle} aria-expanded={open}>
          {open ? "Hide deliveries" : "Deliveries"}
        </button>
        <button type="button" className="button button-small" onClick={() => void rotate.run()}>
          Rotate secret
        </button>
        {e.publicKey ? (
          <button type="button" className="button button-small" onClick={downloadKey}>
            Download public key
          </button>
        ) : null}
        <button
          type="button"
          className="button button-small button-danger-outline"
          onClick={() => void remove.run()}
        >
          Delete
        </button>
      </div>
      <ErrorText error={toggle.error ?? test.error ?? rotate.error ?? remove.error} />
      {open ? <Deliveries key={logKey} path={path} enabled={e.enabled} /> : null}
    </section>
  );
}

function Deliveries({ path, enabled }: { path: string; enabled: boolean }) {
  const log = useLoad(
    () => api.get<{ deliveries: WebhookDelivery[] }>(`${path}/deliveries?limit=50`),
    [path],
  );
  const [since, setSince] = useState("");
  const toast = useToast();
  const replay = useAction(async (body: { deliveryId?: string; since?: string }) => {
    const r = await api.post<{ deliveries: WebhookDelivery[] }>(`${path}/replay`, body);
    toast(`${r.deliveries.length} ${r.deliveries.length === 1 ? "delivery" : "deliveries"} queued again.`);
    void log.reload();
  });
  const rows = log.data?.deliveries ?? [];
  return (
    <div className="webhook-deliveries">
      <form
        className="filters"
        aria-label="Replay since"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (since) void replay.run({ since: new Date(since).toISOString() });
        }}
      >
        <TextField
          label="Replay everything since"
          type="datetime-local"
          value={since}
          onChange={(ev) => setSince(ev.target.value)}
        />
        <div className="form-actions">
          <button type="submit" className="button button-small" disabled={!enabled || !since}>
            Replay since
          </button>
          <button type="button" className="button button-small" onClick={() => void log.reload()}>
            Refresh
          </button>
        </div>
      </form>
      <ErrorText error={log.error ?? replay.error} />
      {rows.length === 0 && !log.loading ? <p className="muted">No deliveries yet.</p> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label="Deliveries">
            <thead>
              <tr>
                <th>Event</th>
                <th>Queued</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Response</th>
                <th>Duration</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td>{d.eventType}</td>
                  <td>{dateTime(d.createdAt)}</td>
                  <td>
                    <span
                      className={`badge ${d.status === "succeeded" ? "badge-active" : d.status === "failed" ? "badge-expired" : ""}`}
                    >
                      {d.status}
                    </span>
                    {d.nextAttemptAt && d.status === "pending" && d.attempts > 0 ? (
                      <span className="small"> next {dateTime(d.nextAttemptAt)}</span>
                    ) : null}
                  </td>
                  <td>{d.attempts}</td>
                  <td>
                    {d.responseStatus ?? "—"}{" "}
                    <code className="small">{(d.responseBody ?? d.lastError ?? "").slice(0, 80)}</code>
                  </td>
                  <td>{d.durationMs !== null ? `${d.durationMs} ms` : "—"}</td>
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={!enabled}
                      onClick={() => void replay.run({ deliveryId: d.id })}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
