/** Request and response schemas shared by the routes and the OpenAPI document. */
import { isIP } from "node:net";
import { z } from "zod";
import { INACTIVITY_ACTIONS } from "../core/lifecycle.js";
import { DEFAULT_PLAN, PLANS } from "../core/permissions.js";
import { LIMIT_MODES, MAX_LIMIT, RateLimitList } from "../core/rate-limits.js";
import { KEY_KINDS, MAX_ROTATION_GRACE_SECONDS } from "../core/token.js";
import { Description, Email, Name, Password } from "../core/validate.js";

const ScopeList = z.array(z.string().max(100)).max(100, "at most 100 scopes");
const Kind = z.enum(KEY_KINDS);
/** What a key is, as answers show it: the kinds people create, and `oauth` (an app's access token, docs/oauth.md). */
const AnyKind = z.enum([...KEY_KINDS, "oauth"]);

/** Issue 13 §4: an agency key limited to chosen locations (null: every location of its agency). */
const KeyLocationIds = z
  .array(z.string().min(1, "must not be empty").max(64, "must be at most 64 characters"))
  .min(1, "must name at least one location (null: every location)")
  .max(1000, "must name at most 1000 locations")
  .nullable()
  .meta({
    description:
      "Agency keys only: the locations this key reaches (at most 1000). Absent or null: every location of the agency.",
  });

/** Issue 13 §2: the CIDRs a key's requests must come from (null: no list of its own). */
const IpAllowlist = z
  .array(z.string().max(64, "must be at most 64 characters"))
  .max(100, "must list at most 100 entries: merge neighbouring ranges into wider CIDRs")
  .nullable()
  .meta({
    description:
      'CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24", "2001:db8::/32"]. Null removes the list.',
  });

/** Issue 13 §3: when a key's lifetime ends (any future instant; null: none). */
const ExpiresAt = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2027-01-31T00:00:00Z" })
  .nullable()
  .meta({
    description:
      "When the key's lifetime ends: any future instant, within the agency's maxKeyLifetimeDays. Null: no lifetime.",
  });

export const CreateKeyBody = z
  .strictObject({
    name: Name,
    kind: Kind.optional(),
    description: Description.optional(),
    scopes: ScopeList.optional(),
    rateLimits: RateLimitList.optional().meta({
      description: "The key's own limits (agency admins), instead of the defaults (docs/traffic-policy.md)",
    }),
    locationIds: KeyLocationIds.optional(),
    ipAllowlist: IpAllowlist.optional(),
    expiresAt: ExpiresAt.optional(),
    expiresInDays: z
      .number()
      .int("must be a whole number of days (for less than a day, send expiresAt)")
      .min(1, "must be at least 1 (for less than a day, send expiresAt)")
      .max(36_500, "must be at most 36500")
      .optional()
      .meta({
        description:
          "The key's lifetime in whole days from now, instead of expiresAt. Absent (and no expiresAt): the agency's maxKeyLifetimeDays, if set.",
      }),
  })
  .meta({ id: "CreateKey" });

export const EditKeyBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.optional(),
    scopes: ScopeList.optional(),
    rateLimits: RateLimitList.nullable().optional().meta({
      description: "The key's own limits (agency admins); null: back to the defaults",
    }),
    locationIds: KeyLocationIds.optional(),
    ipAllowlist: IpAllowlist.optional(),
    expiresAt: ExpiresAt.optional(),
  })
  .meta({ id: "EditKey" });

export const RotateBody = z
  .strictObject({
    expireOldAfterSeconds: z
      .number()
      .int("must be a whole number of seconds")
      .min(0, "must be 0 (rotate now) or more")
      .max(MAX_ROTATION_GRACE_SECONDS, `must be at most ${MAX_ROTATION_GRACE_SECONDS} (7 days)`)
      .default(MAX_ROTATION_GRACE_SECONDS),
  })
  .meta({ id: "Rotate" });

