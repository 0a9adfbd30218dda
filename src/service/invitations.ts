/**
 * Invitations (issue 16 item 3): an agency admin invites a person by e-mail with their role,
 * locations and "manage API keys" switch; the e-mail's link (valid 7 days, single use) opens the
 * console page where they choose their password, which creates their user. Only the SHA-256 of a
 * link's token is stored; a resend makes a new token (the old link stops working) and a new expiry.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { humanDate } from "../core/clock.js";
import { ApiError, denied, notFound } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { User } from "../core/model.js";
import { canManageUsers, type Role, type UserType } from "../core/permissions.js";
import { hashToken } from "../core/token.js";
import { Email, ensure, Name, Password } from "../core/validate.js";
import { type Invitation, InvitationStore } from "../store/invitation-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import { requireActor } from "./access.js";
import type { Audit } from "./audit.js";
import type { Ctx } from "./context.js";
import { toActor, type UserService } from "./users.js";

/** How long an invitation link works (from its last sending). */
export const INVITATION_TTL_MS = 7 * 86_400_000;

/** The console page the link opens; the token travels in the fragment, so it reaches no server log. */
export const INVITATION_PATH = "/invitation";

export interface InvitationDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  users: UserService;
  /** KEYWARD_PUBLIC_URL: makes the e-mail's link absolute (relative without it). */
  publicUrl: string | undefined;
}

export interface InvitationInput {
  email: string;
  name?: string | undefined;
  type: UserType;
  role: Role;
  locationIds?: string[] | undefined;
  canManageKeys?: boolean | undefined;
}

export function publicInvitation(i: Invitation, now: number) {
  return {
    id: i.id,
    agencyId: i.agencyId,
    email: i.email,
    name: i.name,
    type: i.type,
    role: i.role,
    locationIds: i.locationIds,
    canManageKeys: i.canManageKeys,
    invitedBy: i.invitedBy,
    createdAt: new Date(i.createdAt).toISOString(),
    sentAt: new Date(i.sentAt).toISOString(),
    expiresAt: new Date(i.expiresAt).toISOString(),
    expired: i.expiresAt <= now,
  };
}

export class InvitationService {
  constructor(readonly deps: InvitationDeps) {}

  /** This service inside a caller's transaction (provisioning's, all or nothing); it caches nothing. */
  within(s: Store): InvitationService {
    return new InvitationService({ ...this.deps, store: s });
  }

  /** Checks the caller may manage the agency's people: its admins (404 for another agency). */
  private admin(ctx: Ctx, agencyId: string) {
    const actor = requireActor(ctx);
    if (actor.agencyId !== agencyId) throw notFound("Agency");
    if (!canManageUsers(actor, agencyId)) throw denied("Only agency admins can invite people.");
    return actor;
  }

  async list(ctx: Ctx, agencyId: string): Promise<Invitation[]> {
    this.admin(ctx, agencyId);
    return new InvitationStore(this.deps.store).listOpen(agencyId);
  }

