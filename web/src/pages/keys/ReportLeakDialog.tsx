/** Report leaked (issue 14): an admin says a key's token leaked; the agency's policy revokes it or notifies. */
import { useState } from "react";
import { api, type Key } from "../../api";
import { ErrorText, Modal, TextArea, useAction, useToast } from "../../ui";

export function ReportLeakDialog({
  apiKey,
  onClose,
  onReported,
}: {
  apiKey: Key;
  onClose: () => void;
  onReported: () => Promise<unknown>;
}) {
  const toast = useToast();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const { run, busy, error } = useAction(async () => {
    if (reason.trim() === "") {
      setMissing(true);
      return;
    }
    const after = await api.post<Key>(`/api/keys/${encodeURIComponent(apiKey.id)}/report-leak`, {
      reason: reason.trim(),
    });
    toast(
      after.status === "revoked"
        ? `Reported “${apiKey.name}” leaked: it was revoked.`
        : `Reported “${apiKey.name}” leaked: its admins were told. Rotate or revoke it now.`,
    );
    await onReported();
    onClose();
  });
  return (
    <Modal
      title="Report leaked API key"
      tone="danger"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="report-leak-form" className="button button-danger" disabled={busy}>
            {busy ? "Reporting…" : "Report leaked"}
          </button>
        </>
      }
    >
      <form
        id="report-leak-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <p>
          <strong>{apiKey.name}</strong> (<code>{apiKey.token}</code>): unless your agency chose to be
          notified only, the key is revoked at once and every integration using it stops. Its admins are told
          in-app and by e-mail.
        </p>
        <TextArea
          label="Where did it leak? (kept in the audit log)"
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setMissing(false);
          }}
          error={missing ? "Say where or how the token leaked." : error?.field("reason")}
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
