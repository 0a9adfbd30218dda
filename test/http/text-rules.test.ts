/**
 * What people may type (issue 10, items 16 and 17), over real HTTP on every route that takes it:
 * new passwords that are control characters, one character repeated or among the most common
 * passwords are refused; names and descriptions with bidirectional overrides, zero-width or tag
 * characters, lone surrogates or bytes that are not UTF-8 are refused. Each refusal is a 400 with
 * a message that says what to fix, and the database is exactly as before.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { seedKey } from "../legacy/helpers.js";

let h: Harness;
let w: World;
let owner: Client;
let pit = "";
let v1Key = "";
let legacyKeyId = "";
let keyId = "";
let staffId = "";
let clerkId = "";

const TABLES = ["agencies", "locations", "users", "user_locations", "sessions", "api_keys", "key_tokens"];

/** Every row of the tables a name or password could land in: "nothing changed" means identical. */
async function fingerprint(): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const t of TABLES) out[t] = (await sql`select * from ${sql.table(t)}`.execute(h.kw.store.db)).rows;
  return JSON.stringify(out);
}

type Auth = "session" | "service" | "pit" | "v1";

/** A request with a raw body (a string sent as UTF-8, or exact bytes). */
async function send(auth: Auth, method: string, path: string, body: string | Uint8Array) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (auth === "session") {
    headers.cookie = owner.cookie;
    headers.origin = h.origin;
  } else if (auth === "service") headers.authorization = `Bearer ${SERVICE_TOKEN}`;
  else headers.authorization = `Bearer ${auth === "pit" ? pit : v1Key}`;
  const res = await fetch(h.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, type: res.headers.get("content-type") };
}

function expectRefused(
  r: Awaited<ReturnType<typeof send>>,
  field: string,
  message: RegExp,
  label: string,
  code = "validation_failed",
) {
  expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(400);
  expect(r.type, label).toBe("application/problem+json");
  expect(r.body.code, label).toBe(code);
  if (code === "validation_failed") {
    expect(r.body.issues[0].field, label).toBe(field);
    expect(r.body.issues[0].message, label).toMatch(message);
  }
  expect(r.body.detail, label).toMatch(message);
}

beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
  // The v1 user API is open only while Enhanced Account Security is off.
  const eas = await owner.patch(`/api/agencies/${w.agencyId}/settings`, {
    enhancedSecurity: false,
    confirm: true,
  });
  expect(eas.status).toBe(200);
  pit = (
    await owner.post(`/api/accounts/${w.agencyId}/keys`, {
      name: "platform",
      scopes: ["locations.readonly", "locations.write", "users.readonly", "users.write"],
    })
  ).body.token;
  const legacy = await seedKey(h, w.agencyId, null, "Agency v1");
  v1Key = legacy.token;
  legacyKeyId = legacy.id;
  keyId = (await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "target" })).body.key.id;
  const users = (await owner.get(`/api/agencies/${w.agencyId}/users`)).body.users;
  staffId = users.find((u: any) => u.email === w.agencyUser).id;
  clerkId = users.find((u: any) => u.email === w.loc1User).id;
});
afterAll(() => h.close());

