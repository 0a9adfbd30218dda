/** Shared by the legacy v1 / EAS tests: seeding legacy keys, raw calls, snapshots of an agency's keys. */
import type { KeyKind } from "../../src/core/token.js";
import { systemCtx } from "../../src/service/context.js";
import type { Harness } from "../helpers/harness.js";

/**
 * A legacy key that exists already (an integration from before the rules), made the way the
 * platform's own migration would: through the service, outside any person's request.
 */
export async function seedKey(
  h: Harness,
  agencyId: string,
  locationId: string | null,
  name = "Old integration",
  kind: KeyKind = "legacy_v1",
  scopes: string[] = [],
): Promise<{ id: string; token: string }> {
  const { key, token } = await h.kw.store.transaction((s) =>
    h.kw.keys.createSystemKey(systemCtx, s, { agencyId, locationId }, kind, name, scopes),
  );
  return { id: key.id, token };
}

export interface Raw {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

/** A request with a bearer token (or none), returning the raw text as well as the parsed body. */
export async function call(
  h: Harness,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Raw> {
  const hs: Record<string, string> = { ...headers };
  if (token !== null) hs.authorization = `Bearer ${token}`;
  if (body !== undefined) hs["content-type"] ??= "application/json";
  const res = await fetch(h.url + path, {
    method,
    headers: hs,
    body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, text, body: parsed, headers: res.headers };
}

/** Every key of an agency with its state and tokens: what "the switch never touches keys" compares. */
export async function keySnapshot(h: Harness, agencyId: string) {
  const keys = await h.kw.store.listKeys({
    agencyId,
    statuses: ["active", "expired", "revoked", "deleted"],
  });
  const tokens = await h.kw.store.tokensOfKeys(keys.map((k) => k.id));
  return keys.map((k) => ({
    id: k.id,
    kind: k.kind,
    status: k.status,
    owner: k.locationId ?? k.agencyId,
    tokens: tokens
      .filter((t) => t.keyId === k.id)
      .map((t) => `${t.hash}:${t.validUntil}:${t.retiredReason}`)
      .sort(),
  }));
}

export async function outbox(h: Harness, kind: string) {
  return h.kw.store.db.selectFrom("outbox").selectAll().where("kind", "=", kind).execute();
}
