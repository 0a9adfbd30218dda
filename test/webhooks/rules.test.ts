/** The pure webhook rules: secret formats, what an audit entry becomes, the body's size, sealing. */
import { describe, expect, it } from "vitest";
import { SecretBox, SecretBoxError } from "../../src/core/secretbox.js";
import {
  type AuditFacts,
  eventsFromAudit,
  MAX_PAYLOAD_BYTES,
  newWebhookSecret,
  publicKeyOf,
  signWebhook,
  webhookBody,
} from "../../src/core/webhooks.js";

const entry = (over: Partial<AuditFacts>): AuditFacts => ({
  at: Date.parse("2026-01-01T00:00:00Z"),
  agencyId: "agy_1",
  actorType: "user",
  actorId: "usr_1",
  action: "key.updated",
  targetType: "key",
  targetId: "key_1",
  before: null,
  after: null,
  ...over,
});

describe("secrets", () => {
  it("whsec_ is base64 of 32 bytes; whsk_/whpk_ are a matching ed25519 pair", () => {
    const h = newWebhookSecret("hmac");
    expect(h.publicKey).toBeNull();
    expect(Buffer.from(h.secret.slice(6), "base64")).toHaveLength(32);
    const e = newWebhookSecret("ed25519");
    expect(e.secret).toMatch(/^whsk_/);
    expect(publicKeyOf(e.secret)).toBe(e.publicKey);
    expect(newWebhookSecret("hmac").secret).not.toBe(h.secret);
  });

  it("a known HMAC vector: the Standard Webhooks example", () => {
    // From the Standard Webhooks specification's test vectors.
    const sig = signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("a value sealed for webhooks does not open as a legacy key, nor the other way", () => {
    const secret = "a-deployment-secret-of-enough-length-0123";
    const hooks = new SecretBox(secret, "keyward webhook secret");
    const legacy = new SecretBox(secret);
    const sealed = hooks.seal("whsec_abc");
    expect(hooks.open(sealed)).toBe("whsec_abc");
    expect(() => legacy.open(sealed)).toThrow(SecretBoxError);
    expect(() => hooks.open(legacy.seal("x"))).toThrow(SecretBoxError);
  });
});

describe("events from audit entries", () => {
  it("drops token, hash and secret fields from before/after", () => {
    const [e] = eventsFromAudit(
      entry({
        action: "key.leaked",
        after: {
          url: "https://github.com/x",
          tokenHash: "ab12",
          token_hash: "cd",
          secretEnc: "v1.x",
          source: "github",
        },
      }),
    );
    expect(e!.type).toBe("key.leaked");
    expect(e!.data.after).toEqual({ url: "https://github.com/x", source: "github" });
  });

  it("a warning for several keys is one event per key; sessions and sign-ins are none", () => {
    const events = eventsFromAudit(
      entry({
        action: "lifecycle.warning_issued",
        targetType: "notification",
        targetId: "ntf_1",
        after: {
          keyIds: ["key_a", "key_b"],
          leadDays: 7,
          actionAt: "2026-04-01T00:00:00.000Z",
          action: "expire",
        },
      }),
    );
    expect(events.map((e) => [e.type, e.keyId, e.data.leadDays, e.data.action])).toEqual([
      ["key.inactivity_warning", "key_a", 7, "expire"],
      ["key.inactivity_warning", "key_b", 7, "expire"],
    ]);
    expect(eventsFromAudit(entry({ action: "session.created", targetType: "session" }))).toEqual([]);
    expect(eventsFromAudit(entry({ action: "key.created", agencyId: null }))).toEqual([]);
  });

  it("a plan and a security change at once are two events", () => {
    const events = eventsFromAudit(
      entry({
        action: "agency.plan_changed",
        targetType: "agency",
        targetId: "agy_1",
        before: { plan: "starter", enhancedSecurity: true },
        after: { plan: "agency_pro", enhancedSecurity: false },
      }),
    );
    expect(events.map((e) => e.type)).toEqual(["plan.changed", "settings.security_changed"]);
  });
});

it("the body stays under 20 KB: a huge before/after is left out and says so", () => {
  const body = webhookBody("key.updated", 0, {
    key: { id: "key_1" },
    before: { description: "x".repeat(30_000) },
    after: { description: "y" },
  });
  expect(Buffer.byteLength(body)).toBeLessThan(MAX_PAYLOAD_BYTES);
  expect(JSON.parse(body).data).toEqual({ key: { id: "key_1" }, truncated: true });
});
