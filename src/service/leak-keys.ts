/**
 * The public keys that sign leak reports (docs/leaks.md): a file the operator keeps, in the shape a
 * secret-scanning partner publishes them — GitHub's `{public_keys: [{key_identifier, key,
 * is_current}]}` (https://api.github.com/meta/public_keys/secret_scanning), or the bare array. It
 * is read again whenever it changes (its modification time, size or inode), never fetched: the
 * operator decides which keys are trusted. A file that cannot be read or parsed leaves no key
 * trusted (every report refused) and is logged, so a broken edit fails closed.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Logger } from "../logger.js";

interface Entry {
  key_identifier: string;
  key: string;
}

export class LeakReportKeys {
  private stamp = "";
  private keys = new Map<string, KeyObject>();

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Whether `signature` (base64 DER ECDSA P-256 / SHA-256) of `body` verifies under key `keyId`. */
  verify(keyId: string, signature: string, body: Uint8Array): boolean {
    const key = this.current().get(keyId);
    if (!key) return false;
    const sig = Buffer.from(signature, "base64");
    if (sig.length === 0 || sig.length > 200) return false;
    try {
      return verify("sha256", body, { key, dsaEncoding: "der" }, sig);
    } catch {
      return false; // not a DER signature at all
    }
  }

  /** The trusted keys by identifier, re-read if the file changed since the last look. */
  current(): Map<string, KeyObject> {
    if (this.file === undefined) return this.keys;
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if (this.stamp !== "missing") {
        this.logger.error(
          { err, file: this.file },
          "KEYWARD_LEAK_REPORT_KEYS cannot be read: leak reports are refused",
        );
        this.stamp = "missing";
        this.keys = new Map();
      }
      return this.keys;
    }
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.keys = this.load(this.file);
    }
    return this.keys;
  }

  private load(file: string): Map<string, KeyObject> {
    const out = new Map<string, KeyObject>();
    try {
      const raw = JSON.parse(readFileSync(file, "utf8")) as unknown;
      const list = Array.isArray(raw) ? raw : (raw as { public_keys?: unknown })?.public_keys;
      if (!Array.isArray(list)) throw new Error("expected {public_keys: [...]} or an array of keys");
      for (const e of list as Entry[]) {
        if (typeof e?.key_identifier !== "string" || typeof e.key !== "string")
          throw new Error("every entry needs key_identifier and key (a PEM public key)");
        const key = createPublicKey(e.key);
        if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
          throw new Error(`key ${e.key_identifier} is not an ECDSA P-256 public key`);
        out.set(e.key_identifier, key);
      }
      this.logger.info({ file, keys: out.size }, "leak report keys loaded");
      return out;
    } catch (err) {
      this.logger.error(
        { err, file },
        "KEYWARD_LEAK_REPORT_KEYS is not a valid key file: leak reports are refused",
      );
      return new Map();
    }
  }
}
