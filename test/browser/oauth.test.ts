/**
 * OAuth 2.0 marketplace apps end to end (issue 15) in a real browser against a real server and a
 * real loopback "app": a developer agency registers an app in the console (its secret shown once);
 * an agency admin of another agency on Agency Pro goes through /oauth/authorize, signs in, chooses
 * locations on the consent page and allows; the app exchanges the code (PKCE), calls the platform
 * API, gets a location token, refreshes (two racing refreshes get the same pair), and the installer
 * uninstalls in the console, after which the tokens stop working. Deny sends error=access_denied;
 * a location admin installs a location app, whose refresh token reused after the 30 s window
 * revokes the whole family; a plan without Agency Pro is refused in words, not with a dead button.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
import { ensureConsoleBuilt, launchBrowser, openPage, rowAction, shot } from "./browser.js";

let h: Harness;
let w: World;
let browser: Browser;
let app: LoopbackApp;

interface Registered {
  id: string;
  clientId: string;
  clientSecret: string;
}

interface Tokens {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/** What the app's callback saw, and what its code exchange answered. */
interface Callback {
  query: Record<string, string>;
  token?: { status: number; body: any };
}

/**
 * A tiny third-party app on loopback: it starts authorizations (PKCE S256) and, at its redirect URI,
 * exchanges the code at /oauth/token with HTTP Basic client authentication, as a real app does.
 */
