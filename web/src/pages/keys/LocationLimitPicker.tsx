/**
 * "Limit to locations" (issue 13 §4): an agency key may reach only chosen locations. `null` means
 * every location of the agency; a list, those locations. Creating and editing an agency key use it.
 */
import { useSession } from "../../session";

export function LocationLimitPicker({
  value,
  onChange,
  error,
}: {
  value: string[] | null;
  onChange: (v: string[] | null) => void;
  error?: string | undefined;
}) {
  const { me } = useSession();
  const limited = value !== null;
  return (
    <fieldset className="field location-limit" aria-describedby={error ? "location-limit-error" : undefined}>
      <legend>Locations</legend>
      <label className="checkbox">
        <input type="checkbox" checked={limited} onChange={(e) => onChange(e.target.checked ? [] : null)} />
        <span>
          Limit to locations
          <span className="muted small block">
            Off: the key reaches every location of the agency, including new ones.
          </span>
        </span>
      </label>
      {limited
        ? me.locations.map((l) => (
            <label key={l.id} className="checkbox scope">
              <input
                type="checkbox"
                checked={value.includes(l.id)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, l.id] : value.filter((x) => x !== l.id))
                }
              />
              <span>{l.name}</span>
            </label>
          ))
        : null}
      {error ? (
        <p className="error-text" id="location-limit-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