export const ImportKeyBody = z
  .strictObject({
    name: Name,
    kind: Kind,
    description: Description.optional(),
    scopes: ScopeList.optional(),
    token: z.string().min(1, "must not be empty").max(512, "must be at most 512 characters").optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be the SHA-256 of the token as 64 hexadecimal characters")
      .optional(),
  })
  .refine((b) => (b.token === undefined) !== (b.sha256 === undefined), {
    message: "send exactly one of token or sha256",
    path: ["token"],
  })
  .meta({ id: "ImportKey" });

export const KeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: Kind,
    owner: z.object({ type: z.enum(["agency", "location"]), id: z.string() }),
    agencyId: z.string(),
    locationId: z.string().nullable(),
    scopes: z.array(z.string()),
    locationIds: z
      .array(z.string())
      .nullable()
      .meta({ description: "An agency key limited to these locations; null: every location it may reach" }),
    ipAllowlist: z
      .array(z.string())
      .nullable()
      .meta({ description: "CIDRs its requests must come from (canonical form); null: no list of its own" }),
    token: z.string().meta({ description: "Masked: prefix and last four characters" }),
    status: z.enum(["active", "expired", "revoked", "deleted"]),
    imported: z.boolean(),
    createdAt: z.string(),
    createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
    lastUsed: z
      .object({ at: z.string(), ip: z.string().nullable(), userAgent: z.string().nullable() })
      .nullable(),
    lastActivityAt: z.string().meta({
      description: "The latest of creation, last use, refresh or rotation: inactivity counts from it",
    }),
    daysInactive: z.number(),
    nextAction: z.object({ action: z.enum(INACTIVITY_ACTIONS), at: z.string() }).nullable(),
    nextActionAt: z.string().nullable(),
    warned: z.boolean().meta({
      description: "Warned of its coming inactivity action in the current cycle: an admin may Keep it",
    }),
    rotation: z
      .object({
        pending: z.literal(true),
        oldToken: z.string(),
        oldTokenExpiresAt: z.string(),
        oldTokenLastUsedAt: z.string().nullable(),
      })
      .nullable(),
    revokedAt: z.string().nullable(),
    expiredAt: z.string().nullable(),
    deletedAt: z.string().nullable(),
    suspended: z
      .boolean()
      .meta({ description: "Agency key suspended by the plan (verifies as plan_required)" }),
    expiresAt: z
      .string()
      .nullable()
      .meta({ description: "When its lifetime ends (chosen at creation or by edit); null: no lifetime" }),
    lifetimeEnded: z.boolean().meta({
      description: "Its lifetime has ended: it verifies as expired, whatever its status",
    }),
    exceedsMaxLifetime: z.boolean().meta({
      description: "An active key living longer than its agency's maxKeyLifetimeDays now allows",
    }),
    leak: z
      .object({
        reportedAt: z.string(),
        source: z
          .string()
          .meta({ description: "The scanning partner's source (e.g. `content`), or `admin`" }),
        url: z.string().nullable(),
        action: z.enum(["revoked", "notified"]),
      })
      .nullable()
      .meta({ description: "The latest report of this key's token leaking, or null" }),
    rateLimits: RateLimitList.optional().meta({
      description: "The key's own limits; absent: the defaults apply (docs/traffic-policy.md)",
    }),
  })
  .meta({ id: "Key" });

/** Accepted but worth a second look (e.g. an allowlist entry that allows every address). */
const PolicyWarnings = z.array(z.string()).meta({
  description: "Accepted as sent, but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address)",
});

export const KeyWithToken = z
  .object({
    key: KeyView,
    token: z.string().meta({ description: "The plaintext token, shown this once" }),
    warnings: PolicyWarnings.optional(),
  })
  .meta({ id: "KeyWithToken" });

/** A key as PATCH answers it: the view and what the change warns of. */
export const EditedKey = KeyView.extend({ warnings: PolicyWarnings }).meta({ id: "EditedKey" });

export const LoginBody = z
  .strictObject({
    email: Email,
    password: z.string().min(1, "must not be empty").max(200),
    agencyId: z.string().min(1).max(64).optional().meta({
      description: "Which agency to sign in to, when the address has accounts in several",
    }),
  })
  .meta({ id: "Login" });

