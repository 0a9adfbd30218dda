/**
 * Reversible encryption of the secrets Keyward keeps readable: a legacy location key while
 * Enhanced Account Security is off (docs/spec.md §2, §5), and webhook signing secrets (docs/webhooks.md),
 * each purpose under a key of its own. AES-256-GCM under a key derived (HKDF-SHA256) from
 * the deployment secret; a fresh 96-bit nonce per message; the tag authenticates both the
 * ciphertext and a fixed context string, so a value sealed for another purpose does not open here.
 *
 * Sealed form: `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`. Pure apart from the random nonce.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE = 12;
const TAG = 16;
const LEGACY_CONTEXT = "keyward legacy location key";

export class SecretBoxError extends Error {}

export class SecretBox {
  private readonly key: Buffer;
  private readonly context: Buffer;

  /**
   * `secret`: the deployment secret (KEYWARD_SECRET or the generated `secret.key`), ≥ 32 characters.
   * `purpose`: what the values are for (a webhook signing secret …); each purpose has its own key.
   */
  constructor(secret: string, purpose = LEGACY_CONTEXT) {
    if (secret.length < 32) throw new SecretBoxError("The deployment secret must be at least 32 characters.");
    this.context = Buffer.from(purpose);
    this.key = Buffer.from(
      hkdfSync("sha256", Buffer.from(secret, "utf8"), "keyward-secretbox", this.context, 32),
    );
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(this.context);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  /** Throws `SecretBoxError` when the value was altered, or sealed under another secret. */
  open(sealed: string): string {
    const dot = sealed.indexOf(".");
    if (dot < 0 || sealed.slice(0, dot) !== VERSION)
      throw new SecretBoxError("Not a sealed value of this version.");
    const raw = Buffer.from(sealed.slice(dot + 1), "base64url");
    if (raw.length < NONCE + TAG) throw new SecretBoxError("The sealed value is truncated.");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, NONCE));
    decipher.setAAD(this.context);
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE, raw.length - TAG)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new SecretBoxError(
        "The sealed value does not open under this deployment secret (altered, or sealed under another secret).",
      );
    }
  }
}

/** A new random deployment secret: 32 bytes as 43 base64url characters. */
export function newDeploymentSecret(): string {
  return randomBytes(32).toString("base64url");
}
