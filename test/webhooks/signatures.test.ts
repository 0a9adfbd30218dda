/**
 * Deliveries as a receiver sees them: Standard Webhooks headers and body, HMAC signatures verified
 * with the npm `standardwebhooks` package, ed25519 signatures with node:crypto, and both signatures
 * during a secret rotation (the old one for 24 hours only).
 */
import { verify } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { ed25519PublicKey } from "../../src/core/webhooks.js";
import { Client, type Harness, seedWorld, startHarness, type World } from "../helpers/harness.js";
import { type Receiver, startReceiver } from "./receiver.js";

let h: Harness;
let w: World;
let rx: Receiver;
let admin: Client;

beforeAll(async () => {
  // standardwebhooks refuses timestamps more than 5 minutes from its real clock: start at real time.
  h = await startHarness({
    clock: new ManualClock(Math.floor(Date.now() / 1000) * 1000),
    env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" },
  });
  w = await seedWorld(h.kw);
  rx = await startReceiver();
  admin = await new Client(h).login(w.agencyAdmin);
});
afterAll(async () => {
  await rx.close();
  await h.close();
});

const headersOf = (i: number) => {
  const r = rx.received[i]!;
  return {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  };
};

describe("hmac", () => {
  let secret: string;
  let endpointId: string;

  it("creates an endpoint and shows its whsec_ secret once", async () => {
    const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
      url: rx.url,
      events: ["key.created", "key.revoked"],
      description: "our UI",
    });
    expect(r.status).toBe(201);
    secret = r.body.secret;
    endpointId = r.body.endpoint.id;
    // base64 of 32 random bytes
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    const again = await admin.get(`/api/webhooks/${endpointId}`);
    expect(JSON.stringify(again.body)).not.toContain(secret.slice(6));
    // Stored sealed: the database never holds it readable.
    const row = await h.kw.store.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", endpointId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
  });

  it("a key's creation and revocation arrive signed, verified by the standardwebhooks package", async () => {
    const k = await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "CRM sync", scopes: [] });
    expect(k.status).toBe(201);
    const rev = await admin.post(`/api/keys/${k.body.key.id}/revoke`, {});
    expect(rev.status).toBe(200);
    const report = await h.kw.webhookSender.deliverDue();
    expect(report.succeeded).toHaveLength(2);
    expect(rx.received).toHaveLength(2);
    const wh = new Webhook(secret);
    const created = wh.verify(rx.received[0]!.body, headersOf(0)) as any;
    const revoked = wh.verify(rx.received[1]!.body, headersOf(1)) as any;
    expect(created.type).toBe("key.created");
    expect(revoked.type).toBe("key.revoked");
    expect(revoked.timestamp).toBe(new Date(h.clock.now()).toISOString());
    expect(revoked.data.key).toMatchObject({
      id: k.body.key.id,
      name: "CRM sync",
      status: "revoked",
      owner: { agencyId: w.agencyId, locationId: null },
    });
    // Never the token, nor its hash.
    for (const r of rx.received) {
      expect(r.body).not.toContain(k.body.token);
      expect(r.body).not.toMatch(/[0-9a-f]{64}/);
      expect(Buffer.byteLength(r.body)).toBeLessThan(20 * 1024);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(Number(r.headers["webhook-timestamp"])).toBe(Math.floor(h.clock.now() / 1000));
    }
    // A tampered body does not verify.
    expect(() => wh.verify(rx.received[1]!.body.replace("revoked", "created"), headersOf(1))).toThrow();
  });

  it("during a rotation both secrets sign for 24 hours, then only the new one", async () => {
    const rot = await admin.post(`/api/webhooks/${endpointId}/rotate-secret`, {});
    expect(rot.status).toBe(200);
    const fresh = rot.body.secret as string;
    expect(fresh).not.toBe(secret);
    expect(rot.body.endpoint.previousSecretUntil).toBe(new Date(h.clock.now() + 86_400_000).toISOString());
    await admin.post(`/api/webhooks/${endpointId}/test`, {});
    await h.kw.webhookSender.deliverDue();
    const i = rx.received.length - 1;
    expect(headersOf(i)["webhook-signature"].split(" ")).toHaveLength(2);
    // A receiver with either secret accepts it.
    expect((new Webhook(secret).verify(rx.received[i]!.body, headersOf(i)) as any).type).toBe("webhook.test");
    expect((new Webhook(fresh).verify(rx.received[i]!.body, headersOf(i)) as any).type).toBe("webhook.test");

    // A day later the old secret no longer signs. (Verified with the time the signature claims.)
    h.clock.advance(86_400_000 + 1000);
    admin = await new Client(h).login(w.agencyAdmin); // the session did not last a day
    await admin.post(`/api/webhooks/${endpointId}/test`, {});
    await h.kw.webhookSender.deliverDue();
    const j = rx.received.length - 1;
    expect(headersOf(j)["webhook-signature"].split(" ")).toHaveLength(1);
    const at = new Date(h.clock.now());
    const verifyAt = (s: string) => {
      const wh = new Webhook(s);
      (wh as any).verifyTimestamp = () => at; // the package checks against its own clock
      return wh.verify(rx.received[j]!.body, headersOf(j));
    };
    expect(() => verifyAt(fresh)).not.toThrow();
    expect(() => verifyAt(secret)).toThrow();
  });
});

