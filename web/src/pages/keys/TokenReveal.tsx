import { useRef, useState } from "react";
import type { Key } from "../../api";
import { Alert } from "../../ui";

/**
 * The token, this once, with a copy button and a plain warning. Other secrets shown once (a webhook
 * signing secret) pass their own `label` and `warning`.
 */
export function TokenReveal({
  apiKey,
  token,
  label,
  warning,
  id = "new-token",
}: {
  apiKey?: Pick<Key, "name">;
  token: string;
  label?: string;
  warning?: { title: string; text: string };
  /** The box's id, when a dialog shows two secrets. */
  id?: string;
}) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      input.current?.select();
      setCopied(document.execCommand?.("copy") ? "yes" : "failed");
    }
  };
  return (
    <div className="token-reveal">
      <Alert tone="warning" title={warning?.title ?? "Copy this token now"}>
        {warning?.text ??
          "This is the only time it is shown. Keyward does not keep it and cannot show it again. Store it somewhere safe, such as a password manager. If you lose it, rotate the key to get a new one."}
      </Alert>
      <label htmlFor={id} className="label">
        {label ?? `Token for “${apiKey?.name ?? ""}”`}
      </label>
      <div className="copy-row">
        <textarea
          id={id}
          ref={input}
          readOnly
          value={token}
          rows={2}
          spellCheck={false}
          className="token-input"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button button-primary" onClick={() => void copy()} data-autofocus>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <p role="status" className="small">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Copying failed: select the token and copy it by hand."
            : ""}
      </p>
    </div>
  );
}
