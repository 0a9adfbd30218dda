/**
 * Review: an agency's service credential acts on its agency only (docs/service-credentials.md) —
 * also on POST /api/verify: another agency's token is as unknown to it as one never issued. It
 * learns nothing of that key (id, owner, scopes, revocation), records no use of it and takes
 * nothing from its rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "../../src/service/context.js";
import {
  Client,
  type Harness,
  SERVICE_TOKEN,
  seedWorld,
  startHarness,
  type World,
} from "../helpers/harness.js";

let h: Harness;
let w: World;
let owner: Client;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
  owner = await new Client(h).login(w.owner);
});
afterAll(() => h.close());

const CLI: Ctx = { ...systemCtx, actorId: "cli" };

async function verify(credential: string, body: unknown) {
  const res = await fetch(`${h.url}/api/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("POST /api/verify with an agency's credential", () => {
  it("answers another agency's token as not_found, and records no use of it", async () => {
    const k = await owner.post(`/api/accounts/${w.loc1}/keys`, { name: "acme", scopes: ["users.readonly"] });
    const { token: acmeToken } = k.body;
    const keyId = k.body.key.id as string;
    const other = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.otherAgencyId,
      name: "other",
      scopes: ["verify"],
    });
    const mine = await h.kw.serviceKeys.create(CLI, {
      agencyId: w.agencyId,
      name: "acme",
      scopes: ["verify"],
    });

    for (const body of [{ token: acmeToken }, { token: acmeToken, consume: true }]) {
      const r = await verify(other.token, body);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ valid: false, code: "not_found", message: expect.any(String) });
      expect(JSON.stringify(r.body)).not.toContain(keyId);
    }
    expect((await owner.get(`/api/keys/${keyId}`)).body.lastUsedAt ?? null).toBeNull();

    // Its own agency's credential, and the operator, verify it.
    expect((await verify(mine.token, { token: acmeToken })).body).toMatchObject({
      valid: true,
      key: { id: keyId },
    });
    expect((await verify(SERVICE_TOKEN, { token: acmeToken })).body).toMatchObject({ valid: true });

    // Revoked: still nothing for the other agency (not even when it was revoked).
    expect((await owner.post(`/api/keys/${keyId}/revoke`)).status).toBe(200);
    const revoked = await verify(other.token, { token: acmeToken });
    expect(revoked.body.code).toBe("not_found");
    expect((await verify(mine.token, { token: acmeToken })).body.code).toBe("revoked");
  });
});