export const UserView = z
  .object({
    id: z.string(),
    agencyId: z.string(),
    email: z.string(),
    name: z.string(),
    type: z.enum(["agency", "account"]),
    role: z.enum(["admin", "user"]),
    isOwner: z.boolean(),
    canManageKeys: z.boolean(),
    digestOptOut: z.boolean(),
    locationIds: z.array(z.string()),
    createdAt: z.string(),
    disabled: z.boolean(),
  })
  .meta({ id: "User" });

export const LocationView = z
  .object({
    id: z.string(),
    agencyId: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    timezone: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Location" });

/** A location as the locations page lists it (issue 16 item 2): additive fields over Location. */
export const LocationSummaryView = LocationView.extend({
  keyCount: z.number().int().describe("Active and expired keys of the location: deleting it revokes them"),
  admins: z.array(z.object({ id: z.string(), name: z.string(), email: z.string() })),
  userCount: z.number().int().describe("People (not disabled) assigned to the location"),
}).meta({ id: "LocationSummary" });

export const AgencyView = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(PLANS),
    enhancedSecurity: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: "Agency" });

const Phone = z
  .string()
  .trim()
  .max(40, "must be at most 40 characters")
  .regex(/^[+0-9 ().-]*$/, "digits, spaces and + ( ) . - only");
const Timezone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/Paris");

export const LocationBody = z
  .strictObject({
    name: Name,
    email: Email.nullable().optional(),
    phone: Phone.nullable().optional(),
    timezone: Timezone.nullable().optional(),
  })
  .meta({ id: "LocationInput" });

export const LocationPatch = z
  .strictObject({
    name: Name.optional(),
    email: Email.nullable().optional(),
    phone: Phone.nullable().optional(),
    timezone: Timezone.nullable().optional(),
  })
  .meta({ id: "LocationPatch" });

const Role = z.enum(["admin", "user"]);
const UserType = z.enum(["agency", "account"]);
const LocationIds = z.array(z.string().min(1).max(64)).max(1000);

export const UserBody = z
  .strictObject({
    email: Email,
    name: Name,
    password: Password.optional(),
    type: UserType,
    role: Role,
    locationIds: LocationIds.optional(),
    canManageKeys: z.boolean().optional(),
  })
  .refine((u) => u.type === "agency" || (u.locationIds?.length ?? 0) > 0, {
    message: "an account user must be assigned to at least one location",
    path: ["locationIds"],
  })
  .meta({ id: "UserInput" });

export const UserPatch = z
  .strictObject({
    email: Email.optional(),
    name: Name.optional(),
    password: Password.optional(),
    type: UserType.optional(),
    role: Role.optional(),
    locationIds: LocationIds.optional(),
    canManageKeys: z.boolean().optional(),
    digestOptOut: z.boolean().optional(),
    currentPassword: z.string().max(200).optional().meta({
      description: "Your current password: required to change your own password",
    }),
  })
  .meta({ id: "UserPatch" });

export const AgencyPatch = z
  .strictObject({ name: Name.optional(), plan: z.enum(PLANS).optional() })
  .meta({ id: "AgencyPatch" });

export const PlanBody = z.strictObject({ plan: z.enum(PLANS) }).meta({ id: "PlanInput" });

export const NewAgencyBody = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "1–64 letters, digits, _ or -")
      .optional(),
    name: Name,
    plan: z.enum(PLANS).default(DEFAULT_PLAN),
    owner: z.strictObject({ email: Email, name: Name, password: Password.optional() }),
  })
  .meta({ id: "NewAgency" });

