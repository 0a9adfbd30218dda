/** The notifications bell: unread count, the list, mark as read, a link to the keys concerned. */
import { useEffect, useState } from "react";
import { api, type Me, type Ok, type Upcoming } from "./api";
import { actionVerb, date, dateTime, plural } from "./format";
import { KeepDialog, useReloadOnKeep } from "./KeepDialog";
import { keysLink } from "./links";
import { navigate, useRoute } from "./router";
import { ErrorText, Modal, useAction, useLoad } from "./ui";

type Inbox = Ok<"/api/me/notifications", "get">;

export function Bell({ me }: { me: Me }) {
  const route = useRoute();
  const [open, setOpen] = useState(false);
  const inbox = useLoad(async () => {
    try {
      return await api.get<Inbox>("/api/me/notifications");
    } catch (e) {
      if ((e as { status?: number }).status === 404) return null; // not on this server
      throw e;
    }
  }, [route.path]);

  // Notifications arrive while the page is open: look again every minute.
  useEffect(() => {
    const t = window.setInterval(() => void inbox.reload(), 60_000);
    return () => window.clearInterval(t);
  }, [inbox.reload]);

  useReloadOnKeep(inbox.reload);

  if (inbox.data === null && !inbox.error) return null;
  const unread = inbox.data?.unread ?? 0;
  const label = unread ? `Notifications, ${unread} unread` : "Notifications";
  return (
    <>
      <button type="button" className="icon-button bell" aria-label={label} onClick={() => setOpen(true)}>
        <svg
          aria-hidden="true"
          width="20"
          height="20"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread ? (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <NotificationsPanel
          me={me}
          inbox={inbox.data}
          error={inbox.error?.detail ?? null}
          onChanged={() => void inbox.reload()}
          onClose={() => setOpen(false)}
        />
      ) : null}
    </>
  );
}

function NotificationsPanel({
  me,
  inbox,
  error,
  onChanged,
  onClose,
}: {
  me: Me;
  inbox: Inbox | null;
  error: string | null;
  onChanged: () => void;
  onClose: () => void;
}) {
  const list = inbox?.notifications ?? [];
  const markRead = useAction(async (ids: string[]) => {
    for (const id of ids) await api.post(`/api/me/notifications/${encodeURIComponent(id)}/read`);
    onChanged();
  });
  const unreadIds = list.filter((n) => !n.readAt).map((n) => n.id);
  const [keeping, setKeeping] = useState<string[] | null>(null);
  return (
    <Modal
      title="Notifications"
      variant="sidebar"
      onClose={onClose}
      footer={
        unreadIds.length > 1 ? (
          <button
            type="button"
            className="button"
            disabled={markRead.busy}
            onClick={() => void markRead.run(unreadIds)}
          >
            Mark all as read
          </button>
        ) : undefined
      }
    >
      <ErrorText error={error ?? markRead.error} />
      <NextAction me={me} onClose={onClose} />
      {list.length === 0 ? (
        <p className="empty">
          No notifications. Warnings about keys that are about to be removed appear here.
        </p>
      ) : (
        <ul className="notifications">
          {list.map((n) => (
            <li key={n.id} className={n.readAt ? "notification read" : "notification unread"}>
              <div className="notification-head">
                <strong>{n.title}</strong>
                {n.readAt ? null : <span className="badge badge-info">New</span>}
              </div>
              <p>{n.body}</p>
              <p className="muted small">{dateTime(n.createdAt)}</p>
              <div className="row-actions">
                {n.keyIds.length ? (
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => {
                      if (!n.readAt) void markRead.run([n.id]);
                      onClose();
                      navigate(keysLink(me, n.accountId, n.keyIds));
                    }}
                  >
                    {n.keyIds.length === 1 ? "Show the key" : `Show the ${n.keyIds.length} keys`}
                  </button>
                ) : null}
                {n.type === "inactivity_warning" && n.keyIds.length ? (
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => setKeeping(n.keyIds)}
                    aria-label={`Keep the keys of “${n.title}”`}
                  >
                    {n.keyIds.length === 1 ? "Keep the key" : `Keep the ${n.keyIds.length} keys`}
                  </button>
                ) : null}
                {n.readAt ? null : (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={markRead.busy}
                    onClick={() => void markRead.run([n.id])}
                    aria-label={`Mark “${n.title}” as read`}
                  >
                    Mark as read
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {keeping ? (
        <KeepDialog
          keys={keeping.map((id) => ({ id }))}
          onClose={() => setKeeping(null)}
          onKept={onChanged}
        />
      ) : null}
    </Modal>
  );
}

/**
 * The same count as the banner, the keys page and the inventory: the keys of the next sweep that
 * touches them, of the agency and its locations (agency users) or of one's location.
 */
function NextAction({ me, onClose }: { me: Me; onClose: () => void }) {
  const accountId = me.user.type === "agency" ? me.agency.id : me.locations[0]?.id;
  const { data } = useLoad(
    async () =>
      accountId
        ? api.get<Upcoming>(`/api/accounts/${encodeURIComponent(accountId)}/upcoming`).catch(() => null)
        : null,
    [accountId],
  );
  if (!data?.actionAt || data.count === 0) return null;
  return (
    <p className="muted small next-action">
      Next: {plural(data.count, "key")} {data.scopeWords} will {actionVerb(data.action)} on{" "}
      {date(data.actionAt)} unless used.{" "}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          onClose();
          navigate(keysLink(me, data.accountId, data.keyIds));
        }}
      >
        {data.count === 1 ? "Show it" : "Show them"}
      </button>
    </p>
  );
}
