/**
 * The console shell: who is signed in (GET /api/me), which view is open (the agency, or one
 * location), the navigation, the notifications bell and the deletion banner. Pages live in pages/.
 */
import { type ReactElement, useCallback, useEffect, useState } from "react";
import { type ApiError, api, asApiError, type Me } from "./api";
import { Banner } from "./Banner";
import { Bell } from "./Bell";
import { homePath, resolveAccountLink, type View } from "./links";
import { AcceptInvitationPage } from "./pages/AcceptInvitation";
import { AppsPage } from "./pages/Apps";
import { AuditPage } from "./pages/Audit";
import { CompanyPage } from "./pages/Company";
import { InstallsPage } from "./pages/Installs";
import { InventoryPage } from "./pages/Inventory";
import { KeysPage } from "./pages/Keys";
import { LocationsPage } from "./pages/Locations";
import { LoginPage } from "./pages/Login";
import { CONSENT_PATH, OAuthConsentPage } from "./pages/OAuthConsent";
import { ProfilePage } from "./pages/Profile";
import { ServiceKeysPage } from "./pages/ServiceKeys";
import { UsersPage } from "./pages/Users";
import { WebhooksPage } from "./pages/Webhooks";
import { Link, navigate, RouteContext, useLocation } from "./router";
import { SessionContext, useSession } from "./session";
import { ErrorText, ToastProvider } from "./ui";

/** The profile page: one for everyone, outside the agency and location views. */
const PROFILE_PATH = "/profile";

function viewOf(me: Me, path: string): View | null {
  const m = /^\/location\/([^/]+)/.exec(path);
  if (m) {
    const loc = me.locations.find((l) => l.id === decodeURIComponent(m[1]!));
    return loc ? { kind: "location", accountId: loc.id, name: loc.name, base: `/location/${loc.id}` } : null;
  }
  if (path.startsWith("/agency") && me.user.type === "agency")
    return { kind: "agency", accountId: me.agency.id, name: me.agency.name, base: "/agency" };
  return null;
}

export function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [state, setState] = useState<"loading" | "signed-out" | "ready" | "error">("loading");
  const [error, setError] = useState<ApiError | null>(null);

  const reloadMe = useCallback(async () => {
    try {
      const m = await api.get<Me>("/api/me");
      setMe(m);
      setState("ready");
    } catch (e) {
      const err = asApiError(e);
      if (err.status === 401) {
        setMe(null);
        setState("signed-out");
      } else {
        setError(err);
        setState("error");
      }
    }
  }, []);

  useEffect(() => {
    void reloadMe();
    const onSignedOut = () => {
      setMe(null);
      setState("signed-out");
    };
    window.addEventListener("keyward:signed-out", onSignedOut);
    return () => window.removeEventListener("keyward:signed-out", onSignedOut);
  }, [reloadMe]);

  const signOut = useCallback(async () => {
    try {
      await api.post("/api/auth/logout");
    } catch {
      // Signed out already, or the server is gone: either way the session is over here.
    }
    setMe(null);
    setState("signed-out");
    navigate("/login", { replace: true });
  }, []);

  // The invitation e-mail's page is public: it is shown whoever is (or is not) signed in here.
  if (loc.path === "/invitation")
    return (
      <AcceptInvitationPage
        onAccepted={async () => {
          await reloadMe();
          navigate("/", { replace: true });
        }}
      />
    );
  if (state === "loading")
    return (
      <p className="loading-page" role="status">
        Loading…
      </p>
    );
  if (state === "error")
    return (
      <main className="center-page">
        <h1>Keyward is not answering</h1>
        <ErrorText error={error} />
        <button type="button" className="button" onClick={() => void reloadMe()}>
          Try again
        </button>
      </main>
    );
  if (state === "signed-out" || !me)
    return (
      <LoginPage
        onSignedIn={async () => {
          const m = await api.get<Me>("/api/me");
          setMe(m);
          setState("ready");
          // The OAuth consent page signs in where it is and stays there: the app is waiting for its answer.
          const next = loc.path === CONSENT_PATH ? `${loc.path}?${loc.query}` : loc.query.get("next");
          navigate(next?.startsWith("/") && !next.startsWith("//") ? next : homePath(m), { replace: true });
        }}
      />
    );

  return (
    <SessionContext.Provider value={{ me, reloadMe, signOut }}>
      <RouteContext.Provider value={loc}>
        <ToastProvider>{loc.path === CONSENT_PATH ? <OAuthConsentPage /> : <Shell me={me} />}</ToastProvider>
      </RouteContext.Provider>
    </SessionContext.Provider>
  );
}