describe("new passwords (item 16)", () => {
  const REFUSED: [string, string, RegExp][] = [
    ["twelve spaces", " ".repeat(12), /must not be one character repeated/],
    ["twelve NULs", "\u0000".repeat(12), /must not contain control characters/],
    ["aaaaaaaaaaaa", "aaaaaaaaaaaa", /must not be one character repeated/],
    ["one letter, mixed case", "aAaAaAaAaAaA", /must not be one character repeated/],
    ["123456789012", "123456789012", /one of the most common passwords.*choose another/],
    ["a common password in other case", "QwErTyUiOp123", /one of the most common passwords/],
    [
      "a control character in the middle",
      "correct horse\u0007battery",
      /must not contain control characters/,
    ],
    ["a tab in the middle", "correct horse\tbattery", /must not contain control characters/],
    ["a lone surrogate", "correct horse \ud800 battery", /lone surrogate/],
  ];

  /** Every route that sets a password, with a body around it and the field it reports. */
  const ROUTES: {
    label: string;
    auth: Auth;
    method: string;
    path: () => string;
    body: (password: string, n: number) => Record<string, unknown>;
    field: string;
    /** The e-mail whose sign-in the good password opens. */
    email: (n: number) => string;
  }[] = [
    {
      label: "console: create a user",
      auth: "session",
      method: "POST",
      path: () => `/api/agencies/${w.agencyId}/users`,
      body: (password, n) => ({
        email: `console${n}@acme.test`,
        name: "New",
        type: "account",
        role: "user",
        locationIds: [w.loc1],
        password,
      }),
      field: "password",
      email: (n) => `console${n}@acme.test`,
    },
    {
      label: "console: an admin sets another user's password",
      auth: "session",
      method: "PATCH",
      path: () => `/api/users/${staffId}`,
      body: (password) => ({ password }),
      field: "password",
      email: () => w.agencyUser,
    },
    {
      label: "service API: create an agency and its owner",
      auth: "service",
      method: "POST",
      path: () => "/api/agencies",
      body: (password, n) => ({
        name: `Agency ${n}`,
        plan: "starter",
        owner: { email: `svc${n}@new.test`, name: "O", password },
      }),
      field: "owner.password",
      email: (n) => `svc${n}@new.test`,
    },
    {
      label: "v2: create a user",
      auth: "pit",
      method: "POST",
      path: () => "/v2/users",
      body: (password, n) => ({ email: `v2-${n}@acme.test`, name: "V", locationIds: [w.loc1], password }),
      field: "password",
      email: (n) => `v2-${n}@acme.test`,
    },
    {
      label: "v2: set a user's password",
      auth: "pit",
      method: "PUT",
      path: () => `/v2/users/${clerkId}`,
      body: (password) => ({ password }),
      field: "password",
      email: () => w.loc1User,
    },
    {
      label: "v1: create a user",
      auth: "v1",
      method: "POST",
      path: () => "/v1/users",
      body: (password, n) => ({ email: `v1-${n}@acme.test`, name: "V", locationIds: [w.loc1], password }),
      field: "password",
      email: (n) => `v1-${n}@acme.test`,
    },
    {
      label: "v1: set a user's password",
      auth: "v1",
      method: "PUT",
      path: () => `/v1/users/${clerkId}`,
      body: (password) => ({ password }),
      field: "password",
      email: () => w.loc1User,
    },
  ];

  it.each(ROUTES)("$label: refused with a reason, nothing written", async (route) => {
    const before = await fingerprint();
    for (const [label, password, message] of REFUSED) {
      const r = await send(route.auth, route.method, route.path(), JSON.stringify(route.body(password, 0)));
      expectRefused(r, route.field, message, `${route.label}, ${label}`);
    }
    expect(await fingerprint()).toBe(before);
  });

  it.each(ROUTES)("$label: a good password still works and opens the account", async (route) => {
    const n = ROUTES.indexOf(route) + 1;
    const good = `a good password for route ${n}`;
    const r = await send(route.auth, route.method, route.path(), JSON.stringify(route.body(good, n)));
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const signIn = await new Client(h).post("/api/auth/login", { email: route.email(n), password: good });
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
  });

  it("existing passwords keep working at sign-in: the rules apply when a password is set", async () => {
    // Set through the store, as a password set before the rules were: sign-in does not judge it.
    const weak = "123456789012";
    const { hashPassword } = await import("../../src/service/passwords.js");
    const user = (await h.kw.store.getUserByEmail(w.agencyId, w.agencyAdmin))!;
    await h.kw.store.updateUser({ ...user, passwordHash: await hashPassword(weak) });
    const signIn = await new Client(h).post("/api/auth/login", { email: w.agencyAdmin, password: weak });
    expect(signIn.status).toBe(200);
    await h.kw.store.updateUser(user);
  });
});

/** Hidden or broken characters, the class each belongs to, and the message naming it. */
const HIDDEN: [string, string, RegExp][] = [
  ["right-to-left override", "invoice\u202Etxt.exe", /bidirectional control characters \(found U\+202E\)/],
  ["left-to-right embedding", "a\u202Ab", /bidirectional control characters \(found U\+202A\)/],
  ["pop directional formatting", "a\u202Cb", /bidirectional control characters \(found U\+202C\)/],
  ["right-to-left isolate", "a\u2067b", /bidirectional control characters \(found U\+2067\)/],
  ["pop directional isolate", "a\u2069b", /bidirectional control characters \(found U\+2069\)/],
  ["left-to-right mark", "a\u200Eb", /bidirectional control characters \(found U\+200E\)/],
  ["right-to-left mark", "a\u200Fb", /bidirectional control characters \(found U\+200F\)/],
  ["zero-width space", "ad\u200Bmin", /zero-width characters \(found U\+200B\)/],
  ["zero-width non-joiner", "a\u200Cb", /zero-width characters \(found U\+200C\)/],
  ["zero-width joiner", "a\u200Db", /zero-width characters \(found U\+200D\)/],
  ["word joiner", "a\u2060b", /zero-width characters \(found U\+2060\)/],
  ["zero-width no-break space", "a\uFEFFb", /zero-width characters \(found U\+FEFF\)/],
  ["tag character", "a\u{E0041}b", /tag characters \(found U\+E0041\)/],
  ["cancel tag", "a\u{E007F}", /tag characters \(found U\+E007F\)/],
  ["lone high surrogate", "a\ud800b", /lone surrogate \(U\+D800\)/],
  ["lone low surrogate", "a\udc00b", /lone surrogate \(U\+DC00\)/],
  ["high surrogate at the end", "ab\udbff", /lone surrogate \(U\+DBFF\)/],
  ["replacement character", "a\uFFFDb", /replacement character U\+FFFD/],
];

