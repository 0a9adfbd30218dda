/**
 * The lifetime banner: across the top of an account whose keys' lifetimes end within the banner
 * window (docs/traffic-policy.md "Lifetimes"). Admins get "Extend lifetime", which opens the key's
 * edit sidebar (or, for several keys, lists them to edit each).
 */
import { api, type LifetimeBanner as Data, type Me } from "./api";
import { keysLink, type View } from "./links";
import { Link, useRoute } from "./router";
import { canManage } from "./session";
import { useLoad } from "./ui";

export function LifetimeBanner({ me, view }: { me: Me; view: View }) {
  const route = useRoute();
  // Reloaded on every navigation (an edit that extends the lifetime takes it away).
  const { data } = useLoad(async () => {
    try {
      return (
        (await api.get<Data | undefined>(
          `/api/accounts/${encodeURIComponent(view.accountId)}/lifetime-banner`,
        )) ?? null
      );
    } catch {
      return null; // an older server, or no right to see it: nothing to show
    }
  }, [view.accountId, route.path, route.query.toString()]);
  if (!data) return null;
  const list = keysLink(me, data.accountId, data.keyIds);
  const one = data.keyIds.length === 1 ? data.keyIds[0] : undefined;
  return (
    <section className="deletion-banner lifetime-banner" aria-label="Keys whose lifetime ends soon">
      <span className="deletion-banner-icon" aria-hidden="true">
        ⚠
      </span>
      <span>{data.message}</span>
      <Link className="deletion-banner-link" to={list}>
        Review {data.count === 1 ? "the key" : `the ${data.count} keys`}
      </Link>
      {canManage(me, { locationId: data.accountId === me.agency.id ? null : data.accountId }) ? (
        <Link className="deletion-banner-keep" to={one ? `${list}&edit=${encodeURIComponent(one)}` : list}>
          {one ? "Extend lifetime" : "Extend lifetimes"}
        </Link>
      ) : null}
    </section>
  );
}
