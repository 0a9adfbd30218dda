/** The signed-in person, shared with every page. */
import { createContext, useContext } from "react";
import type { Me } from "./api";

export interface Session {
  me: Me;
  reloadMe: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a session");
  return s;
}

/** Whether the signed-in person may create, change and remove keys of this account. */
export function canManage(me: Me, key: { locationId: string | null }): boolean {
  return key.locationId
    ? me.permissions.manageLocationKeys.includes(key.locationId)
    : me.permissions.manageAgencyKeys;
}
