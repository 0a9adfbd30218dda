/**
 * Review 6: a refresh keeps the new pair (a live access and refresh token) sealed in the spent row for
 * its 30 s replay window, "forgotten after" (docs/oauth.md). It was forgotten only by the next
 * refresh anywhere in the deployment: after the last refresh of a quiet evening the pair stayed in
 * the database until the purge deleted the spent token, 30 days later. The purge (every 10 minutes)
 * now forgets every pair whose window has passed.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { hashToken } from "../../src/core/token.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { consent, exchange, refresh, registerApp } from "../oauth/helpers.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_SCHEDULER: "false" } });
  w = await seedWorld(h.kw);
});
afterAll(() => h?.close());

it("the purge forgets a sealed pair once its window has passed, with no refresh after it", async () => {
  const owner = await new Client(h).login(w.owner);
  const other = await new Client(h).login(w.otherOwner);
  const app = await registerApp(owner, w.agencyId);
  const { code } = await consent(h, other, app, { allow: true, locationIds: "all" });
  const first = await exchange(h, app, code!);
  expect(first.status).toBe(200);
  const next = await refresh(h, app, first.body.refresh_token);
  expect(next.status).toBe(200);
  const sealed = async () =>
    (
      await h.kw.store.db
        .selectFrom("oauth_refresh_tokens")
        .select("next_pair_enc")
        .where("hash", "=", hashToken(first.body.refresh_token))
        .executeTakeFirstOrThrow()
    ).next_pair_enc;
  expect(await sealed()).not.toBeNull();

  // Within the window the purge keeps it (a racing retry still gets the same pair).
  h.clock.advance(10_000);
  await h.kw.oauthPurge.run();
  expect(await sealed()).not.toBeNull();
  expect((await refresh(h, app, first.body.refresh_token)).body.refresh_token).toBe(next.body.refresh_token);

  h.clock.advance(60_000);
  await h.kw.oauthPurge.run();
  expect(await sealed()).toBeNull();
});