interface NameRoute {
  family: string;
  title: string;
  auth: Auth;
  method: string;
  path: () => string;
  valid: () => Record<string, unknown>;
  /** Fields holding a name or description, as paths into the body. */
  fields: string[];
}

const NAME_ROUTES: NameRoute[] = [
  {
    family: "key",
    auth: "session",
    method: "POST",
    path: () => `/api/accounts/${w.loc1}/keys`,
    title: "POST /api/accounts/{loc1}/keys",
    valid: () => ({ name: "k", description: "d" }),
    fields: ["name", "description"],
  },
  {
    family: "key",
    auth: "session",
    method: "PATCH",
    path: () => `/api/keys/${keyId}`,
    title: "PATCH /api/keys/{keyId}",
    valid: () => ({ name: "k2", description: "d" }),
    fields: ["name", "description"],
  },
  {
    family: "key",
    auth: "session",
    method: "POST",
    path: () => `/api/accounts/${w.loc1}/keys/import`,
    title: "POST /api/accounts/{loc1}/keys/import",
    valid: () => ({
      name: "k",
      kind: "private_integration",
      token: "foreign-token-123456",
      description: "d",
    }),
    fields: ["name", "description"],
  },
  {
    family: "key",
    auth: "session",
    method: "POST",
    path: () => `/api/keys/${legacyKeyId}/migration`,
    title: "POST /api/keys/{legacyKeyId}/migration",
    valid: () => ({ name: "replacement" }),
    fields: ["name"],
  },
  {
    family: "agency",
    auth: "session",
    method: "PATCH",
    path: () => `/api/agencies/${w.agencyId}`,
    title: "PATCH /api/agencies/{agencyId}",
    valid: () => ({ name: "Acme 2" }),
    fields: ["name"],
  },
  {
    family: "agency",
    auth: "service",
    method: "POST",
    path: () => "/api/agencies",
    title: "POST /api/agencies",
    valid: () => ({ name: "New", plan: "starter", owner: { email: "o@new.test", name: "O" } }),
    fields: ["name", "owner.name"],
  },
  {
    family: "location",
    auth: "session",
    method: "POST",
    path: () => `/api/agencies/${w.agencyId}/locations`,
    title: "POST /api/agencies/{agencyId}/locations",
    valid: () => ({ name: "L" }),
    fields: ["name"],
  },
  {
    family: "location",
    auth: "session",
    method: "PATCH",
    path: () => `/api/locations/${w.loc2}`,
    title: "PATCH /api/locations/{loc2}",
    valid: () => ({ name: "L2" }),
    fields: ["name"],
  },
  {
    family: "location",
    auth: "pit",
    method: "POST",
    path: () => "/v2/locations",
    title: "POST /v2/locations",
    valid: () => ({ name: "V" }),
    fields: ["name"],
  },
  {
    family: "location",
    auth: "pit",
    method: "PUT",
    path: () => `/v2/locations/${w.loc2}`,
    title: "PUT /v2/locations/{loc2}",
    valid: () => ({ name: "V2" }),
    fields: ["name"],
  },
  {
    family: "location",
    auth: "v1",
    method: "POST",
    path: () => "/v1/locations",
    title: "POST /v1/locations",
    valid: () => ({ name: "V" }),
    fields: ["name"],
  },
  {
    family: "location",
    auth: "v1",
    method: "PUT",
    path: () => `/v1/locations/${w.loc2}`,
    title: "PUT /v1/locations/{loc2}",
    valid: () => ({ name: "V2" }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "session",
    method: "POST",
    path: () => `/api/agencies/${w.agencyId}/users`,
    title: "POST /api/agencies/{agencyId}/users",
    valid: () => ({ email: "n@x.test", name: "N", type: "account", role: "user", locationIds: [w.loc1] }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "session",
    method: "PATCH",
    path: () => `/api/users/${staffId}`,
    title: "PATCH /api/users/{staffId}",
    valid: () => ({ name: "Staff" }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "pit",
    method: "POST",
    path: () => "/v2/users",
    title: "POST /v2/users",
    valid: () => ({ email: "v@x.test", name: "V", locationIds: [w.loc1] }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "pit",
    method: "PUT",
    path: () => `/v2/users/${clerkId}`,
    title: "PUT /v2/users/{clerkId}",
    valid: () => ({ name: "V" }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "v1",
    method: "POST",
    path: () => "/v1/users",
    title: "POST /v1/users",
    valid: () => ({ email: "v1@x.test", name: "V", locationIds: [w.loc1] }),
    fields: ["name"],
  },
  {
    family: "user",
    auth: "v1",
    method: "PUT",
    path: () => `/v1/users/${clerkId}`,
    title: "PUT /v1/users/{clerkId}",
    valid: () => ({ name: "V" }),
    fields: ["name"],
  },
];

/** `body` with `value` at the dotted `field`. */
function withField(body: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = field.split(".");
  if (rest.length === 0) return { ...body, [head!]: value };
  return { ...body, [head!]: withField(body[head!] as Record<string, unknown>, rest.join("."), value) };
}

describe("names and descriptions (item 17)", () => {
  it.each(NAME_ROUTES)("$family: $title refuses every hidden character class, naming it", async (route) => {
    const before = await fingerprint();
    for (const field of route.fields)
      for (const [label, value, message] of HIDDEN) {
        // JSON.stringify writes a lone surrogate as the escape \ud800, as a client would send it.
        const body = JSON.stringify(withField(route.valid(), field, value));
        const r = await send(route.auth, route.method, route.path(), body);
        expectRefused(r, field, message, `${route.method} ${route.path()} ${field}: ${label}`);
      }
    expect(await fingerprint()).toBe(before);
  });

  it.each(NAME_ROUTES)("$family: $title refuses a body that is not UTF-8", async (route) => {
    const before = await fingerprint();
    // `a\ud800b` written as raw (WTF-8) bytes: decoding it leniently gave three U+FFFD.
    const json = JSON.stringify(withField(route.valid(), route.fields[0]!, "a@@@b"));
    const encoded = new TextEncoder().encode(json);
    const at = encoded.indexOf(0x40);
    const bytes = new Uint8Array(encoded);
    bytes.set([0xed, 0xa0, 0x80], at);
    const r = await send(route.auth, route.method, route.path(), bytes);
    expectRefused(r, "", /not valid UTF-8/, `${route.method} ${route.path()}`, "invalid_json");
    // Latin-1 text, as an old client might send it.
    const latin1 = new Uint8Array(encoded);
    latin1.set([0x43, 0x61, 0xe9], at);
    const r2 = await send(route.auth, route.method, route.path(), latin1);
    expectRefused(r2, "", /not valid UTF-8/, `${route.method} ${route.path()} latin-1`, "invalid_json");
    expect(await fingerprint()).toBe(before);
  });

  it("the issue's case: a\\ud800b is refused, not stored as U+FFFD", async () => {
    const r = await send("session", "POST", `/api/agencies/${w.agencyId}/locations`, '{"name":"a\\ud800b"}');
    expectRefused(r, "name", /lone surrogate \(U\+D800\)/, "lone surrogate");
    const names = (await owner.get(`/api/agencies/${w.agencyId}/locations`)).body.locations.map(
      (l: any) => l.name,
    );
    expect(names.some((n: string) => n.includes("\uFFFD"))).toBe(false);
  });

  it("names in any script, with emoji and right-to-left letters, are kept exactly", async () => {
    const name = "Café Zürich 😀 מרכז العربية 東京";
    const key = await owner.post(`/api/accounts/${w.loc1}/keys`, { name, description: "line one\nline two" });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    expect((await owner.get(`/api/keys/${key.body.key.id}`)).body.name).toBe(name);
    const loc = await owner.post(`/api/agencies/${w.agencyId}/locations`, { name });
    expect(loc.status).toBe(201);
    expect(loc.body.name).toBe(name);
    const user = await owner.patch(`/api/users/${staffId}`, { name });
    expect(user.status).toBe(200);
    expect(user.body.name).toBe(name);
    const agency = await owner.patch(`/api/agencies/${w.agencyId}`, { name });
    expect(agency.status).toBe(200);
    expect(agency.body.name).toBe(name);
  });
});
