import { randomBytes } from "node:crypto";

/** Ids carry their type, like Unkey's `newId("key")`, so a log line or URL says what it names. */
const prefixes = {
  agency: "agy",
  location: "loc",
  user: "usr",
  key: "key",
  session: "ses",
  notification: "ntf",
  email: "eml",
  audit: "aud",
  leak: "lek",
  invitation: "inv",
  serviceKey: "svk",
  webhook: "whe",
  webhookDelivery: "whd",
  webhookMessage: "msg",
  oauthApp: "app",
  oauthInstall: "ins",
  oauthRequest: "oar",
  oauthClient: "cid",
} as const;

export type IdKind = keyof typeof prefixes;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export function newId(kind: IdKind): string {
  const bytes = randomBytes(16);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % 36];
  return `${prefixes[kind]}_${s}`;
}

/** Ids given by people (imports, scenarios) must be safe in URLs and logs. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