function Shell({ me }: { me: Me }) {
  const loc = useLocation();
  const { signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const view = viewOf(me, loc.path);

  useEffect(() => {
    const fromServer = resolveAccountLink(me, loc.path, loc.query);
    if (fromServer) navigate(fromServer, { replace: true });
    else if (
      loc.path === "/" ||
      loc.path === "/login" ||
      (!view && loc.path !== "/no-access" && loc.path !== PROFILE_PATH)
    )
      navigate(homePath(me), { replace: true });
  }, [loc.path, loc.query, view, me]);

  // A new page: close the phone menu and say where we are.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only
  useEffect(() => {
    setMenuOpen(false);
  }, [loc.path]);

  const page =
    loc.path === PROFILE_PATH
      ? { title: "Your profile", element: <ProfilePage /> }
      : view
        ? pageFor(view, loc.path, me)
        : null;
  useEffect(() => {
    document.title = page ? `${page.title} · ${view?.name ?? ""} · Keyward` : "Keyward";
  }, [page, view]);

  // The profile belongs to no view: the navigation is that of one's home view.
  const navView = view ?? viewOf(me, homePath(me));
  const nav = navView ? navItems(navView, me) : [];

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <span className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Keyward
        </span>
        <ViewSwitcher me={me} view={view} />
        <div className="topbar-end">
          <Bell me={me} />
          <Link
            to={PROFILE_PATH}
            className="whoami"
            title={`Your profile (${me.user.email})`}
            aria-current={loc.path === PROFILE_PATH ? "page" : undefined}
          >
            {me.user.name}
          </Link>
          <button type="button" className="button button-small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {view ? <Banner me={me} view={view} /> : null}
      <div className="shell">
        <nav id="main-nav" aria-label="Main" className={menuOpen ? "nav open" : "nav"}>
          {nav.map((group) => (
            <div key={group.title} className="nav-group">
              <p className="nav-title">{group.title}</p>
              <ul>
                {group.items.map((i) => (
                  <li key={i.to}>
                    <Link to={i.to} aria-current={loc.path === i.to ? "page" : undefined}>
                      {i.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" tabIndex={-1}>
          {page ? (
            page.element
          ) : loc.path === "/no-access" ? (
            <div>
              <h1 tabIndex={-1}>No locations yet</h1>
              <p>Your user is not assigned to any location. Ask an agency admin to give you access.</p>
            </div>
          ) : null}
        </main>
      </div>
    </div>
  );
}

function navItems(view: View, me: Me) {
  if (view.kind === "location")
    return [
      {
        title: "Settings",
        items: [
          { to: `${view.base}/keys`, label: "API Keys" },
          ...(seesInstalls(me, view) ? [{ to: `${view.base}/installs`, label: "Installed apps" }] : []),
        ],
      },
    ];
  const admin = me.permissions.changeAgencySettings;
  return [
    {
      title: "Settings",
      items: [
        { to: "/agency/keys", label: "API Keys" },
        { to: "/agency/locations", label: "Locations" },
        { to: "/agency/company", label: "Company" },
        ...(me.user.isOwner ? [{ to: "/agency/service-keys", label: "Service credentials" }] : []),
      ],
    },
    {
      title: "Oversight",
      items: [
        { to: "/agency/inventory", label: "Inventory" },
        ...(admin ? [{ to: "/agency/audit", label: "Audit log" }] : []),
        ...(admin ? [{ to: "/agency/webhooks", label: "Webhooks" }] : []),
        { to: "/agency/users", label: "Users" },
      ],
    },
    ...(admin
      ? [
          {
            title: "Apps",
            items: [
              { to: "/agency/apps", label: "Your apps" },
              { to: "/agency/installs", label: "Installed apps" },
            ],
          },
        ]
      : []),
  ];
}

/** OAuth installs: the agency's admins see (and uninstall) all of them, a location's admins its own. */
function seesInstalls(me: Me, view: View): boolean {
  return (
    me.permissions.changeAgencySettings ||
    (me.user.type === "account" && me.user.role === "admin" && me.user.locationIds.includes(view.accountId))
  );
}

function pageFor(view: View, path: string, me: Me): { title: string; element: ReactElement } | null {
  const rest = path.slice(view.base.length);
  if (rest === "/keys" || rest === "" || rest === "/")
    return { title: "API Keys", element: <KeysPage key={view.accountId} view={view} /> };
  if (rest === "/installs")
    return seesInstalls(me, view)
      ? { title: "Installed apps", element: <InstallsPage key={view.accountId} view={view} /> }
      : null;
  if (view.kind !== "agency") return null;
  switch (rest) {
    case "/inventory":
      return { title: "Inventory", element: <InventoryPage view={view} /> };
    case "/company":
      return { title: "Company", element: <CompanyPage view={view} /> };
    case "/audit":
      return me.permissions.changeAgencySettings
        ? { title: "Audit log", element: <AuditPage view={view} /> }
        : null;
    case "/locations":
      return { title: "Locations", element: <LocationsPage view={view} /> };
    case "/users":
      return { title: "Users", element: <UsersPage view={view} /> };
    case "/service-keys":
      return me.user.isOwner
        ? { title: "Service credentials", element: <ServiceKeysPage view={view} /> }
        : null;
    case "/apps":
      return me.permissions.changeAgencySettings
        ? { title: "Apps", element: <AppsPage view={view} /> }
        : null;
    case "/webhooks":
      return me.permissions.changeAgencySettings
        ? { title: "Webhooks", element: <WebhooksPage view={view} /> }
        : null;
    default:
      return null;
  }
}

/** Agency users switch between the agency and every location; account users between their locations. */
function ViewSwitcher({ me, view }: { me: Me; view: View | null }) {
  const options = [
    ...(me.user.type === "agency"
      ? [{ value: "/agency/keys", label: `Agency view: ${me.agency.name}` }]
      : []),
    ...byName(me.locations).map((l) => ({ value: `/location/${l.id}/keys`, label: l.name })),
  ];
  if (options.length <= 1) return <span className="view-name">{view ? view.name : me.agency.name}</span>;
  const current = view ? (view.kind === "agency" ? "/agency/keys" : `/location/${view.accountId}/keys`) : "";
  return (
    <div className="view-switcher">
      <label htmlFor="view-switcher" className="visually-hidden">
        Switch view
      </label>
      <select id="view-switcher" value={current} onChange={(e) => navigate(e.target.value)}>
        {me.user.type === "agency" ? (
          <>
            <option value="/agency/keys">{options[0]!.label}</option>
            {me.locations.length ? (
              <optgroup label="Locations">
                {byName(me.locations).map((l) => (
                  <option key={l.id} value={`/location/${l.id}/keys`}>
                    {l.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </>
        ) : (
          options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))
        )}
      </select>
    </div>
  );
}

function byName<T extends { name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}
