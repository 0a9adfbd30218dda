/**
 * Rotate: choose to expire the current token later (the API's longest grace, from `GET /api/me`) or now,
 * confirm, then the new token is shown.
 */
import { useState } from "react";
import { api, type Key } from "../../api";
import { plural } from "../../format";
import { useSession } from "../../session";
import { ErrorText, Modal, useAction } from "../../ui";

export function RotateDialog({
  apiKey,
  onClose,
  onRotated,
}: {
  apiKey: Key;
  onClose: () => void;
  onRotated: (key: Key, token: string) => void;
}) {
  const [choice, setChoice] = useState<"later" | "now" | null>(null);
  const graceSeconds = useSession().me.limits.rotationGraceMaxSeconds;
  const grace = plural(Math.round(graceSeconds / 86_400), "day");
  const { run, busy, error } = useAction(async () => {
    const r = await api.post<{ key: Key; token: string }>(
      `/api/keys/${encodeURIComponent(apiKey.id)}/rotate`,
      {
        expireOldAfterSeconds: choice === "now" ? 0 : graceSeconds,
      },
    );
    onRotated(r.key, r.token);
  });
  if (!choice)
    return (
      <Modal
        title={`Rotate “${apiKey.name}”`}
        onClose={onClose}
        footer={
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        }
      >
        <p>Rotating gives this key a new token. Its name, scopes and settings stay the same.</p>
        <div className="choices">
          <button type="button" className="choice" onClick={() => setChoice("later")} data-autofocus>
            <strong>Rotate and expire this token later</strong>
            <span className="muted small">
              The current token keeps working for {grace}, so you have time to update your integrations.
            </span>
          </button>
          <button type="button" className="choice" onClick={() => setChoice("now")}>
            <strong>Rotate and expire this token now</strong>
            <span className="muted small">
              The current token stops working immediately. Use this if it may have leaked.
            </span>
          </button>
        </div>
        {apiKey.status === "expired" ? (
          <p className="hint">The key is expired: rotating makes it active with the new token.</p>
        ) : null}
      </Modal>
    );
  return (
    <Modal
      title={choice === "later" ? "Rotate and expire this token later?" : "Rotate and expire this token now?"}
      onClose={onClose}
      tone={choice === "now" ? "danger" : "normal"}
      footer={
        <>
          <button type="button" className="button" onClick={() => setChoice(null)} data-autofocus>
            Back
          </button>
          <button
            type="button"
            className={`button ${choice === "now" ? "button-danger" : "button-primary"}`}
            disabled={busy}
            onClick={() => void run()}
          >
            {busy ? "Rotating…" : choice === "later" ? `Rotate, expire in ${grace}` : "Rotate, expire now"}
          </button>
        </>
      }
    >
      {choice === "later" ? (
        <p>
          A new token is created for <strong>{apiKey.name}</strong>. The current token{" "}
          <code>{apiKey.token}</code> keeps working for {grace}; after that only the new token works.
        </p>
      ) : (
        <p>
          A new token is created for <strong>{apiKey.name}</strong> and the current token{" "}
          <code>{apiKey.token}</code> <strong>stops working immediately</strong>. Every integration using it
          fails until you give it the new token.
        </p>
      )}
      <ErrorText error={error} />
    </Modal>
  );
}