describe("ed25519", () => {
  it("signs v1a, with the whsk_ key; receivers verify with the whpk_ public key", async () => {
    const r = await admin.post(`/api/agencies/${w.agencyId}/webhooks`, {
      url: rx.url,
      events: ["key.updated"],
      scheme: "ed25519",
    });
    expect(r.status).toBe(201);
    const pub = r.body.secret as string;
    expect(pub).toMatch(/^whpk_/);
    expect(Buffer.from(pub.slice(5), "base64")).toHaveLength(32);
    // Downloadable afterwards too.
    expect((await admin.get(`/api/webhooks/${r.body.endpoint.id}`)).body.endpoint.publicKey).toBe(pub);

    const k = await admin.post(`/api/accounts/${w.agencyId}/keys`, { name: "Reports", scopes: [] });
    const before = rx.received.length;
    await admin.patch(`/api/keys/${k.body.key.id}`, { name: "Reports (nightly)" });
    await h.kw.webhookSender.deliverDue();
    const mine = rx.received
      .slice(before)
      .filter((x) => String(x.headers["webhook-signature"]).startsWith("v1a,"));
    expect(mine).toHaveLength(1);
    const got = mine[0]!;
    const sig = String(got.headers["webhook-signature"]).slice(4);
    const content = `${got.headers["webhook-id"]}.${got.headers["webhook-timestamp"]}.${got.body}`;
    expect(verify(null, Buffer.from(content), ed25519PublicKey(pub), Buffer.from(sig, "base64"))).toBe(true);
    expect(verify(null, Buffer.from(`${content} `), ed25519PublicKey(pub), Buffer.from(sig, "base64"))).toBe(
      false,
    );
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ type: "key.updated", data: { key: { name: "Reports (nightly)" } } });

    // Rotation: two v1a signatures, one per key.
    const rot = await admin.post(`/api/webhooks/${r.body.endpoint.id}/rotate-secret`, {});
    const pub2 = rot.body.secret as string;
    expect(pub2).not.toBe(pub);
    await admin.post(`/api/webhooks/${r.body.endpoint.id}/test`, {});
    await h.kw.webhookSender.deliverDue();
    const last = rx.received[rx.received.length - 1]!;
    const sigs = String(last.headers["webhook-signature"]).split(" ");
    expect(sigs).toHaveLength(2);
    const c2 = Buffer.from(`${last.headers["webhook-id"]}.${last.headers["webhook-timestamp"]}.${last.body}`);
    const ok = (p: string) =>
      sigs.some((s) => verify(null, c2, ed25519PublicKey(p), Buffer.from(s.slice(4), "base64")));
    expect(ok(pub)).toBe(true);
    expect(ok(pub2)).toBe(true);
  });
});
