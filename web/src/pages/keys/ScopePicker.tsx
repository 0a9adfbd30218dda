/** The scopes of one level (agency or location), as checkboxes: creating and editing a key use it. */
import { api, type Scope } from "../../api";
import { ErrorText, useLoad } from "../../ui";

function useScopes(level: "agency" | "location") {
  return useLoad(() => api.get<{ scopes: Scope[] }>(`/api/scopes?level=${level}`), [level]);
}

export function ScopePicker({
  level,
  value,
  onChange,
  error,
}: {
  level: "agency" | "location";
  value: string[];
  onChange: (v: string[]) => void;
  error?: string | undefined;
}) {
  const scopes = useScopes(level);
  const list = scopes.data?.scopes ?? [];
  return (
    <fieldset className="field scope-picker" aria-describedby={error ? "scopes-error" : undefined}>
      <legend>Scopes</legend>
      <p className="hint">What the key may do. Only {level}-level scopes are listed.</p>
      <ErrorText error={scopes.error} />
      {list.map((s) => (
        <label key={s.name} className="checkbox scope">
          <input
            type="checkbox"
            checked={value.includes(s.name)}
            onChange={(e) =>
              onChange(e.target.checked ? [...value, s.name] : value.filter((x) => x !== s.name))
            }
          />
          <span>
            <code>{s.name}</code>
            <span className="muted small block">{s.description}</span>
          </span>
        </label>
      ))}
      {error ? (
        <p className="error-text" id="scopes-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
