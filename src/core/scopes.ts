/**
 * The scope catalogue. Each scope is agency-level, location-level or both; a key may hold only
 * scopes of its owner's level. Platforms register their own scopes next to the built-in ones.
 */
export type Level = "agency" | "location";

export interface ScopeDef {
  name: string;
  levels: Level[];
  description: string;
}

export const BUILTIN_SCOPES: ScopeDef[] = [
  { name: "locations.readonly", levels: ["agency", "location"], description: "Read locations" },
  {
    name: "locations.write",
    levels: ["agency"],
    description: "Create, update and delete locations (an agency's business)",
  },
  { name: "users.readonly", levels: ["agency", "location"], description: "Read users" },
  { name: "users.write", levels: ["agency", "location"], description: "Create, update and delete users" },
];

export const SCOPE_NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

export class ScopeCatalogue {
  private readonly byName = new Map<string, ScopeDef>();
  constructor(defs: ScopeDef[]) {
    for (const d of defs) this.byName.set(d.name, d);
  }
  all(): ScopeDef[] {
    return [...this.byName.values()];
  }
  forLevel(level: Level): ScopeDef[] {
    return this.all().filter((d) => d.levels.includes(level));
  }
  /** Messages for every scope that is unknown or of the wrong level; empty when all are fine. */
  problems(scopes: string[], level: Level): string[] {
    const out: string[] = [];
    for (const s of scopes) {
      const d = this.byName.get(s);
      if (!d) out.push(`Unknown scope "${s}": see GET /api/scopes for the catalogue.`);
      else if (!d.levels.includes(level))
        out.push(`Scope "${s}" is ${d.levels.join("/")}-level only and cannot be given to a ${level} key.`);
    }
    return out;
  }
}
