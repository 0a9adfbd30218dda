/**
 * People beyond the user list (issue 16 items 3 and 4): invitations by e-mail and their acceptance,
 * re-enabling a removed user, and the signed-in person's own sessions.
 */
import { setCookie } from "hono/cookie";
import { z } from "zod";
import { Email, Name, Password } from "../../core/validate.js";
import { publicInvitation } from "../../service/invitations.js";
import { publicUser } from "../../service/users.js";
import { checkOrigin, clientOf, isHttps, SESSION_COOKIE } from "../auth.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { UserView } from "../schemas.js";

const AgencyInvitationParams = IdParam("agencyId").extend(IdParam("invitationId").shape);

const InvitationBody = z
  .strictObject({
    email: Email,
    name: Name.optional().describe("Suggested name; the invitee may change it when accepting"),
    type: z
      .enum(["agency", "account"])
      .describe("agency: the agency and all its locations; account: the locations listed"),
    role: z.enum(["admin", "user"]),
    locationIds: z.array(z.string().min(1).max(64)).max(1000).optional(),
    canManageKeys: z.boolean().optional().describe('The "manage API keys" switch (default on)'),
  })
  .refine((u) => u.type === "agency" || (u.locationIds?.length ?? 0) > 0, {
    message: "choose at least one location for a location user",
    path: ["locationIds"],
  })
  .meta({ id: "InvitationInput" });

export const InvitationView = z
  .object({
    id: z.string(),
    agencyId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    type: z.enum(["agency", "account"]),
    role: z.enum(["admin", "user"]),
    locationIds: z.array(z.string()),
    canManageKeys: z.boolean(),
    invitedBy: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string(),
    expiresAt: z.string(),
    expired: z.boolean().describe("The link no longer works: resend the invitation for a new one"),
  })
  .meta({ id: "Invitation" });

const AcceptBody = z
  .strictObject({
    token: z.string().min(1).max(200).describe("The token from the invitation link (after #token=)"),
    password: Password,
    name: Name.optional(),
  })
  .meta({ id: "InvitationAccept" });

const SessionView = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string().describe("When it was last used (up to a minute behind)"),
    expiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe("The session making this request"),
  })
  .meta({ id: "Session" });

