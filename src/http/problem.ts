/** One error mapper: every failure leaves as RFC 9457 problem+json with a stable `code`. */
import {
  type ApiError,
  type ErrorCode,
  type FieldIssue,
  statusOf,
  TITLES,
  VERIFY_STATUS,
} from "../core/errors.js";

/** Header values must be plain printable ASCII; quotes and backslashes are escaped for a quoted-string. */
function quoted(s: string): string {
  return s
    .replace(/[“”]/g, '"')
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/[\\"]/g, (m) => `\\${m}`);
}

export function problemResponse(
  code: ErrorCode,
  message: string,
  extra: { issues?: FieldIssue[]; [k: string]: unknown } = {},
  instance?: string,
): Response {
  const status = statusOf(code);
  const body: Record<string, unknown> = {
    type: `/docs#error-${code}`,
    title: TITLES[code],
    status,
    code,
    detail: message,
    ...(instance ? { instance } : {}),
    ...extra,
  };
  const headers = new Headers({ "content-type": "application/problem+json", "cache-control": "no-store" });
  // The limits (429) say how long to wait, in whole seconds, in the body and as Retry-After.
  if (typeof extra.retryAfter === "number") headers.set("retry-after", String(extra.retryAfter));
  if (status === 401) {
    if (code in VERIFY_STATUS)
      headers.set("www-authenticate", `Bearer error="invalid_token", error_description="${quoted(message)}"`);
    else if (code === "invalid_service_token")
      headers.set("www-authenticate", `Bearer realm="keyward-service"`);
    else headers.set("www-authenticate", `Cookie realm="keyward", form-action="/api/auth/login"`);
  } else if (code === "insufficient_scope") {
    const missing = Array.isArray(extra.missingScopes) ? (extra.missingScopes as string[]).join(" ") : "";
    headers.set("www-authenticate", `Bearer error="insufficient_scope", scope="${quoted(missing)}"`);
  }
  return new Response(JSON.stringify(body), { status, headers });
}

export function errorToProblem(err: ApiError, instance?: string): Response {
  return problemResponse(err.code, err.message, err.extra, instance);
}
