/**
 * GENERATED from Keyward's /openapi.json by openapi-typescript: do not edit by hand.
 * Regenerate with `npm run gen:api` after changing a route's schemas (a test fails while stale).
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness: the process answers
         * @description Always `200 {"status":"ok"}` while the process serves requests; it checks nothing else. Use it as a liveness probe (restart when it fails).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The process is alive */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: the database answers and can be written
         * @description `200` with `status: ready` when the database answers and can be written; `503` with `status: unavailable` otherwise. Degraded checks (the invalidation channel between nodes) are listed with `ok: false` without making the node unready. Use it as a readiness probe (stop sending traffic when it fails).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready" | "unavailable";
                            checks: {
                                /** @description `database`, `storage`, `invalidation` … */
                                name: string;
                                ok: boolean;
                                /** @description Why a check failed */
                                detail?: string;
                            }[];
                        };
                    };
                };
                /** @description Not ready */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready" | "unavailable";
                            checks: {
                                /** @description `database`, `storage`, `invalidation` … */
                                name: string;
                                ok: boolean;
                                /** @description Why a check failed */
                                detail?: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Prometheus text format: responses by status, verifications by code and their latency, the verification cache's size, the invalidation channel, failed sign-ins and verifications, and requests refused by a brute-force limit. Open unless `KEYWARD_METRICS_TOKEN` is set; then send `Authorization: Bearer <KEYWARD_METRICS_TOKEN>` (`401 unauthenticated` otherwise).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The metrics */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain; version=0.0.4": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in
         * @description Sets an HTTP-only session cookie. Send an Origin header naming this service. When the e-mail and password open accounts in several agencies, the answer is 409 agency_choice_required with `agencies` (id and name of those only): send the request again with `agencyId`. Too many failed sign-ins for one account or from one address answer 429 `too_many_attempts` with Retry-After, whether or not the account exists.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Login"];
                };
            };
            responses: {
                /** @description Signed in */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: components["schemas"]["User"];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign out */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who am I, and what may I do */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The signed-in user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Me"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List an account's keys
         * @description accountId is an agency id or a location id. By default active and expired keys; `status=all` adds revoked keys and tombstones. On an agency, `includeLocations=true` lists every location's keys too.
         */
        get: {
            parameters: {
                query?: {
                    status?: string;
                    includeLocations?: "true" | "false";
                };
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Keys, masked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keys: components["schemas"]["Key"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /**
         * Create a key
         * @description The token is in this response only: store it now, it cannot be shown again.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateKey"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["KeyWithToken"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/keys/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import an existing key
         * @description By plaintext (`token`) or by its SHA-256 (`sha256`, hex); the key keeps working unchanged.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportKey"];
                };
            };
            responses: {
                /** @description Imported */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            key: components["schemas"]["Key"];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Edit name, description, scopes, locationIds or ipAllowlist
         * @description The token does not change.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EditKey"];
                };
            };
            responses: {
                /** @description The key, and what the change warns of */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["EditedKey"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/api/keys/{keyId}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a key
         * @description Final and immediate, on every node.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/rotation/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a pending rotation
         * @description The old token stays; the new one is revoked.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/rotation/expire-now": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Expire the old token of a pending rotation now
         * @description The old token stops at once.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refresh an expired key
         * @description The same token works again; counts as activity.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a key
         * @description Returns a new token. The old one keeps working for `expireOldAfterSeconds` (default and maximum 7 days; 0 = rotate now).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Rotate"];
                };
            };
            responses: {
                /** @description Rotated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["KeyWithToken"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Uses per day */
        get: {
            parameters: {
                query?: {
                    days?: number;
                };
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Daily counts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            days: {
                                day: string;
                                count: number;
                            }[];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/scopes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The scope catalogue */
        get: {
            parameters: {
                query?: {
                    level?: "agency" | "location";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Scopes with their levels */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            scopes: {
                                name: string;
                                levels: string[];
                                description: string;
                            }[];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report leaked tokens (secret-scanning partners)
         * @description GitHub's secret-scanning partner format: a JSON array of {token, type, url, source}, signed with ECDSA P-256 / SHA-256 over the raw body (headers Github-Public-Key-Identifier and Github-Public-Key-Signature, base64 DER) by a key in KEYWARD_LEAK_REPORT_KEYS. Each token of this deployment that still works is acted on per the agency's leakAction (revoke, or notify) and its admins are told. Answers GitHub's feedback, one entry per report. Unsigned, badly signed or unknown key: 401 leak_signature_invalid; the same signed body again within 24 hours: 409 leak_report_replayed. See docs/leaks.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LeakReport"];
                };
            };
            responses: {
                /** @description Feedback per reported token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LeakFeedback"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/report-leak": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report a key's token leaked
         * @description For admins of the key. Does what a scanning partner's report does: per the agency's leakAction the key is revoked at once (default) or kept working; the leak is recorded on the key, audit-logged (key.leaked) and the key's admins are told in-app and by e-mail.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description The key after the report */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/keep": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Keep a warned key
         * @description For admins of the key, while an inactivity action is pending (the key has been warned and not yet acted on): spares it, and restarts its inactivity clock from now as if used — without recording a use (lastUsed is unchanged). Audit-logged (key.kept) with the reason; clears the key's warnings and banner. 409 nothing_pending when nothing is pending; 403 keep_forbidden when the agency's allowKeep is off.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description Kept */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            key: components["schemas"]["Key"];
                            keptAt: string;
                            spared: {
                                action: string;
                                at: string;
                            } | null;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create an agency and its owner (platform service token) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewAgency"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agency: components["schemas"]["Agency"];
                            owner: components["schemas"]["User"];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get the agency */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The agency */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Agency"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Rename the agency
         * @description Agency admins. The plan is not theirs to change: a `plan` other than the current one is refused with 403 plan_managed_by_operator (see PUT /api/agencies/{agencyId}/plan).
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["AgencyPatch"];
                };
            };
            responses: {
                /** @description The agency */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Agency"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/api/agencies/{agencyId}/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the agency's plan (platform service token)
         * @description The plan is the deployment's to set: the platform's service token here, or `keyward agencies set-plan` — never the agency's own admins. Audit-logged (agency.plan_changed). A downgrade below agency_pro suspends agency keys (they verify as plan_required); an upgrade restores them.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PlanInput"];
                };
            };
            responses: {
                /** @description The agency */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Agency"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Agency settings (agency admins)
         * @description Other members get 403 permission_denied: they find whether Enhanced Account Security is on in GET /api/me, and the inactivity policy in the forecast.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Settings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Settings"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change agency settings
         * @description Turning Enhanced Account Security off is strongly discouraged and needs `confirm: true`; it is audit-logged and the other agency admins are told.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SettingsPatch"];
                };
            };
            responses: {
                /** @description Settings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Settings"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/api/agencies/{agencyId}/locations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List locations */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Locations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            locations: components["schemas"]["Location"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /** Create a location */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/locations/{locationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a location */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a location (its keys are revoked) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        /** Update a location */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationPatch"];
                };
            };
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/api/agencies/{agencyId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Users */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            users: components["schemas"]["User"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /** Add a user */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UserInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        /** Remove a user (offboarding): they can no longer sign in */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user, disabled */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change a user
         * @description Roles, locations and the “manage API keys” permission: agency admins only, and never their own (403 permission_denied). Anyone may change their own name, password and digest subscription; changing your own password needs `currentPassword` and ends your other sessions.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UserPatch"];
                };
            };
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/api/users/{userId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Keys a user created (offboarding) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Active and expired keys the user created */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keys: components["schemas"]["Key"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/{userId}/keys/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke every key a user created (offboarding)
         * @description Revokes the active and expired keys the user created that you may manage; reports the rest.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description What was revoked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revoked: string[];
                            skipped: string[];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description Filters: action (prefix, e.g. `key.`), actorId, targetId, targetType, since/until (ISO 8601); page with `before` (a seq).
         */
        get: {
            parameters: {
                query?: {
                    action?: string;
                    actorId?: string;
                    targetId?: string;
                    targetType?: string;
                    since?: string;
                    until?: string;
                    before?: number;
                    limit?: number;
                };
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Entries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            entries: components["schemas"]["AuditEntry"][];
                            next: number | null;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/locations/{locationId}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Location settings (agency admins) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Settings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LocationSettings"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change location settings
         * @description `ipAllowlist`: every request of this location's keys must come from one of these CIDRs (as well as the key's and the agency's lists). Takes effect on every node at once.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationSettingsPatch"];
                };
            };
            responses: {
                /** @description Settings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LocationSettings"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        trace?: never;
    };
    "/v2/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Describe the presented token
         * @description Verifies the token and says whose it is and what it may do. Counts as a use.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The token's key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keyId: string;
                            name: string;
                            kind: string;
                            agencyId: string;
                            locationId: string | null;
                            scopes: string[];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/locations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List locations */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Locations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            locations: components["schemas"]["Location"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /** Create a location (agency keys) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/locations/{locationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a location */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        /** Update a location */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationPatch"];
                };
            };
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        post?: never;
        /** Delete a location (its keys are revoked) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Users */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            users: components["schemas"]["User"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /** Create a user */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["V2UserInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        /** Update a user */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["V2UserPatch"];
                };
            };
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        post?: never;
        /** Remove a user */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Verify a token for another service
         * @description Authenticated with the service token (Authorization: Bearer <KEYWARD_SERVICE_TOKEN>). Answers 200 with the verification code, whatever it is; a valid answer counts as a use. Pass the client's address as `clientIp`: a client address with too many failed verifications is answered 429 `too_many_failures` with Retry-After, which the service should relay to that client.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["VerifyRequest"];
                };
            };
            responses: {
                /** @description The verification outcome */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VerifyAnswer"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/locations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List locations (legacy v1, deprecated)
         * @description An agency legacy key lists its agency's locations; a location legacy key, its own. `apiKey` only while Enhanced Account Security is off.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Locations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            locations: components["schemas"]["V1Location"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        /**
         * Create a location (legacy v1, agency key, deprecated)
         * @description Body: name, and optionally email, phone, timezone. While Enhanced Account Security is off the new location gets a legacy key, returned as `apiKey`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["V1Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/locations/{locationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a location (legacy v1, deprecated) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["V1Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        /**
         * Update a location (legacy v1, deprecated)
         * @description Body: any of name, email, phone, timezone. The agency's key, or the location's own.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LocationPatch"];
                };
            };
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["V1Location"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        post?: never;
        /**
         * Delete a location (legacy v1, agency key, deprecated)
         * @description Its keys are revoked with it.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    locationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            succeeded: boolean;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a user (legacy v1, deprecated; disabled by Enhanced Account Security)
         * @description Body: email, name, and optionally password, type (account), role (user), locationIds, canManageKeys. A location key creates account users of its own location only.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["V1UserInput"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Update a user (legacy v1, deprecated; disabled by Enhanced Account Security)
         * @description Body: any of email, name, password, type, role, locationIds, canManageKeys.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["V1UserPatch"];
                };
            };
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        post?: never;
        /** Remove a user (legacy v1, deprecated; disabled by Enhanced Account Security) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            succeeded: boolean;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}/migration-report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Legacy v1 migration report
         * @description Every active or expired legacy v1 key of the agency and its locations, with its use over the last 90 days (endpoints, user agents, source addresses, counts, by day), the private-integration scopes that would replace it, and advice in plain words. Agency admins.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The report */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MigrationReport"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/migration": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start migrating a legacy key: create its replacement token
         * @description Creates a private integration token on the same account with the suggested scopes (or `scopes`), linked to the legacy key. The token is in this response only. The report then follows both keys' traffic by day.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["StartMigration"];
                };
            };
            responses: {
                /** @description The replacement */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            legacyKeyId: string;
                            key: components["schemas"]["Key"];
                            /** @description The plaintext token, shown this once */
                            token: string;
                            scopes: string[];
                            next: string;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}/migration/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete a migration: revoke the legacy key
         * @description Refused with `legacy_key_in_use` when the legacy key was used in the last 24 hours, unless `force: true`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CompleteMigration"];
                };
            };
            responses: {
                /** @description The revoked legacy key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            legacyKey: components["schemas"]["Key"];
                            replacementKeyId: string | null;
                            forced: boolean;
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * My in-app notifications, newest first
         * @description Inactivity warnings sent to the signed-in user (as an admin of the account whose keys they concern), with the unread count and a console link to the keys.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Notifications */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notifications"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/notifications/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark one of my notifications read */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Marked read */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/banner": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account's inactivity banner, if one shows now
         * @description Derived from stored state: shows from actionAt − bannerHours while a warned key with that actionAt is still active. 204 when there is none.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The banner */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Banner"];
                    };
                };
                /** @description No banner */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}/forecast": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What the next sweeps will do to the current keys, without doing it
         * @description Every active key whose action falls at one of the next `sweeps` sweep instants (default 4) if it is not used meanwhile, grouped by sweep. `warned` keys have had their first warning: their date is fixed.
         */
        get: {
            parameters: {
                query?: {
                    sweeps?: number;
                };
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The forecast */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Forecast"];
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agencies/{agencyId}/outbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The agency's e-mails (digests) and their delivery state
         * @description For agency admins: failed deliveries show their last error.
         */
        get: {
            parameters: {
                query?: {
                    status?: "pending" | "sending" | "sent" | "failed";
                };
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description E-mails, newest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            emails: components["schemas"]["OutboxEmail"][];
                        };
                    };
                };
                /** @description An error, as application/problem+json (see the error catalogue) */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        User: {
            id: string;
            agencyId: string;
            email: string;
            name: string;
            /** @enum {string} */
            type: "agency" | "account";
            /** @enum {string} */
            role: "admin" | "user";
            isOwner: boolean;
            canManageKeys: boolean;
            digestOptOut: boolean;
            locationIds: string[];
            createdAt: string;
            disabled: boolean;
        };
        Login: {
            email: string;
            password: string;
            /** @description Which agency to sign in to, when the address has accounts in several */
            agencyId?: string;
        };
        Me: {
            user: components["schemas"]["User"];
            agency: components["schemas"]["Agency"];
            locations: components["schemas"]["Location"][];
            permissions: {
                seeAgencyKeys: boolean;
                manageAgencyKeys: boolean;
                manageLocationKeys: string[];
                changeAgencySettings: boolean;
            };
            limits: {
                /** @description The longest expireOldAfterSeconds a rotation accepts: the console's "expire later". */
                rotationGraceMaxSeconds: number;
            };
            /** @description The address this server sees for you (X-Forwarded-For honoured with KEYWARD_TRUST_PROXY): what an IP allowlist is matched against */
            clientIp: string | null;
        };
        Agency: {
            id: string;
            name: string;
            /** @enum {string} */
            plan: "starter" | "unlimited" | "agency_pro";
            enhancedSecurity: boolean;
            createdAt: string;
        };
        Location: {
            id: string;
            agencyId: string;
            name: string;
            email: string | null;
            phone: string | null;
            timezone: string | null;
            createdAt: string;
            updatedAt: string;
        };
        Key: {
            id: string;
            name: string;
            description: string;
            /** @enum {string} */
            kind: "private_integration" | "legacy_v1";
            owner: {
                /** @enum {string} */
                type: "agency" | "location";
                id: string;
            };
            agencyId: string;
            locationId: string | null;
            scopes: string[];
            /** @description An agency key limited to these locations; null: every location it may reach */
            locationIds: string[] | null;
            /** @description CIDRs its requests must come from (canonical form); null: no list of its own */
            ipAllowlist: string[] | null;
            /** @description Masked: prefix and last four characters */
            token: string;
            /** @enum {string} */
            status: "active" | "expired" | "revoked" | "deleted";
            imported: boolean;
            createdAt: string;
            createdBy: {
                id: string;
                name: string;
                email: string;
            } | null;
            lastUsed: {
                at: string;
                ip: string | null;
                userAgent: string | null;
            } | null;
            daysInactive: number;
            nextAction: {
                /** @enum {string} */
                action: "delete" | "expire";
                at: string;
            } | null;
            nextActionAt: string | null;
            /** @description Warned of its coming inactivity action in the current cycle: an admin may Keep it */
            warned: boolean;
            rotation: {
                /** @enum {boolean} */
                pending: true;
                oldToken: string;
                oldTokenExpiresAt: string;
                oldTokenLastUsedAt: string | null;
            } | null;
            revokedAt: string | null;
            expiredAt: string | null;
            deletedAt: string | null;
            /** @description Agency key suspended by the plan (verifies as plan_required) */
            suspended: boolean;
            /** @description The latest report of this key's token leaking, or null */
            leak: {
                reportedAt: string;
                /** @description The scanning partner's source (e.g. `content`), or `admin` */
                source: string;
                url: string | null;
                /** @enum {string} */
                action: "revoked" | "notified";
            } | null;
        };
        KeyWithToken: {
            key: components["schemas"]["Key"];
            /** @description The plaintext token, shown this once */
            token: string;
            /** @description Accepted as sent, but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address) */
            warnings?: string[];
        };
        CreateKey: {
            name: string;
            /** @enum {string} */
            kind?: "private_integration" | "legacy_v1";
            description?: string;
            scopes?: string[];
            /** @description Agency keys only: the locations this key reaches (at most 1000). Absent or null: every location of the agency. */
            locationIds?: string[] | null;
            /** @description CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24", "2001:db8::/32"]. Null removes the list. */
            ipAllowlist?: string[] | null;
        };
        ImportKey: {
            name: string;
            /** @enum {string} */
            kind: "private_integration" | "legacy_v1";
            description?: string;
            scopes?: string[];
            token?: string;
            sha256?: string;
        };
        EditedKey: {
            id: string;
            name: string;
            description: string;
            /** @enum {string} */
            kind: "private_integration" | "legacy_v1";
            owner: {
                /** @enum {string} */
                type: "agency" | "location";
                id: string;
            };
            agencyId: string;
            locationId: string | null;
            scopes: string[];
            /** @description An agency key limited to these locations; null: every location it may reach */
            locationIds: string[] | null;
            /** @description CIDRs its requests must come from (canonical form); null: no list of its own */
            ipAllowlist: string[] | null;
            /** @description Masked: prefix and last four characters */
            token: string;
            /** @enum {string} */
            status: "active" | "expired" | "revoked" | "deleted";
            imported: boolean;
            createdAt: string;
            createdBy: {
                id: string;
                name: string;
                email: string;
            } | null;
            lastUsed: {
                at: string;
                ip: string | null;
                userAgent: string | null;
            } | null;
            daysInactive: number;
            nextAction: {
                /** @enum {string} */
                action: "delete" | "expire";
                at: string;
            } | null;
            nextActionAt: string | null;
            /** @description Warned of its coming inactivity action in the current cycle: an admin may Keep it */
            warned: boolean;
            rotation: {
                /** @enum {boolean} */
                pending: true;
                oldToken: string;
                oldTokenExpiresAt: string;
                oldTokenLastUsedAt: string | null;
            } | null;
            revokedAt: string | null;
            expiredAt: string | null;
            deletedAt: string | null;
            /** @description Agency key suspended by the plan (verifies as plan_required) */
            suspended: boolean;
            /** @description The latest report of this key's token leaking, or null */
            leak: {
                reportedAt: string;
                /** @description The scanning partner's source (e.g. `content`), or `admin` */
                source: string;
                url: string | null;
                /** @enum {string} */
                action: "revoked" | "notified";
            } | null;
            /** @description Accepted as sent, but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address) */
            warnings: string[];
        };
        EditKey: {
            name?: string;
            description?: string;
            scopes?: string[];
            /** @description Agency keys only: the locations this key reaches (at most 1000). Absent or null: every location of the agency. */
            locationIds?: string[] | null;
            /** @description CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24", "2001:db8::/32"]. Null removes the list. */
            ipAllowlist?: string[] | null;
        };
        Rotate: {
            /** @default 604800 */
            expireOldAfterSeconds: number;
        };
        LeakFeedback: {
            /** @description Hex SHA-256 of the reported token */
            token_hash: string;
            token_type: string;
            /** @enum {string} */
            label: "true_positive" | "false_positive";
        }[];
        LeakReport: ({
            token: string;
            type?: string;
            url?: string | null;
            source?: string | null;
        } & {
            [key: string]: unknown;
        })[];
        NewAgency: {
            id?: string;
            name: string;
            /**
             * @default starter
             * @enum {string}
             */
            plan: "starter" | "unlimited" | "agency_pro";
            owner: {
                email: string;
                name: string;
                password?: string;
            };
        };
        AgencyPatch: {
            name?: string;
            /** @enum {string} */
            plan?: "starter" | "unlimited" | "agency_pro";
        };
        PlanInput: {
            /** @enum {string} */
            plan: "starter" | "unlimited" | "agency_pro";
        };
        Settings: {
            enhancedSecurity: boolean;
            /** @enum {string} */
            legacyCreation: "existing_users" | "disabled";
            legacyEndOfSupport: string;
            policy?: components["schemas"]["Policy"];
            policyOverride?: {
                inactivityDays?: number;
                /** @enum {string} */
                action?: "delete" | "expire";
                /** @description A cron expression in UTC */
                sweep?: string;
                inAppLeadsDays?: number[];
                emailLeadDays?: number;
                bannerHours?: number;
            } | null;
            digest?: components["schemas"]["Digest"];
            /**
             * @description What a verified leak report does to the key: revoke it (default) or notify its admins only
             * @enum {string}
             */
            leakAction?: "revoke" | "notify";
            /** @description Whether admins may Keep a warned key (default true) */
            allowKeep?: boolean;
            /** @description CIDRs every request of the agency's keys must come from; null: none */
            ipAllowlist?: string[] | null;
            /** @description Accepted but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address) */
            warnings?: string[];
        } & {
            [key: string]: unknown;
        };
        Policy: {
            inactivityDays: number;
            /** @enum {string} */
            action: "delete" | "expire";
            /** @description A cron expression in UTC */
            sweep: string;
            inAppLeadsDays: number[];
            emailLeadDays: number;
            bannerHours: number;
        };
        Digest: {
            subscribedAdmins: number;
            noSubscriber: boolean;
        };
        SettingsPatch: {
            enhancedSecurity?: boolean;
            confirm?: boolean;
            /** @enum {string} */
            legacyCreation?: "existing_users" | "disabled";
            /** @description The agency's lifecycle policy override: fields merge into it (null for a field resets it to the deployment default); null resets the whole policy. */
            policy?: {
                [key: string]: unknown;
            } | null;
            /** @enum {string} */
            leakAction?: "revoke" | "notify";
            allowKeep?: boolean;
            /** @description CIDRs every request of the agency's keys must come from (issue 13 §2), IPv4 or IPv6, at most 100; null removes the list. */
            ipAllowlist?: string[] | null;
        };
        LocationInput: {
            name: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
        };
        LocationPatch: {
            name?: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
        };
        UserInput: {
            email: string;
            name: string;
            password?: string;
            /** @enum {string} */
            type: "agency" | "account";
            /** @enum {string} */
            role: "admin" | "user";
            locationIds?: string[];
            canManageKeys?: boolean;
        };
        UserPatch: {
            email?: string;
            name?: string;
            password?: string;
            /** @enum {string} */
            type?: "agency" | "account";
            /** @enum {string} */
            role?: "admin" | "user";
            locationIds?: string[];
            canManageKeys?: boolean;
            digestOptOut?: boolean;
            /** @description Your current password: required to change your own password */
            currentPassword?: string;
        };
        AuditEntry: {
            seq: number;
            id: string;
            at: string;
            agencyId: string | null;
            /** @enum {string} */
            actorType: "user" | "key" | "system" | "service";
            actorId: string | null;
            ip: string | null;
            userAgent: string | null;
            action: string;
            targetType: string;
            targetId: string | null;
            before: {
                [key: string]: unknown;
            } | null;
            after: {
                [key: string]: unknown;
            } | null;
        };
        LocationSettings: {
            /** @description CIDRs every request of this location's keys must come from; null: none */
            ipAllowlist: string[] | null;
            /** @description Entries accepted but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address) */
            warnings: string[];
        };
        LocationSettingsPatch: {
            /** @description CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24"]. Null removes the list. */
            ipAllowlist?: string[] | null;
        };
        V2UserInput: {
            email: string;
            name: string;
            password?: string;
            /**
             * @default account
             * @enum {string}
             */
            type: "agency" | "account";
            /**
             * @default user
             * @enum {string}
             */
            role: "admin" | "user";
            locationIds?: string[];
        };
        V2UserPatch: {
            email?: string;
            name?: string;
            password?: string;
            /** @enum {string} */
            type?: "agency" | "account";
            /** @enum {string} */
            role?: "admin" | "user";
            locationIds?: string[];
            canManageKeys?: boolean;
        };
        VerifyAnswer: {
            valid: boolean;
            code: string;
            message?: string;
            key?: {
                id: string;
                name: string;
                /** @enum {string} */
                kind: "private_integration" | "legacy_v1";
                owner: {
                    /** @enum {string} */
                    type: "agency" | "location";
                    id: string;
                };
                agencyId: string;
                scopes: string[];
            };
        };
        VerifyRequest: {
            token: string;
            requiredScopes?: string[];
            locationId?: string;
            /** @description The address of the client whose token this is. Failed verifications are limited per client address; without it they are not limited (the X-Client-IP header is read when this field is absent). */
            clientIp?: string;
        };
        V1Location: {
            id: string;
            agencyId: string;
            name: string;
            email: string | null;
            phone: string | null;
            timezone: string | null;
            createdAt: string;
            updatedAt: string;
            /** @description The location's legacy v1 key, only while the agency's Enhanced Account Security is off and the location has one */
            apiKey?: string;
        };
        V1UserInput: {
            email: string;
            name: string;
            password?: string;
            /**
             * @default account
             * @enum {string}
             */
            type: "agency" | "account";
            /**
             * @default user
             * @enum {string}
             */
            role: "admin" | "user";
            locationIds?: string[];
            canManageKeys?: boolean;
        };
        V1UserPatch: {
            email?: string;
            name?: string;
            password?: string;
            /** @enum {string} */
            type?: "agency" | "account";
            /** @enum {string} */
            role?: "admin" | "user";
            locationIds?: string[];
            canManageKeys?: boolean;
        };
        MigrationReport: {
            agency: {
                id: string;
                name: string;
                plan: string;
                enhancedSecurity: boolean;
            };
            generatedAt: string;
            windowDays: number;
            /** @description First UTC day of the window */
            since: string;
            endOfSupport: string;
            summary: string;
            keys: {
                key: components["schemas"]["Key"];
                owner: {
                    /** @enum {string} */
                    type: "agency" | "location";
                    id: string;
                    name: string;
                };
                usage: {
                    total: number;
                    lastDay: string | null;
                    endpoints: {
                        endpoint: string;
                        count: number;
                        lastDay: string;
                    }[];
                    userAgents: {
                        userAgent: string;
                        count: number;
                    }[];
                    sourceAddresses: {
                        ip: string;
                        count: number;
                    }[];
                    byDay: {
                        day: string;
                        count: number;
                    }[];
                };
                suggestedScopes: string[];
                unavailableScopes: {
                    scope: string;
                    purpose: string;
                }[];
                unmappedEndpoints: string[];
                /** @description What the key is still used for and what replaces it, in words */
                advice: string;
                migration: {
                    replacement: components["schemas"]["Key"] | null;
                    startedAt: string;
                    startedBy: string | null;
                    completedAt: string | null;
                    legacyUsesSince: number;
                    lastLegacyUseAt: string | null;
                    replacementUses: number;
                    trafficByDay: {
                        day: string;
                        legacy: number;
                        replacement: number;
                    }[];
                } | null;
            }[];
        };
        StartMigration: {
            name?: string;
            scopes?: string[];
        };
        CompleteMigration: {
            /** @default false */
            force: boolean;
        };
        Notifications: {
            unread: number;
            notifications: components["schemas"]["Notification"][];
        };
        Notification: {
            id: string;
            type: string;
            agencyId: string;
            accountId: string;
            title: string;
            body: string;
            leadDays: number | null;
            actionAt: string | null;
            keyIds: string[];
            createdAt: string;
            readAt: string | null;
            /** @description Console path to the keys concerned */
            link: string;
        };
        Banner: {
            accountId: string;
            actionAt: string;
            /** @enum {string} */
            action: "delete" | "expire";
            keyIds: string[];
            count: number;
            message: string;
            link: string;
        };
        Forecast: {
            generatedAt: string;
            policy: components["schemas"]["Policy"];
            sweeps: {
                at: string;
                /** @enum {string} */
                action: "delete" | "expire";
                keys: {
                    id: string;
                    name: string;
                    kind: string;
                    accountId: string;
                    lastActivityAt: string;
                    daysInactive: number;
                    warned: boolean;
                }[];
            }[];
        };
        OutboxEmail: {
            id: string;
            kind: string;
            to: string[];
            subject: string;
            /** @enum {string} */
            status: "pending" | "sending" | "sent" | "failed";
            attempts: number;
            lastError: string | null;
            createdAt: string;
            sentAt: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
