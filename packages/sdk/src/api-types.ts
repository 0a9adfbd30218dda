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
         * List an account's keys, a page at a time
         * @description accountId is an agency id or a location id. By default active and expired keys; `status=all` adds revoked keys and tombstones. On an agency, `includeLocations=true` lists every location's keys too, and `accountId` narrows that to one account. Search with `q`, filter with `kind` and `warned`, order with `sort`; pages of `limit` keys (default 50, at most 200) continue with `cursor=<nextCursor>` until `nextCursor` is null.
         */
        get: {
            parameters: {
                query?: {
                    status?: string;
                    includeLocations?: "true" | "false";
                    /** @description A key's name (any part, any case), its token's last four characters, or its id */
                    q?: string;
                    kind?: "private_integration" | "legacy_v1";
                    /** @description On an agency-wide listing: the agency's id (its own keys only) or one location's */
                    accountId?: string;
                    /** @description true: keys that have had their first inactivity warning this cycle; false: the others */
                    warned?: "true" | "false";
                    /** @description lastUsed (default newest first), created (default), name; `:asc` or `:desc` */
                    sort?: string;
                    /** @description `nextCursor` of the previous page, unchanged */
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of keys, masked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keys: components["schemas"]["Key"][];
                            /** @description Pass as `cursor` for the next page; null on the last page */
                            nextCursor: string | null;
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
        /**
         * Uses and verifications by code per day
         * @description `days` (1–90, default 30): the days since then that have any. `count` is the day's uses; `codes` its verifications by code (`valid`, `rate_limited`, `insufficient_scope` …), kept 90 days.
         */
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
                                codes: {
                                    [key: string]: number;
                                };
                            }[];
                            /** @description The server's UTC day, where the range ends */
                            today: string;
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
         * @description GitHub's secret-scanning partner format: a JSON array of {token, type, url, source}, signed with ECDSA P-256 / SHA-256 over the raw body (headers Github-Public-Key-Identifier and Github-Public-Key-Signature, base64 DER) by a key in KEYWARD_LEAK_REPORT_KEYS. Each token of this deployment that still works is acted on per the agency's leakAction (revoke, or notify) and its admins are told. Answers GitHub's feedback, one entry per report. Unsigned, badly signed or unknown key: 401 leak_signature_invalid, counted per address by the brute-force limit of failed verifications (KEYWARD_FAILED_AUTH_MAX_PER_MINUTE; beyond, 429 too_many_failures with Retry-After); the same signed body again within 24 hours: 409 leak_report_replayed. See docs/leaks.md.
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
        /** Create an agency and its owner (the operator's service credentials) */
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
        /**
         * List locations
         * @description Each location the caller sees, with `keyCount` (its active and expired keys: what deleting it revokes), `admins` (its location admins) and `userCount` (people assigned to it).
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
                /** @description Locations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            locations: components["schemas"]["LocationSummary"][];
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
                    "application/json": components["schemas"]["LocationEdit"];
                };
            };
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LocationWithLimits"];
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
        /**
         * List users
         * @description By name. Search with `q` (name or e-mail), filter by `role`, `type`, `disabled`; pages of `limit` users (default 50, at most 200) continue with `cursor=<nextCursor>` until `nextCursor` is null.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Name or e-mail (any part, any case) */
                    q?: string;
                    role?: "admin" | "user";
                    type?: "agency" | "account";
                    disabled?: "true" | "false";
                    /** @description `nextCursor` of the previous page, unchanged */
                    cursor?: string;
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
                /** @description One page of users */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            users: components["schemas"]["User"][];
                            nextCursor: string | null;
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
    "/api/agencies/{agencyId}/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Open invitations (agency admins)
         * @description Invitations neither accepted nor cancelled, newest first; expired ones say so (`expired`).
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
                /** @description Invitations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            invitations: components["schemas"]["Invitation"][];
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
         * Invite a person by e-mail (agency admins)
         * @description Sends an e-mail whose link (valid 7 days, single use) opens the console's page for choosing a password, which creates the user with this role, these locations and this "manage API keys" switch. 409 conflict when the address already has a user in the agency or an open invitation. Audited (invitation.created).
         */
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
                    "application/json": components["schemas"]["InvitationInput"];
                };
            };
            responses: {
                /** @description Invited */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Invitation"];
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
    "/api/agencies/{agencyId}/invitations/{invitationId}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an invitation again, with a new link
         * @description The previous link stops working; the new one is valid 7 days from now. Audited (invitation.resent).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                    invitationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Sent again */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Invitation"];
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
    "/api/agencies/{agencyId}/invitations/{invitationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Cancel an invitation
         * @description Its link stops working at once. Audited (invitation.cancelled).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyId: string;
                    invitationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Cancelled */
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
    "/api/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept an invitation: choose a password (public)
         * @description The token comes from the invitation e-mail's link. Creates the user and signs them in (session cookie). Refused with 404 invitation_not_found (unknown or replaced link), 409 invitation_used, 410 invitation_cancelled or 410 invitation_expired; unknown links count as failed attempts of the address (429 too_many_failures when there are too many).
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
                    "application/json": components["schemas"]["InvitationAccept"];
                };
            };
            responses: {
                /** @description Accepted and signed in */
                201: {
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
    "/api/users/{userId}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-enable a removed user (agency admins)
         * @description They can sign in again with their password; sessions ended when they were removed stay ended. Audited (user.enabled). A user who is not disabled is answered unchanged.
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
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your sessions
         * @description Every session you are signed in with, most recently used first; `current` is this one.
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
                /** @description Sessions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sessions: components["schemas"]["Session"][];
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
    "/api/me/sessions/sign-out-others": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out of your other sessions
         * @description Ends every session of yours but this one. Audited (session.signed_out_others).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many ended */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            signedOut: number;
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
         * @description For agency admins. Search with `q`; filter by `action` (prefix, e.g. `key.`), `actor`, `targetId`, `targetType`, `from`/`to` (ISO 8601); `signIns=false` folds successful sign-ins and sign-outs away (failed sign-ins always show). Pages of `limit` entries continue with `cursor=<nextCursor>`. `format=csv` or `format=jsonl` downloads every matching entry instead (streamed, no paging; CSV cells that a spreadsheet would run as a formula are prefixed with `'`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description An actor's name, an actor or target id, an action, or text in the recorded changes */
                    q?: string;
                    /** @description An action or its prefix, e.g. `key.` */
                    action?: string;
                    /** @description The acting user's (or key's) id */
                    actor?: string;
                    /** @description Same as actor (older name) */
                    actorId?: string;
                    targetId?: string;
                    targetType?: string;
                    from?: string;
                    to?: string;
                    /** @description Same as from (older name) */
                    since?: string;
                    /** @description Same as to (older name) */
                    until?: string;
                    /** @description false folds successful sign-ins and sign-outs away (failed sign-ins always show); default true */
                    signIns?: "true" | "false";
                    /** @description csv or jsonl: every matching entry, streamed as a download (no paging) */
                    format?: "json" | "csv" | "jsonl";
                    /** @description `nextCursor` of the previous page, unchanged */
                    cursor?: string;
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
                /** @description One page of entries (JSON), or a text/csv or application/x-ndjson download */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditPage"];
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
    "/api/verify/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream what verification caches must drop (server-sent events)
         * @description A text/event-stream of `key` ({keyId}), `agency` ({agencyId}: its plan or security changed), `location` ({locationId}: deleted) and `flush` ({reason}: drop everything) events — every revocation, rotation, deletion, expiry, scope or plan change, made on any node. First comes `ready` ({resumed, heartbeatMs, vouched}); a `heartbeat` ({vouched}) follows every heartbeatMs. `vouched: false` means this node is not hearing the other nodes right now: cache for at most 1 s. Reconnect with `Last-Event-ID` to be replayed what was missed; when that is not possible a `flush` comes first. A client that does not read is disconnected. Events name ids only, never tokens. A credential holds at most 32 streams per server (KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL; KEYWARD_SERVICE_TOKEN counts as one credential): beyond, 429 `too_many_streams` with Retry-After.
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
                /** @description The event stream (text/event-stream) */
                200: {
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
    "/api/verify/uses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report uses answered from an SDK's cache
         * @description Verifications an SDK answered from its own cache are uses: it reports them here in batches (every 5 s at most), one entry per key and UTC day, and Keyward records them as its own (last used, daily counts, the inactivity lifecycle) and counts them in usage by code (`valid`, less the `rateLimited` ones, which the SDK's limit reports count). Its cache's refusals of a valid key (`refused`: `insufficient_scope`, `location_forbidden`; the SDK sends them as entries of `count: 0`) are counted by code only, as Keyward's own are not uses. Entries naming keys this credential cannot see are ignored and counted. A lastUsedAt up to 5 minutes ahead of the server's clock counts as now; an entry further ahead, or more than a day old, is skipped and counted (`skipped`) while the rest is recorded — a report is never refused for one entry's time, since the SDK resends a refused report.
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
                    "application/json": components["schemas"]["UseReport"];
                };
            };
            responses: {
                /** @description What was recorded */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UseReportAnswer"];
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
    "/api/verify/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reconcile an SDK's rate-limit counts
         * @description An SDK counts the verifications it answers from its cache against the key's `local` limits and reports the units counted since its last report here at a fixed short interval (500 ms by default). Keyward adds them to its counts, which its nodes share, and answers every local limit of each key as this node counts it now (totals of every node and SDK it has heard of): the SDK's counts start from these. docs/traffic-policy.md states the overshoot bound.
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
                    "application/json": components["schemas"]["LimitReport"];
                };
            };
            responses: {
                /** @description The shared counts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LimitReportAnswer"];
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
         * @description Authenticated with a service credential of the `verify` scope (Authorization: Bearer <kw_svc_…>, or KEYWARD_SERVICE_TOKEN). Answers 200 with the verification code, whatever it is; a valid answer counts as a use. Pass the client's address as `clientIp`: a client address with too many failed verifications is answered 429 `too_many_failures` with Retry-After, which the service should relay to that client.
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
    "/api/service-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List service credentials
         * @description An agency's (agencyId, default the signed-in owner's) or the operator's own (no agencyId, as the operator). Active ones; `status=all` adds revoked ones.
         */
        get: {
            parameters: {
                query?: {
                    agencyId?: string;
                    status?: "active" | "all";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Credentials, masked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            serviceKeys: components["schemas"]["ServiceKey"][];
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
         * Create a service credential
         * @description The operator (KEYWARD_SERVICE_TOKEN or an operator credential with the provision scope) for any agency or for itself (agencyId null); an agency owner, signed in, for their agency. The token is in this response only.
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
                    "application/json": components["schemas"]["CreateServiceKey"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServiceKeyWithToken"];
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
    "/api/service-keys/{serviceKeyId}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a service credential
         * @description Returns a new token. The old one keeps working for `expireOldAfterSeconds` (default and maximum 7 days; 0 = at once).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serviceKeyId: string;
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
                        "application/json": components["schemas"]["ServiceKeyWithToken"];
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
    "/api/service-keys/{serviceKeyId}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a service credential
         * @description Final and immediate, on every node.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serviceKeyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The credential */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServiceKey"];
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
    "/api/service-keys/{serviceKeyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a service credential
         * @description Final and immediate, on every node.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serviceKeyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The credential */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServiceKey"];
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
    "/api/provision/agencies/{agencyExternalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Create or update an agency by its external id
         * @description Creating one needs an operator credential and a plan. An agency's credential may rename its own agency; a plan other than its current one is refused (403 plan_managed_by_operator).
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProvisionAgencyInput"];
                };
            };
            responses: {
                /** @description The agency */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionedAgency"];
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
         * Close an agency by its external id (operator credentials)
         * @description Its locations are deleted (their keys revoked), its agency keys and service credentials revoked, and everyone removed, the owner too. The agency keeps its external id: PUT it and its people again to reopen it.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted (or already: Keyward-Provision-Result says which) */
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
    "/api/provision/agencies/{agencyExternalId}/locations/{locationExternalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Create or update a location by its external id */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                    locationExternalId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProvisionLocationInput"];
                };
            };
            responses: {
                /** @description The location */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionedLocation"];
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
        /** Delete a location by its external id (its keys are revoked) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                    locationExternalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted (or already: Keyward-Provision-Result says which) */
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
    "/api/provision/agencies/{agencyExternalId}/users/{userExternalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Create or update a person by their external id
         * @description Fields left out take their defaults (PUT replaces). `disabled: true` removes the person as the console does (their sessions end); `false` restores them.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                    userExternalId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProvisionUserInput"];
                };
            };
            responses: {
                /** @description The person */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionedUser"];
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
        /** Remove a person by their external id (they can no longer sign in) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agencyExternalId: string;
                    userExternalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted (or already: Keyward-Provision-Result says which) */
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
    "/api/provision/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a whole agency what the body says
         * @description Agency, locations and people by external id: created or updated as their PUTs would, and those the agency has under an external id that the body no longer lists are deleted (locations) or removed (people). Objects without an external id are left alone. Checked as a whole before anything changes; the answer says what happened to each object.
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
                    "application/json": components["schemas"]["ProvisionSync"];
                };
            };
            responses: {
                /** @description What changed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionSyncReport"];
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
    "/api/keys/{keyId}/rate-limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The key's limits and what remains of them
         * @description Every limit that applies to the key — its own (or the defaults), its location's and its agency's — with the count remaining now as this node sees it (docs/traffic-policy.md).
         */
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
                /** @description Limits */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            limits: components["schemas"]["LimitStatus"][];
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
    "/api/accounts/{accountId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Verifications per day of an account's keys
         * @description For the keys `GET /api/accounts/{accountId}/keys` lists (same `includeLocations`): per key and per day since `days` ago (1–90, default 30, oldest first), its valid verifications (`uses`) and its refusals (every other code).
         */
        get: {
            parameters: {
                query?: {
                    days?: number;
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
                /** @description Per key, per day */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            days: string[];
                            keys: {
                                keyId: string;
                                uses: number[];
                                refusals: number[];
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
    "/api/agencies/{agencyId}/apps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the OAuth apps the agency develops */
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
                /** @description Apps */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            apps: components["schemas"]["OAuthApp"][];
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
         * Register an OAuth app
         * @description Agency admins, any plan. The answer carries the client secret (`kw_cs_…`) once — none for a public (PKCE-only) client — and, with a `webhookUrl`, its signing secret. See docs/oauth.md.
         */
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
                    "application/json": {
                        name: string;
                        /** @description Exact match at /oauth/authorize; HTTPS, or HTTP on a loopback address */
                        redirectUris: string[];
                        scopes: string[];
                        /** @enum {string} */
                        distribution: "agency" | "location";
                        /** @enum {string} */
                        visibility?: "private" | "public";
                        logoUrl?: string | null;
                        webhookUrl?: string | null;
                        public?: boolean;
                    };
                };
            };
            responses: {
                /** @description Registered */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            app: components["schemas"]["OAuthApp"];
                            /** @description `kw_cs_…`, shown in this answer only */
                            clientSecret?: string;
                            /** @description The `whsec_…` signing secret of the app's webhook endpoint, shown once */
                            webhookSecret?: string;
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
    "/api/apps/{appId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An OAuth app */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    appId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The app */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthApp"];
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
        /** Delete an OAuth app (uninstalled everywhere) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    appId: string;
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
        /** Change an OAuth app */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    appId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description Exact match at /oauth/authorize; HTTPS, or HTTP on a loopback address */
                        redirectUris?: string[];
                        scopes?: string[];
                        /** @enum {string} */
                        visibility?: "private" | "public";
                        logoUrl?: string | null;
                        webhookUrl?: string | null;
                    };
                };
            };
            responses: {
                /** @description The app (with `webhookSecret` when a new webhook URL made a new endpoint) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthAppEdited"];
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
    "/api/apps/{appId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate an OAuth app's client secret
         * @description The new secret is shown once; the previous one keeps working for `graceSeconds` (default 0, at most 7 days).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    appId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        graceSeconds?: number;
                    };
                };
            };
            responses: {
                /** @description Rotated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            app: components["schemas"]["OAuthApp"];
                            /** @description `kw_cs_…`, shown in this answer only */
                            clientSecret?: string;
                            /** @description The `whsec_…` signing secret of the app's webhook endpoint, shown once */
                            webhookSecret?: string;
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
    "/api/apps/{appId}/install": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Install an OAuth app in its own agency (client_credentials)
         * @description An admin of the developer agency (who may manage API keys) installs the app for the agency itself, as its first `client_credentials` call would. After an admin uninstalled that install, this is the only way back: `client_credentials` never installs it again by itself (`unauthorized_client`). 409 `invalid_state` when it is installed there already, or for a public client.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    appId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Installed */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            install: components["schemas"]["OAuthInstall"];
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
    "/api/agencies/{agencyId}/installs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Apps installed in the agency
         * @description Agency admins see every install of the agency, location admins their locations'. An install unused for 90 days or more carries `unusedDays`; `?unused=true` lists only those (the inventory's).
         */
        get: {
            parameters: {
                query?: {
                    unused?: "true" | "false";
                };
                header?: never;
                path: {
                    agencyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Installs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            installs: components["schemas"]["OAuthInstall"][];
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
    "/api/installs/{installId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Uninstall an app
         * @description Every token of the install is revoked on every node within a second; the app's webhook gets `app.uninstalled`.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    installId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Uninstalled */
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
    "/api/oauth/requests/{requestId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A pending authorization request (the consent page) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    requestId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The request and where the person may install */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthAuthorizationRequest"];
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
    "/api/oauth/requests/{requestId}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Allow or deny an authorization request
         * @description Agency apps: `{"allow": true, "locationIds": "all" | [...]}`; location apps: `{"allow": true, "locationId": "…"}`; `{"allow": false}` denies. Answers where to send the browser (the app's redirect URI with `code` and `state`, or `error=access_denied`).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    requestId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        allow: false;
                    } | {
                        /** @enum {boolean} */
                        allow: true;
                        locationIds: "all" | string[];
                    } | {
                        /** @enum {boolean} */
                        allow: true;
                        locationId: string;
                    };
                };
            };
            responses: {
                /** @description Where to go */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            redirectTo: string;
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
    "/oauth/authorize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Start the authorization code flow (PKCE)
         * @description Redirects to the console's consent page (`/oauth/consent?request=…`). An unknown client_id or a redirect_uri not registered (exact match) is an HTML error page; other errors go back to redirect_uri with `error` and `state`.
         */
        get: {
            parameters: {
                query: {
                    response_type: "code";
                    client_id: string;
                    redirect_uri?: string;
                    scope?: string;
                    state?: string;
                    code_challenge?: string;
                    code_challenge_method?: "S256";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description To the consent page, or back to the app with an error */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description HTML error page */
                400: {
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
    "/oauth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Token endpoint: authorization_code, refresh_token, client_credentials
         * @description Form-encoded (`application/x-www-form-urlencoded`): `grant_type` (`authorization_code` with `code`, `redirect_uri`, `code_verifier`; `refresh_token` with `refresh_token`; `client_credentials`), optional `scope`. Client authentication by HTTP Basic or `client_id`/`client_secret` in the form; public clients send `client_id` and the PKCE `code_verifier`. A refresh token is replaced at every use; the same one again within 30 s answers the same new pair, later it revokes the install's every token. Errors in OAuth's format (`invalid_client` is 401).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Tokens */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthToken"];
                    };
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth/locationToken": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A location token from an agency install's access token
         * @description Authorization: Bearer <the agency install's access token, kw_oat_…> (checked here, answered in OAuth's format: 401 `invalid_token`). Body (form or JSON): `locationId`, a location the install covers (403 `access_denied` otherwise). Not refreshable: ask again.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A location access token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            access_token: string;
                            /** @enum {string} */
                            token_type: "Bearer";
                            expires_in: number;
                            scope: string;
                            location_id: string;
                            install_id: string;
                        };
                    };
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a token (RFC 7009), by the app
         * @description Form-encoded: `token`, optional `token_type_hint`; client authentication as at the token endpoint. A refresh token uninstalls the app (every token of the install revoked, `app.uninstalled` sent); an access token ends that token. Unknown tokens: 200 all the same.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked (or nothing to revoke) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth/introspect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Introspect a token (RFC 7662), for resource servers
         * @description Authorization: Bearer <a service credential of the `verify` scope> (checked here, answered in OAuth's format: 401 `invalid_client`). Form-encoded: `token`. An agency's credential sees its agency's tokens only.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description `{active: false}` or the token's facts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            active: boolean;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description OAuth error (RFC 6749 §5.2) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OAuthError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/oauth-authorization-server": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Authorization server metadata (RFC 8414) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Metadata */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            [key: string]: unknown;
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
    "/api/accounts/{accountId}/upcoming": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The next inactivity action on an account's keys
         * @description The keys the next sweep that touches them will act on if they stay unused — on an agency, its own keys and every location's; on a location, that location's. The banner, the inventory and the digest count the same keys.
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
                /** @description The next action */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Upcoming"];
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
    "/api/accounts/{accountId}/lifetime-banner": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account's lifetime banner, if one shows now
         * @description Derived from stored state: active keys whose lifetime ends within the banner window (the agency's bannerHours, 24 h by default), unless their inactivity action comes first (that is the inactivity banner's). On an agency, its keys and every location's. 204 when there is none.
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
                        "application/json": components["schemas"]["LifetimeBanner"];
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
    "/api/agencies/{agencyId}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the agency's webhook endpoints */
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
                /** @description Endpoints */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoints: components["schemas"]["WebhookEndpoint"][];
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
         * Create a webhook endpoint
         * @description Agency admins. The URL must be HTTPS and resolve to a public address. The answer carries the signing secret (`whsec_…`) or, for `scheme: ed25519`, the public key (`whpk_…`): shown once.
         */
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
                    "application/json": {
                        url: string;
                        events: ("key.created" | "key.updated" | "key.rotated" | "key.revoked" | "key.expired" | "key.deleted" | "key.refreshed" | "key.inactivity_warning" | "key.kept" | "key.lifetime_ending" | "key.leaked" | "key.rate_limited" | "settings.security_changed" | "plan.changed" | "webhook.test" | "app.installed" | "app.uninstalled")[];
                        description?: string;
                        /** @enum {string} */
                        scheme?: "hmac" | "ed25519";
                    };
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
                            endpoint: components["schemas"]["WebhookEndpoint"];
                            /** @description hmac: the `whsec_…` signing secret; ed25519: the `whpk_…` public key to verify with. Shown in this answer only. */
                            secret: string;
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
    "/api/webhooks/{endpointId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a webhook endpoint */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The endpoint */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: components["schemas"]["WebhookEndpoint"];
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
        /** Delete a webhook endpoint and its delivery log */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
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
        /**
         * Change, enable or disable a webhook endpoint
         * @description Enabling an endpoint Keyward disabled (410, or five days failing) starts it afresh.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        url?: string;
                        events?: ("key.created" | "key.updated" | "key.rotated" | "key.revoked" | "key.expired" | "key.deleted" | "key.refreshed" | "key.inactivity_warning" | "key.kept" | "key.lifetime_ending" | "key.leaked" | "key.rate_limited" | "settings.security_changed" | "plan.changed" | "webhook.test" | "app.installed" | "app.uninstalled")[];
                        description?: string;
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description The endpoint */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: components["schemas"]["WebhookEndpoint"];
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
        trace?: never;
    };
    "/api/webhooks/{endpointId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the endpoint's signing secret
         * @description The new secret (or public key) is in this answer only. For 24 hours deliveries carry signatures by both the old and the new secret.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Rotated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: components["schemas"]["WebhookEndpoint"];
                            /** @description hmac: the `whsec_…` signing secret; ed25519: the `whpk_…` public key to verify with. Shown in this answer only. */
                            secret: string;
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
    "/api/webhooks/{endpointId}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a test event
         * @description Queues a `webhook.test` event for this endpoint, whatever events it subscribes to.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            delivery: components["schemas"]["WebhookDelivery"];
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
    "/api/webhooks/{endpointId}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send deliveries again
         * @description `deliveryId`: that delivery; `since`: every message sent to this endpoint since then (at most 1000). Replays keep the message's `webhook-id` and body.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deliveryId?: string;
                        /** Format: date-time */
                        since?: string;
                    };
                };
            };
            responses: {
                /** @description Queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deliveries: components["schemas"]["WebhookDelivery"][];
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
    "/api/webhooks/{endpointId}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The endpoint's delivery log
         * @description Newest first: status, attempts, the last response's code and first bytes, its duration.
         */
        get: {
            parameters: {
                query?: {
                    status?: "pending" | "sending" | "succeeded" | "failed";
                    limit?: number;
                };
                header?: never;
                path: {
                    endpointId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deliveries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deliveries: components["schemas"]["WebhookDelivery"][];
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
            /** @description The latest of creation, last use, refresh or rotation: inactivity counts from it */
            lastActivityAt: string;
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
            /** @description When its lifetime ends (chosen at creation or by edit); null: no lifetime */
            expiresAt: string | null;
            /** @description Its lifetime has ended: it verifies as expired, whatever its status */
            lifetimeEnded: boolean;
            /** @description An active key living longer than its agency's maxKeyLifetimeDays now allows */
            exceedsMaxLifetime: boolean;
            /** @description The latest report of this key's token leaking, or null */
            leak: {
                reportedAt: string;
                /** @description The scanning partner's source (e.g. `content`), or `admin` */
                source: string;
                url: string | null;
                /** @enum {string} */
                action: "revoked" | "notified";
            } | null;
            /** @description The key's own limits; absent: the defaults apply (docs/traffic-policy.md) */
            rateLimits?: components["schemas"]["RateLimit"][];
        };
        RateLimit: {
            name: string;
            limit: number;
            windowSeconds: number;
            cost?: number;
            /** @enum {string} */
            mode?: "local" | "strict";
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
            /** @description The key's own limits (agency admins), instead of the defaults (docs/traffic-policy.md) */
            rateLimits?: components["schemas"]["RateLimit"][];
            /** @description Agency keys only: the locations this key reaches (at most 1000). Absent or null: every location of the agency. */
            locationIds?: string[] | null;
            /** @description CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24", "2001:db8::/32"]. Null removes the list. */
            ipAllowlist?: string[] | null;
            /**
             * Format: date-time
             * @description When the key's lifetime ends: any future instant, within the agency's maxKeyLifetimeDays. Null: no lifetime.
             */
            expiresAt?: string | null;
            /** @description The key's lifetime in whole days from now, instead of expiresAt. Absent (and no expiresAt): the agency's maxKeyLifetimeDays, if set. */
            expiresInDays?: number;
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
            /** @description The latest of creation, last use, refresh or rotation: inactivity counts from it */
            lastActivityAt: string;
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
            /** @description When its lifetime ends (chosen at creation or by edit); null: no lifetime */
            expiresAt: string | null;
            /** @description Its lifetime has ended: it verifies as expired, whatever its status */
            lifetimeEnded: boolean;
            /** @description An active key living longer than its agency's maxKeyLifetimeDays now allows */
            exceedsMaxLifetime: boolean;
            /** @description The latest report of this key's token leaking, or null */
            leak: {
                reportedAt: string;
                /** @description The scanning partner's source (e.g. `content`), or `admin` */
                source: string;
                url: string | null;
                /** @enum {string} */
                action: "revoked" | "notified";
            } | null;
            /** @description The key's own limits; absent: the defaults apply (docs/traffic-policy.md) */
            rateLimits?: components["schemas"]["RateLimit"][];
            /** @description Accepted as sent, but worth a second look (e.g. 0.0.0.0/0 allows every IPv4 address) */
            warnings: string[];
        };
        EditKey: {
            name?: string;
            description?: string;
            scopes?: string[];
            /** @description The key's own limits (agency admins); null: back to the defaults */
            rateLimits?: components["schemas"]["RateLimit"][] | null;
            /** @description Agency keys only: the locations this key reaches (at most 1000). Absent or null: every location of the agency. */
            locationIds?: string[] | null;
            /** @description CIDRs, IPv4 or IPv6 (a bare address is /32 or /128), at most 100, e.g. ["203.0.113.0/24", "2001:db8::/32"]. Null removes the list. */
            ipAllowlist?: string[] | null;
            /**
             * Format: date-time
             * @description When the key's lifetime ends: any future instant, within the agency's maxKeyLifetimeDays. Null: no lifetime.
             */
            expiresAt?: string | null;
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
            rateLimits?: components["schemas"]["RateLimit"][] | null;
            keyRateLimits?: components["schemas"]["RateLimit"][] | null;
            /** @description CIDRs every request of the agency's keys must come from; null: none */
            ipAllowlist?: string[] | null;
            /** @description The longest lifetime a new key may have, in days; null: no maximum */
            maxKeyLifetimeDays?: number | null;
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
            /** @description Limits shared by all the agency's keys (docs/traffic-policy.md); null: none */
            rateLimits?: components["schemas"]["RateLimit"][] | null;
            /** @description The agency's default limits for each of its keys, instead of the plan's or the deployment's; null: back to those */
            keyRateLimits?: components["schemas"]["RateLimit"][] | null;
            /** @description CIDRs every request of the agency's keys must come from (issue 13 §2), IPv4 or IPv6, at most 100; null removes the list. */
            ipAllowlist?: string[] | null;
            /** @description The longest lifetime a new key may have, in days (issue 13 §3): a new key without expiresAt gets now + this. Existing keys keep theirs (flagged exceedsMaxLifetime). Null: no maximum. */
            maxKeyLifetimeDays?: number | null;
        };
        LocationSummary: {
            id: string;
            agencyId: string;
            name: string;
            email: string | null;
            phone: string | null;
            timezone: string | null;
            createdAt: string;
            updatedAt: string;
            /** @description Active and expired keys of the location: deleting it revokes them */
            keyCount: number;
            admins: {
                id: string;
                name: string;
                email: string;
            }[];
            /** @description People (not disabled) assigned to the location */
            userCount: number;
        };
        LocationInput: {
            name: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
        };
        LocationWithLimits: {
            id: string;
            agencyId: string;
            name: string;
            email: string | null;
            phone: string | null;
            timezone: string | null;
            createdAt: string;
            updatedAt: string;
            /** @description Limits shared by its keys (null: none) */
            rateLimits?: components["schemas"]["RateLimit"][] | null;
        };
        LocationEdit: {
            name?: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
            /** @description Limits shared by all the location's keys (agency admins; docs/traffic-policy.md); null: none */
            rateLimits?: components["schemas"]["RateLimit"][] | null;
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
        Invitation: {
            id: string;
            agencyId: string;
            email: string;
            name: string | null;
            /** @enum {string} */
            type: "agency" | "account";
            /** @enum {string} */
            role: "admin" | "user";
            locationIds: string[];
            canManageKeys: boolean;
            invitedBy: string | null;
            createdAt: string;
            sentAt: string;
            expiresAt: string;
            /** @description The link no longer works: resend the invitation for a new one */
            expired: boolean;
        };
        InvitationInput: {
            email: string;
            /** @description Suggested name; the invitee may change it when accepting */
            name?: string;
            /**
             * @description agency: the agency and all its locations; account: the locations listed
             * @enum {string}
             */
            type: "agency" | "account";
            /** @enum {string} */
            role: "admin" | "user";
            locationIds?: string[];
            /** @description The "manage API keys" switch (default on) */
            canManageKeys?: boolean;
        };
        InvitationAccept: {
            /** @description The token from the invitation link (after #token=) */
            token: string;
            password: string;
            name?: string;
        };
        Session: {
            id: string;
            createdAt: string;
            /** @description When it was last used (up to a minute behind) */
            lastSeenAt: string;
            expiresAt: string;
            ip: string | null;
            userAgent: string | null;
            /** @description The session making this request */
            current: boolean;
        };
        AuditPage: {
            entries: components["schemas"]["AuditEntry"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
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
            /** @description The actor's name now (a person or key); null if unknown */
            actorName: string | null;
            /** @description The target's name now; null if unknown or gone */
            targetName: string | null;
            /** @description The user agent as "Browser N on OS" */
            userAgentShort: string | null;
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
        LocationPatch: {
            name?: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
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
        UseReportAnswer: {
            /** @description Entries recorded: their uses, and their refusals (`refused`) by code. */
            recorded: number;
            /** @description Entries naming keys this credential cannot see (unknown, or another agency's). */
            ignored: number;
            /** @description Entries not recorded for their time: lastUsedAt more than a day ago, or more than 5 minutes ahead of the server's clock. */
            skipped: number;
        };
        UseReport: {
            uses: {
                keyId: string;
                /** @description Uses on the UTC day of lastUsedAt (report one entry per key and day). 0 for an entry of `refused` verifications alone (the SDK sends them so): then lastUsedAt only dates them (their UTC day) and no use is recorded. */
                count: number;
                /** Format: date-time */
                lastUsedAt: string;
                /** @description The address of the latest call's client. */
                ip?: string;
                userAgent?: string;
                /** @description The latest call's route, e.g. `GET /orders/:id` (kept for legacy v1 keys). */
                endpoint?: string;
                /** @description How many of `count` the SDK refused rate_limited (those are counted by code through POST /api/verify/limits); the rest are counted `valid` in usage by code. Absent: 0. */
                rateLimited?: number;
                /** @description Verifications of the key the SDK's cache refused on the day of lastUsedAt, by code: not uses (not in `count`; Keyward does not count them as uses either), counted in usage by code. */
                refused?: {
                    insufficient_scope?: number;
                    location_forbidden?: number;
                };
            }[];
        };
        LimitReportAnswer: {
            keys: {
                keyId: string;
                counts: {
                    name: string;
                    windowStart: number;
                    current: number;
                    previous: number;
                }[];
            }[];
            /** @description Keys this credential cannot see (unknown, or another agency's). */
            ignored: number;
        };
        LimitReport: {
            keys: {
                keyId: string;
                /** @default [] */
                counts: {
                    /** @description The limit's name as /api/verify answers it. */
                    name: string;
                    /** @description The start of the window `current` counts (ms since the epoch, aligned on the window). */
                    windowStart: number;
                    current: number;
                    /** @description Of the window before. */
                    previous: number;
                }[];
                /** @description Verifications of this key the SDK refused rate_limited since its last report, and the limit of the latest: counted by code per day, and a limit's first refusal in a window queues key.rate_limited. */
                refused?: {
                    count: number;
                    limit: string;
                };
            }[];
        };
        VerifyAnswer: {
            valid: boolean;
            code: string;
            message?: string;
            key?: {
                id: string;
                name: string;
                /** @enum {string} */
                kind: "private_integration" | "legacy_v1" | "oauth";
                owner: {
                    /** @enum {string} */
                    type: "agency" | "location";
                    id: string;
                };
                agencyId: string;
                scopes: string[];
                /** @description kind oauth: the app the access token was issued to (docs/oauth.md). */
                app?: {
                    id: string;
                    name: string;
                };
                /** @description kind oauth: the install (of the app, in this agency or location). */
                install?: {
                    id: string;
                };
            };
            /** @description With insufficient_scope: the required scopes the key lacks. */
            missingScopes?: string[];
            /**
             * @description On a valid answer, false when a client must not cache it (the SDK then asks again next time): the key has a pending inactivity action, the token is in its rotation grace period, or (with consume) a strict rate limit applies. Absent: cacheable until an event of GET /api/verify/events says otherwise.
             * @enum {boolean}
             */
            cache?: false;
            /** @description With consume: true, for a valid key: the decision and every limit's remaining count. */
            rateLimit?: {
                allowed: boolean;
                /** @description Seconds to wait, when refused */
                retryAfter?: number;
                /** @description The name of the limit that refused, when refused */
                limit?: string;
                limits: components["schemas"]["LimitStatus"][];
            };
        };
        LimitStatus: {
            name: string;
            /** @enum {string} */
            owner: "key" | "location" | "agency";
            limit: number;
            windowSeconds: number;
            cost: number;
            /** @enum {string} */
            mode: "local" | "strict";
            remaining: number;
            resetSeconds: number;
        };
        VerifyRequest: {
            token: string;
            requiredScopes?: string[];
            locationId?: string;
            /** @description The address of the client whose token this is. Failed verifications are limited per client address; without it they are not limited (the X-Client-IP header is read when this field is absent). */
            clientIp?: string;
            /** @description Take this request from the key's rate limits (docs/traffic-policy.md): a valid key over a limit is answered `rate_limited`, and the answer carries `rateLimit` with the remaining counts. Without it nothing is taken and the answer is as before. */
            consume?: boolean;
            /** @description How many requests' worth to take (default 1); needs consume: true. */
            cost?: number;
        };
        ServiceKeyWithToken: {
            serviceKey: components["schemas"]["ServiceKey"];
            /** @description The credential, shown this once: store it now */
            token: string;
        };
        ServiceKey: {
            id: string;
            name: string;
            /** @description The agency it acts on; null for an operator credential (every agency) */
            agencyId: string | null;
            scopes: ("verify" | "provision" | "keys:manage")[];
            /** @description Masked: kw_svc_…abcd */
            token: string;
            /** @enum {string} */
            status: "active" | "revoked";
            createdAt: string;
            createdBy: string | null;
            rotation: {
                /** @enum {boolean} */
                pending: true;
                oldToken: string;
                oldTokenExpiresAt: string;
            } | null;
            revokedAt: string | null;
        };
        CreateServiceKey: {
            name: string;
            scopes: ("verify" | "provision" | "keys:manage")[];
            /** @description The agency the credential acts on (its id or ext:<externalId>); null for an operator credential. Default: the signed-in owner's agency, or null for the operator. */
            agencyId?: string | null;
        };
        ProvisionedAgency: {
            id: string;
            externalId: string;
            name: string;
            /** @enum {string} */
            plan: "starter" | "unlimited" | "agency_pro";
            createdAt: string;
        };
        ProvisionAgencyInput: {
            name: string;
            /** @enum {string} */
            plan?: "starter" | "unlimited" | "agency_pro";
            /** @description Names an existing object (made in the console or the CLI) with this external id */
            id?: string;
        };
        ProvisionedLocation: {
            id: string;
            externalId: string;
            agencyId: string;
            name: string;
            email: string | null;
            phone: string | null;
            timezone: string | null;
            createdAt: string;
        };
        ProvisionLocationInput: {
            name: string;
            email?: string | null;
            phone?: string | null;
            timezone?: string | null;
            /** @description Names an existing object (made in the console or the CLI) with this external id */
            id?: string;
        };
        ProvisionedUser: {
            id: string;
            externalId: string;
            agencyId: string;
            email: string;
            name: string;
            /** @enum {string} */
            type: "agency" | "account";
            /** @enum {string} */
            role: "admin" | "user";
            owner: boolean;
            canManageKeys: boolean;
            locations: string[];
            locationIds: string[];
            disabled: boolean;
            createdAt: string;
        };
        ProvisionUserInput: {
            email: string;
            name: string;
            /**
             * @description Default: agency for the owner, else account
             * @enum {string}
             */
            type?: "agency" | "account";
            /**
             * @description Default: admin for the owner, else user
             * @enum {string}
             */
            role?: "admin" | "user";
            /** @description The agency's owner (one per agency; it never moves) */
            owner?: boolean;
            /** @description Locations by external id (account users) */
            locations?: string[];
            canManageKeys?: boolean;
            disabled?: boolean;
            /** @description Names an existing object (made in the console or the CLI) with this external id */
            id?: string;
        };
        ProvisionSyncReport: {
            agency: {
                externalId: string;
                id: string;
                /** @enum {string} */
                result: "created" | "updated" | "deleted" | "unchanged";
            };
            locations: {
                externalId: string;
                id: string;
                /** @enum {string} */
                result: "created" | "updated" | "deleted" | "unchanged";
            }[];
            users: {
                externalId: string;
                id: string;
                /** @enum {string} */
                result: "created" | "updated" | "deleted" | "unchanged";
            }[];
        };
        ProvisionSync: {
            agency: {
                name: string;
                /** @enum {string} */
                plan?: "starter" | "unlimited" | "agency_pro";
                /** @description Names an existing object (made in the console or the CLI) with this external id */
                id?: string;
                externalId: string;
            };
            /** @default [] */
            locations: {
                name: string;
                email?: string | null;
                phone?: string | null;
                timezone?: string | null;
                /** @description Names an existing object (made in the console or the CLI) with this external id */
                id?: string;
                externalId: string;
            }[];
            users: {
                email: string;
                name: string;
                /**
                 * @description Default: agency for the owner, else account
                 * @enum {string}
                 */
                type?: "agency" | "account";
                /**
                 * @description Default: admin for the owner, else user
                 * @enum {string}
                 */
                role?: "admin" | "user";
                /** @description The agency's owner (one per agency; it never moves) */
                owner?: boolean;
                /** @description Locations by external id (account users) */
                locations?: string[];
                canManageKeys?: boolean;
                disabled?: boolean;
                /** @description Names an existing object (made in the console or the CLI) with this external id */
                id?: string;
                externalId: string;
            }[];
        };
        OAuthApp: {
            id: string;
            clientId: string;
            agencyId: string;
            name: string;
            logoUrl: string | null;
            redirectUris: string[];
            scopes: string[];
            /** @enum {string} */
            distribution: "agency" | "location";
            /** @enum {string} */
            visibility: "private" | "public";
            /** @description A public client: PKCE without a client secret */
            public: boolean;
            webhookUrl: string | null;
            secret: {
                display: string;
                createdAt: string;
                previousValidUntil: string | null;
            } | null;
            installCount: number;
            createdAt: string;
            updatedAt: string;
        };
        OAuthAppEdited: {
            id: string;
            clientId: string;
            agencyId: string;
            name: string;
            logoUrl: string | null;
            redirectUris: string[];
            scopes: string[];
            /** @enum {string} */
            distribution: "agency" | "location";
            /** @enum {string} */
            visibility: "private" | "public";
            /** @description A public client: PKCE without a client secret */
            public: boolean;
            webhookUrl: string | null;
            secret: {
                display: string;
                createdAt: string;
                previousValidUntil: string | null;
            } | null;
            installCount: number;
            createdAt: string;
            updatedAt: string;
            /** @description The `whsec_…` signing secret of the app's new webhook endpoint, shown once */
            webhookSecret?: string;
        };
        OAuthInstall: {
            id: string;
            app: {
                id: string;
                name: string;
                logoUrl: string | null;
                developerName: string;
            };
            agencyId: string;
            locationId: string | null;
            locationIds: string[] | "all" | null;
            scopes: string[];
            /** @enum {string} */
            status: "active" | "suspended";
            suspendedReason: string | null;
            installedBy: {
                id: string;
                name: string;
            } | null;
            installedAt: string;
            lastUsedAt: string | null;
            /** @description Days without use, when 90 or more (else null) */
            unusedDays: number | null;
        };
        OAuthAuthorizationRequest: {
            request: {
                id: string;
                expiresAt: string;
                app: {
                    id: string;
                    clientId: string;
                    name: string;
                    logoUrl: string | null;
                    /** @enum {string} */
                    distribution: "agency" | "location";
                    developer: {
                        agencyId: string;
                        name: string;
                    };
                };
                scopes: {
                    name: string;
                    description: string;
                }[];
                redirectUri: string;
            };
            targets: {
                agency: {
                    id: string;
                    name: string;
                    allowed: boolean;
                    reason: string | null;
                } | null;
                locations: {
                    id: string;
                    name: string;
                }[];
            };
        };
        OAuthToken: {
            access_token: string;
            /** @enum {string} */
            token_type: "Bearer";
            expires_in: number;
            refresh_token?: string;
            scope: string;
            install_id: string;
            agency_id: string;
            location_id: string | null;
        };
        OAuthError: {
            error: string;
            error_description?: string;
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
                /** @description What replaces the key, from how it is used: one location or many (docs/oauth.md) */
                successor: {
                    /** @enum {string} */
                    kind: "private_integration" | "oauth_app";
                    reason: string;
                };
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
            /**
             * @description Whose keys are counted: this account's (a location), or this account's and its locations' (an agency)
             * @enum {string}
             */
            scope: "account" | "account_and_locations";
            /** @description The same in words: "of Downtown", "of Acme and its locations" */
            scopeWords: string;
            actionAt: string;
            /** @enum {string} */
            action: "delete" | "expire";
            keyIds: string[];
            count: number;
            message: string;
            link: string;
        };
        Upcoming: {
            accountId: string;
            /**
             * @description Whose keys are counted: this account's (a location), or this account's and its locations' (an agency)
             * @enum {string}
             */
            scope: "account" | "account_and_locations";
            /** @description The same in words: "of Downtown", "of Acme and its locations" */
            scopeWords: string;
            /** @enum {string} */
            action: "delete" | "expire";
            /** @description The next action on these keys; null: no active key */
            actionAt: string | null;
            count: number;
            /** @description How many of them have had their first warning */
            warned: number;
            keyIds: string[];
            link: string;
        };
        Forecast: {
            generatedAt: string;
            /** @description The next sweep instant, whether or not it touches a key */
            nextSweepAt: string;
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
                    /** @description When it reached the policy's days without use (or will) */
                    dueAt: string;
                    /** @description When its first warning was issued, or is planned if it has not been */
                    firstWarningAt: string;
                    /** @description Why the key is in this sweep, in words */
                    reason: string;
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
        LifetimeBanner: {
            accountId: string;
            /**
             * @description Whose keys are counted: this account's (a location), or this account's and its locations' (an agency)
             * @enum {string}
             */
            scope: "account" | "account_and_locations";
            /** @description The same in words: "of Downtown", "of Acme and its locations" */
            scopeWords: string;
            /** @description The earliest end of a lifetime among the keys counted */
            endsAt: string;
            keyIds: string[];
            count: number;
            message: string;
            /** @description Console path to the keys concerned */
            link: string;
        };
        WebhookEndpoint: {
            id: string;
            agencyId: string;
            url: string;
            description: string;
            events: ("key.created" | "key.updated" | "key.rotated" | "key.revoked" | "key.expired" | "key.deleted" | "key.refreshed" | "key.inactivity_warning" | "key.kept" | "key.lifetime_ending" | "key.leaked" | "key.rate_limited" | "settings.security_changed" | "plan.changed" | "webhook.test" | "app.installed" | "app.uninstalled")[];
            /** @enum {string} */
            scheme: "hmac" | "ed25519";
            enabled: boolean;
            disabledReason: string | null;
            failingSince: string | null;
            publicKey: string | null;
            previousSecretUntil: string | null;
            createdAt: string;
            updatedAt: string;
        };
        WebhookDelivery: {
            id: string;
            messageId: string;
            endpointId: string;
            eventType: string;
            /** @enum {string} */
            status: "pending" | "sending" | "succeeded" | "failed";
            attempts: number;
            nextAttemptAt: string | null;
            lastAttemptAt: string | null;
            responseStatus: number | null;
            responseBody: string | null;
            durationMs: number | null;
            lastError: string | null;
            createdAt: string;
            deliveredAt: string | null;
            payload?: unknown;
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
