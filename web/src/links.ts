/** Where things are in the console. */
import type { Me } from "./api";

/** The account a page is about: the agency itself, or one of its locations. */
export interface View {
  kind: "agency" | "location";
  accountId: string;
  name: string;
  /** The path prefix of this view's pages. */
  base: string;
}

export function homePath(me: Me): string {
  if (me.user.type === "agency") return "/agency/keys";
  const first = me.locations[0];
  return first ? `/location/${first.id}/keys` : "/no-access";
}

/** Where the keys of an account are listed, with some of them picked out. */
export function keysLink(me: Me, accountId: string, keyIds: string[] = []): string {
  const base = accountId === me.agency.id ? "/agency/keys" : `/location/${accountId}/keys`;
  return keyIds.length ? `${base}?highlight=${keyIds.map(encodeURIComponent).join(",")}` : base;
}

/**
 * Links written by the server (notifications, banners, e-mails) name an account, not a view:
 * `/accounts/{accountId}/keys?highlight=…`. Returns the console path they mean, or null.
 */
export function resolveAccountLink(me: Me, path: string, query: URLSearchParams): string | null {
  const m = /^\/accounts\/([^/]+)\/keys\/?$/.exec(path);
  if (!m) return null;
  const ids = (query.get("highlight") ?? "").split(",").filter(Boolean);
  return keysLink(me, decodeURIComponent(m[1]!), ids);
}
