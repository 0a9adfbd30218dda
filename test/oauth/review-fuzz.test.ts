/**
 * Malformed input at every OAuth protocol endpoint (an adversary's review): odd bodies, odd Basic
 * headers, odd parameters. Every answer is a 4xx in OAuth's format (or 200 where RFC 7009 / 7662 say
 * so), never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";
import { consent, exchange, REDIRECT, type RegisteredApp, registerApp } from "./helpers.js";

let h: Harness;
let w: World;
let app: RegisteredApp;
let pub: RegisteredApp;
let access: string;

beforeAll(async () => {
  // Every case must reach the endpoint's own checks, not the brute-force limit (0: none).
  h = await startHarness({ env: { KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "0" } });
  w = await seedWorld(h.kw);
  const owner = await new Client(h).login(w.owner);
  app = await registerApp(owner, w.agencyId);
  pub = await registerApp(owner, w.agencyId, { name: "Public", public: true });
  const { code } = await consent(h, owner, app, { allow: true, locationIds: "all" });
  access = (await exchange(h, app, code!)).body.access_token;
});
afterAll(async () => h?.close());

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(h.url + path, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("no 500 at the protocol endpoints", () => {
  it("POST /oauth/token with malformed bodies and Basic headers", async () => {
    const basicOk = `Basic ${b64(`${app.clientId}:${app.clientSecret}`)}`;
    const cases: [string, Record<string, string>][] = [
      ["", FORM],
      ["%", FORM],
      ["grant_type=%ZZ", FORM],
      ["grant_type=authorization_code&code=%00", { ...FORM, authorization: basicOk }],
      [`grant_type=authorization_code&code=${"a".repeat(5000)}`, { ...FORM, authorization: basicOk }],
      ["grant_type=authorization_code&code=é", { ...FORM, authorization: basicOk }],
      ["grant_type=authorization_code&code=x&code=y", { ...FORM, authorization: basicOk }],
      ["grant_type=refresh_token&refresh_token=kw_ort_x", { ...FORM, authorization: basicOk }],
      ["grant_type=refresh_token&refresh_token=%00%FF", { ...FORM, authorization: basicOk }],
      ["grant_type=refresh_token", { ...FORM, authorization: basicOk }],
      ["grant_type=client_credentials&scope=%20%20", { ...FORM, authorization: basicOk }],
      ["grant_type=client_credentials&scope=nope", { ...FORM, authorization: basicOk }],
      ["grant_type=password&username=a&password=b", { ...FORM, authorization: basicOk }],
      ["grant_type=", { ...FORM, authorization: basicOk }],
      ["grant_type=client_credentials", { ...FORM, authorization: "Basic" }],
      ["grant_type=client_credentials", { ...FORM, authorization: "Basic !!!!" }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64(":")}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64("nocolon")}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64("é:ü")}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64("%E0%A4%A:%")}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64("\u0000:\u0000")}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: `Basic ${b64(`${"x".repeat(9000)}:y`)}` }],
      ["grant_type=client_credentials", { ...FORM, authorization: "Bearer abc" }],
      [`grant_type=client_credentials&client_id=${app.clientId}`, FORM],
      [`grant_type=client_credentials&client_id=${pub.clientId}`, FORM],
      [
        `grant_type=authorization_code&client_id=${pub.clientId}&code=x&code_verifier=${"~".repeat(200)}`,
        FORM,
      ],
      [`grant_type=refresh_token&client_id=${pub.clientId}&refresh_token=x`, FORM],
      [`grant_type=client_credentials&client_id=é&client_secret=é`, FORM],
      [`grant_type=client_credentials&client_id=${"%E2%80%AE".repeat(30)}&client_secret=x`, FORM],
      ['{"grant_type":"client_credentials"}', { "content-type": "application/json", authorization: basicOk }],
      ["grant_type=client_credentials", { "content-type": "text/plain", authorization: basicOk }],
      [
        "grant_type=client_credentials",
        { "content-type": "application/x-www-form-urlencoded; charset=utf-16", authorization: basicOk },
      ],
    ];
    const bad: string[] = [];
    for (const [body, headers] of cases) {
      const r = await post("/oauth/token", body, headers);
      if (r.status >= 500 || (!r.text.includes('"error"') && r.status !== 200))
        bad.push(
          `${r.status} ${body.slice(0, 60)} ${JSON.stringify(headers).slice(0, 80)} → ${r.text.slice(0, 120)}`,
        );
    }
    expect(bad).toEqual([]);
  });

  it("GET /oauth/authorize with odd parameters", async () => {
    const cases = [
      "",
      "client_id=",
      `client_id=${app.clientId}&client_id=${pub.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code`,
      `client_id=${app.clientId}&redirect_uri=%ZZ&response_type=code`,
      `client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&state=%E2%80%AE`,
      `client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=%00`,
      `client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&code_challenge_method=S256`,
      `client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code%20token`,
      `client_id=${"x".repeat(5000)}`,
    ];
    const bad: string[] = [];
    for (const q of cases) {
      const res = await fetch(`${h.url}/oauth/authorize?${q}`, { redirect: "manual" });
      if (res.status >= 500)
        bad.push(`${res.status} ${q.slice(0, 80)} → ${(await res.text()).slice(0, 120)}`);
    }
    expect(bad).toEqual([]);
  });

  it("revoke, introspect and locationToken with malformed input", async () => {
    const basicOk = `Basic ${b64(`${app.clientId}:${app.clientSecret}`)}`;
    const svc = { authorization: `Bearer ${SERVICE_TOKEN}` };
    const cases: [string, string, Record<string, string>][] = [
      ["/oauth/revoke", "", { ...FORM, authorization: basicOk }],
      ["/oauth/revoke", "token=%00", { ...FORM, authorization: basicOk }],
      ["/oauth/revoke", `token=${"x".repeat(9000)}`, { ...FORM, authorization: basicOk }],
      ["/oauth/revoke", "token=x&token=y", { ...FORM, authorization: basicOk }],
      ["/oauth/revoke", "token=x", { ...FORM, authorization: "Basic !!" }],
      ["/oauth/revoke", "token=x", { ...FORM, authorization: `Basic ${b64("é:ü")}` }],
      ["/oauth/revoke", `token=x&client_id=${pub.clientId}`, FORM],
      ["/oauth/revoke", "token=x", { "content-type": "application/json", authorization: basicOk }],
      ["/oauth/introspect", "token=x", FORM],
      ["/oauth/introspect", "token=%00", { ...FORM, ...svc }],
      ["/oauth/introspect", "token=kw_oat_x", { ...FORM, ...svc }],
      ["/oauth/introspect", `token=${access}x`, { ...FORM, ...svc }],
      ["/oauth/introspect", "token=kw_ort_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", { ...FORM, ...svc }],
      ["/oauth/introspect", "", { ...FORM, ...svc }],
      ["/oauth/introspect", '{"token":1}', { "content-type": "application/json", ...svc }],
      ["/oauth/locationToken", "locationId=x", { ...FORM, authorization: `Bearer ${access}` }],
      [
        "/oauth/locationToken",
        `locationId=${"x".repeat(5000)}`,
        { ...FORM, authorization: `Bearer ${access}` },
      ],
      [
        "/oauth/locationToken",
        '{"locationId": 5}',
        { "content-type": "application/json", authorization: `Bearer ${access}` },
      ],
      [
        "/oauth/locationToken",
        "[1]",
        { "content-type": "application/json", authorization: `Bearer ${access}` },
      ],
      [
        "/oauth/locationToken",
        "{",
        { "content-type": "application/json", authorization: `Bearer ${access}` },
      ],
      ["/oauth/locationToken", "locationId=x", { ...FORM, authorization: "Bearer " }],
      ["/oauth/locationToken", "locationId=x", { ...FORM, authorization: "Bearer é" }],
      ["/oauth/locationToken", `locationId=${w.otherLoc}`, { ...FORM, authorization: `Bearer ${access}` }],
    ];
    const bad: string[] = [];
    for (const [path, body, headers] of cases) {
      let r: { status: number; text: string };
      try {
        r = await post(path, body, headers);
      } catch {
        continue; // a header fetch itself refuses to send (non-Latin-1)
      }
      if (r.status >= 500) bad.push(`${r.status} ${path} ${body.slice(0, 60)} → ${r.text.slice(0, 120)}`);
    }
    expect(bad).toEqual([]);
  });
});
