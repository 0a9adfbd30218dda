/**
 * The account's banners: the deletion banner (keys acted on within the banner window for inactivity)
 * and the lifetime banner (keys whose lifetime ends within it).
 */
import { useState } from "react";
import { api, type Banner as BannerData, type Me } from "./api";
import { actionVerb, dateTime, plural } from "./format";
import { KeepDialog, useReloadOnKeep } from "./KeepDialog";
import { LifetimeBanner } from "./LifetimeBanner";
import { keysLink, type View } from "./links";
import { Link, useRoute } from "./router";
import { canManage } from "./session";
import { useLoad } from "./ui";

export function Banner({ me, view }: { me: Me; view: View }) {
  return (
    <>
      <DeletionBanner me={me} view={view} />
      <LifetimeBanner me={me} view={view} />
    </>
  );
}

function DeletionBanner({ me, view }: { me: Me; view: View }) {
  const route = useRoute();
  // Reloaded on every navigation: it is derived state and may have changed.
  const [keeping, setKeeping] = useState(false);
  const { data, reload } = useLoad(async () => {
    try {
      return (
        (await api.get<BannerData | undefined>(
          `/api/accounts/${encodeURIComponent(view.accountId)}/banner`,
        )) ?? null
      );
    } catch {
      return null; // no banner endpoint on this server, or no right to see it: nothing to show
    }
  }, [view.accountId, route.path, route.query.toString()]);
  useReloadOnKeep(reload);
  if (!data) return null;
  const words =
    data.message ||
    `${plural(data.count, "API key")} ${data.scopeWords} will ${actionVerb(data.action)} on ${dateTime(data.actionAt)} unless used before then.`;
  return (
    <section className="deletion-banner" aria-label="Keys about to be removed">
      <span className="deletion-banner-icon" aria-hidden="true">
        ⚠
      </span>
      <span>{words}</span>
      <Link className="deletion-banner-link" to={keysLink(me, data.accountId, data.keyIds)}>
        Review {data.count === 1 ? "the key" : `the ${data.count} keys`}
      </Link>
      {canManage(me, { locationId: data.accountId === me.agency.id ? null : data.accountId }) ? (
        <button type="button" className="deletion-banner-keep" onClick={() => setKeeping(true)}>
          Keep {data.count === 1 ? "it" : "them"}
        </button>
      ) : null}
      {keeping ? (
        <KeepDialog
          keys={data.keyIds.map((id) => ({ id }))}
          onClose={() => setKeeping(false)}
          onKept={() => reload()}
        />
      ) : null}
    </section>
  );
}
