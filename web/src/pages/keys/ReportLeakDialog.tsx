/** Report leaked (issue 14): an admin says a key's token leaked; the agency's policy revokes it or notifies. */
import { api, type Key } from "../../api";
import { ReasonDialog } from "../../ReasonDialog";
import { useToast } from "../../ui";

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
  const report = async (reason: string) => {
    const after = await api.post<Key>(`/api/keys/${encodeURIComponent(apiKey.id)}/report-leak`, { reason });
    toast(
      after.status === "revoked"
        ? `Reported “${apiKey.name}” leaked: it was revoked.`
        : `Reported “${apiKey.name}” leaked: its admins were told. Rotate or revoke it now.`,
    );
    await onReported();
    onClose();
  };
  return (
    <ReasonDialog
      title="Report leaked API key"
      tone="danger"
      formId="report-leak-form"
      intro={
        <p>
          <strong>{apiKey.name}</strong> (<code>{apiKey.token}</code>): unless your agency chose to be
          notified only, the key is revoked at once and every integration using it stops. Its admins are told
          in-app and by e-mail.
        </p>
      }
      label="Where did it leak? (kept in the audit log)"
      missing="Say where or how the token leaked."
      submit={{ label: "Report leaked", busy: "Reporting…" }}
      onSubmit={report}
      onClose={onClose}
    />
  );
}
