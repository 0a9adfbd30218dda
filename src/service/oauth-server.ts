/**
 * The OAuth 2.0 protocol endpoints (docs/oauth.md). The authorization code flow with PKCE, the
 * `client_credentials` grant and client authentication (HTTP Basic or the form, RFC 6749 §2.3.1) are
 * @node-oauth/oauth2-server's, run over Keyward's storage through its model functions: Keyward mints
 * the tokens (`kw_oat_…` access tokens are keys of kind `oauth`, `kw_ort_…` refresh tokens), stores
 * hashes only, and keeps time with its injected clock. The refresh grant is Keyward's own class,
 * given to the library as the `refresh_token` grant: rotation, reuse detection and the 30-second
 * idempotency window need one transaction around the whole exchange, which the library's separate
 * model calls cannot give. Revocation (RFC 7009), introspection (RFC 7662), the metadata (RFC 8414)
 * and location tokens are small and written here on the same storage.
 */
import { timingSafeEqual } from "node:crypto";
import OAuth2Server from "@node-oauth/oauth2-server";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import {
  ACCESS_TOKEN_TTL_MS,
  CODE_CHALLENGE,
  CODE_TTL_MS,
  parseScopeParam,
  REFRESH_REPLAY_WINDOW_MS,
  REFRESH_TOKEN_TTL_MS,
  redirectUriMatches,
} from "../core/oauth.js";
import { planAllowsAgencyKeys } from "../core/permissions.js";
import type { ScopeCatalogue } from "../core/scopes.js";
import type { SecretBox } from "../core/secretbox.js";
import { generateToken, hashToken, inspectToken } from "../core/token.js";
import type { AuthorizeParams, OAuthApp, OAuthInstall } from "../store/oauth-store.js";
import type { Store } from "../store/store.js";
import type { Ctx } from "./context.js";
import type { OAuthService } from "./oauth.js";
import type { UseInfo } from "./usage.js";
import type { Verifier } from "./verify.js";

const {
  Request,
  Response,
  AbstractGrantType,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  UnauthorizedClientError,
} = OAuth2Server;

export interface OAuthProtocolDeps {
  store: Store;
  clock: Clock;
  oauth: OAuthService;
  verifier: Verifier;
  scopes: ScopeCatalogue;
  /** Seals a refreshed pair for the idempotency window (deployment secret, its own purpose). */
  box: SecretBox;
  prefix: string;
}

/** What an OAuth endpoint answers: OAuth's own JSON (`{error, error_description}` on failure). */
export interface OAuthAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
}

/** What GET /oauth/authorize does: an error page (no redirect), or a redirect. */
export type AuthorizeOutcome = { page: { status: number; message: string } } | { redirect: string };

interface Client {
  id: string;
  grants: string[];
  redirectUris: string[];
  app: OAuthApp;
}

interface InstallUser {
  install: OAuthInstall;
  app: OAuthApp;
  /** The authorization request named no redirect_uri (RFC 6749 §4.1.3: then the token request need not). */
  redirectUriOmitted?: boolean;
}

/** A refreshed pair as kept (sealed) for the idempotency window. */
interface Pair {
  accessToken: string;
  /** None for client_credentials. */
  refreshToken: string | null;
  scopes: string[];
  accessExpiresAt: number;
  refreshExpiresAt: number;
}

const SECONDS = (ms: number) => Math.round(ms / 1000);

/** The uninstall reason of an admin's uninstall (console or API): client_credentials respects it. */
const ADMIN_UNINSTALL = "uninstalled";

function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): OAuthAnswer {
  return {
    status,
    headers: { "cache-control": "no-store", ...headers },
    body: { error, error_description: description },
  };
}

/**
 * A name (the developer's text: any Unicode, quotes, backslashes) in single quotes, written in the
 * characters RFC 6749 §5.2 allows in error_description (printable ASCII but `"` and `\`): accents
 * dropped, `"` and `\` and anything else outside it replaced.
 */
function quotedName(name: string): string {
  const ascii = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/"/g, "'")
    .replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "?");
  return `'${ascii}'`;
}

