/**
 * "Expires": a key's lifetime (issue 13 §3) as a date and time, or in N days, or never. Used by the
 * create and edit sidebars; `body` gives what the API takes (nothing when left unchanged).
 */
import { useState } from "react";
import { SelectField, TextField } from "../../ui";

type Mode = "never" | "days" | "at";

/** An ISO instant as the value of a datetime-local input (the browser's time zone). */
function localInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function useExpires(initial: string | null) {
  const [mode, setMode] = useState<Mode>(initial ? "at" : "never");
  const [days, setDays] = useState("30");
  const [at, setAt] = useState(localInput(initial));
  const instant = () => (at ? new Date(at).toISOString() : at);
  return {
    mode,
    setMode,
    days,
    setDays,
    at,
    setAt,
    /** For a create: `expiresInDays` or `expiresAt`; nothing for never (the agency's maximum may apply). */
    createBody(): Record<string, unknown> {
      if (mode === "days") return { expiresInDays: Number(days) };
      if (mode === "at") return { expiresAt: instant() };
      return {};
    },
    /** For an edit: `expiresAt` (null removes it), or undefined when unchanged. */
    editValue(): string | null | undefined {
      if (mode === "never") return initial === null ? undefined : null;
      if (mode === "days") return new Date(Date.now() + Number(days) * 86_400_000).toISOString();
      return at === localInput(initial) ? undefined : instant();
    },
  };
}

export function ExpiresField({
  state,
  error,
}: {
  state: ReturnType<typeof useExpires>;
  error?: string | undefined;
}) {
  return (
    <>
      <SelectField
        label="Expires"
        value={state.mode}
        onChange={(e) => state.setMode(e.target.value as Mode)}
        error={state.mode === "never" ? error : undefined}
        hint="Past its lifetime the key answers expired. Your agency may set a maximum."
      >
        <option value="never">Never (or the agency's maximum)</option>
        <option value="days">In N days</option>
        <option value="at">On a date and time</option>
      </SelectField>
      {state.mode === "days" ? (
        <TextField
          label="Expires in (days)"
          type="number"
          min={1}
          step={1}
          value={state.days}
          onChange={(e) => state.setDays(e.target.value)}
          error={error}
        />
      ) : null}
      {state.mode === "at" ? (
        <TextField
          label="Expires on"
          type="datetime-local"
          value={state.at}
          onChange={(e) => state.setAt(e.target.value)}
          error={error}
        />
      ) : null}
    </>
  );
}
