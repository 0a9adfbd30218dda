/** The two ways to end a pending rotation early: expire the old token now, or cancel the rotation. */
import { api, type Key } from "../../api";
import { dateTime } from "../../format";
import { ConfirmDialog, useToast } from "../../ui";

export function ExpireNowDialog({
  apiKey,
  onClose,
  onExpired,
}: {
  apiKey: Key;
  onClose: () => void;
  onExpired: () => Promise<unknown>;
}) {
  const toast = useToast();
  return (
    <ConfirmDialog
      title="Expire the old token now?"
      confirmLabel="Expire old token now"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api.post(`/api/keys/${encodeURIComponent(apiKey.id)}/rotation/expire-now`);
        toast(`The old token of “${apiKey.name}” no longer works.`);
        await onExpired();
      }}
    >
      <p>
        The old token <code>{apiKey.rotation?.oldToken}</code> of <strong>{apiKey.name}</strong> stops working
        at once. {oldTokenUse(apiKey)} Only the new token will work.
      </p>
    </ConfirmDialog>
  );
}

export function CancelRotationDialog({
  apiKey,
  onClose,
  onCancelled,
}: {
  apiKey: Key;
  onClose: () => void;
  onCancelled: () => Promise<unknown>;
}) {
  const toast = useToast();
  return (
    <ConfirmDialog
      title="Cancel the rotation?"
      confirmLabel="Cancel rotation"
      dismissLabel="Keep the rotation"
      onClose={onClose}
      onConfirm={async () => {
        await api.post(`/api/keys/${encodeURIComponent(apiKey.id)}/rotation/cancel`);
        toast(`Rotation of “${apiKey.name}” cancelled: the old token keeps working.`);
        await onCancelled();
      }}
    >
      <p>
        The old token <code>{apiKey.rotation?.oldToken}</code> keeps working, and the new token{" "}
        <code>{apiKey.token}</code> stops working at once.
      </p>
    </ConfirmDialog>
  );
}

function oldTokenUse(k: Key): string {
  if (!k.rotation) return "";
  return k.rotation.oldTokenLastUsedAt
    ? `It was last used on ${dateTime(k.rotation.oldTokenLastUsedAt)}.`
    : "It has not been used since the rotation.";
}
