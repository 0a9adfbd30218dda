/**
 * The keys table: one row per key (with its rotation row while a rotation is pending), and the
 * buttons of the rows the viewer may manage. It only reports which action was asked for.
 */
import { Fragment } from "react";
import type { Key, Me } from "../../api";
import { date, dateTime, KIND_LABEL, nextActionWords, plural, STATUS_LABEL, timeOf } from "../../format";
import { RowMenu } from "../../Menu";
import { canManage } from "../../session";
import { Sparkline, useSparklines } from "./KeyUsage";

/** What a row's buttons ask the page to open. */
export type KeyAction = {
  type: "edit" | "revoke" | "rotate" | "expire-now" | "cancel-rotation" | "keep" | "report-leak";
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
  onCreate,
  createLabel = "Create your first key",
}: RowProps & {
  keys: Key[];
  showAccount: boolean;
  empty: string;
  caption: string;
  /** Offered in the empty state ("Create your first key") to those who may create one here. */
  onCreate?: (() => void) | undefined;
  createLabel?: string;
}) {
  const locName = (id: string | null) => me.locations.find((l) => l.id === id)?.name ?? id ?? "";
  const sparks = useSparklines(keys);
  if (keys.length === 0)
    return (
      <div className="empty">
        <p>{empty}</p>
        {onCreate ? (
          <button type="button" className="button button-primary" onClick={onCreate}>
            {createLabel}
          </button>
        ) : null}
      </div>
    );
  return (
    <div className="table-wrap">
      <table className="table keys-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {showAccount ? (
              <th scope="col" className="col-location">
                Location
              </th>
            ) : null}
            <th scope="col" className="col-token">
              Token
            </th>
            <th scope="col">Scopes</th>
            <th scope="col">Activity</th>
            <th scope="col">Status</th>
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
                    {/* Between phone width and 1280 px the location and token columns fold in here. */}
                    <span className="key-sub small">
                      {showAccount ? `${locName(k.locationId)} · ` : ""}
                      <code className="token">{k.token}</code>
                      {k.kind === "legacy_v1" ? <span className="badge badge-warning">Legacy v1</span> : null}
                    </span>
                  </th>
                  {showAccount ? (
                    <td data-label="Location" className="col-location">
                      {locName(k.locationId)}
                    </td>
                  ) : null}
                  <td data-label="Token" className="col-token">
                    <code className="token">{k.token}</code>
                    <span className="muted small block">
                      {KIND_LABEL[k.kind]}
                      {k.kind === "legacy_v1" ? (
                        <span className="badge badge-warning">Deprecated</span>
                      ) : null}
                    </span>
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
                  <td data-label="Activity">
                    <span className="block">
                      Created <span className="nowrap">{date(k.createdAt)}</span>
                      {k.createdBy ? ` by ${k.createdBy.name}` : k.imported ? " (imported)" : ""}
                    </span>
                    {k.lastUsed ? (
                      <span className="block" title={k.lastUsed.userAgent ?? undefined}>
                        Last used <span className="nowrap">{date(k.lastUsed.at)}</span>{" "}
                        <span className="muted small">
                          {timeOf(k.lastUsed.at)}
                          {k.lastUsed.ip ? ` from ${k.lastUsed.ip}` : ""}
                        </span>
                      </span>
                    ) : (
                      <span className="muted block">Never used</span>
                    )}
                    {k.status === "active" && k.daysInactive > 0 ? (
                      <span className="muted small block">{plural(k.daysInactive, "day")} inactive</span>
                    ) : null}
                    <Sparkline data={sparks.get(k.id)} />
                  </td>
                  <td data-label="Status">
                    <StatusCell k={k} />
                  </td>
                  <td className="actions-cell" data-label="Actions">
                    {manage ? (
                      <RowActions k={k} onAction={onAction} onRefresh={onRefresh} refreshing={refreshing} />
                    ) : null}
                  </td>
                </tr>
                {k.rotation ? (
                  <tr className="rotation-row" data-rotation-of={k.id}>
                    <td colSpan={showAccount ? 7 : 6}>
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

/**
 * Status and what happens next, in one cell. A key suspended by the plan says so instead of "Active"
 * (it is refused with plan_required, though its status is unchanged): issue 16 item 5.
 */
function StatusCell({ k }: { k: Key }) {
  if (k.suspended && k.status === "active")
    return (
      <>
        <span className="badge badge-expired">Suspended</span>
        <span className="small block status-note">
          Agency keys need Agency Pro; it works again if the plan returns.
        </span>
        {k.rotation ? <span className="badge badge-info">Rotation pending</span> : null}
        <LeakBadge k={k} />
      </>
    );
  return (
    <>
      <span className={`badge badge-${k.status}`}>{STATUS_LABEL[k.status]}</span>
      {k.lifetimeEnded && k.status === "active" ? (
        <span className="badge badge-expired">Lifetime ended</span>
      ) : null}
      {k.rotation ? <span className="badge badge-info">Rotation pending</span> : null}
      <LeakBadge k={k} />
      <span className="small block status-note">
        <NextAction k={k} />
      </span>
    </>
  );
}

function LeakBadge({ k }: { k: Key }) {
  if (!k.leak) return null;
  return (
    <span className="badge badge-revoked" title={k.leak.url ?? k.leak.source}>
      Leaked {date(k.leak.reportedAt)}
    </span>
  );
}

/** A lifetime chosen at creation (issue 13 §3): when it ends, or that it has; the earlier ending wins. */
function lifetimeWords(k: Key): string | null {
  if (!k.expiresAt || k.status === "revoked" || k.status === "deleted") return null;
  if (k.lifetimeEnded)
    return `Lifetime ended on ${dateTime(k.expiresAt)}: it answers expired. Extend its lifetime to use it again.`;
  if (k.status === "active" && k.nextAction && k.nextAction.at < k.expiresAt) return null;
  const days = Math.ceil((Date.parse(k.expiresAt) - Date.now()) / 86_400_000);
  return `Lifetime ends on ${dateTime(k.expiresAt)} (in ${plural(Math.max(days, 0), "day")})`;
}

function NextAction({ k }: { k: Key }) {
  const lifetime = lifetimeWords(k);
  const overMax = k.exceedsMaxLifetime ? (
    <span className="block">Lives longer than the agency's maximum key lifetime.</span>
  ) : null;
  if (lifetime)
    return (
      <span>
        {lifetime}
        {overMax}
      </span>
    );
  if (k.status === "expired")
    return (
      <span>
        Expired after {plural(k.daysInactive, "day")} without use: refresh or rotate it to use it again.
      </span>
    );
  if (k.status !== "active") return <span className="muted">—</span>;
  return (
    <span>
      {nextActionWords(k) ?? <span className="muted">Nothing planned</span>}
      {overMax}
    </span>
  );
}

/** An expired key's Refresh stays a button (its one way back); the rest is in the row's menu. */
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
  if (k.status === "revoked" || k.status === "deleted") return null;
  return (
    <div className="row-actions">
      {k.status === "expired" ? (
        <button
          type="button"
          className="button button-small button-primary"
          disabled={refreshing}
          aria-label={`Refresh ${k.name}`}
          onClick={() => onRefresh(k)}
        >
          Refresh
        </button>
      ) : null}
      {k.status === "active" && k.warned ? (
        <button
          type="button"
          className="button button-small button-primary"
          aria-label={`Keep ${k.name}`}
          onClick={() => onAction({ type: "keep", key: k })}
        >
          Keep
        </button>
      ) : null}
      <RowMenu
        label={`Actions for ${k.name}`}
        items={[
          { label: "Edit", onSelect: () => onAction({ type: "edit", key: k }) },
          ...(k.rotation ? [] : [{ label: "Rotate", onSelect: () => onAction({ type: "rotate", key: k }) }]),
          { label: "Report leaked", danger: true, onSelect: () => onAction({ type: "report-leak", key: k }) },
          { label: "Revoke", danger: true, onSelect: () => onAction({ type: "revoke", key: k }) },
        ]}
      />
    </div>
  );
}
