/**
 * Find a key: search (name, the token's last four characters, or id), filters (status, type,
 * location, warned) and the order, as the listing API takes them (`q`, `status`, `kind`,
 * `accountId`, `warned`, `sort`). The page turns them into the query and pages with "Load more".
 */
import { type FormEvent, useState } from "react";
import type { Me } from "../../api";
import type { View } from "../../links";
import { SelectField, TextField } from "../../ui";

export interface KeyFilterValues {
  q: string;
  status: string;
  kind: string;
  accountId: string;
  warned: boolean;
  sort: string;
}

export const NO_FILTERS: KeyFilterValues = {
  q: "",
  status: "",
  kind: "",
  accountId: "",
  warned: false,
  sort: "created",
};

const STATUSES = [
  { value: "", label: "Active and expired" },
  { value: "active", label: "Active" },
  { value: "expired", label: "Expired" },
  { value: "revoked", label: "Revoked" },
  { value: "deleted", label: "Deleted" },
  { value: "all", label: "Every status" },
];

const SORTS = [
  { value: "created", label: "Oldest first" },
  { value: "created:desc", label: "Newest first" },
  { value: "name", label: "Name, A to Z" },
  { value: "name:desc", label: "Name, Z to A" },
  { value: "lastUsed", label: "Recently used first" },
  { value: "lastUsed:asc", label: "Least recently used first" },
];

export function isFiltered(f: KeyFilterValues): boolean {
  return f.q !== "" || f.status !== "" || f.kind !== "" || f.accountId !== "" || f.warned;
}

export function KeyFilters({
  me,
  view,
  value,
  onChange,
}: {
  me: Me;
  view: View;
  value: KeyFilterValues;
  onChange: (f: KeyFilterValues) => void;
}) {
  const [q, setQ] = useState(value.q);
  const set = (patch: Partial<KeyFilterValues>) => onChange({ ...value, ...patch });
  const search = (e: FormEvent) => {
    e.preventDefault();
    set({ q: q.trim() });
  };
  return (
    <form className="filters card key-filters" aria-label="Find a key" onSubmit={search}>
      <TextField
        label="Search"
        type="search"
        value={q}
        placeholder="Name, last four of the token, or key_…"
        onChange={(e) => {
          setQ(e.target.value);
          if (e.target.value === "") set({ q: "" });
        }}
        onBlur={() => {
          if (q.trim() !== value.q) set({ q: q.trim() });
        }}
      />
      <SelectField label="Status" value={value.status} onChange={(e) => set({ status: e.target.value })}>
        {STATUSES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </SelectField>
      <SelectField label="Type" value={value.kind} onChange={(e) => set({ kind: e.target.value })}>
        <option value="">Every type</option>
        <option value="private_integration">Private integration</option>
        <option value="legacy_v1">Legacy v1</option>
      </SelectField>
      {view.kind === "agency" ? (
        <SelectField
          label="Account"
          value={value.accountId}
          onChange={(e) => set({ accountId: e.target.value })}
        >
          <option value="">The agency and every location</option>
          <option value={me.agency.id}>{me.agency.name} (agency keys only)</option>
          {[...me.locations]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
        </SelectField>
      ) : null}
      <SelectField label="Order" value={value.sort} onChange={(e) => set({ sort: e.target.value })}>
        {SORTS.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </SelectField>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={value.warned} onChange={(e) => set({ warned: e.target.checked })} />
          Warned only (inactive keys due at a coming sweep)
        </label>
      </div>
      <div className="form-actions">
        <button type="submit" className="button">
          Search
        </button>
        {isFiltered(value) ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setQ("");
              onChange({ ...NO_FILTERS, sort: value.sort });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}