export const VerifyBody = z
  .strictObject({
    token: z.string().max(1024, "must be at most 1024 characters"),
    requiredScopes: z.array(z.string().max(100)).max(100).optional(),
    locationId: z.string().min(1).max(64).optional(),
    clientIp: z
      .string()
      .refine((v) => isIP(v) !== 0, "must be the IPv4 or IPv6 address of the client that sent the token")
      .optional()
      .meta({
        description:
          "The address of the client whose token this is. Failed verifications are limited per client address; without it they are not limited (the X-Client-IP header is read when this field is absent).",
      }),
    consume: z.boolean().optional().meta({
      description:
        "Take this request from the key's rate limits (docs/traffic-policy.md): a valid key over a limit is answered `rate_limited`, and the answer carries `rateLimit` with the remaining counts. Without it nothing is taken and the answer is as before.",
    }),
    cost: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)
      .optional()
      .meta({ description: "How many requests' worth to take (default 1); needs consume: true." }),
  })
  .refine((b) => b.cost === undefined || b.consume === true, {
    message: "cost counts only when the request consumes: send consume: true with it",
    path: ["cost"],
  })
  .meta({ id: "VerifyRequest" });

/** A limit's state, as /api/verify and the key's limits view answer it. */
export const LimitStatusView = z
  .object({
    name: z.string(),
    owner: z.enum(["key", "location", "agency"]),
    limit: z.number(),
    windowSeconds: z.number(),
    cost: z.number(),
    mode: z.enum(LIMIT_MODES),
    remaining: z.number(),
    resetSeconds: z.number(),
  })
  .meta({ id: "LimitStatus" });

export const VerifyAnswer = z
  .object({
    valid: z.boolean(),
    code: z.string(),
    message: z.string().optional(),
    key: z
      .object({
        id: z.string(),
        name: z.string(),
        kind: AnyKind,
        owner: z.object({ type: z.enum(["agency", "location"]), id: z.string() }),
        agencyId: z.string(),
        scopes: z.array(z.string()),
        app: z
          .object({ id: z.string(), name: z.string() })
          .optional()
          .meta({ description: "kind oauth: the app the access token was issued to (docs/oauth.md)." }),
        install: z
          .object({ id: z.string() })
          .optional()
          .meta({ description: "kind oauth: the install (of the app, in this agency or location)." }),
      })
      .optional(),
    missingScopes: z
      .array(z.string())
      .optional()
      .meta({ description: "With insufficient_scope: the required scopes the key lacks." }),
    cache: z.literal(false).optional().meta({
      description:
        "On a valid answer, false when a client must not cache it (the SDK then asks again next time): the key has a pending inactivity action, or the token is in its rotation grace period. Absent: cacheable until an event of GET /api/verify/events says otherwise.",
    }),
    rateLimit: z
      .object({
        allowed: z.boolean(),
        retryAfter: z.number().optional().meta({ description: "Seconds to wait, when refused" }),
        limits: z.array(LimitStatusView),
      })
      .optional()
      .meta({
        description: "With consume: true, for a valid key: the decision and every limit's remaining count.",
      }),
  })
  .meta({ id: "VerifyAnswer" });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z.string(),
    detail: z.string(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

export const StatusQuery = z.object({
  status: z
    .string()
    .regex(
      /^(all|((active|expired|revoked|deleted)(,(active|expired|revoked|deleted))*))$/,
      "all, or a comma list of active, expired, revoked, deleted",
    )
    .optional(),
  includeLocations: z.enum(["true", "false"]).optional(),
});

// ── listings a page at a time (keys, users, the audit log) ──

/** `limit`: 1–200, default 50. */
export const PageLimit = z.coerce
  .number({ error: "must be a whole number from 1 to 200" })
  .int("must be a whole number from 1 to 200")
  .min(1, "must be at least 1")
  .max(200, "must be at most 200: page through longer listings with `cursor`")
  .default(50);

export const Cursor = z
  .string()
  .min(1, "must be the `nextCursor` of the previous page")
  .max(512, "must be the `nextCursor` of the previous page")
  .meta({ description: "`nextCursor` of the previous page, unchanged" });

export const SearchText = z.string().max(200, "must be at most 200 characters");

const BooleanText = z.enum(["true", "false"], { error: "must be true or false" });

export const KEY_SORTS = ["lastUsed", "created", "name"] as const;

/** `sort=name`, `sort=created:desc` …: the field, then the direction (lastUsed defaults to newest first). */
export function parseSort(s: string | undefined): [(typeof KEY_SORTS)[number], "asc" | "desc"] {
  const [field = "created", dir] = (s ?? "created").split(":") as [(typeof KEY_SORTS)[number], string?];
  return [field, (dir ?? (field === "lastUsed" ? "desc" : "asc")) as "asc" | "desc"];
}

export const KeyListQuery = StatusQuery.extend({
  q: SearchText.optional().meta({
    description: "A key's name (any part, any case), its token's last four characters, or its id",
  }),
  kind: z.enum(KEY_KINDS, { error: `must be one of ${KEY_KINDS.join(", ")}` }).optional(),
  accountId: z.string().min(1).max(64).optional().meta({
    description: "On an agency-wide listing: the agency's id (its own keys only) or one location's",
  }),
  warned: BooleanText.optional().meta({
    description: "true: keys that have had their first inactivity warning this cycle; false: the others",
  }),
  sort: z
    .string()
    .regex(
      /^(lastUsed|created|name)(:(asc|desc))?$/,
      "must be lastUsed, created or name, optionally followed by :asc or :desc (e.g. lastUsed:desc)",
    )
    .optional()
    .meta({ description: "lastUsed (default newest first), created (default), name; `:asc` or `:desc`" }),
  cursor: Cursor.optional(),
  limit: PageLimit,
}).strict();

export const UserListQuery = z.strictObject({
  q: SearchText.optional().meta({ description: "Name or e-mail (any part, any case)" }),
  role: z.enum(["admin", "user"], { error: "must be admin or user" }).optional(),
  type: z.enum(["agency", "account"], { error: "must be agency or account" }).optional(),
  disabled: BooleanText.optional(),
  cursor: Cursor.optional(),
  limit: PageLimit,
});

export const AuditListQuery = z.strictObject({
  q: SearchText.optional().meta({
    description: "An actor's name, an actor or target id, an action, or text in the recorded changes",
  }),
  action: z.string().max(100).optional().meta({ description: "An action or its prefix, e.g. `key.`" }),
  actor: z.string().max(64).optional().meta({ description: "The acting user's (or key's) id" }),
  actorId: z.string().max(64).optional().meta({ description: "Same as actor (older name)" }),
  targetId: z.string().max(64).optional(),
  targetType: z.string().max(32).optional(),
  from: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z" })
    .optional(),
  to: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" })
    .optional(),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: "Same as from (older name)" }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: "Same as to (older name)" }),
  signIns: BooleanText.optional().meta({
    description:
      "false folds successful sign-ins and sign-outs away (failed sign-ins always show); default true",
  }),
  format: z
    .enum(["json", "csv", "jsonl"], { error: "must be json, csv or jsonl" })
    .optional()
    .meta({ description: "csv or jsonl: every matching entry, streamed as a download (no paging)" }),
  cursor: Cursor.optional(),
  limit: PageLimit,
});

