/**
 * The keys table: one row per key (with its rotation row while a rotation is pending), and the
 * buttons of the rows the viewer may manage. It only reports which action was asked for.
 */
import { Fragment } from "react";
import type { Key, Me } from "../../api";
import { date, dateTime, KIND_LABEL, nextActionWords, plural, STATUS_LABEL, timeOf } from "../../format";
import { canManage } from "../../session";
import { Sparkline, useSparklines } from "./KeyUsage";

/** What a row's buttons ask the page to open. */
export type KeyAction = {
  type: "edit" | "revoke" | "rotate" | "expire-now" | "cancel-rotation";
  key: Key;
};

interface RowProps {
  me: Me;
  onAction: (a: KeyAction) => void;
  onRefresh: (k: Key) => void;
  refreshing: boolean;
}

export function KeyTable({
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
  const sparks = useSparklines(keys);
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
                    <Sparkline data={sparks.get(k.id)} />
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
  onAction: (a: KeyAction) => void;
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
