/**
 * Settings → Company: Enhanced Account Security (turning it off takes a strongly-worded
 * confirmation), the inactivity policy, the e-mail digest subscription, the plan (read-only) and
 * the legacy-key rule.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useState } from "react";
import {
  ApiError,
  allUsers,
  api,
  type FieldIssue,
  type Forecast,
  type InactivityAction,
  type LegacyCreation,
  type Ok,
  type Policy,
  type Settings,
  type User,
} from "../api";
import { dateTime, plural } from "../format";
import type { View } from "../links";
import { useSession } from "../session";
import {
  Alert,
  ConfirmDialog,
  ErrorText,
  SelectField,
  Switch,
  TextField,
  useAction,
  useLoad,
  useToast,
} from "../ui";

const EAS_DESCRIPTION =
  "Recommended. Keeps API keys from being created or shown automatically: new locations get no legacy key, location API responses never contain a key, and the v1 user APIs are off.";

export function CompanyPage({ view }: { view: View }) {
  const { me } = useSession();
  // The settings document is an agency admin's (the API answers others 403): members see an overview.
  return me.permissions.changeAgencySettings ? (
    <CompanySettings view={view} />
  ) : (
    <CompanyOverview view={view} />
  );
}

function CompanyHead() {
  const { me } = useSession();
  return (
    <div className="page-head">
      <div>
        <h1 tabIndex={-1}>Company settings</h1>
        <p className="muted">{me.agency.name}</p>
      </div>
    </div>
  );
}

/** The Enhanced Account Security switch and, while it is off, the warning: read-only or an admin's. */
function EasSection({
  on,
  disabled,
  onChange,
  offAdvice,
  children,
}: {
  on: boolean;
  disabled: boolean;
  onChange: (next: boolean) => void;
  /** What the reader can do about it being off. */
  offAdvice: string;
  children?: ReactNode;
}) {
  const hint = useId();
  return (
    <section className="card" aria-labelledby="eas-title">
      <div className="setting-row">
        <div>
          <h2 id="eas-title">Enhanced Account Security</h2>
          <p id={hint} className="muted">
            {EAS_DESCRIPTION}
          </p>
        </div>
        <Switch
          label="Enhanced Account Security"
          describedBy={hint}
          checked={on}
          disabled={disabled}
          onChange={onChange}
        />
      </div>
      {on ? null : (
        <Alert tone="warning" title="Enhanced Account Security is off">
          Your locations are less protected. {offAdvice}
        </Alert>
      )}
      {children}
    </section>
  );
}

/**
 * For agency members who are not admins, read-only: whether Enhanced Account Security is on (from
 * /api/me) and the inactivity policy (from the forecast, which every agency member may read).
 */
function CompanyOverview({ view }: { view: View }) {
  const { me } = useSession();
  const forecast = useLoad(
    () =>
      api
        .get<Forecast>(`/api/agencies/${encodeURIComponent(view.accountId)}/forecast?sweeps=1`)
        .catch(() => null),
    [view.accountId],
  );
  return (
    <div className="page">
      <CompanyHead />
      <p className="muted">Only agency admins can see all of these settings and change them.</p>
      <EasSection
        on={me.agency.enhancedSecurity}
        disabled
        onChange={() => {}}
        offAdvice="Ask an agency admin to turn it back on."
      />
      {forecast.data ? (
        <PolicySection
          agencyId={view.accountId}
          policy={forecast.data.policy}
          overridden={false}
          admin={false}
          onSaved={() => {}}
        />
      ) : null}
      <PlanSection plan={me.agency.plan} />
    </div>
  );
}