  async invite(ctx: Ctx, agencyId: string, input: InvitationInput): Promise<Invitation> {
    const actor = this.admin(ctx, agencyId);
    const email = ensure(Email, input.email, "email");
    const name = input.name === undefined || input.name === "" ? null : ensure(Name, input.name, "name");
    const locationIds = input.type === "account" ? [...new Set(input.locationIds ?? [])].sort() : [];
    if (input.type === "account" && locationIds.length === 0)
      throw new ApiError("validation_failed", "A location user needs at least one location: choose one.", {
        issues: [{ field: "locationIds", message: "choose at least one location for a location user" }],
      });
    const { store, clock } = this.deps;
    return store.transaction(async (s) => {
      const agency = await s.getAgency(agencyId);
      if (!agency) throw notFound("Agency");
      if (await s.getUserByEmail(agencyId, email))
        throw new ApiError("conflict", `${email} already has a user in this agency.`, {
          issues: [{ field: "email", message: "this person already has a user here" }],
        });
      const invitations = new InvitationStore(s);
      if (await invitations.openFor(agencyId, email))
        throw new ApiError(
          "conflict",
          `${email} has already been invited: resend or cancel that invitation instead.`,
          { issues: [{ field: "email", message: "already invited: resend that invitation instead" }] },
        );
      const found = await s.listLocations(agencyId, locationIds);
      const missing = locationIds.filter((id) => !found.some((l) => l.id === id));
      if (missing.length > 0)
        throw new ApiError("validation_failed", `Unknown location: ${missing.join(", ")}.`, {
          issues: [{ field: "locationIds", message: `unknown location ${missing.join(", ")}` }],
        });
      const now = clock.now();
      const token = newToken();
      const inv: Invitation = {
        id: newId("invitation"),
        agencyId,
        email,
        name,
        type: input.type,
        role: input.role,
        locationIds,
        canManageKeys: input.canManageKeys ?? true,
        tokenHash: hashToken(token),
        invitedBy: actor.userId,
        createdAt: now,
        sentAt: now,
        expiresAt: now + INVITATION_TTL_MS,
        acceptedAt: null,
        acceptedUserId: null,
        cancelledAt: null,
      };
      await invitations.insert(inv);
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "invitation.created",
        targetType: "invitation",
        targetId: inv.id,
        after: auditInvitation(inv),
      });
      await this.send(s, inv, token, agency.name, await inviterName(s, actor.userId));
      return inv;
    });
  }

  /** Sends the invitation again with a new link (the old one stops working) valid 7 days from now. */
  async resend(ctx: Ctx, agencyId: string, invitationId: string): Promise<Invitation> {
    const actor = this.admin(ctx, agencyId);
    const { store, clock } = this.deps;
    return store.transaction(async (s) => {
      const invitations = new InvitationStore(s);
      const inv = await this.open(invitations, agencyId, invitationId);
      const agency = await s.getAgency(agencyId);
      if (!agency) throw notFound("Agency");
      const now = clock.now();
      const token = newToken();
      const after = { ...inv, tokenHash: hashToken(token), sentAt: now, expiresAt: now + INVITATION_TTL_MS };
      if (!(await invitations.renew(inv.id, after.tokenHash, now, after.expiresAt)))
        throw closed("Invitation");
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "invitation.resent",
        targetType: "invitation",
        targetId: inv.id,
        before: { expiresAt: new Date(inv.expiresAt).toISOString() },
        after: { expiresAt: new Date(after.expiresAt).toISOString() },
      });
      await this.send(s, after, token, agency.name, await inviterName(s, actor.userId));
      return after;
    });
  }

  async cancel(ctx: Ctx, agencyId: string, invitationId: string): Promise<void> {
    this.admin(ctx, agencyId);
    const { store, clock } = this.deps;
    await store.transaction(async (s) => {
      const invitations = new InvitationStore(s);
      const inv = await this.open(invitations, agencyId, invitationId);
      if (!(await invitations.close(inv.id, { cancelledAt: clock.now() }))) throw closed("Invitation");
      await this.deps.audit.record(s, ctx, {
        agencyId,
        action: "invitation.cancelled",
        targetType: "invitation",
        targetId: inv.id,
        before: auditInvitation(inv),
      });
    });
  }

  /**
   * Accepts an invitation by its link's token: creates the user with the chosen password, once.
   * An unknown, used, cancelled or expired link is refused with a code that says which (the token
   * is 256 random bits: saying which reveals nothing a guesser could use).
   */
  async accept(
    ctx: Ctx,
    input: { token: string; password: string; name?: string | undefined },
  ): Promise<User> {
    const password = ensure(Password, input.password, "password");
    const chosenName =
      input.name === undefined || input.name === "" ? undefined : ensure(Name, input.name, "name");
    const { store, clock } = this.deps;
    return store.transaction(async (s) => {
      const invitations = new InvitationStore(s);
      const inv = await invitations.byTokenHash(hashToken(input.token));
      if (!inv)
        throw new ApiError(
          "invitation_not_found",
          "This invitation link is not valid: it may have been replaced by a newer e-mail. Use the link of the latest invitation, or ask an admin to resend it.",
        );
      if (inv.acceptedAt !== null)
        throw new ApiError(
          "invitation_used",
          "This invitation has already been accepted: sign in with your e-mail and password.",
        );
      if (inv.cancelledAt !== null)
        throw new ApiError(
          "invitation_cancelled",
          "This invitation was cancelled by an admin: ask them for a new one.",
        );
      const now = clock.now();
      if (inv.expiresAt <= now)
        throw new ApiError(
          "invitation_expired",
          `This invitation expired on ${humanDate(inv.expiresAt)}: ask an admin to resend it.`,
        );
      // The sender must still be able to invite (a person removed or demoted since: their open
      // invitations were cancelled then; this holds whatever path changed them). The operator and
      // the platform's credentials invite as no person.
      const inviter = inv.invitedBy === null ? null : await s.getUser(inv.invitedBy);
      if (inviter && (inviter.disabledAt !== null || !canManageUsers(toActor(inviter), inv.agencyId)))
        throw new ApiError(
          "invitation_cancelled",
          "The admin who sent this invitation can no longer invite people: ask an admin for a new invitation.",
        );
      const name = chosenName ?? inv.name ?? inv.email.split("@")[0]!;
      // The locations may have been deleted since the invitation: keep those that still exist.
      const existing = await s.listLocations(inv.agencyId, inv.locationIds);
      const locationIds = inv.locationIds.filter((id) => existing.some((l) => l.id === id));
      if (inv.type === "account" && locationIds.length === 0)
        throw new ApiError(
          "invitation_cancelled",
          "The locations this invitation was for no longer exist: ask an admin for a new invitation.",
        );
      const acceptCtx: Ctx = { ...ctx, actorType: "user", actorId: null };
      const user = await this.deps.users.insertUser(acceptCtx, s, inv.agencyId, {
        email: inv.email,
        name,
        password,
        type: inv.type,
        role: inv.role,
        locationIds,
        canManageKeys: inv.canManageKeys,
      });
      if (!(await invitations.close(inv.id, { acceptedAt: now, acceptedUserId: user.id })))
        throw new ApiError("invitation_used", "This invitation has already been accepted: sign in instead.");
      await this.deps.audit.record(
        s,
        { ...acceptCtx, actorId: user.id },
        {
          agencyId: inv.agencyId,
          action: "invitation.accepted",
          targetType: "invitation",
          targetId: inv.id,
          after: { userId: user.id },
        },
      );
      return user;
    });
  }

  private async open(invitations: InvitationStore, agencyId: string, id: string): Promise<Invitation> {
    const inv = await invitations.get(id);
    if (!inv || inv.agencyId !== agencyId) throw notFound("Invitation");
    if (inv.acceptedAt !== null || inv.cancelledAt !== null) throw closed("Invitation");
    return inv;
  }

  private async send(s: Store, inv: Invitation, token: string, agencyName: string, inviter: string) {
    const base = (this.deps.publicUrl ?? "").replace(/\/$/, "");
    const link = `${base}${INVITATION_PATH}#token=${token}`;
    const mail = invitationEmail({
      agencyName,
      inviter,
      link,
      expiresAt: inv.expiresAt,
      role: roleWords(inv),
    });
    await enqueueEmail(s, this.deps.clock, {
      agencyId: inv.agencyId,
      kind: "invitation",
      to: [inv.email],
      ...mail,
    });
  }
}

