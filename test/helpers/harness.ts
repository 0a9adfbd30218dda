/**
 * Test harness: a real Keyward on a real database behind a real HTTP server on an ephemeral
 * loopback port, with an injected clock. Everything it starts, it stops.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerType } from "@hono/node-server";
import { createKeyward, type Keyward } from "../../src/app/keyward.js";
import { type Config, loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/core/clock.js";
import type { Plan } from "../../src/core/permissions.js";
import { listen } from "../../src/http/server.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { systemCtx } from "../../src/service/context.js";
import type { OpenedDatabase } from "../../src/store/dialect.js";

export const T0 = Date.parse("2026-01-01T00:00:00Z");
export const SERVICE_TOKEN = "test-service-token-0123456789abcdefghijklmnop";
export const PASSWORD = "correct horse battery staple";

export interface Harness {
  kw: Keyward;
  url: string;
  origin: string;
  clock: ManualClock;
  dataDir: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  database?: OpenedDatabase;
  /** Start background work (usage flushes, scheduler); off by default so tests drive it. */
  start?: boolean;
  /** Where the instance logs (default: nowhere). */
  logger?: Logger;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "keyward-test-"));
  const config: Readonly<Config> = loadConfig({
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_SERVICE_TOKEN: SERVICE_TOKEN,
    KEYWARD_LOG_LEVEL: "silent",
    // No rate limits unless a test asks for them (test/policy/): the others send more than 100
    // requests per 10 s under a clock that does not move.
    KEYWARD_RATE_LIMITS: "[]",
    ...opts.env,
  });
  const clock = opts.clock ?? new ManualClock(T0);
  const kw = await createKeyward({
    config,
    clock,
    logger: opts.logger ?? createLogger("silent"),
    ...(opts.database ? { database: opts.database } : {}),
  });
  // Served as `keyward serve` serves it (http/server.ts), POST /api/verify's fast path included.
  const server: ServerType = await new Promise((resolve) => {
    const s = listen(kw.app, { port: 0, host: "127.0.0.1", requestTimeoutMs: config.requestTimeoutMs }, () =>
      resolve(s),
    );
  });
  if (opts.start) kw.start();
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    kw,
    url,
    origin: url,
    clock,
    dataDir,
    async close() {
      kw.verifyEvents.close(); // SDK event streams would hold the server open
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kw.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in person: sends the session cookie and a matching Origin, like the console does. */
export class Client {
  cookie = "";
  constructor(
    readonly h: Harness,
    readonly headers: Record<string, string> = {},
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = { origin: this.h.origin, ...this.headers, ...extra };
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(this.h.url + path, { method, headers, body: payload ?? null });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  }
  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body?: unknown) {
    return this.request("POST", path, body ?? {});
  }
  patch(path: string, body: unknown) {
    return this.request("PATCH", path, body);
  }
  put(path: string, body: unknown) {
    return this.request("PUT", path, body);
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }

  async login(email: string, password = PASSWORD): Promise<this> {
    const r = await this.post("/api/auth/login", { email, password });
    if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return this;
  }
}

/** Calls the platform API with an API key. */
export async function withKey(h: Harness, token: string, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(h.url + path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export interface World {
  agencyId: string;
  loc1: string;
  loc2: string;
  /** e-mail addresses, all with PASSWORD */
  owner: string;
  agencyAdmin: string;
  agencyUser: string;
  loc1Admin: string;
  loc1User: string;
  loc2Admin: string;
  /** a second agency, for tenant isolation */
  otherAgencyId: string;
  otherLoc: string;
  otherOwner: string;
}

/**
 * Two agencies with locations and a person of every role (docs/spec.md §1), built through the services.
 * `tag` keeps e-mails unique when several worlds share a database.
 */
export async function seedWorld(kw: Keyward, plan: Plan = "agency_pro", tag = ""): Promise<World> {
  const a = await kw.accounts.createAgency(systemCtx, {
    name: "Acme Agency",
    plan,
    owner: { email: `owner${tag}@acme.test`, name: "Olive Owner", password: PASSWORD },
  });
  const agencyId = a.agency.id;
  const loc1 = (await kw.accounts.createLocation(systemCtx, agencyId, { name: "Downtown" })).location.id;
  const loc2 = (await kw.accounts.createLocation(systemCtx, agencyId, { name: "Uptown" })).location.id;
  const mk = (
    email: string,
    type: "agency" | "account",
    role: "admin" | "user",
    locationIds: string[] = [],
  ) =>
    kw.users.createUser(systemCtx, agencyId, {
      email,
      name: email.split("@")[0]!,
      password: PASSWORD,
      type,
      role,
      locationIds,
    });
  await mk(`admin${tag}@acme.test`, "agency", "admin");
  await mk(`staff${tag}@acme.test`, "agency", "user");
  await mk(`boss1${tag}@acme.test`, "account", "admin", [loc1]);
  await mk(`clerk1${tag}@acme.test`, "account", "user", [loc1]);
  await mk(`boss2${tag}@acme.test`, "account", "admin", [loc2]);
  const b = await kw.accounts.createAgency(systemCtx, {
    name: "Other Agency",
    plan: "agency_pro",
    owner: { email: `owner${tag}@other.test`, name: "Otto", password: PASSWORD },
  });
  const otherLoc = (await kw.accounts.createLocation(systemCtx, b.agency.id, { name: "Elsewhere" })).location
    .id;
  return {
    agencyId,
    loc1,
    loc2,
    owner: `owner${tag}@acme.test`,
    agencyAdmin: `admin${tag}@acme.test`,
    agencyUser: `staff${tag}@acme.test`,
    loc1Admin: `boss1${tag}@acme.test`,
    loc1User: `clerk1${tag}@acme.test`,
    loc2Admin: `boss2${tag}@acme.test`,
    otherAgencyId: b.agency.id,
    otherLoc,
    otherOwner: `owner${tag}@other.test`,
  };
}

/** Sets an agency's plan as the platform does: the service token on PUT /api/agencies/{id}/plan. */
export async function setPlan(
  target: { url: string },
  agencyId: string,
  plan: Plan,
  serviceToken = SERVICE_TOKEN,
) {
  const res = await fetch(`${target.url}/api/agencies/${agencyId}/plan`, {
    method: "PUT",
    headers: { authorization: `Bearer ${serviceToken}`, "content-type": "application/json" },
    body: JSON.stringify({ plan }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