/** Equal hex digests, compared in constant time. */
function sameHash(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

export class OAuthProtocol {
  private readonly server: OAuth2Server;
  /**
   * The authorize side: the same model, but the client is named, not authenticated (no secret at
   * /oauth/authorize; the person's consent is what authorizes the code).
   */
  private readonly authorizer: OAuth2Server;

  constructor(private readonly deps: OAuthProtocolDeps) {
    const protocol = this;
    /** The refresh grant, rotating in one transaction (see the file's note). */
    class RotatingRefreshGrant extends AbstractGrantType {
      async handle(request: OAuth2Server.Request, client: OAuth2Server.Client): Promise<OAuth2Server.Token> {
        return protocol.refresh(
          request.body?.refresh_token,
          client as unknown as Client,
          request.body?.scope,
        );
      }
    }
    this.server = new OAuth2Server({
      // The model implements the authorization_code, client_credentials and refresh grants' functions;
      // `getAccessToken` (the library's resource-server side) is not used: the verifier is Keyward's.
      model: this.model() as unknown as OAuth2Server.AuthorizationCodeModel,
      accessTokenLifetime: SECONDS(ACCESS_TOKEN_TTL_MS),
      refreshTokenLifetime: SECONDS(REFRESH_TOKEN_TTL_MS),
      authorizationCodeLifetime: SECONDS(CODE_TTL_MS),
      allowExtendedTokenAttributes: true,
      // Public clients send no secret: the model refuses a confidential client without one.
      requireClientAuthentication: { authorization_code: false, refresh_token: false },
      extendedGrantTypes: { refresh_token: RotatingRefreshGrant as unknown as typeof AbstractGrantType },
    });
    this.authorizer = new OAuth2Server({
      model: {
        ...this.model(),
        getClient: (clientId: string) => this.clientOf(clientId).then((c) => c ?? false),
        // Exact, but any port on a loopback IP literal (RFC 8252 §7.3), as at /oauth/authorize.
        validateRedirectUri: async (uri: string, client: Client) =>
          redirectUriMatches(client.redirectUris, uri),
      } as unknown as OAuth2Server.AuthorizationCodeModel,
      authorizationCodeLifetime: SECONDS(CODE_TTL_MS),
    });
  }

  private get clock() {
    return this.deps.clock;
  }

  private async clientOf(clientId: string): Promise<Client | null> {
    const app = await this.deps.store.oauth().getAppByClientId(clientId);
    if (!app) return null;
    return {
      id: app.id,
      grants: app.publicClient
        ? ["authorization_code", "refresh_token"]
        : ["authorization_code", "refresh_token", "client_credentials"],
      redirectUris: app.redirectUris,
      app,
    };
  }

  /** Client authentication: a confidential client's current secret, or its previous one during a rotation's grace. */
  async authenticateClient(clientId: string, secret: string | null | undefined): Promise<Client | null> {
    const client = await this.clientOf(clientId);
    if (!client) return null;
    const app = client.app;
    if (app.publicClient) return secret ? null : client;
    if (!secret) return null;
    const hash = hashToken(secret);
    if (sameHash(app.secretHash, hash)) return client;
    if (
      app.previousValidUntil !== null &&
      this.clock.now() < app.previousValidUntil &&
      sameHash(app.previousSecretHash, hash)
    )
      return client;
    return null;
  }

  /** The library's model: Keyward's tokens, storage and clock. */
  private model() {
    const { store, oauth, prefix } = this.deps;
    const clock = this.clock;
    return {
      getClient: (clientId: string, secret: string | null) =>
        this.authenticateClient(clientId, secret).then((c) => c ?? false),

      saveAuthorizationCode: async (
        code: OAuth2Server.AuthorizationCode,
        client: Client,
        user: InstallUser,
      ): Promise<OAuth2Server.AuthorizationCode> => {
        const now = clock.now();
        await store.oauth().insertCode({
          hash: hashToken(code.authorizationCode),
          appId: client.id,
          installId: user.install.id,
          // Empty: the token request need not name it (the authorization request did not).
          redirectUri: user.redirectUriOmitted ? "" : code.redirectUri,
          scopes: (code.scope as string[] | undefined) ?? user.install.scopes,
          codeChallenge: code.codeChallenge ?? null,
          codeChallengeMethod: code.codeChallengeMethod ?? null,
          createdAt: now,
          expiresAt: now + CODE_TTL_MS,
          usedAt: null,
        });
        return { ...code, client: client as never, user };
      },

      getAuthorizationCode: async (code: string) => {
        const row = await store.oauth().getCode(hashToken(code));
        if (!row) return false;
        // A spent code presented again: whoever holds it is not to be trusted, nor what it issued. It
        // is judged in revokeAuthorizationCode, after the library has checked the code is this
        // client's: another app presenting it (a public client needs no secret) must not be able to
        // revoke an install that is not its own.
        if (row.usedAt !== null)
          return {
            authorizationCode: code,
            expiresAt: new Date(Date.now() + 60_000),
            redirectUri: row.redirectUri || undefined,
            scope: row.scopes,
            client: { id: row.appId },
            user: { spentOf: row.installId },
          };
        if (clock.now() >= row.expiresAt)
          throw new InvalidGrantError("Invalid grant: authorization code has expired");
        const install = await store.oauth().getInstall(row.installId);
        const app = await store.oauth().getApp(row.appId);
        if (!install || install.uninstalledAt !== null || !app) return false;
        return {
          authorizationCode: code,
          // The library checks expiry against the wall clock: Keyward's clock has judged it already.
          expiresAt: new Date(Date.now() + 60_000),
          redirectUri: row.redirectUri || undefined,
          scope: row.scopes,
          client: { id: row.appId },
          user: { install, app } satisfies InstallUser,
          ...(row.codeChallenge
            ? { codeChallenge: row.codeChallenge, codeChallengeMethod: row.codeChallengeMethod ?? "S256" }
            : {}),
        };
      },

      revokeAuthorizationCode: async (code: OAuth2Server.AuthorizationCode) => {
        const spentOf = (code.user as { spentOf?: string }).spentOf;
        if (spentOf !== undefined) {
          await oauth.revokeFamily(spentOf, "authorization_code_reused");
          throw new InvalidGrantError(
            "Invalid grant: the authorization code was already used; the tokens it issued are revoked",
          );
        }
        const hash = hashToken(code.authorizationCode);
        if (await store.oauth().useCode(hash, clock.now())) return true;
        // Read unspent, but spent by a redemption racing this one (another node, an attacker who
        // intercepted it): a code used twice revokes what it issued, whichever came second.
        const row = await store.oauth().getCode(hash);
        if (row) await oauth.revokeFamily(row.installId, "authorization_code_reused");
        throw new InvalidGrantError(
          "Invalid grant: the authorization code was already used; the tokens it issued are revoked",
        );
      },

      validateScope: async (user: InstallUser, _client: Client, scope: string[] | undefined) => {
        const allowed = user.install.scopes;
        if (!scope || scope.length === 0) return allowed;
        return scope.every((s) => allowed.includes(s)) ? scope : false;
      },

      generateAccessToken: async () => generateToken(prefix, "oauth"),
      generateRefreshToken: async () => generateToken(prefix, "oauth_refresh"),

      saveToken: async (token: OAuth2Server.Token, client: Client, user: InstallUser) => {
        const scopes = (token.scope as string[] | undefined) ?? user.install.scopes;
        const now = clock.now();
        await store.transaction(async (s) => {
          const install = await s.oauth().getInstall(user.install.id, true);
          if (!install || install.uninstalledAt !== null)
            throw new InvalidGrantError("Invalid grant: the app was uninstalled");
          await this.refusePlan(s, client.app, install);
          await oauth.issueAccessKey(s, client.app, install, scopes, install.locationId, token.accessToken);
          if (token.refreshToken)
            await s.oauth().insertRefreshToken({
              hash: hashToken(token.refreshToken),
              appId: client.id,
              installId: install.id,
              scopes,
              createdAt: now,
              expiresAt: now + REFRESH_TOKEN_TTL_MS,
              usedAt: null,
              revokedAt: null,
              nextPairEnc: null,
            });
        });
        return this.tokenAnswer(
          {
            accessToken: token.accessToken,
            refreshToken: token.refreshToken ?? null,
            scopes,
            accessExpiresAt: now + ACCESS_TOKEN_TTL_MS,
            refreshExpiresAt: now + REFRESH_TOKEN_TTL_MS,
          },
          client,
          user.install,
        );
      },

      /**
       * client_credentials: the app acting for its own agency, through an install there, made on
       * first use — once (migration 015's unique index: racing first calls share one install), and
       * never again after an admin removed it: an admin's uninstall sticks until an admin installs
       * the app again (consent, or POST /api/apps/{appId}/install).
       */
      getUserFromClient: async (client: Client): Promise<InstallUser | false> => {
        const app = client.app;
        const existing = await store.oauth().findActiveInstall(app.id, app.agencyId, null);
        if (existing) return { install: existing, app };
        const ended = await store.oauth().lastEndedAgencyInstall(app.id, app.agencyId);
        if (ended && ended.uninstallReason === ADMIN_UNINSTALL)
          throw new UnauthorizedClientError(
            // RFC 6749 §5.2's charset: no double quote, nothing beyond printable ASCII.
            `An admin uninstalled ${quotedName(app.name)} from its own agency on ${new Date(ended.uninstalledAt!).toISOString()}: client_credentials does not install it again. An agency admin must install it again (console: Your apps, 'Install in this agency'; or POST /api/apps/${app.id}/install)`,
          );
        const install: OAuthInstall = {
          id: newId("oauthInstall"),
          appId: app.id,
          agencyId: app.agencyId,
          locationId: null,
          locationIds: null,
          scopes: app.scopes,
          installedBy: null,
          installedAt: clock.now(),
          lastUsedAt: null,
          uninstalledAt: null,
        };
        await store.transaction(async (s) => {
          if (await s.oauth().insertInstallIfNone(install))
            await oauth.recordInstalled(s, appCtx(app), app, install);
        });
        // Ours, or the one a racing first call made.
        const current = await store.oauth().findActiveInstall(app.id, app.agencyId, null);
        return current ? { install: current, app } : false;
      },
    };
  }

  /** An agency install needs Agency Pro: a downgrade suspends it (`plan_required`). */
  private async refusePlan(s: Store, app: OAuthApp, install: OAuthInstall): Promise<void> {
    if (install.locationId !== null) return;
    const agency = await s.getAgency(install.agencyId);
    if (agency && !planAllowsAgencyKeys(agency.plan))
      throw new InvalidGrantError(
        `plan_required: ${quotedName(app.name)} is installed for the agency, which needs the agency_pro plan (this agency is on ${agency.plan}); the install is suspended`,
      );
  }

  /** The token the library answers from: lifetimes relative to the wall clock it reads, from Keyward's. */
  private tokenAnswer(pair: Pair, client: Client, install: OAuthInstall): OAuth2Server.Token {
    const now = this.clock.now();
    // The library floors (expiresAt − its now) to seconds: the spare 999 ms keep `expires_in` whole.
    const at = (t: number) => new Date(Date.now() + (t - now) + 999);
    return {
      accessToken: pair.accessToken,
      accessTokenExpiresAt: at(pair.accessExpiresAt),
      ...(pair.refreshToken
        ? {
            refreshToken: pair.refreshToken,
            refreshTokenExpiresAt: new Date(Date.now() + (pair.refreshExpiresAt - now)),
          }
        : {}),
      scope: pair.scopes,
      client: client as never,
      user: { install },
      // Extension fields (allowExtendedTokenAttributes): which install the tokens are of.
      install_id: install.id,
      agency_id: install.agencyId,
      location_id: install.locationId,
    } as OAuth2Server.Token;
  }

  /**
   * The refresh grant: in one transaction, the refresh token is locked, spent, and replaced by a new
   * pair. Used again within 30 s: the same new pair (sealed in the spent row). Later: a replay —
   * the whole install's token family is revoked.
   */
  async refresh(plaintext: unknown, client: Client, scopeParam: unknown): Promise<OAuth2Server.Token> {
    if (typeof plaintext !== "string" || plaintext === "")
      throw new InvalidRequestError("Missing parameter: `refresh_token`");
    const { store, oauth, box, prefix } = this.deps;
    const requested = parseScopeParam(typeof scopeParam === "string" ? scopeParam : null);
    const hash = hashToken(plaintext);
    const outcome = await store.transaction(async (s) => {
      const rt = await s.oauth().getRefreshTokenForUpdate(hash);
      if (!rt || rt.appId !== client.id)
        throw new InvalidGrantError("Invalid grant: refresh token is invalid");
      if (rt.revokedAt !== null) throw new InvalidGrantError("Invalid grant: refresh token was revoked");
      const now = this.clock.now();
      if (now >= rt.expiresAt) throw new InvalidGrantError("Invalid grant: refresh token has expired");
      const install = await s.oauth().getInstall(rt.installId);
      if (!install || install.uninstalledAt !== null)
        throw new InvalidGrantError("Invalid grant: the app was uninstalled");
      if (rt.usedAt !== null) {
        if (now - rt.usedAt <= REFRESH_REPLAY_WINDOW_MS && rt.nextPairEnc)
          return { replay: JSON.parse(box.open(rt.nextPairEnc)) as Pair, install };
        return { reused: install.id };
      }
      await this.refusePlan(s, client.app, install);
      const scopes = requested.length === 0 ? rt.scopes : requested;
      if (!scopes.every((x) => rt.scopes.includes(x)))
        throw new InvalidScopeError("Invalid scope: a refresh may narrow the scopes, never widen them");
      const access = await oauth.issueAccessKey(s, client.app, install, scopes);
      const refreshToken = generateToken(prefix, "oauth_refresh");
      const pair: Pair = {
        accessToken: access.token,
        refreshToken,
        scopes,
        accessExpiresAt: now + ACCESS_TOKEN_TTL_MS,
        refreshExpiresAt: now + REFRESH_TOKEN_TTL_MS,
      };
      await s.oauth().insertRefreshToken({
        hash: hashToken(refreshToken),
        appId: client.id,
        installId: install.id,
        scopes: rt.scopes,
        createdAt: now,
        expiresAt: pair.refreshExpiresAt,
        usedAt: null,
        revokedAt: null,
        nextPairEnc: null,
      });
      await s.oauth().markRefreshUsed(hash, now, box.seal(JSON.stringify(pair)));
      // Nothing secret outlives its window.
      await s.oauth().forgetPairs(now - REFRESH_REPLAY_WINDOW_MS);
      return { replay: pair, install };
    });
    if ("reused" in outcome) {
      await oauth.revokeFamily(outcome.reused as string, "refresh_token_reused");
      throw new InvalidGrantError(
        "Invalid grant: the refresh token was already used; every token of this install is revoked (ask the user to authorize again)",
      );
    }
    return this.tokenAnswer(outcome.replay, client, outcome.install);
  }

  // ── endpoints ───────────────────────────────────────────────────────────

  /** POST /oauth/token, through the library (form-encoded body, client authentication, grants). */
  async token(headers: Record<string, string>, body: Record<string, string>): Promise<OAuthAnswer> {
    const basic = decodeBasic(headers.authorization);
    // RFC 6749 §2.3.1: Basic credentials are form-encoded before base64 (oauth4webapi sends `_` as
    // %5F); the library's parser does not decode them, so it is handed the decoded pair.
    if (basic)
      headers = {
        ...headers,
        authorization: `Basic ${Buffer.from(`${basic.id}:${basic.secret}`, "utf8").toString("base64")}`,
      };
    const request = new Request({ headers, method: "POST", query: {}, body });
    const response = new Response({ headers: {} });
    try {
      await this.server.token(request, response);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      if ((e as { code?: number }).code === 503 || e.name === "server_error")
        throw (e as { inner?: Error }).inner ?? e;
    }
    const out = (response.body ?? {}) as Record<string, unknown>;
    // RFC 6749 §5.2: a failed client authentication is 401 (WWW-Authenticate when Basic was used).
    const status = out.error === "invalid_client" ? 401 : (response.status ?? 200);
    const answerHeaders: Record<string, string> = { "cache-control": "no-store", pragma: "no-cache" };
    for (const [k, v] of Object.entries(response.headers ?? {}))
      if (typeof v === "string") answerHeaders[k.toLowerCase()] = v;
    return { status, headers: answerHeaders, body: out };
  }

  /**
   * GET /oauth/authorize, before the consent page: an unknown client or an unregistered redirect URI
   * is an error page (never a redirect); other problems go back to the app (RFC 6749 §4.1.2.1).
   */
  async startAuthorization(q: Record<string, string | undefined>): Promise<AuthorizeOutcome> {
    const page = (message: string) => ({ page: { status: 400, message } });
    if (!q.client_id) return page("The request names no app: client_id is missing.");
    const client = await this.clientOf(q.client_id);
    if (!client) return page("The app is unknown: client_id does not name a registered app.");
    const app = client.app;
    let redirectUri = q.redirect_uri;
    if (redirectUri === undefined) {
      if (app.redirectUris.length !== 1)
        return page("redirect_uri is missing, and the app registered several: the app must say which.");
      redirectUri = app.redirectUris[0]!;
    }
    if (!redirectUriMatches(app.redirectUris, redirectUri))
      return page("redirect_uri does not exactly match any redirect URI the app registered.");
    const state = q.state ?? null;
    const back = (error: string, description: string) => ({
      redirect: withParams(redirectUri, { error, error_description: description, state }),
    });
    if (state !== null && (state.length > 1000 || !/^[\x20-\x7e]*$/.test(state)))
      return back("invalid_request", "state must be at most 1000 printable ASCII characters");
    if (q.response_type !== "code")
      return back("unsupported_response_type", "Only response_type=code is supported (with PKCE)");
    const scopes = parseScopeParam(q.scope);
    const asked = scopes.length === 0 ? app.scopes : scopes;
    const beyond = asked.filter((s) => !app.scopes.includes(s));
    if (beyond.length > 0)
      return back("invalid_scope", `Scopes the app did not register: ${beyond.join(" ")}`);
    const method = q.code_challenge_method;
    const challenge = q.code_challenge;
    if (method !== undefined && method !== "S256")
      return back("invalid_request", 'code_challenge_method must be "S256" (plain is not allowed)');
    if (challenge === undefined && method !== undefined)
      return back("invalid_request", "code_challenge is missing");
    if (challenge !== undefined && !CODE_CHALLENGE.test(challenge))
      return back(
        "invalid_request",
        "code_challenge must be 43 to 128 characters of [A-Za-z0-9._~-] (BASE64URL of SHA-256)",
      );
    if (app.publicClient && challenge === undefined)
      return back(
        "invalid_request",
        "PKCE is required for a public client: send code_challenge with code_challenge_method=S256",
      );
    const params: AuthorizeParams = {
      clientId: app.clientId,
      redirectUri,
      scopes: asked,
      state,
      codeChallenge: challenge ?? null,
      codeChallengeMethod: challenge ? "S256" : null,
      ...(q.redirect_uri === undefined ? { redirectUriOmitted: true } : {}),
    };
    const req = await this.deps.oauth.createRequest(app, params);
    if (!req)
      return back(
        "temporarily_unavailable",
        "Too many authorization requests of this app are waiting for a decision; try again in a few minutes",
      );
    return { redirect: `/oauth/consent?request=${encodeURIComponent(req.id)}` };
  }

  /** Issues the code after consent, through the library's authorize handler: the redirect back to the app. */
  async issueCode(app: OAuthApp, install: OAuthInstall, p: AuthorizeParams): Promise<string> {
    const query: Record<string, string> = {
      response_type: "code",
      client_id: p.clientId,
      redirect_uri: p.redirectUri,
      scope: p.scopes.join(" "),
    };
    if (p.state) query.state = p.state;
    if (p.codeChallenge) {
      query.code_challenge = p.codeChallenge;
      query.code_challenge_method = p.codeChallengeMethod ?? "S256";
    }
    const request = new Request({ headers: {}, method: "GET", query, body: {} });
    const response = new Response({ headers: {} });
    const user: InstallUser = { install, app, redirectUriOmitted: p.redirectUriOmitted === true };
    try {
      await this.authorizer.authorize(request, response, {
        authenticateHandler: { handle: () => user },
        allowEmptyState: true,
        authorizationCodeLifetime: SECONDS(CODE_TTL_MS),
      });
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
    }
    const location = response.get("location");
    if (!location) throw new Error("the authorize handler answered no redirect");
    return location;
  }

  /** POST /oauth/locationToken: a location token from an agency install's access token. */
  async locationToken(
    bearer: string | null,
    locationId: string | undefined,
    use: UseInfo,
  ): Promise<OAuthAnswer> {
    // RFC 6750 §3; the description stays in the body (a header carries Latin-1 only).
    const invalidToken = (d: string) =>
      oauthError(401, "invalid_token", d, { "www-authenticate": 'Bearer error="invalid_token"' });

    if (!bearer)
      return invalidToken("Send the agency install's access token as Authorization: Bearer kw_oat_…");
    if (!locationId) return oauthError(400, "invalid_request", "locationId is missing (form or JSON)");
    const shape = inspectToken(bearer, this.deps.prefix);
    if (!shape.ok || !shape.ours || shape.kind !== "oauth")
      return invalidToken("Only an app's access token (kw_oat_…) can ask for a location token");
    const res = await this.deps.verifier.verify(bearer, { locationId, use });
    if (!res.valid) {
      if (res.code === "location_forbidden")
        return oauthError(403, "access_denied", `The location ${locationId} is not covered by this install.`);
      if (res.code === "plan_required") return oauthError(403, "access_denied", res.message);
      return invalidToken(res.message);
    }
    const o = res.key.oauth;
    if (!o || res.key.locationId !== null || !o.agencyInstall)
      return oauthError(
        400,
        "invalid_request",
        "Location tokens come from an agency install's access token; this one is a location's",
      );
    const loc = await this.deps.store.getLocation(locationId);
    if (!loc || loc.agencyId !== res.key.agencyId)
      return oauthError(403, "access_denied", `The location ${locationId} is not covered by this install.`);
    const locationScopes = new Set(this.deps.scopes.forLevel("location").map((d) => d.name));
    const scopes = res.key.scopes.filter((s) => locationScopes.has(s));
    const issued = await this.deps.store.transaction(async (s) => {
      const install = await s.oauth().getInstall(o.installId, true);
      const app = install ? await s.oauth().getApp(install.appId) : null;
      if (!install || install.uninstalledAt !== null || !app) return null;
      return this.deps.oauth.issueAccessKey(s, app, install, scopes, locationId);
    });
    if (!issued) return invalidToken("The app was uninstalled");
    return {
      status: 200,
      headers: { "cache-control": "no-store", pragma: "no-cache" },
      body: {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: SECONDS(ACCESS_TOKEN_TTL_MS),
        scope: scopes.join(" "),
        location_id: locationId,
        install_id: o.installId,
      },
    };
  }

  /** Client credentials of a revocation request: Basic, or the form (a public client: its client_id alone). */
  private async formClient(
    authorization: string | undefined,
    form: Record<string, string>,
  ): Promise<Client | null> {
    let id = form.client_id;
    let secret: string | undefined = form.client_secret;
    if (authorization && /^basic /i.test(authorization)) {
      const basic = decodeBasic(authorization);
      if (!basic) return null;
      id = basic.id;
      secret = basic.secret;
    }
    if (!id) return null;
    return this.authenticateClient(id, secret ?? null);
  }

  /**
   * POST /oauth/revoke (RFC 7009), by the app itself. A refresh token uninstalls the app (every token
   * of the install revoked, `app.uninstalled` sent); an access token ends that token alone. A token
   * that is unknown or another app's is answered 200 all the same (§2.2).
   */
  async revoke(authorization: string | undefined, form: Record<string, string>): Promise<OAuthAnswer> {
    const client = await this.formClient(authorization, form);
    if (!client)
      return oauthError(
        401,
        "invalid_client",
        "Client authentication failed: send client_id and client_secret (Basic or form)",
        {
          ...(authorization && /^basic /i.test(authorization)
            ? { "www-authenticate": 'Basic realm="keyward"' }
            : {}),
        },
      );
    const token = form.token;
    if (!token) return oauthError(400, "invalid_request", "token is missing");
    const hash = hashToken(token);
    const oauth = this.deps.store.oauth();
    // token_type_hint is only a hint (RFC 7009 §2.1: a server that does not find the token under it
    // searches the other types): both are looked up, so a wrong hint never leaves a token alive.
    const rt = await oauth.getRefreshToken(hash);
    if (rt && rt.appId === client.id) {
      const install = await oauth.getInstall(rt.installId);
      if (install && install.uninstalledAt === null)
        await this.deps.oauth.uninstallNow(appCtx(client.app), install, "revoked_by_app");
    } else {
      const access = await oauth.accessKeyOfHash(hash);
      if (access && access.appId === client.id && access.key.status === "active") {
        const now = this.clock.now();
        await this.deps.store.transaction((s) => s.oauth().revokeAccessKeys([access.key.id], now));
        await this.deps.oauth.invalidate([access.key.id]);
      }
    }
    return { status: 200, headers: { "cache-control": "no-store" }, body: null };
  }

  /**
   * POST /oauth/introspect (RFC 7662), for resource servers with a service credential. An agency's
   * credential sees its agency's tokens only (others are inactive to it, as on /api/verify).
   */
  async introspect(token: string | undefined, agencyId: string | null): Promise<OAuthAnswer> {
    const inactive: OAuthAnswer = {
      status: 200,
      headers: { "cache-control": "no-store" },
      body: { active: false },
    };
    if (!token) return oauthError(400, "invalid_request", "token is missing");
    const shape = inspectToken(token, this.deps.prefix);
    if (!shape.ok || !shape.ours) return inactive;
    const iss = (t: number) => Math.floor(t / 1000);
    if (shape.kind === "oauth_refresh") {
      const rt = await this.deps.store.oauth().getRefreshToken(hashToken(token));
      const now = this.clock.now();
      if (!rt || rt.usedAt !== null || rt.revokedAt !== null || now >= rt.expiresAt) return inactive;
      const install = await this.deps.store.oauth().getInstall(rt.installId);
      const app = await this.deps.store.oauth().getApp(rt.appId);
      if (!install || !app || install.uninstalledAt !== null) return inactive;
      if (agencyId !== null && install.agencyId !== agencyId) return inactive;
      return {
        ...inactive,
        body: {
          active: true,
          token_type: "refresh_token",
          client_id: app.clientId,
          scope: rt.scopes.join(" "),
          exp: iss(rt.expiresAt),
          iat: iss(rt.createdAt),
          sub: install.id,
          install_id: install.id,
          agency_id: install.agencyId,
          location_id: install.locationId,
        },
      };
    }
    if (shape.kind !== "oauth") return inactive;
    const res = await this.deps.verifier.verify(token, {
      agencyId: agencyId ?? undefined,
      use: { ip: null, userAgent: null, endpoint: "POST /oauth/introspect" },
    });
    if (!res.valid || !res.key.oauth) return inactive;
    const found = await this.deps.store.oauth().accessKeyOfHash(hashToken(token));
    const app = await this.deps.store.oauth().getApp(res.key.oauth.appId);
    if (!found || !app) return inactive;
    return {
      ...inactive,
      body: {
        active: true,
        token_type: "Bearer",
        client_id: app.clientId,
        scope: res.key.scopes.join(" "),
        exp: iss(found.key.expiresAt ?? 0),
        iat: iss(found.key.createdAt),
        sub: res.key.oauth.installId,
        install_id: res.key.oauth.installId,
        app_id: app.id,
        agency_id: res.key.agencyId,
        location_id: res.key.locationId,
      },
    };
  }

  /** GET /.well-known/oauth-authorization-server (RFC 8414). */
  metadata(issuer: string): Record<string, unknown> {
    const base = issuer.replace(/\/$/, "");
    return {
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      location_token_endpoint: `${base}/oauth/locationToken`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      introspection_endpoint_auth_methods_supported: ["bearer"],
      scopes_supported: this.deps.scopes.all().map((d) => d.name),
      service_documentation: `${base}/docs`,
    };
  }
}

/** An app acting for itself (revoking its own tokens, its client_credentials install), as the audit names it. */
function appCtx(app: OAuthApp): Ctx {
  return { actor: null, actorType: "system", actorId: `app:${app.id}`, ip: null, userAgent: null };
}

/** HTTP Basic client credentials, each form-decoded (RFC 6749 §2.3.1); null when absent or unreadable. */
function decodeBasic(authorization: string | undefined): { id: string; secret: string } | null {
  if (!authorization || !/^basic /i.test(authorization)) return null;
  const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const form = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
}

function withParams(uri: string, params: Record<string, string | null>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return u.toString();
}