function CompanySettings({ view }: { view: View }) {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const admin = me.permissions.changeAgencySettings;
  const settings = useLoad(
    () => api.get<Settings>(`/api/agencies/${encodeURIComponent(view.accountId)}/settings`),
    [view.accountId],
  );
  const [confirmOff, setConfirmOff] = useState(false);

  const patch = (body: Record<string, unknown>) =>
    api.patch<Settings>(`/api/agencies/${encodeURIComponent(view.accountId)}/settings`, body);

  const turnOn = useAction(async () => {
    settings.setData(await patch({ enhancedSecurity: true }));
    toast("Enhanced Account Security is on.");
    await reloadMe();
  });
  const legacy = useAction(async (value: LegacyCreation) => {
    settings.setData(await patch({ legacyCreation: value }));
    toast("Saved.");
  });

  const s = settings.data;
  return (
    <div className="page">
      <CompanyHead />
      {admin ? null : <p className="muted">Only agency admins can change these settings.</p>}
      <ErrorText error={settings.error} />
      {s ? (
        <>
          <EasSection
            on={s.enhancedSecurity}
            disabled={!admin || turnOn.busy}
            onChange={(next) => (next ? void turnOn.run() : setConfirmOff(true))}
            offAdvice="Turn it back on unless an old integration truly needs it."
          >
            <ErrorText error={turnOn.error} />
          </EasSection>

          <PolicySection
            agencyId={view.accountId}
            policy={s.policy}
            overridden={Boolean(s.policyOverride)}
            admin={admin}
            onSaved={(d) => settings.setData(d)}
          />

          <DigestSection
            agencyId={view.accountId}
            settings={s}
            admin={admin}
            onChanged={() => void settings.reload()}
          />

          <PlanSection plan={me.agency.plan} />

          <section className="card" aria-labelledby="legacy-title">
            <h2 id="legacy-title">Legacy v1 keys</h2>
            <p className="muted">
              Legacy keys are deprecated (end of support: {s.legacyEndOfSupport}). Existing ones keep working.
            </p>
            <SelectField
              label="Who may create new legacy keys"
              value={s.legacyCreation}
              disabled={!admin || legacy.busy}
              onChange={(e) => void legacy.run(e.target.value as LegacyCreation)}
              error={legacy.error?.detail}
            >
              <option value="existing_users">Only accounts that already have an active legacy key</option>
              <option value="disabled">Nobody</option>
            </SelectField>
          </section>
        </>
      ) : null}

      {confirmOff ? (
        <EasOffDialog
          onClose={() => setConfirmOff(false)}
          onConfirm={async () => {
            settings.setData(await patch({ enhancedSecurity: false, confirm: true }));
            toast("Enhanced Account Security is off. The other agency admins have been told.");
            await reloadMe();
          }}
        />
      ) : null}
    </div>
  );
}

/** What each plan allows (docs/spec.md §1). The plan is the deployment's to set, so it is shown, not offered. */
const PLANS = [
  { id: "starter", label: "Starter", agencyKeys: false },
  { id: "unlimited", label: "Unlimited", agencyKeys: false },
  { id: "agency_pro", label: "Agency Pro", agencyKeys: true },
];

