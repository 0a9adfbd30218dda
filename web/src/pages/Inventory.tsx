/**
 * Inventory: every key of the agency and its locations with its days inactive and next action, a
 * chart of keys by days inactive (threshold marked, the next sweep's casualties in red) and a CSV
 * export of the same rows.
 */
import { useMemo } from "react";
import { allKeys, api, type Forecast, type InactivityAction, type Key, type Settings } from "../api";
import {
  actionVerb,
  date,
  dateTime,
  KIND_LABEL,
  nextActionWords,
  plural,
  STATUS_LABEL,
  toCsv,
} from "../format";
import { keysLink, type View } from "../links";
import { Link } from "../router";
import { useSession } from "../session";
import { ErrorText, useLoad } from "../ui";
import { UnusedInstalls } from "./Installs";

interface Data {
  keys: Key[];
  forecast: Forecast | null;
  settings: Settings | null;
}

export function InventoryPage({ view }: { view: View }) {
  const { me } = useSession();
  const data = useLoad<Data>(async () => {
    const id = encodeURIComponent(view.accountId);
    const [keys, forecast, settings] = await Promise.all([
      allKeys(view.accountId),
      api.get<Forecast>(`/api/agencies/${id}/forecast`).catch(() => null),
      // The settings are an agency admin's (403 for others): the forecast carries the policy too.
      me.permissions.changeAgencySettings
        ? api.get<Settings>(`/api/agencies/${id}/settings`).catch(() => null)
        : Promise.resolve(null),
    ]);
    return { keys, forecast, settings };
  }, [view.accountId]);

  const keys = useMemo(
    () =>
      [...(data.data?.keys ?? [])].sort(
        (a, b) => b.daysInactive - a.daysInactive || a.name.localeCompare(b.name),
      ),
    [data.data],
  );
  const threshold =
    data.data?.forecast?.policy.inactivityDays ?? data.data?.settings?.policy?.inactivityDays ?? 90;
  const action = data.data?.forecast?.policy.action ?? data.data?.settings?.policy?.action ?? "delete";
  const forecast = data.data?.forecast ?? null;
  // The next sweep is the next instant of the schedule, whether or not it touches a key; keys whose
  // action is already due (a sweep being caught up) go with it. Later sweeps are only a forecast.
  const nextAt = forecast?.nextSweepAt ?? null;
  const sweeps = forecast?.sweeps ?? [];
  const nextKeys = sweeps.filter((s) => nextAt !== null && s.at <= nextAt).flatMap((s) => s.keys);
  const later = sweeps.filter((s) => nextAt !== null && s.at > nextAt && s.keys.length > 0);
  const casualties = new Set(nextKeys.map((k) => k.id));
  const laterIds = new Set(later.flatMap((s) => s.keys.map((k) => k.id)));
  const reasons = new Map(sweeps.flatMap((s) => s.keys.map((k) => [k.id, k.reason] as const)));
  const accountName = (k: Key) =>
    k.locationId
      ? (me.locations.find((l) => l.id === k.locationId)?.name ?? k.locationId)
      : `${me.agency.name} (agency)`;

  const exportCsv = () => {
    const rows: unknown[][] = [
      [
        "id",
        "name",
        "account",
        "account_id",
        "kind",
        "status",
        "scopes",
        "created_at",
        "created_by",
        "last_used_at",
        "days_inactive",
        "next_action",
        "next_action_at",
      ],
      ...keys.map((k) => [
        k.id,
        k.name,
        accountName(k),
        k.locationId ?? k.agencyId,
        k.kind,
        k.status,
        k.scopes.join(" "),
        k.createdAt,
        k.createdBy?.email ?? "",
        k.lastUsed?.at ?? "",
        k.daysInactive,
        k.status === "active" ? (k.nextAction?.action ?? "") : "",
        k.status === "active" ? (k.nextAction?.at ?? "") : "",
      ]),
    ];
    const blob = new Blob([toCsv(rows)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    const day = (data.data?.forecast?.generatedAt ?? new Date().toISOString()).slice(0, 10);
    a.download = `keyward-inventory-${day}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Inventory</h1>
          <p className="muted">
            Every key of {me.agency.name} and its locations. Keys unused for {plural(threshold, "day")} are{" "}
            {actionVerb(action, "past")} at the first sweep after that which leaves time for their warnings.
            Red: the next sweep; amber: a later one, if they stay unused.
          </p>
        </div>
        <button type="button" className="button" onClick={exportCsv} disabled={!data.data}>
          Export CSV
        </button>
      </div>
      <ErrorText error={data.error} />
      {data.loading && !data.data ? <p role="status">Loading…</p> : null}
      {data.data ? (
        <>
          <section aria-labelledby="sweep-title" className="card">
            <h2 id="sweep-title">Next sweep{nextAt ? `: ${date(nextAt)}` : ""}</h2>
            {nextAt ? (
              nextKeys.length ? (
                <>
                  <p className="sweep-summary">
                    On <strong>{dateTime(nextAt)}</strong>, {plural(nextKeys.length, "key")} of{" "}
                    {me.agency.name} and its locations will {actionVerb(action)} unless used before then:
                  </p>
                  <ul className="casualties">
                    {nextKeys.map((k) => (
                      <li key={k.id} data-key-id={k.id}>
                        <Link to={keysLink(me, k.accountId, [k.id])}>{k.name}</Link>{" "}
                        <span className="muted small">
                          (
                          {k.accountId === me.agency.id
                            ? "agency"
                            : (me.locations.find((l) => l.id === k.accountId)?.name ?? k.accountId)}
                          {k.warned ? ", warned" : ""}) {k.reason}
                        </span>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p className="sweep-summary">
                  The next sweep, on <strong>{dateTime(nextAt)}</strong>, will not touch any key of{" "}
                  {me.agency.name} or its locations.
                </p>
              )
            ) : (
              <p className="muted">No forecast is available from this server.</p>
            )}
            {later.length ? (
              <p className="muted small later-sweeps">
                Later, if they stay unused:{" "}
                {later.map((s, i) => (
                  <span key={s.at}>
                    {i ? "; " : ""}
                    {plural(s.keys.length, "key")} at the sweep of {date(s.at)}
                  </span>
                ))}
                .
              </p>
            ) : null}
            <InactivityChart
              keys={keys.filter((k) => k.status === "active")}
              threshold={threshold}
              casualties={casualties}
              later={laterIds}
            />
          </section>
          <section aria-labelledby="all-keys-title">
            <h2 id="all-keys-title">All keys ({keys.length})</h2>
            {keys.length === 0 ? (
              <p className="empty">No keys yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="table inventory-table">
                  <caption className="visually-hidden">All keys, most inactive first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Account</th>
                      <th scope="col">Type</th>
                      <th scope="col">Status</th>
                      <th scope="col">Last used</th>
                      <th scope="col" className="num">
                        Days inactive
                      </th>
                      <th scope="col">Next action</th>
                    </tr>
                  </thead>
                  <tbody>
                    {keys.map((k) => (
                      <tr
                        key={k.id}
                        data-key-id={k.id}
                        className={
                          casualties.has(k.id) ? "casualty" : laterIds.has(k.id) ? "due-later" : undefined
                        }
                      >
                        <th scope="row" data-label="Name">
                          <Link to={keysLink(me, k.locationId ?? k.agencyId, [k.id])}>{k.name}</Link>
                        </th>
                        <td data-label="Account">{accountName(k)}</td>
                        <td data-label="Type">{KIND_LABEL[k.kind]}</td>
                        <td data-label="Status">
                          <span className={`badge badge-${k.status}`}>{STATUS_LABEL[k.status]}</span>
                        </td>
                        <td data-label="Last used">
                          {k.lastUsed ? date(k.lastUsed.at) : <span className="muted">Never</span>}
                        </td>
                        <td data-label="Days inactive" className="num">
                          {k.daysInactive}
                        </td>
                        <td data-label="Next action">
                          {k.status === "expired" ? (
                            "Expired: refresh or rotate to use"
                          ) : nextActionWords(k) ? (
                            <>
                              {nextActionWords(k)}
                              <span className="muted small block why">
                                {reasons.get(k.id) ?? whyWords(k, threshold, action)}
                              </span>
                            </>
                          ) : (
                            <span className="muted">Nothing planned</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          {me.permissions.changeAgencySettings ? <UnusedInstalls agencyId={view.accountId} /> : null}
        </>
      ) : null}
    </div>
  );
}

/** Keys by days inactive, in bins; the threshold as a dashed line; the next sweep's keys in red. */
function InactivityChart({
  keys,
  threshold,
  casualties,
  later,
}: {
  keys: Key[];
  threshold: number;
  casualties: Set<string>;
  later: Set<string>;
}) {
  const maxDays = Math.max(threshold + 30, ...keys.map((k) => k.daysInactive + 1));
  const binWidth = maxDays <= 150 ? 10 : maxDays <= 400 ? 30 : Math.ceil(maxDays / 12 / 10) * 10;
  const binCount = Math.ceil(maxDays / binWidth);
  const bins = Array.from({ length: binCount }, (_, i) => ({
    from: i * binWidth,
    safe: 0,
    later: 0,
    doomed: 0,
  }));
  for (const k of keys) {
    const b = bins[Math.min(binCount - 1, Math.floor(k.daysInactive / binWidth))]!;
    if (casualties.has(k.id)) b.doomed++;
    else if (later.has(k.id)) b.later++;
    else b.safe++;
  }
  const maxCount = Math.max(1, ...bins.map((b) => b.safe + b.later + b.doomed));
  const W = 640;
  const H = 220;
  const pad = { l: 36, r: 12, t: 24, b: 40 };
  const cw = W - pad.l - pad.r;
  const ch = H - pad.t - pad.b;
  const x = (days: number) => pad.l + (days / (binCount * binWidth)) * cw;
  const y = (n: number) => pad.t + ch - (n / maxCount) * ch;
  const ticks =
    maxCount <= 5
      ? Array.from({ length: maxCount + 1 }, (_, i) => i)
      : [0, Math.round(maxCount / 2), maxCount];
  const doomedTotal = bins.reduce((s, b) => s + b.doomed, 0);
  const laterTotal = bins.reduce((s, b) => s + b.later, 0);
  const summary = `${plural(keys.length, "active key")}; ${keys.filter((k) => k.daysInactive >= threshold).length} inactive for ${plural(threshold, "day")} or more; ${doomedTotal} at the next sweep; ${laterTotal} at a later sweep if still unused.`;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="chart-title">Active keys by days inactive</title>
        <desc id="chart-desc">{summary}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="chart-label">
              {t}
            </text>
          </g>
        ))}
        {bins.map((b) => {
          const bx = x(b.from) + 2;
          const bw = Math.max(1, x(b.from + binWidth) - x(b.from) - 4);
          return (
            <g key={b.from}>
              {b.safe ? (
                <rect x={bx} width={bw} y={y(b.safe)} height={y(0) - y(b.safe)} className="bar-safe" />
              ) : null}
              {b.later ? (
                <rect
                  x={bx}
                  width={bw}
                  y={y(b.safe + b.later)}
                  height={y(b.safe) - y(b.safe + b.later)}
                  className="bar-later"
                />
              ) : null}
              {b.doomed ? (
                <rect
                  x={bx}
                  width={bw}
                  y={y(b.safe + b.later + b.doomed)}
                  height={y(b.safe + b.later) - y(b.safe + b.later + b.doomed)}
                  className="bar-doomed"
                />
              ) : null}
            </g>
          );
        })}
        <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} className="chart-axis" />
        {bins.map((b, i) =>
          i % Math.ceil(binCount / 8) === 0 ? (
            <text key={b.from} x={x(b.from)} y={H - pad.b + 16} textAnchor="middle" className="chart-label">
              {b.from}
            </text>
          ) : null,
        )}
        <text x={pad.l + cw / 2} y={H - 6} textAnchor="middle" className="chart-label">
          days inactive
        </text>
        <line x1={x(threshold)} x2={x(threshold)} y1={pad.t - 8} y2={y(0)} className="chart-threshold" />
        <text x={x(threshold) + 4} y={pad.t - 10} className="chart-threshold-label">
          {plural(threshold, "day")}
        </text>
      </svg>
      <figcaption className="chart-legend">
        <span>
          <span className="swatch swatch-safe" aria-hidden="true" /> kept
        </span>
        <span>
          <span className="swatch swatch-later" aria-hidden="true" /> at a later sweep if still unused
        </span>
        <span>
          <span className="swatch swatch-doomed" aria-hidden="true" /> at the next sweep
        </span>
        <span>
          <span className="swatch swatch-threshold" aria-hidden="true" /> inactivity threshold (
          {plural(threshold, "day")})
        </span>
        <span className="visually-hidden">{summary}</span>
      </figcaption>
    </figure>
  );
}

/**
 * Why an active key's action falls where it does, for keys beyond the forecast's sweeps (the
 * server explains those within them): "Unused since 3 Aug 2026; 90 days without use on 1 Nov 2026;
 * deleted at the sweep of 1 Jan 2027 if still unused."
 */
function whyWords(k: Key, threshold: number, action: InactivityAction): string {
  if (!k.nextAction) return "";
  const since = Date.parse(k.lastActivityAt);
  const due = new Date(since + threshold * 86_400_000).toISOString();
  return `Unused since ${date(k.lastActivityAt)}; ${plural(threshold, "day")} without use on ${date(due)}; ${actionVerb(action, "past")} at the sweep of ${date(k.nextAction.at)} if still unused.`;
}
