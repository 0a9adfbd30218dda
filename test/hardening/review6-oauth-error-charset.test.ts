/**
 * Review 6: RFC 6749 §5.2 allows only printable ASCII without `"` and `\` in `error_description`
 * (%x20-21 / %x23-5B / %x5D-7E). The own-install refusal was changed to quote the app's name with
 * single quotes, but the name itself is the developer's text — any Unicode, quotes and backslashes
 * included — and the plan refusal still wrapped it in double quotes. A client that checks the
 * grammar (or splices the text into a header) got a malformed error. The name is now written in the
 * allowed characters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, seedWorld, setPlan, startHarness, type World } from "../helpers/harness.js";
import { basic, type RegisteredApp, registerApp, tokenRequest } from "../oauth/helpers.js";

const RFC6749_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
const NAME = 'Café "Sync" \\ Pro — 日本';

describe("error_description of the client_credentials refusals, for an app named in any characters", () => {
  let h: Harness;
  let w: World;
  let owner: Client;
  beforeAll(async () => {
    h = await startHarness();
    w = await seedWorld(h.kw);
    owner = await new Client(h).login(w.owner);
  });
  afterAll(() => h?.close());

  const cc = (app: RegisteredApp) =>
    tokenRequest(
      h,
      { grant_type: "client_credentials" },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );

  it("an admin's uninstall: the refusal keeps RFC 6749's charset and still names the app", async () => {
    const app = await registerApp(owner, w.agencyId, { name: NAME });
    const first = await cc(app);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await owner.delete(`/api/installs/${first.body.install_id}`)).status).toBe(204);
    const r = await cc(app);
    expect([r.status, r.body.error]).toEqual([400, "unauthorized_client"]);
    expect(r.body.error_description).toMatch(RFC6749_DESCRIPTION);
    expect(r.body.error_description).toContain("Sync");
  });

  it("an agency below Agency Pro: the plan refusal keeps RFC 6749's charset", async () => {
    const app = await registerApp(owner, w.agencyId, { name: NAME });
    expect((await setPlan(h, w.agencyId, "unlimited")).status).toBe(200);
    try {
      const r = await cc(app);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toBe("invalid_grant");
      expect(r.body.error_description).toMatch(/plan_required/);
      expect(r.body.error_description).toMatch(RFC6749_DESCRIPTION);
    } finally {
      await setPlan(h, w.agencyId, "agency_pro");
    }
  });
});
