/**
 * Keep (issue 14): from a warning (the bell, the banner, a key's row) an admin keeps keys that are
 * about to be deleted or expired, saying why. Each key is kept on its own (POST /api/keys/{id}/keep);
 * a key that has nothing pending any more (used, kept or revoked meanwhile) is reported, not an error.
 */
import { useEffect, useState } from "react";
import { api } from "./api";
import { ErrorText, Modal, TextArea, useAction, useToast } from "./ui";

/** Fired on `window` after a Keep: the banner, the bell and the keys page look again. */
export const KEPT_EVENT = "keyward:kept";

/** Calls `reload` whenever keys were kept somewhere on the page. */
export function useReloadOnKeep(reload: () => unknown): void {
  useEffect(() => {
    const on = () => void reload();
    window.addEventListener(KEPT_EVENT, on);
    return () => window.removeEventListener(KEPT_EVENT, on);
  }, [reload]);
}

export function KeepDialog({
  keys,
  onClose,
  onKept,
}: {
  /** The keys to keep; `name` when the caller knows it. */
  keys: { id: string; name?: string }[];
  onClose: () => void;
  onKept: () => unknown;
}) {
  const toast = useToast();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const { run, busy, error } = useAction(async () => {
    if (reason.trim() === "") {
      setMissing(true);
      return;
    }
    let kept = 0;
    let skipped = 0;
    for (const k of keys) {
      try {
        await api.post(`/api/keys/${encodeURIComponent(k.id)}/keep`, { reason: reason.trim() });
        kept++;
      } catch (e) {
        if ((e as { code?: string }).code !== "nothing_pending") throw e;
        skipped++;
      }
    }
    const what =
      keys.length === 1 ? `“${keys[0]!.name ?? "the key"}”` : kept === 1 ? "1 key" : `${kept} keys`;
    toast(
      kept > 0 ? `Kept ${what}.${skipped ? ` ${skipped} had nothing pending.` : ""}` : "Nothing was pending.",
    );
    await onKept();
    if (kept > 0) window.dispatchEvent(new Event(KEPT_EVENT));
    onClose();
  });
  const title =
    keys.length === 1
      ? `Keep ${keys[0]!.name ? `“${keys[0]!.name}”` : "this key"}`
      : `Keep ${keys.length} keys`;
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="keep-form" className="button button-primary" disabled={busy}>
            {busy ? "Keeping…" : "Keep"}
          </button>
        </>
      }
    >
      <form
        id="keep-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <p>
          {keys.length === 1 ? "This key is" : "These keys are"} spared from the coming action, and the
          inactivity period starts again from now. Keeping is not a use: “last used” does not change.
        </p>
        <TextArea
          label="Why keep it? (kept in the audit log)"
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setMissing(false);
          }}
          error={missing ? "Say why the key is still needed." : error?.field("reason")}
          rows={2}
          maxLength={500}
          required
          data-autofocus
        />
        <ErrorText error={error && !error.hasFields ? error : null} />
      </form>
    </Modal>
  );
}
