/**
 * Keep (issue 14): from a warning (the bell, the banner, a key's row) an admin keeps keys that are
 * about to be deleted or expired, saying why. Each key is kept on its own (POST /api/keys/{id}/keep);
 * a key that has nothing pending any more (used, kept or revoked meanwhile) is reported, not an error.
 */
import { useEffect } from "react";
import { api } from "./api";
import { ReasonDialog } from "./ReasonDialog";
import { useToast } from "./ui";

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
  const keep = async (reason: string) => {
    let kept = 0;
    let skipped = 0;
    for (const k of keys) {
      try {
        await api.post(`/api/keys/${encodeURIComponent(k.id)}/keep`, { reason });
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
  };
  const title =
    keys.length === 1
      ? `Keep ${keys[0]!.name ? `“${keys[0]!.name}”` : "this key"}`
      : `Keep ${keys.length} keys`;
  return (
    <ReasonDialog
      title={title}
      formId="keep-form"
      intro={
        <p>
          {keys.length === 1 ? "This key is" : "These keys are"} spared from the coming action, and the
          inactivity period starts again from now. Keeping is not a use: “last used” does not change.
        </p>
      }
      label="Why keep it? (kept in the audit log)"
      missing="Say why the key is still needed."
      submit={{ label: "Keep", busy: "Keeping…" }}
      onSubmit={keep}
      onClose={onClose}
    />
  );
}