class LoopbackApp {
  readonly callbacks = new Map<string, Callback>();
  private readonly pending = new Map<string, { verifier: string; client: Registered }>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LoopbackApp> {
    let self: LoopbackApp | null = null;
    const server = createServer((req, res) => {
      void self!.handle(req.url ?? "/").then((html) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(html);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = new LoopbackApp(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  get redirectUri(): string {
    return `${this.url}/cb`;
  }

  /** The console path that starts an authorization, as the app's "Connect" button links it. */
  authorizePath(client: Registered, state: string, scope: string): string {
    const verifier = randomBytes(32).toString("base64url");
    this.pending.set(state, { verifier, client });
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: this.redirectUri,
      scope,
      state,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    });
    return `/oauth/authorize?${q}`;
  }

  private async handle(path: string): Promise<string> {
    const u = new URL(path, this.url);
    if (u.pathname !== "/cb") return "<h1>Booking app</h1>";
    const query = Object.fromEntries(u.searchParams);
    const cb: Callback = { query };
    this.callbacks.set(query.state ?? "", cb);
    const started = this.pending.get(query.state ?? "");
    if (!query.code || !started) return `<h1>Not connected</h1><p id="error">${query.error ?? "no code"}</p>`;
    cb.token = await tokenRequest(started.client, {
      grant_type: "authorization_code",
      code: query.code,
      redirect_uri: this.redirectUri,
      code_verifier: started.verifier,
    });
    return cb.token.status === 200 ? "<h1>Connected</h1>" : `<h1>Not connected</h1><p>${cb.token.status}</p>`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function tokenRequest(
  client: Pick<Registered, "clientId" | "clientSecret">,
  form: Record<string, string>,
) {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function bearer(token: string, method: string, path: string, form?: Record<string, string>) {
  const res = await fetch(h.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : null,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body };
}

/** Registers an app through the API, as the developer agency's owner. */
async function registerByApi(body: Record<string, unknown>): Promise<Registered> {
  const dev = await new Client(h).login(w.otherOwner);
  const r = await dev.post(`/api/agencies/${w.otherAgencyId}/apps`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.app.id, clientId: r.body.app.clientId, clientSecret: r.body.clientSecret };
}

/** What sticks out sideways at this width (see layout.test.ts). */
function overflows(page: Page) {
  return page.evaluate(() => {
    const d = globalThis as any;
    const vw = d.innerWidth as number;
    const out: string[] = [];
    for (const b of d.document.querySelectorAll("main button, main a.button")) {
      const r = b.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < 0 || r.right > vw + 0.5) out.push(`${b.getAttribute("aria-label") ?? b.textContent}`);
    }
    for (const t of d.document.querySelectorAll("main .table-wrap"))
      if (t.scrollWidth > t.clientWidth + 1) out.push(`a table ${t.scrollWidth} px wide`);
    const page = d.document.documentElement.scrollWidth - vw;
    if (page > 0) out.push(`the page scrolls sideways by ${page} px`);
    return out;
  });
}

let agencyApp: Registered;
/** The agency install's tokens after the refresh race: what uninstalling must stop. */
let live: { access: string; location: string };
/** The agency install's first pair, from the code exchange. */
let first: Tokens;

beforeAll(async () => {
  await ensureConsoleBuilt();
  [h, browser, app] = await Promise.all([
    // The app's webhook endpoint is the loopback app itself.
    startHarness({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" } }),
    launchBrowser(),
    LoopbackApp.start(),
  ]);
  w = await seedWorld(h.kw);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.close();
});

describe("an agency app, from registration to uninstall", () => {
  it("the developer agency registers an app in the console; the client secret is shown once", async () => {
    const { page, context } = await openPage(browser, h, { email: w.otherOwner, path: "/agency/keys" });
    try {
      await page.getByRole("link", { name: "Your apps" }).click();
      await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
      await page.getByRole("button", { name: "Register your first app" }).click();
      const form = page.getByRole("form", { name: "New app" });
      await form.getByLabel("Name").fill("Booking Sync");
      // A redirect URI that is neither HTTPS nor loopback: the field says what to fix.
      await form.getByLabel("Redirect URIs").fill("http://app.example/cb");
      await form.getByRole("button", { name: "Register app" }).click();
      await form.locator(".error-text").first().waitFor();
      expect(await form.locator(".error-text").first().textContent()).toMatch(/HTTPS|https/);

      await form.getByLabel("Redirect URIs").fill(app.redirectUri);
      // A webhook URL on an internal address: refused under the field.
      await form.getByLabel("Webhook URL").fill("https://10.0.0.1/hook");
      await form.getByRole("button", { name: "Register app" }).click();
      await form.getByText(/internal address/).waitFor();
      await form.getByLabel("Webhook URL").fill(`${app.url}/hooks`);
      await form.getByLabel(/An agency, for the locations it chooses/).check();
      await form.getByLabel("Visibility").selectOption("public");
      await form.getByRole("checkbox", { name: /locations\.readonly/ }).check();
      await form.getByRole("checkbox", { name: /users\.readonly/ }).check();
      await form.getByRole("button", { name: "Register app" }).click();

      const dialog = page.getByRole("dialog", { name: "App registered" });
      const secret = await dialog.locator("#new-token").inputValue();
      expect(secret).toMatch(/^kw_cs_/);
      const clientId = (await dialog.getByTestId("client-id").textContent())!;
      expect(clientId.length).toBeGreaterThan(8);
      expect(await dialog.locator("#new-webhook-secret").inputValue()).toMatch(/^whsec_/);
      await shot(page, "oauth-app-registered");
      await dialog.getByRole("button", { name: "Done" }).click();

      const row = page.getByRole("row", { name: /Booking Sync/ });
      await row.waitFor();
      const text = (await row.textContent())!;
      expect(text).toContain(clientId);
      expect(text).toContain(secret.slice(-4));
      expect(text).not.toContain(secret);
      expect(text).toContain("0 installs");
      const listed = await new Client(h).login(w.otherOwner);
      const apps = await listed.get(`/api/agencies/${w.otherAgencyId}/apps`);
      agencyApp = { id: apps.body.apps[0].id, clientId, clientSecret: secret };
    } finally {
      await context.close();
    }
  });

  it("a signed-out agency admin is sent to the consent page, signs in, chooses a location and allows", async () => {
    const { page, context } = await openPage(browser, h);
    try {
      await page.goto(app.authorizePath(agencyApp, "agency-1", "locations.readonly users.readonly"));
      // Signed out: the console's sign-in, on the consent page's own address.
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/oauth/consent");
      await page.getByLabel("E-mail").fill(w.agencyAdmin);
      await page.getByLabel("Password").fill("correct horse battery staple");
      await page.getByRole("button", { name: "Sign in" }).click();

      await page.getByRole("heading", { name: "Booking Sync wants to connect to Keyward" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/oauth/consent");
      const card = page.locator(".consent-card");
      expect(await card.textContent()).toContain("Developed by Other Agency");
      expect(await card.textContent()).toContain("Read locations");
      expect(await card.textContent()).toContain("users.readonly");
      expect(await card.textContent()).toContain("Acme Agency (the agency)");

      // Chosen locations, but none chosen: said next to the choice, nothing sent.
      await page.getByLabel("Only the locations I choose").check();
      await page.getByRole("button", { name: "Allow" }).click();
      await page.getByText("Choose at least one location, or all locations.").waitFor();
      await page.getByRole("checkbox", { name: "Downtown" }).check();
      await shot(page, "oauth-consent-agency");
      await page.getByRole("button", { name: "Allow" }).click();

      await page.waitForURL(`${app.url}/cb?**`);
      await page.getByRole("heading", { name: "Connected" }).waitFor();
    } finally {
      await context.close();
    }
    const cb = app.callbacks.get("agency-1")!;
    expect(cb.query.code).toBeTruthy();
    expect(cb.token?.status, JSON.stringify(cb.token?.body)).toBe(200);
    const t = cb.token!.body as Tokens;
    expect(t.access_token).toMatch(/^kw_oat_/);
    expect(t.refresh_token).toMatch(/^kw_ort_/);
    expect(t.token_type.toLowerCase()).toBe("bearer");
    // 24 h; the protocol library counts it down on the wall clock, so it may read a second less.
    expect(t.expires_in).toBeGreaterThanOrEqual(86_399);
    expect(t.expires_in).toBeLessThanOrEqual(86_400);
    first = t;
  });

  it("the app calls the API, gets a location token for a chosen location only, and refreshes racing itself", async () => {
    const me = await bearer(first.access_token, "GET", "/v2/token");
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({ kind: "oauth", agencyId: w.agencyId, locationId: null });
    expect((await bearer(first.access_token, "GET", "/v2/locations")).status).toBe(200);

    const loc = await bearer(first.access_token, "POST", "/oauth/locationToken", { locationId: w.loc1 });
    expect(loc.status, JSON.stringify(loc.body)).toBe(200);
    expect(loc.body.access_token).toMatch(/^kw_oat_/);
    expect(loc.body.refresh_token).toBeUndefined();
    const locMe = await bearer(loc.body.access_token, "GET", `/v2/locations/${w.loc1}`);
    expect(locMe.status).toBe(200);
    // Uptown was not chosen: no token for it.
    const outside = await bearer(first.access_token, "POST", "/oauth/locationToken", { locationId: w.loc2 });
    expect(outside.status).toBeGreaterThanOrEqual(400);
    expect(outside.status).toBeLessThan(500);
    expect(outside.body.error).toBeTruthy();

    // Two refreshes with the same refresh token at once: both get the same new pair.
    const [a, b] = await Promise.all([
      tokenRequest(agencyApp, { grant_type: "refresh_token", refresh_token: first.refresh_token! }),
      tokenRequest(agencyApp, { grant_type: "refresh_token", refresh_token: first.refresh_token! }),
    ]);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(b.body.access_token).toBe(a.body.access_token);
    expect(b.body.refresh_token).toBe(a.body.refresh_token);
    expect(a.body.refresh_token).not.toBe(first.refresh_token);
    expect((await bearer(a.body.access_token, "GET", "/v2/token")).status).toBe(200);
    live = { access: a.body.access_token, location: loc.body.access_token };
  });

  it("the installer sees the install and uninstalls it in the console; its tokens stop working", async () => {
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin, path: "/agency/keys" });
    try {
      await page.getByRole("link", { name: "Installed apps" }).click();
      await page.getByRole("heading", { name: "Installed apps", level: 1 }).waitFor();
      const row = page.getByRole("row", { name: /Booking Sync/ });
      await row.waitFor();
      const text = (await row.textContent())!;
      expect(text).toContain("by Other Agency");
      expect(text).toContain("The agency, for Downtown");
      expect(text).toContain("Active");
      expect(text).toContain(`by admin`);
      await shot(page, "oauth-installs");
      await rowAction(page, "Booking Sync", "Uninstall");
      await page
        .getByRole("dialog", { name: "Uninstall Booking Sync?" })
        .getByRole("button", { name: "Uninstall" })
        .click();
      await page.getByText("No app is installed in this agency yet.").waitFor();
    } finally {
      await context.close();
    }
    expect((await bearer(live.access, "GET", "/v2/token")).status).toBe(401);
    expect((await bearer(live.location, "GET", `/v2/locations/${w.loc1}`)).status).toBe(401);
  });

  it("another account signs in on the page; Deny sends the browser back with error=access_denied", async () => {
    const { page, context } = await openPage(browser, h, { email: w.loc1Admin });
    try {
      await page.goto(app.authorizePath(agencyApp, "deny-1", "locations.readonly"));
      // Signed in as someone else: "Use another account" signs out and the sign-in shows right here.
      await page.getByText("Signed in as boss1 (boss1@acme.test)").waitFor();
      await page.getByRole("button", { name: "Use another account" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByLabel("E-mail").fill(w.agencyAdmin);
      await page.getByLabel("Password").fill("correct horse battery staple");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Signed in as admin (admin@acme.test)").waitFor();
      await page.getByRole("button", { name: "Deny" }).click();
      await page.waitForURL(`${app.url}/cb?**`);
      await page.getByRole("heading", { name: "Not connected" }).waitFor();
    } finally {
      await context.close();
    }
    const cb = app.callbacks.get("deny-1")!;
    expect(cb.query.error).toBe("access_denied");
    expect(cb.query.state).toBe("deny-1");
    expect(cb.query.code).toBeUndefined();
  });

  it("an unknown or answered request says so instead of a broken form", async () => {
    const { page, context } = await openPage(browser, h, {
      email: w.agencyAdmin,
      path: "/oauth/consent?request=oar_unknown",
    });
    try {
      await page.getByRole("heading", { name: "This request cannot be answered" }).waitFor();
      await page.getByText(/has expired .* or has already been answered/).waitFor();
    } finally {
      await context.close();
    }
  });

  it("an agency without Agency Pro is told why, with no Allow button", async () => {
    expect((await setPlan(h, w.agencyId, "unlimited")).status).toBe(200);
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin });
    try {
      await page.goto(app.authorizePath(agencyApp, "plan-1", "locations.readonly"));
      await page.getByRole("heading", { name: "Booking Sync wants to connect to Keyward" }).waitFor();
      await page.getByText("Acme Agency cannot install it").waitFor();
      expect(await page.getByRole("button", { name: "Allow" }).count()).toBe(0);
      await shot(page, "oauth-consent-plan-refused");
      await page.getByRole("button", { name: "Go back to the app" }).click();
      await page.waitForURL(`${app.url}/cb?**`);
    } finally {
      await context.close();
      expect((await setPlan(h, w.agencyId, "agency_pro")).status).toBe(200);
    }
    expect(app.callbacks.get("plan-1")!.query.error).toBe("access_denied");
  });
});

describe("a location app", () => {
  it("a location admin installs it for their location; a refresh token reused after the window revokes the family", async () => {
    const locationApp = await registerByApi({
      name: "Review Widget",
      redirectUris: [app.redirectUri],
      scopes: ["locations.readonly"],
      distribution: "location",
      visibility: "public",
    });
    const { page, context } = await openPage(browser, h, { email: w.loc1Admin });
    try {
      await page.goto(app.authorizePath(locationApp, "loc-1", "locations.readonly"));
      await page.getByRole("heading", { name: "Review Widget wants to connect to Keyward" }).waitFor();
      await page.getByText("Downtown (a location)").waitFor();
      await shot(page, "oauth-consent-location");
      await page.getByRole("button", { name: "Allow" }).click();
      await page.getByRole("heading", { name: "Connected" }).waitFor();
    } finally {
      await context.close();
    }
    const cb = app.callbacks.get("loc-1")!;
    const first = cb.token!.body as Tokens;

    // The location's admin sees the install on the location's page, with Uninstall.
    const { page: p2, context: c2 } = await openPage(browser, h, {
      email: w.loc1Admin,
      path: `/location/${w.loc1}/keys`,
    });
    try {
      await p2.getByRole("link", { name: "Installed apps" }).click();
      const row = p2.getByRole("row", { name: /Review Widget/ });
      await row.waitFor();
      expect(await row.textContent()).toContain("Downtown");
      await p2.getByRole("button", { name: "Actions for Review Widget" }).waitFor();
    } finally {
      await c2.close();
    }

    const me = await bearer(first.access_token, "GET", "/v2/token");
    expect(me.body).toMatchObject({ kind: "oauth", agencyId: w.agencyId, locationId: w.loc1 });

    const next = await tokenRequest(locationApp, {
      grant_type: "refresh_token",
      refresh_token: first.refresh_token!,
    });
    expect(next.status).toBe(200);
    // After the 30 s idempotency window, the used refresh token again: a thief, or a broken app.
    h.clock.advance(31_000);
    const reuse = await tokenRequest(locationApp, {
      grant_type: "refresh_token",
      refresh_token: first.refresh_token!,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe("invalid_grant");
    // The whole family is revoked: the newest pair too.
    expect((await bearer(next.body.access_token, "GET", "/v2/token")).status).toBe(401);
    const after = await tokenRequest(locationApp, {
      grant_type: "refresh_token",
      refresh_token: next.body.refresh_token,
    });
    expect(after.status).toBe(400);

    // A code is single use: exchanged again, it is refused.
    const again = await tokenRequest(locationApp, {
      grant_type: "authorization_code",
      code: cb.query.code!,
      redirect_uri: app.redirectUri,
      code_verifier: "x".repeat(43),
    });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe("invalid_grant");
  });
});

describe("the inventory", () => {
  it("lists an install nobody has used for 90 days", async () => {
    h.clock.advance(91 * 86_400_000);
    const { page, context } = await openPage(browser, h, { email: w.agencyAdmin, path: "/agency/inventory" });
    try {
      const section = page.getByRole("region", { name: /Installed apps unused for 90 days/ });
      await section.getByRole("row", { name: /Review Widget/ }).waitFor();
      expect(await section.textContent()).toMatch(/by Other Agency/);
      await section.scrollIntoViewIfNeeded();
      await shot(page, "oauth-inventory-unused", false);
    } finally {
      await context.close();
    }
  });
});

describe("who sees what", () => {
  it("a location admin uninstalls their location's app in the console", async () => {
    const { page, context } = await openPage(browser, h, {
      email: w.loc1Admin,
      path: `/location/${w.loc1}/installs`,
    });
    try {
      await rowAction(page, "Review Widget", "Uninstall");
      await page
        .getByRole("dialog", { name: "Uninstall Review Widget?" })
        .getByRole("button", { name: "Uninstall" })
        .click();
      await page.getByText("No app is installed for Downtown yet.").waitFor();
    } finally {
      await context.close();
    }
    const admin = await new Client(h).login(w.agencyAdmin);
    expect((await admin.get(`/api/agencies/${w.agencyId}/installs`)).body.installs).toEqual([]);
  });

  it("people who are not admins are offered neither Apps nor Installed apps", async () => {
    for (const [email, path] of [
      [w.agencyUser, "/agency/keys"],
      [w.loc1User, `/location/${w.loc1}/keys`],
    ] as const) {
      const { page, context } = await openPage(browser, h, { email, path });
      try {
        await page.getByRole("link", { name: "API Keys" }).waitFor();
        expect(await page.getByRole("link", { name: "Your apps" }).count()).toBe(0);
        expect(await page.getByRole("link", { name: "Installed apps" }).count()).toBe(0);
      } finally {
        await context.close();
      }
    }
  });
});

describe("the client secret", () => {
  it("is rotated in the console: shown once, the old one works through the grace, or stops at once", async () => {
    /** Whether the token endpoint accepts this client secret (a bad grant is 400, a bad client 401). */
    const accepted = async (secret: string) => {
      const r = await tokenRequest(
        { clientId: agencyApp.clientId, clientSecret: secret },
        { grant_type: "refresh_token", refresh_token: "kw_ort_not_a_real_one" },
      );
      if (r.status === 401) expect(r.body.error).toBe("invalid_client");
      return r.status !== 401;
    };
    expect(await accepted(agencyApp.clientSecret)).toBe(true);
    expect(await accepted(`${agencyApp.clientSecret}x`)).toBe(false);
    const { page, context } = await openPage(browser, h, { email: w.otherOwner, path: "/agency/apps" });
    const rotate = async (when: string) => {
      await rowAction(page, "Booking Sync", "Rotate secret");
      await page.getByLabel("Old secret stops").selectOption({ label: when });
      await page.getByRole("button", { name: "Rotate", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "New client secret" });
      const secret = await dialog.locator("#new-token").inputValue();
      await dialog.getByRole("button", { name: "Done" }).click();
      return secret;
    };
    try {
      const second = await rotate("In 24 hours");
      expect(second).toMatch(/^kw_cs_/);
      expect(second).not.toBe(agencyApp.clientSecret);
      await page
        .getByRole("row", { name: /Booking Sync/ })
        .getByText(/The previous secret works until/)
        .waitFor();
      expect(await accepted(agencyApp.clientSecret)).toBe(true);
      expect(await accepted(second)).toBe(true);

      const third = await rotate("At once");
      expect(await accepted(second)).toBe(false);
      expect(await accepted(third)).toBe(true);
      agencyApp = { ...agencyApp, clientSecret: third };
    } finally {
      await context.close();
    }
  });
});

describe("layout", () => {
  for (const width of [1280, 390])
    it(`apps, installed apps and the consent page fit at ${width} px`, async () => {
      const { page, context } = await openPage(browser, h, { email: w.otherOwner, phone: width < 760 });
      try {
        await page.setViewportSize({ width, height: 844 });
        await page.goto("/agency/apps");
        await page.getByRole("row", { name: /Booking Sync/ }).waitFor();
        expect(await overflows(page), `apps at ${width}`).toEqual([]);
        await shot(page, `oauth-apps-${width}`);
      } finally {
        await context.close();
      }
      const inst = await openPage(browser, h, { email: w.loc1Admin, phone: width < 760 });
      try {
        await inst.page.setViewportSize({ width, height: 844 });
        await inst.page.goto(`/location/${w.loc1}/installs`);
        await inst.page.getByRole("heading", { name: "Installed apps", level: 1 }).waitFor();
        await inst.page.locator("main table, main .empty").first().waitFor();
        expect(await overflows(inst.page), `installs at ${width}`).toEqual([]);
        await shot(inst.page, `oauth-installs-${width}`);
        await inst.page.goto(
          app.authorizePath(agencyApp, `layout-${width}`, "locations.readonly users.readonly"),
        );
        await inst.page.getByRole("heading", { name: /wants to connect/ }).waitFor();
        expect(await overflows(inst.page), `consent at ${width}`).toEqual([]);
        await shot(inst.page, `oauth-consent-${width}`);
      } finally {
        await inst.context.close();
      }
    });
});
