/**
 * Issue 10 §5: changing your own password needs your current password, and ends every other
 * session of yours (the one making the change stays). An admin resetting someone else's password
 * needs no such proof and ends all of that person's sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Harness, PASSWORD, seedWorld, startHarness, type World } from "../helpers/harness.js";

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startHarness();
  w = await seedWorld(h.kw);
});
afterAll(() => h.close());

const NEW_PASSWORD = "a completely new passphrase";

async function canSignIn(email: string, password: string): Promise<boolean> {
  return (await new Client(h).post("/api/auth/login", { email, password })).status === 200;
}

describe("changing your own password", () => {
  it("needs the current password: missing → 400 current_password_required, wrong → 403 current_password_wrong", async () => {
    const me = await new Client(h).login(w.agencyUser);
    const id = (await me.get("/api/me")).body.user.id;
    const missing = await me.patch(`/api/users/${id}`, { password: NEW_PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("current_password_required");
    expect(missing.body.issues).toEqual([
      { field: "currentPassword", message: "your current password is required" },
    ]);
    const empty = await me.patch(`/api/users/${id}`, { password: NEW_PASSWORD, currentPassword: "" });
    expect(empty.body.code).toBe("current_password_required");
    const wrong = await me.patch(`/api/users/${id}`, {
      password: NEW_PASSWORD,
      currentPassword: "not my password at all",
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe("current_password_wrong");
    expect(wrong.body.detail).toBe("The current password is wrong: your password was not changed.");
    // Nothing changed, and the session is still good.
    expect(await canSignIn(w.agencyUser, PASSWORD)).toBe(true);
    expect(await canSignIn(w.agencyUser, NEW_PASSWORD)).toBe(false);
    expect((await me.get("/api/me")).status).toBe(200);
  });

  it("with the current password: changes it and ends every other session, keeping this one", async () => {
    const me = await new Client(h).login(w.loc1User);
    const laptop = await new Client(h).login(w.loc1User);
    const phone = await new Client(h).login(w.loc1User);
    const bystander = await new Client(h).login(w.loc1Admin);
    const id = (await me.get("/api/me")).body.user.id;
    const r = await me.patch(`/api/users/${id}`, { password: NEW_PASSWORD, currentPassword: PASSWORD });
    expect(r.status).toBe(200);
    expect((await me.get("/api/me")).status).toBe(200);
    for (const other of [laptop, phone]) {
      const gone = await other.get("/api/me");
      expect(gone.status).toBe(401);
      expect(gone.body.code).toBe("unauthenticated");
    }
    expect((await bystander.get("/api/me")).status).toBe(200); // other users are untouched
    expect(await canSignIn(w.loc1User, PASSWORD)).toBe(false);
    expect(await canSignIn(w.loc1User, NEW_PASSWORD)).toBe(true);
    // Other fields need no proof.
    expect((await me.patch(`/api/users/${id}`, { name: "Clerk One" })).status).toBe(200);
  });

  it("an admin resetting someone else's password needs no current password and ends all their sessions", async () => {
    const admin = await new Client(h).login(w.owner);
    const staff = await new Client(h).login(w.loc2Admin);
    const id = (await staff.get("/api/me")).body.user.id;
    const r = await admin.patch(`/api/users/${id}`, { password: NEW_PASSWORD });
    expect(r.status).toBe(200);
    expect((await staff.get("/api/me")).status).toBe(401);
    expect((await admin.get("/api/me")).status).toBe(200);
    expect(await canSignIn(w.loc2Admin, NEW_PASSWORD)).toBe(true);
  });
});

describe("guessing the current password with a borrowed session", () => {
  it("is limited like sign-in: after the account's allowance even the right one answers 429", async () => {
    const max = h.kw.config.limits.signinAccount.max;
    const me = await new Client(h).login(w.agencyAdmin);
    const id = (await me.get("/api/me")).body.user.id;
    for (let i = 0; i < max; i++) {
      const wrong = await me.patch(`/api/users/${id}`, {
        password: NEW_PASSWORD,
        currentPassword: `guess number ${i} of many`,
      });
      expect(wrong.status).toBe(403);
    }
    const right = await me.patch(`/api/users/${id}`, { password: NEW_PASSWORD, currentPassword: PASSWORD });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe("too_many_attempts");
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await canSignIn(w.agencyAdmin, NEW_PASSWORD)).toBe(false);
    const audited = await h.kw.store.listAudit({
      agencyId: w.agencyId,
      action: "session.login_failed",
      limit: 100,
    });
    const mine = audited.filter((e) => e.targetId === id && e.after?.reason === "wrong_current_password");
    expect(mine).toHaveLength(max);
  });
});