export function peopleRoutes(r: Router, deps: Deps): void {
  const now = () => deps.clock.now();

  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/invitations",
      summary: "Open invitations (agency admins)",
      description:
        "Invitations neither accepted nor cancelled, newest first; expired ones say so (`expired`).",
      tags: ["Users"],
      auth: "session",
      params: IdParam("agencyId"),
      responses: {
        200: { description: "Invitations", schema: z.object({ invitations: z.array(InvitationView) }) },
      },
    },
    async (c, { params }, reply) => {
      const list = await deps.invitations.list(c.get("ctx"), params.agencyId);
      return reply.json(c, 200, { invitations: list.map((i) => publicInvitation(i, now())) });
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/invitations",
      summary: "Invite a person by e-mail (agency admins)",
      description:
        'Sends an e-mail whose link (valid 7 days, single use) opens the console\'s page for choosing a password, which creates the user with this role, these locations and this "manage API keys" switch. 409 conflict when the address already has a user in the agency or an open invitation. Audited (invitation.created).',
      tags: ["Users"],
      auth: "session",
      params: IdParam("agencyId"),
      body: InvitationBody,
      responses: { 201: { description: "Invited", schema: InvitationView } },
    },
    async (c, { params, body }, reply) => {
      const inv = await deps.invitations.invite(c.get("ctx"), params.agencyId, body);
      return reply.json(c, 201, publicInvitation(inv, now()));
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/agencies/{agencyId}/invitations/{invitationId}/resend",
      summary: "Send an invitation again, with a new link",
      description:
        "The previous link stops working; the new one is valid 7 days from now. Audited (invitation.resent).",
      tags: ["Users"],
      auth: "session",
      params: AgencyInvitationParams,
      responses: { 200: { description: "Sent again", schema: InvitationView } },
    },
    async (c, { params }, reply) => {
      const inv = await deps.invitations.resend(c.get("ctx"), params.agencyId, params.invitationId);
      return reply.json(c, 200, publicInvitation(inv, now()));
    },
  );

  r.add(
    {
      method: "delete",
      path: "/api/agencies/{agencyId}/invitations/{invitationId}",
      summary: "Cancel an invitation",
      description: "Its link stops working at once. Audited (invitation.cancelled).",
      tags: ["Users"],
      auth: "session",
      params: AgencyInvitationParams,
      responses: { 204: { description: "Cancelled" } },
    },
    async (c, { params }, reply) => {
      await deps.invitations.cancel(c.get("ctx"), params.agencyId, params.invitationId);
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/invitations/accept",
      summary: "Accept an invitation: choose a password (public)",
      description:
        "The token comes from the invitation e-mail's link. Creates the user and signs them in (session cookie). Refused with 404 invitation_not_found (unknown or replaced link), 409 invitation_used, 410 invitation_cancelled or 410 invitation_expired; unknown links count as failed attempts of the address (429 too_many_failures when there are too many).",
      tags: ["Sign-in"],
      auth: "none",
      body: AcceptBody,
      responses: { 201: { description: "Accepted and signed in", schema: z.object({ user: UserView }) } },
    },
    async (c, { body }, reply) => {
      checkOrigin(c, deps);
      const { ip, userAgent } = clientOf(c, deps);
      deps.attempts.refuseBlockedAddress(ip);
      const ctx = { actor: null, actorType: "user" as const, actorId: null, ip, userAgent };
      let user: Awaited<ReturnType<typeof deps.invitations.accept>>;
      try {
        user = await deps.invitations.accept(ctx, body);
      } catch (err) {
        // An unknown link is a guess at one: counted like a failed token, per address.
        if ((err as { code?: string }).code === "invitation_not_found")
          deps.attempts.failedAuthFrom(ip, "token");
        throw err;
      }
      const s = await deps.sessions.login(user.email, body.password, ip, userAgent, user.agencyId);
      setCookie(c, SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: "Lax",
        secure: isHttps(c, deps),
        path: "/",
        maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
      });
      return reply.json(c, 201, { user: publicUser(user) });
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/users/{userId}/enable",
      summary: "Re-enable a removed user (agency admins)",
      description:
        "They can sign in again with their password; sessions ended when they were removed stay ended. Audited (user.enabled). A user who is not disabled is answered unchanged.",
      tags: ["Users"],
      auth: "session",
      params: IdParam("userId"),
      responses: { 200: { description: "The user", schema: UserView } },
    },
    async (c, { params }, reply) =>
      reply.json(c, 200, publicUser(await deps.users.enableUser(c.get("ctx"), params.userId))),
  );

  r.add(
    {
      method: "get",
      path: "/api/me/sessions",
      summary: "Your sessions",
      description: "Every session you are signed in with, most recently used first; `current` is this one.",
      tags: ["Sign-in"],
      auth: "session",
      responses: { 200: { description: "Sessions", schema: z.object({ sessions: z.array(SessionView) }) } },
    },
    async (c, _, reply) => reply.json(c, 200, { sessions: await deps.profile.sessions(c.get("ctx")) }),
  );

  r.add(
    {
      method: "post",
      path: "/api/me/sessions/sign-out-others",
      summary: "Sign out of your other sessions",
      description: "Ends every session of yours but this one. Audited (session.signed_out_others).",
      tags: ["Sign-in"],
      auth: "session",
      responses: {
        200: { description: "How many ended", schema: z.object({ signedOut: z.number().int() }) },
      },
    },
    async (c, _, reply) => reply.json(c, 200, { signedOut: await deps.profile.signOutOthers(c.get("ctx")) }),
  );
}
