/**
 * The simulation's scenario (docs/spec.md §4 "Simulation"): its JSON shape, checked with zod, then resolved —
 * instants as epoch milliseconds, the policy merged over the default and validated, owners resolved to
 * agency and location, every problem listed at once. No I/O.
 */
import { z } from "zod";
import { isoSecond } from "../../core/clock.js";
import { DEFAULT_POLICY, type LifecyclePolicy, mergePolicy, validatePolicy } from "../../core/lifecycle.js";
import type { KeyKind } from "../../core/token.js";

export class ScenarioError extends Error {}

const Instant = z.iso.datetime({ message: 'must be an ISO 8601 UTC time such as "2026-01-01T00:00:00Z"' });
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, _ or -");
const EmailAddr = z.email({ message: "must be an e-mail address" });
const PolicyObject = z.record(z.string(), z.unknown());
/** What an admin does in a scenario; `keep` (issue 14) spares a warned key from its coming action. */
export const SCENARIO_ACTIONS = ["revoke", "refresh", "rotate", "keep"] as const;
export type ScenarioAction = (typeof SCENARIO_ACTIONS)[number];

const ScenarioSchema = z.strictObject({
  start: Instant,
  end: Instant,
  policy: PolicyObject.optional(),
  agencies: z
    .array(
      z.strictObject({
        id: Id,
        name: z.string().min(1).max(200).optional(),
        plan: z.enum(["starter", "unlimited", "agency_pro"]).optional(),
        policy: PolicyObject.optional(),
        admins: z.array(EmailAddr).default([]),
        users: z.array(EmailAddr).default([]),
        locations: z
          .array(
            z.strictObject({
              id: Id,
              name: z.string().min(1).max(200).optional(),
              admins: z.array(EmailAddr).default([]),
              users: z.array(EmailAddr).default([]),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
  keys: z
    .array(
      z.strictObject({
        id: Id,
        owner: Id,
        name: z.string().min(1).max(200).optional(),
        kind: z.enum(["private_integration", "legacy_v1"]).default("private_integration"),
        createdAt: Instant,
        uses: z.array(Instant).default([]),
      }),
    )
    .default([]),
  actions: z.array(z.strictObject({ at: Instant, type: z.enum(SCENARIO_ACTIONS), key: Id })).default([]),
  outages: z.array(z.strictObject({ from: Instant, to: Instant })).default([]),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;

export interface Scenario {
  start: number;
  end: number;
  policy: LifecyclePolicy;
  agencies: {
    id: string;
    name: string;
    override: Record<string, unknown> | null;
    admins: string[];
    users: string[];
    locations: { id: string; name: string; admins: string[]; users: string[] }[];
  }[];
  keys: {
    id: string;
    owner: string;
    agencyId: string;
    locationId: string | null;
    name: string;
    kind: KeyKind;
    createdAt: number;
    uses: number[];
  }[];
  actions: { at: number; type: ScenarioAction; key: string }[];
  outages: { from: number; to: number }[];
}

function policyProblems(where: string, v: ReturnType<typeof validatePolicy>): string[] {
  return v.ok ? [] : v.errors.map((e) => `${where}.${e.field}: ${e.message}`);
}

/** Checks a scenario and resolves it; throws ScenarioError listing every problem. */
export function parseScenario(raw: unknown): Scenario {
  const r = ScenarioSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const path = i.path
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("")
        .replace(/^\./, "");
      const msg =
        i.code === "unrecognized_keys"
          ? `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}`
          : i.message;
      return `${path || "(scenario)"}: ${msg}`;
    });
    throw new ScenarioError(`Invalid scenario:\n  ${lines.join("\n  ")}`);
  }
  const s = r.data;
  const problems: string[] = [];
  const t = (x: string) => Date.parse(x);
  const start = t(s.start);
  const end = t(s.end);
  if (!(end > start)) problems.push("end: must be after start");

  const base = validatePolicy(mergePolicy(DEFAULT_POLICY, (s.policy ?? {}) as Partial<LifecyclePolicy>));
  problems.push(...policyProblems("policy", base));
  const policy = base.ok ? base.policy : DEFAULT_POLICY;

  const owners = new Map<string, { agencyId: string; locationId: string | null }>();
  const emails = new Set<string>();
  const email = (e: string, where: string) => {
    const k = e.toLowerCase();
    if (emails.has(k)) problems.push(`${where}: ${e} appears twice; each person has one e-mail address`);
    emails.add(k);
    return k;
  };
  const agencies = s.agencies.map((a, i) => {
    if (owners.has(a.id)) problems.push(`agencies[${i}].id: "${a.id}" is used twice`);
    owners.set(a.id, { agencyId: a.id, locationId: null });
    if (a.policy)
      problems.push(
        ...policyProblems(
          `agencies[${i}].policy`,
          validatePolicy(mergePolicy(policy, a.policy as Partial<LifecyclePolicy>)),
        ),
      );
    return {
      id: a.id,
      name: a.name ?? a.id,
      override: a.policy ? { ...a.policy } : null,
      admins: a.admins.map((e, j) => email(e, `agencies[${i}].admins[${j}]`)),
      users: a.users.map((e, j) => email(e, `agencies[${i}].users[${j}]`)),
      locations: a.locations.map((l, j) => {
        if (owners.has(l.id)) problems.push(`agencies[${i}].locations[${j}].id: "${l.id}" is used twice`);
        owners.set(l.id, { agencyId: a.id, locationId: l.id });
        return {
          id: l.id,
          name: l.name ?? l.id,
          admins: l.admins.map((e, k) => email(e, `agencies[${i}].locations[${j}].admins[${k}]`)),
          users: l.users.map((e, k) => email(e, `agencies[${i}].locations[${j}].users[${k}]`)),
        };
      }),
    };
  });
  // Scenario policies are stored as the agency's override over the scenario policy: make them complete.
  for (const a of agencies)
    if (a.override) a.override = { ...mergePolicy(policy, a.override as Partial<LifecyclePolicy>) };

  const keyIds = new Set<string>();
  const keys = s.keys.map((k, i) => {
    if (keyIds.has(k.id)) problems.push(`keys[${i}].id: "${k.id}" is used twice`);
    keyIds.add(k.id);
    const o = owners.get(k.owner);
    if (!o)
      problems.push(`keys[${i}].owner: "${k.owner}" is neither an agency nor a location of the scenario`);
    const createdAt = t(k.createdAt);
    const uses = k.uses.map(t).sort((a, b) => a - b);
    if (uses.length > 0 && uses[0]! < createdAt)
      problems.push(`keys[${i}].uses: a use (${isoSecond(uses[0]!)}) is before the key's createdAt`);
    return {
      id: k.id,
      owner: k.owner,
      agencyId: o?.agencyId ?? "",
      locationId: o?.locationId ?? null,
      name: k.name ?? k.id,
      kind: k.kind as KeyKind,
      createdAt,
      uses,
    };
  });
  const actions = s.actions.map((a, i) => {
    if (!keyIds.has(a.key)) problems.push(`actions[${i}].key: "${a.key}" is not a key of the scenario`);
    return { at: t(a.at), type: a.type, key: a.key };
  });
  const outages = s.outages.map((o, i) => {
    const from = t(o.from);
    const to = t(o.to);
    if (!(to > from)) problems.push(`outages[${i}]: to must be after from`);
    return { from, to };
  });
  if (problems.length > 0) throw new ScenarioError(`Invalid scenario:\n  ${problems.join("\n  ")}`);
  return { start, end, policy, agencies, keys, actions: actions.sort((a, b) => a.at - b.at), outages };
}
