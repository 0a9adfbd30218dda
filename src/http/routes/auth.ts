import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { MAX_ROTATION_GRACE_SECONDS } from "../../core/token.js";
import { publicAgency, publicLocation } from "../../service/accounts.js";
import { publicUser } from "../../service/users.js";
import { checkOrigin, clientOf, isHttps, SESSION_COOKIE } from "../auth.js";
import type { Deps } from "../env.js";
import type { Router } from "../route.js";
import { AgencyView, LocationView, LoginBody, UserView } from "../schemas.js";

const Me = z
  .object({
    user: UserView,
    agency: AgencyView,
    locations: z.array(LocationView),
    permissions: z.object({
      seeAgencyKeys: z.boolean(),
      manageAgencyKeys: z.boolean(),
      manageLocationKeys: z.array(z.string()),
      changeAgencySettings: z.boolean(),
    }),
    limits: z.object({
      rotationGraceMaxSeconds: z
        .number()
        .int()
        .describe('The longest expireOldAfterSeconds a rotation accepts: the console\'s "expire later".'),
    }),
    clientIp: z.string().nullable().meta({
      description:
        "The address this server sees for you (X-Forwarded-For honoured with KEYWARD_TRUST_PROXY): what an IP allowlist is matched against",
    }),
  })
  .meta({ id: "Me" });

export function authRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "post",
      path: "/api/auth/login",
      summary: "Sign in",
      description:
        "Sets an HTTP-only session cookie. Send an Origin header naming this service. When the e-mail and password open accounts in several agencies, the answer is 409 agency_choice_required with `agencies` (id and name of those only): send the request again with `agencyId`. Too many failed sign-ins for one account or from one address answer 429 `too_many_attempts` with Retry-After, whether or not the account exists.",
      tags: ["Sign-in"],
      auth: "none",
      body: LoginBody,
      responses: { 200: { description: "Signed in", schema: z.object({ user: UserView }) } },
    },
    async (c, { body }, reply) => {
      checkOrigin(c, deps);
      const { ip, userAgent } = clientOf(c, deps);
      const s = await deps.attempts.signIn(
        body.email,
        ip,
        userAgent,
        () => deps.sessions.login(body.email, body.password, ip, userAgent, body.agencyId),
        { agencyId: body.agencyId },
      );
      setCookie(c, SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: "Lax",
        secure: isHttps(c, deps),
        path: "/",
        maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
      });
      return reply.json(c, 200, { user: publicUser(s.user) });
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/auth/logout",
      summary: "Sign out",
      tags: ["Sign-in"],
      auth: "session",
      responses: { 204: { description: "Signed out" } },
    },
    async (c, _, reply) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await deps.sessions.logout(token);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return reply.empty(c, 204);
    },
  );

  r.add(
    {
      method: "get",
      path: "/api/me",
      summary: "Who am I, and what may I do",
      tags: ["Sign-in"],
      auth: "session",
      responses: { 200: { description: "The signed-in user", schema: Me } },
    },
    async (c, { user }, reply) => {
      const { agency, locations, permissions } = await deps.accounts.overview(c.get("ctx"));
      return reply.json(c, 200, {
        user: publicUser(user),
        agency: publicAgency(agency),
        locations: locations.map(publicLocation),
        permissions,
        limits: { rotationGraceMaxSeconds: MAX_ROTATION_GRACE_SECONDS },
        // The address this server sees for the admin (KEYWARD_TRUST_PROXY honoured): the console
        // warns before saving an IP allowlist that leaves it out.
        clientIp: clientOf(c, deps).ip,
      });
    },
  );
}
