/**
 * A key's traffic (docs/traffic-policy.md): its limits with what remains of them, a 30-day chart of
 * uses and refusals by code with a table as its text alternative, and the listing's sparklines.
 * The charts are SVG drawn to their container's width, so they read at phone width too.
 */
import { useEffect, useState } from "react";
import { api, type Key, qs } from "../../api";

type UsageDay = { day: string; count: number; codes: Record<string, number> };
type LimitStatus = {
  name: string;
  owner: "key" | "location" | "agency";
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
  mode: "local" | "strict";
};
type Spark = { uses: number[]; refusals: number[] };

const DAYS = 30;
const n = (x: number) => x.toLocaleString();

function windowWords(s: number): string {
  if (s % 86_400 === 0) return s === 86_400 ? "day" : `${s / 86_400} days`;
  if (s % 3_600 === 0) return s === 3_600 ? "hour" : `${s / 3_600} hours`;
  if (s % 60 === 0) return s === 60 ? "minute" : `${s / 60} minutes`;
  return s === 1 ? "second" : `${s} seconds`;
}

/** The last `DAYS` UTC days up to the server's today, oldest first. */
function lastDays(todayDay: string): string[] {
  const today = Date.parse(`${todayDay}T00:00:00Z`);
  return Array.from({ length: DAYS }, (_, i) =>
    new Date(today - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

export function KeyUsage({ apiKey }: { apiKey: Key }) {
  const [days, setDays] = useState<UsageDay[] | null>(null);
  const [today, setToday] = useState("");
  const [limits, setLimits] = useState<LimitStatus[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const id = encodeURIComponent(apiKey.id);
    let live = true;
    Promise.all([
      api.get<{ days: UsageDay[]; today: string }>(`/api/keys/${id}/usage${qs({ days: DAYS })}`),
      api.get<{ limits: LimitStatus[] }>(`/api/keys/${id}/rate-limits`),
    ]).then(
      ([u, l]) => {
        if (!live) return;
        setDays(u.days);
        setToday(u.today);
        setLimits(l.limits);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [apiKey.id]);
  if (failed) return <p className="muted">Usage could not be loaded.</p>;
  if (!days || !limits) return <p className="muted">Loading usage…</p>;
  return (
    <section className="key-usage" aria-labelledby="key-usage-title">
      <h3 id="key-usage-title">Limits</h3>
      {limits.length === 0 ? (
        <p className="muted">No rate limit applies to this key.</p>
      ) : (
        <ul className="limits-list">
          {limits.map((l) => (
            <li key={l.name}>
              <strong>{l.name}</strong>: {n(l.remaining)} of {n(l.limit)} left per{" "}
              {windowWords(l.windowSeconds)}
              {l.owner !== "key" ? <span className="muted"> (shared by the {l.owner}'s keys)</span> : null}
              {l.mode === "strict" ? <span className="muted"> · strict</span> : null}
            </li>
          ))}
        </ul>
      )}
      <p className="muted small">
        {apiKey.rateLimits ? "This key has its own limits." : "The defaults apply (see the agency settings)."}
      </p>
      <h3>Last {DAYS} days</h3>
      <UsageChart days={days} today={today} />
    </section>
  );
}

/** Stacked bars per day: valid verifications, then each refusal code; the table below says the same in words. */
function UsageChart({ days, today }: { days: UsageDay[]; today: string }) {
  const all = lastDays(today);
  const byDay = new Map(days.map((d) => [d.day, d]));
  const codes = [...new Set(days.flatMap((d) => Object.keys(d.codes)))].sort((a, b) =>
    a === "valid" ? -1 : b === "valid" ? 1 : a < b ? -1 : 1,
  );
  const totals = all.map((d) => Object.values(byDay.get(d)?.codes ?? {}).reduce((s, x) => s + x, 0));
  const max = Math.max(1, ...totals);
  const sum = (code: string) => days.reduce((s, d) => s + (d.codes[code] ?? 0), 0);
  const summary =
    codes.length === 0
      ? `No verification in the last ${DAYS} days.`
      : `Last ${DAYS} days: ${codes.map((c) => `${n(sum(c))} ${c}`).join(", ")}.`;
  const W = 300;
  const H = 80;
  const bw = W / all.length;
  return (
    <figure className="usage-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={summary} preserveAspectRatio="none">
        {all.map((day, i) => {
          let y = H;
          return codes.map((code) => {
            const v = byDay.get(day)?.codes[code] ?? 0;
            if (v === 0) return null;
            const h = (v / max) * H;
            y -= h;
            return (
              <rect
                key={`${day}-${code}`}
                x={i * bw + 0.5}
                y={y}
                width={Math.max(1, bw - 1)}
                height={h}
                className={code === "valid" ? "bar-valid" : "bar-refused"}
              >
                <title>{`${day}: ${n(v)} ${code}`}</title>
              </rect>
            );
          });
        })}
      </svg>
      <figcaption className="small">
        {summary} <span className="legend-valid">■ valid</span>{" "}
        <span className="legend-refused">■ refused</span>
      </figcaption>
      <details>
        <summary>Table of the days with traffic</summary>
        <table className="table small">
          <caption className="visually-hidden">Verifications per day by code</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Uses</th>
              {codes.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{n(d.count)}</td>
                {codes.map((c) => (
                  <td key={c}>{n(d.codes[c] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** The listing's daily valid verifications and refusals per key, for the keys shown (one request per table). */
export function useSparklines(keys: Key[]): Map<string, Spark> {
  const [data, setData] = useState(new Map<string, Spark>());
  const first = keys[0];
  const oneLocation = first?.locationId != null && keys.every((k) => k.locationId === first.locationId);
  const account = first ? (oneLocation ? first.locationId! : first.agencyId) : null;
  const withLocations = !oneLocation && keys.some((k) => k.locationId !== null);
  const ids = keys.map((k) => k.id).join(",");
  useEffect(() => {
    if (!account || !ids) return;
    let live = true;
    api
      .get<{ keys: ({ keyId: string } & Spark)[] }>(
        `/api/accounts/${encodeURIComponent(account)}/usage${qs({ days: DAYS, includeLocations: withLocations && "true" })}`,
      )
      .then(
        (r) => live && setData(new Map(r.keys.map((k) => [k.keyId, k]))),
        () => {}, // the sparklines are extra: the table stands without them
      );
    return () => {
      live = false;
    };
  }, [account, withLocations, ids]);
  return data;
}

export function Sparkline({ data }: { data: Spark | undefined }) {
  if (!data) return null;
  const uses = data.uses.reduce((s, x) => s + x, 0);
  const refusals = data.refusals.reduce((s, x) => s + x, 0);
  const label = `${n(uses)} uses and ${n(refusals)} refusals in the last ${DAYS} days`;
  if (uses + refusals === 0) return <span className="muted small block">No use in {DAYS} days</span>;
  const max = Math.max(1, ...data.uses.map((u, i) => u + (data.refusals[i] ?? 0)));
  const W = 60;
  const H = 16;
  const step = W / Math.max(1, data.uses.length - 1);
  const line = (v: number[]) =>
    v.map((x, i) => `${(i * step).toFixed(1)},${(H - (x / max) * H).toFixed(1)}`).join(" ");
  return (
    <svg
      className="sparkline block"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <polyline points={line(data.uses)} className="spark-valid" fill="none" />
      {refusals > 0 ? <polyline points={line(data.refusals)} className="spark-refused" fill="none" /> : null}
    </svg>
  );
}
