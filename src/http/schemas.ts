/** Request and response schemas shared by the routes and the OpenAPI document. */
import { isIP } from "node:net";
import { z } from "zod";
import { INACTIVITY_ACTIONS } from "../core/lifecycle.js";
import { DEFAULT_PLAN, PLANS } from "../core/permissions.js";
import { KEY_KINDS, MAX_ROTATION_GRACE_SECONDS } from "../core/token.js";
import { Description, Email, Name, Password } from "../core/validate.js";

const ScopeList = z.array(z.string().max(100)).max(100, "at most 100 scopes");
const Kind = z.enum(KEY_KINDS);

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

export const CreateKeyBody = z
  .strictObject({
    name: Name,
    kind: Kind.optional(),
    description: Description.optional(),
    scopes: ScopeList.optional(),
    locationIds: KeyLocationIds.optional(),
    ipAllowlist: IpAllowlist.optional(),
  })
  .meta({ id: "CreateKey" });

export const EditKeyBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.optional(),
    scopes: ScopeList.optional(),
    locationIds: KeyLocationIds.optional(),
    ipAllowlist: IpAllowlist.optional(),
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
  })
  .meta({ id: "VerifyRequest" });

export const VerifyAnswer = z
  .object({
    valid: z.boolean(),
    code: z.string(),
    message: z.string().optional(),
    key: z
      .object({
        id: z.string(),
        name: z.string(),
        kind: Kind,
        owner: z.object({ type: z.enum(["agency", "location"]), id: z.string() }),
        agencyId: z.string(),
        scopes: z.array(z.string()),
      })
      .optional(),
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
  })
  .meta({ id: "AuditEntry" });
