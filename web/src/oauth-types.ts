/**
 * The OAuth shapes the console uses (marketplace apps, installs, the consent request), named from the
 * API's generated types (`npm run gen:api`), as api.ts names the others.
 */
import type { Ok } from "./api";
import type { components, paths } from "./api-types";

type Schemas = components["schemas"];

export type OAuthApp = Schemas["OAuthApp"];
export type Distribution = OAuthApp["distribution"];
/** An app installed in an agency (for chosen locations or all) or in one location. */
export type Install = Schemas["OAuthInstall"];
/** What the consent page shows: the app, its scopes, and where this person may install it. */
export type ConsentRequest = Schemas["OAuthAuthorizationRequest"];
/** The consent page's answer. */
export type Decision =
  paths["/api/oauth/requests/{requestId}/decision"]["post"]["requestBody"]["content"]["application/json"];
/** A new app, or a rotated secret: the secret is in this answer only. */
export type AppWithSecret = Ok<"/api/agencies/{agencyId}/apps", "post">;
