/**
 * The OAuth shapes the console uses (marketplace apps, installs, the consent request), written from
 * /work/wt/OAUTH-CONTRACT.md until the server's routes are in the OpenAPI document; then they become
 * names for the generated types.
 */

export type Distribution = "agency" | "location";

export interface OAuthApp {
  id: string;
  clientId: string;
  agencyId: string;
  name: string;
  logoUrl: string | null;
  redirectUris: string[];
  scopes: string[];
  distribution: Distribution;
  visibility: "private" | "public";
  public: boolean;
  webhookUrl: string | null;
  secret: { display: string; createdAt: string; previousValidUntil: string | null } | null;
  installCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface Install {
  id: string;
  app: { id: string; name: string; logoUrl: string | null; developerName: string };
  agencyId: string;
  locationId: string | null;
  locationIds: string[] | "all" | null;
  scopes: string[];
  status: "active" | "suspended";
  suspendedReason: string | null;
  installedBy: { id: string; name: string } | null;
  installedAt: string;
  lastUsedAt: string | null;
  unusedDays: number | null;
}

export interface ConsentRequest {
  request: {
    id: string;
    expiresAt: string;
    app: {
      id: string;
      clientId: string;
      name: string;
      logoUrl: string | null;
      distribution: Distribution;
      developer: { agencyId: string; name: string };
    };
    scopes: { name: string; description: string }[];
    redirectUri: string;
  };
  targets: {
    agency: { id: string; name: string; allowed: boolean; reason: string | null } | null;
    locations: { id: string; name: string }[];
  };
}

export type Decision =
  | { allow: false }
  | { allow: true; locationIds: string[] | "all" }
  | { allow: true; locationId: string };
