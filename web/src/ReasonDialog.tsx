/**
 * A modal that asks for one required reason (kept in the audit log) before an action: Keep and Report
 * leaked both ask this way, so the form, its "say why" check and its buttons live here once.
 */
import { type ReactNode, useState } from "react";
import { ErrorText, Modal, TextArea, useAction } from "./ui";

export function ReasonDialog({
  title,
  tone,
  formId,
  intro,
  label,
  missing: missingText,
  submit,
  onSubmit,
  onClose,
}: {
  title: string;
  tone?: "danger";
  /** The form's id (the footer's submit button points at it). */
  formId: string;
  intro: ReactNode;
  label: string;
  /** Shown under the field when it is submitted empty. */
  missing: string;
  /** The submit button's label, and its label while the action runs. */
  submit: { label: string; busy: string };
  /** Runs with the trimmed reason; it closes the dialog itself when done. */
  onSubmit: (reason: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const { run, busy, error } = useAction(async () => {
    if (reason.trim() === "") {
      setMissing(true);
      return;
    }
    await onSubmit(reason.trim());
  });
  return (
    <Modal
      title={title}
      tone={tone}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={formId}
            className={`button ${tone === "danger" ? "button-danger" : "button-primary"}`}
            disabled={busy}
          >
            {busy ? submit.busy : submit.label}
          </button>
        </>
      }
    >
      <form
        id={formId}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        {intro}
        <TextArea
          label={label}
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setMissing(false);
          }}
          error={missing ? missingText : error?.field("reason")}
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