function PlanSection({ plan }: { plan: string }) {
  const current = PLANS.find((p) => p.id === plan);
  const yes = (v: boolean) => (v ? "Yes" : "No");
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan</h2>
      <p>
        This agency is on <strong>{current?.label ?? plan}</strong>. Plans are set by whoever runs this
        Keyward deployment; ask them to change it.
      </p>
      <div className="table-wrap">
        <table className="table plan-table">
          <caption className="visually-hidden">What each plan allows</caption>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Location keys</th>
              <th scope="col">Agency keys</th>
              <th scope="col">OAuth 2.0 apps</th>
            </tr>
          </thead>
          <tbody>
            {PLANS.map((p) => (
              <tr key={p.id} aria-current={p.id === plan ? "true" : undefined}>
                <th scope="row" data-label="Plan">
                  {p.label}
                  {p.id === plan ? <span className="badge badge-info">Current</span> : null}
                </th>
                <td data-label="Location keys">Yes</td>
                <td data-label="Agency keys">{yes(p.agencyKeys)}</td>
                <td data-label="OAuth 2.0 apps">{yes(p.agencyKeys)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Below Agency Pro, agency keys cannot be created, and existing ones are suspended: calls with them are
        refused (plan_required) until the plan returns to Agency Pro, when they work again unchanged.
      </p>
    </section>
  );
}

function EasOffDialog({ onClose, onConfirm }: { onClose: () => void; onConfirm: () => Promise<void> }) {
  const [understood, setUnderstood] = useState(false);
  return (
    <ConfirmDialog
      title="Turn off Enhanced Account Security?"
      confirmLabel="Turn off Enhanced Account Security"
      danger
      confirmDisabled={!understood}
      onClose={onClose}
      onConfirm={onConfirm}
    >
      <Alert tone="error" title="This is strongly discouraged.">
        <ul>
          <li>Every new location will automatically get a legacy API key with full access to it.</li>
          <li>
            Location API responses will include those keys, so anything that can read a location can read its
            key.
          </li>
          <li>The v1 user APIs will let an API key create, change and delete users.</li>
        </ul>
      </Alert>
      <p>The change is recorded in the audit log and the other agency admins are told.</p>
      <label className="checkbox">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />I
        understand the risks and want to turn it off
      </label>
    </ConfirmDialog>
  );
}

function PolicySection({
  agencyId,
  policy,
  overridden,
  admin,
  onSaved,
}: {
  agencyId: string;
  policy: Policy | undefined;
  overridden: boolean;
  admin: boolean;
  onSaved: (s: Settings) => void;
}) {
  const toast = useToast();
  const [form, setForm] = useState(() => toForm(policy));
  useEffect(() => setForm(toForm(policy)), [policy]);
  const { run, busy, error } = useAction(async () => {
    if (!policy) return;
    // Whole numbers are checked here: an empty field must not be sent (null would reset it).
    const issues: FieldIssue[] = [];
    const whole = (field: keyof PolicyForm) => {
      const raw = String(form[field]).trim();
      if (!/^\d+$/.test(raw)) issues.push({ field: `policy.${field}`, message: "must be a whole number" });
      return Number(raw);
    };
    const leadParts = form.inAppLeadsDays.split(/[,\s]+/).filter(Boolean);
    if (leadParts.length === 0 || leadParts.some((x) => !/^\d+$/.test(x)))
      issues.push({
        field: "policy.inAppLeadsDays",
        message: "must be whole numbers of days, separated by commas",
      });
    const next: Policy = {
      inactivityDays: whole("inactivityDays"),
      action: form.action as InactivityAction,
      sweep: form.sweep.trim(),
      inAppLeadsDays: leadParts.map(Number),
      emailLeadDays: whole("emailLeadDays"),
      bannerHours: whole("bannerHours"),
    };
    if (issues.length) throw new ApiError(400, "validation_failed", "Some fields need a fix.", issues);
    // Only what changed is sent, so the other fields keep following the deployment default.
    const changed = Object.fromEntries(
      (Object.keys(next) as (keyof Policy)[])
        .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(policy[k]))
        .map((k) => [k, next[k]]),
    );
    if (Object.keys(changed).length === 0) {
      toast("Nothing to save: the policy is unchanged.");
      return;
    }
    onSaved(
      await api.patch<Settings>(`/api/agencies/${encodeURIComponent(agencyId)}/settings`, {
        policy: changed,
      }),
    );
    toast("Inactivity policy saved. Every key's next action follows it now.");
  });
  const reset = useAction(async () => {
    onSaved(
      await api.patch<Settings>(`/api/agencies/${encodeURIComponent(agencyId)}/settings`, { policy: null }),
    );
    toast("The inactivity policy is back to this deployment's default.");
  });
  if (!policy)
    return (
      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Inactivity policy</h2>
        <p className="muted">This server does not offer an agency inactivity policy.</p>
      </section>
    );
  const f = (name: string) => error?.field(`policy.${name}`);
  const set = (k: keyof PolicyForm) => (e: { target: { value: string } }) =>
    setForm((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  const fieldNamed = error?.issues.some((i) =>
    /^policy\.(inactivityDays|action|sweep|inAppLeadsDays|emailLeadDays|bannerHours)/.test(i.field),
  );
  return (
    <section className="card" aria-labelledby="policy-title">
      <h2 id="policy-title">Inactivity policy</h2>
      <p className="muted">
        Keys nobody uses are {policy.action === "expire" ? "expired" : "deleted"} at the first sweep after
        this many days, with in-app warnings and an e-mail digest first.
      </p>
      <form onSubmit={submit} noValidate className="grid-form">
        <TextField
          label="Days without use"
          type="number"
          min={1}
          value={form.inactivityDays}
          onChange={set("inactivityDays")}
          error={f("inactivityDays")}
          disabled={!admin}
        />
        <SelectField
          label="Then the key is"
          value={form.action}
          onChange={set("action")}
          error={f("action")}
          disabled={!admin}
          hint={
            form.action === "expire"
              ? "An expired key stops working; an admin can refresh it."
              : "A deleted key cannot be brought back."
          }
        >
          <option value="delete">Deleted</option>
          <option value="expire">Expired</option>
        </SelectField>
        <TextField
          label="Sweep schedule (cron, UTC)"
          value={form.sweep}
          onChange={set("sweep")}
          error={f("sweep")}
          hint="Default 0 0 1 1,4,7,10 * — the first day of each quarter."
          disabled={!admin}
        />
        <TextField
          label="In-app warnings (days before)"
          value={form.inAppLeadsDays}
          onChange={set("inAppLeadsDays")}
          error={f("inAppLeadsDays")}
          hint="Comma-separated, e.g. 15, 7, 1"
          disabled={!admin}
        />
        <TextField
          label="E-mail digest (days before)"
          type="number"
          min={0}
          value={form.emailLeadDays}
          onChange={set("emailLeadDays")}
          error={f("emailLeadDays")}
          disabled={!admin}
        />
        <TextField
          label="Banner (hours before)"
          type="number"
          min={0}
          value={form.bannerHours}
          onChange={set("bannerHours")}
          error={f("bannerHours")}
          disabled={!admin}
        />
        {error && !fieldNamed ? <ErrorText error={error} /> : null}
        {admin ? (
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? "Saving…" : "Save policy"}
            </button>
            {overridden ? (
              <button type="button" className="button" disabled={reset.busy} onClick={() => void reset.run()}>
                Use the deployment default
              </button>
            ) : null}
          </div>
        ) : null}
        <ErrorText error={reset.error} />
      </form>
    </section>
  );
}

type PolicyForm = ReturnType<typeof toForm>;

function toForm(p: Policy | undefined) {
  return {
    inactivityDays: String(p?.inactivityDays ?? 90),
    action: p?.action ?? "delete",
    sweep: p?.sweep ?? "0 0 1 1,4,7,10 *",
    inAppLeadsDays: (p?.inAppLeadsDays ?? [15, 7, 1]).join(", "),
    emailLeadDays: String(p?.emailLeadDays ?? 15),
    bannerHours: String(p?.bannerHours ?? 24),
  };
}

type OutboxEmail = Ok<"/api/agencies/{agencyId}/outbox", "get">["emails"][number];

function DigestSection({
  agencyId,
  settings,
  admin,
  onChanged,
}: {
  agencyId: string;
  settings: Settings;
  admin: boolean;
  onChanged: () => void;
}) {
  const { me, reloadMe } = useSession();
  const toast = useToast();
  const digest = settings.digest;
  const id = encodeURIComponent(agencyId);
  const extra = useLoad(async () => {
    const [users, outbox] = await Promise.all([
      allUsers(agencyId)
        .then((users) => ({ users }))
        .catch(() => ({ users: [] as User[] })),
      admin
        ? api
            .get<{ emails: OutboxEmail[] }>(`/api/agencies/${id}/outbox`)
            .catch(() => ({ emails: [] as OutboxEmail[] }))
        : Promise.resolve({ emails: [] as OutboxEmail[] }),
    ]);
    return { users: users.users, emails: outbox.emails };
  }, [id, settings]);
  const toggle = useAction(async (on: boolean) => {
    await api.patch<User>(`/api/users/${encodeURIComponent(me.user.id)}`, { digestOptOut: !on });
    await reloadMe();
    onChanged();
    toast(
      on ? "You will get the inactivity digest by e-mail." : "You will no longer get the inactivity digest.",
    );
  });
  if (!digest) return null;
  const admins = (extra.data?.users ?? []).filter(
    (u) => u.type === "agency" && u.role === "admin" && !u.disabled,
  );
  const recent = (extra.data?.emails ?? []).slice(0, 5);
  const hint = "digest-hint";
  return (
    <section className="card" aria-labelledby="digest-title">
      <h2 id="digest-title">Inactivity e-mail digest</h2>
      <p className="muted" id={hint}>
        Before keys are removed, every subscribed agency admin gets one e-mail listing every key concerned,
        across the agency and its locations.
      </p>
      {digest.noSubscriber ? (
        <Alert tone="warning" title="Nobody is subscribed to the digest">
          No agency admin will be e-mailed before keys are removed. In-app warnings still appear, but
          subscribe at least one admin.
        </Alert>
      ) : null}
      {admins.length ? (
        <ul className="digest-admins">
          {admins.map((u) => (
            <li key={u.id}>
              <span>
                {u.name} <span className="muted small">({u.email})</span>
              </span>
              {u.id === me.user.id ? (
                <Switch
                  label="E-mail me the digest"
                  describedBy={hint}
                  checked={!me.user.digestOptOut}
                  disabled={toggle.busy}
                  onChange={(v) => void toggle.run(v)}
                />
              ) : (
                <span className={`badge ${u.digestOptOut ? "" : "badge-active"}`}>
                  {u.digestOptOut ? "Not subscribed" : "Subscribed"}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p>{plural(digest.subscribedAdmins, "agency admin")} subscribed.</p>
      )}
      <p className="muted small">Each admin can subscribe or unsubscribe themselves here.</p>
      <ErrorText error={toggle.error} />
      {recent.length ? (
        <>
          <h3>Recent e-mails</h3>
          <ul className="outbox">
            {recent.map((m) => (
              <li key={m.id} className={m.status === "failed" ? "outbox-failed" : undefined}>
                <span
                  className={`badge ${m.status === "sent" ? "badge-active" : m.status === "failed" ? "badge-revoked" : "badge-info"}`}
                >
                  {m.status === "sent" ? "Sent" : m.status === "failed" ? "Failed" : "Waiting"}
                </span>{" "}
                {m.subject}{" "}
                <span className="muted small">
                  to {m.to.join(", ")} · {dateTime(m.createdAt)}
                </span>
                {m.lastError && m.status !== "sent" ? (
                  <span className="error-text block small">{m.lastError}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