const closed = (what: string) =>
  new ApiError("invalid_state", `${what} has already been accepted or cancelled.`);

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

async function inviterName(s: Store, userId: string): Promise<string> {
  return (await s.getUser(userId))?.name ?? "An admin";
}

function roleWords(i: Invitation): string {
  const kind = i.type === "agency" ? "agency" : "location";
  return `${kind} ${i.role}`;
}

function auditInvitation(i: Invitation): Record<string, unknown> {
  return {
    email: i.email,
    name: i.name,
    type: i.type,
    role: i.role,
    locationIds: i.locationIds,
    canManageKeys: i.canManageKeys,
    expiresAt: new Date(i.expiresAt).toISOString(),
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The invitation e-mail. Kept beside the use-case that sends it (as legacy.ts keeps its security
 * e-mail): `notify/` sits above the services, which may not import it.
 */
export function invitationEmail(input: {
  agencyName: string;
  inviter: string;
  link: string;
  expiresAt: number;
  role: string;
}): { subject: string; text: string; html: string } {
  const subject = `${input.inviter} invited you to ${input.agencyName} on Keyward`;
  const lines = [
    `${input.inviter} invited you to join ${input.agencyName} on Keyward as ${input.role}.`,
    "",
    "Choose your password to accept:",
    input.link,
    "",
    `The link works once, until ${humanDate(input.expiresAt)}. If you did not expect this invitation, ignore this e-mail.`,
  ];
  const html =
    `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#111;max-width:600px">` +
    `<p>${esc(lines[0]!)}</p>` +
    `<p><a href="${esc(input.link)}">Choose your password and accept</a></p>` +
    `<p style="color:#6b7280;font-size:13px">${esc(lines[5]!)}</p>` +
    `</body></html>`;
  return { subject, text: `${lines.join("\n")}\n`, html };
}
