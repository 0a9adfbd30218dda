/**
 * One catalogue of error codes: stable snake_case codes (relied on by users' scripts), one HTTP
 * status each, a default message. Handlers throw `ApiError`; one mapper writes problem+json.
 */

/** The outcomes of verifying a token (docs/spec.md §3). */
export const VERIFY_STATUS = {
  malformed: 401,
  not_found: 401,
  revoked: 401,
  expired: 401,
  deleted: 401,
  rotated: 401,
  insufficient_scope: 403,
  location_forbidden: 403,
  ip_forbidden: 403,
  plan_required: 403,
  disabled_by_security: 403,
  /** Over a named limit of the key, its location or its agency (issue 13 §1); Retry-After says when. */
  rate_limited: 429,
} as const;
export type VerifyErrorCode = keyof typeof VERIFY_STATUS;
export type VerifyCode = "valid" | VerifyErrorCode;

const CATALOGUE = {
  ...VERIFY_STATUS,
  invalid_json: 400,
  validation_failed: 400,
  invalid_cursor: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  login_failed: 401,
  invalid_service_token: 401,
  insufficient_service_scope: 403,
  operator_credential_required: 403,
  origin_mismatch: 403,
  permission_denied: 403,
  resource_not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  agency_owner_required: 409,
  invalid_state: 409,
  nothing_pending: 409,
  keep_forbidden: 403,
  leak_signature_invalid: 401,
  leak_report_replayed: 409,
  legacy_creation_disabled: 403,
  legacy_key_required: 403,
  legacy_key_in_use: 409,
  confirmation_required: 400,
  plan_managed_by_operator: 403,
  current_password_required: 400,
  current_password_wrong: 403,
  agency_choice_required: 409,
  invitation_not_found: 404,
  invitation_used: 409,
  invitation_cancelled: 410,
  invitation_expired: 410,
  webhook_url_invalid: 400,
  webhook_url_insecure: 400,
  webhook_url_forbidden: 422,
  webhook_url_unresolvable: 422,
  webhook_limit_reached: 409,
  oauth_request_not_found: 404,
  oauth_app_private: 403,
  too_many_attempts: 429,
  too_many_failures: 429,
  internal_error: 500,
  unavailable: 503,
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof CATALOGUE;

export function statusOf(code: ErrorCode): number {
  return CATALOGUE[code];
}

export const TITLES: Record<ErrorCode, string> = {
  malformed: "Malformed token",
  not_found: "Unknown token",
  revoked: "Token revoked",
  expired: "Token expired",
  deleted: "Token deleted",
  rotated: "Token replaced by rotation",
  insufficient_scope: "Insufficient scope",
  location_forbidden: "Location forbidden",
  ip_forbidden: "Address not allowed",
  plan_required: "Plan upgrade required",
  disabled_by_security: "Disabled by Enhanced Account Security",
  rate_limited: "Rate limited",
  invalid_json: "Invalid JSON",
  validation_failed: "Invalid request",
  invalid_cursor: "Invalid cursor",
  unsupported_media_type: "Unsupported media type",
  payload_too_large: "Payload too large",
  unauthenticated: "Sign-in required",
  login_failed: "Sign-in failed",
  invalid_service_token: "Invalid service token",
  insufficient_service_scope: "The service credential lacks a scope",
  operator_credential_required: "Operator credential required",
  origin_mismatch: "Cross-site request refused",
  permission_denied: "Permission denied",
  resource_not_found: "Not found",
  route_not_found: "No such endpoint",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  agency_owner_required: "The agency would be left without an owner",
  invalid_state: "Not possible in this state",
  nothing_pending: "No inactivity action is pending for this key",
  keep_forbidden: "Keep is switched off for this agency",
  leak_signature_invalid: "Leak report not accepted",
  leak_report_replayed: "Leak report already received",
  legacy_creation_disabled: "Legacy keys cannot be created",
  legacy_key_required: "The v1 API takes legacy v1 keys only",
  legacy_key_in_use: "Legacy key still in use",
  confirmation_required: "Confirmation required",
  plan_managed_by_operator: "The plan is set by the deployment's operator",
  current_password_required: "Current password required",
  current_password_wrong: "Current password is wrong",
  agency_choice_required: "Choose an agency",
  invitation_not_found: "Unknown invitation link",
  invitation_used: "Invitation already accepted",
  invitation_cancelled: "Invitation cancelled",
  invitation_expired: "Invitation expired",
  webhook_url_invalid: "Invalid webhook URL",
  webhook_url_insecure: "Webhook URL is not HTTPS",
  webhook_url_forbidden: "Webhook URL reaches an internal address",
  webhook_url_unresolvable: "Webhook URL does not resolve",
  webhook_limit_reached: "Too many webhook endpoints",
  oauth_request_not_found: "Unknown or expired authorization request",
  oauth_app_private: "This app is private to the agency that develops it",
  too_many_attempts: "Too many sign-in attempts",
  too_many_failures: "Too many failed attempts",
  internal_error: "Internal error",
  unavailable: "Service unavailable",
  storage_unavailable: "Storage unavailable",
};

export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: FieldIssue[]; [k: string]: unknown } = {},
  ) {
    super(message);
    this.status = statusOf(code);
  }
}

export const notFound = (what: string) => new ApiError("resource_not_found", `${what} not found.`);
export const denied = (message: string) => new ApiError("permission_denied", message);