/** The lifecycle policy in force for an agency (its override merged over the deployment's). */
export const PolicyView = z
  .object({
    inactivityDays: z.number().int(),
    action: z.enum(INACTIVITY_ACTIONS),
    sweep: z.string().meta({ description: "A cron expression in UTC" }),
    inAppLeadsDays: z.array(z.number().int()),
    emailLeadDays: z.number().int(),
    bannerHours: z.number().int(),
  })
  .meta({ id: "Policy" });

/** The agency's digest subscribers, as the settings page shows them. */
export const DigestView = z
  .object({ subscribedAdmins: z.number().int(), noSubscriber: z.boolean() })
  .meta({ id: "Digest" });

export const AuditEntryView = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    at: z.string(),
    agencyId: z.string().nullable(),
    actorType: z.enum(["user", "key", "system", "service"]),
    actorId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    actorName: z
      .string()
      .nullable()
      .meta({ description: "The actor's name now (a person or key); null if unknown" }),
    targetName: z.string().nullable().meta({ description: "The target's name now; null if unknown or gone" }),
    userAgentShort: z.string().nullable().meta({ description: 'The user agent as "Browser N on OS"' }),
  })
  .meta({ id: "AuditEntry" });

export const AuditPage = z
  .object({
    entries: z.array(AuditEntryView),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .meta({ id: "AuditPage" });
