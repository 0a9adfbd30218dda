/**
 * Review 2, item 5: POST /api/leaks is public, so a wrong signature is a guess like an unknown
 * token. Failed signatures are counted per client address by the same brute-force limit
 * (KEYWARD_FAILED_AUTH_MAX_PER_MINUTE) and refused with the same 429 `too_many_failures` once over;
 * a correctly signed report (even a replayed one) is not a failure.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const forger = generateKeyPairSync("ec", { namedCurve: "P-256" });
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyward-leak-limit-"));
  const file = join(dir, "keys.json");
  writeFileSync(
    file,
    JSON.stringify({
      public_keys: [
        { key_identifier: "gh-1", key: publicKey.export({ type: "spki", format: "pem" }), is_current: true },
      ],
    }),
  );
  h = await startHarness({
    env: { KEYWARD_LEAK_REPORT_KEYS: file, KEYWARD_FAILED_AUTH_MAX_PER_MINUTE: "3" },
  });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
async function report(
  signer = privateKey,
  body = JSON.stringify([{ token: `kw_pit_nothing${++seq}`, type: "t" }]),
) {
  const res = await fetch(`${h.url}/api/leaks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "github-public-key-identifier": "gh-1",
      "github-public-key-signature": sign("sha256", Buffer.from(body), signer).toString("base64"),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get("retry-after") };
}

const metric = async (line: string) => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(new RegExp(`^${line.replace(/[{}]/g, "\\$&")} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
};

describe("leak reports with a bad signature", () => {
  it("does not count correctly signed reports, replays included", async () => {
    const body = JSON.stringify([{ token: "kw_pit_replayed", type: "t" }]);
    expect((await report(privateKey, body)).status).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await report(privateKey, body)).body.code).toBe("leak_report_replayed");
    expect(await metric('keyward_failed_auth_total{kind="leak_signature"}')).toBe(0);
  });

  it("are counted per address and refused with 429 too_many_failures once over the limit", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push((await report(forger.privateKey)).body.code);
    expect(answers.slice(0, 3)).toEqual([
      "leak_signature_invalid",
      "leak_signature_invalid",
      "leak_signature_invalid",
    ]);
    expect(answers.slice(3)).toEqual(["too_many_failures", "too_many_failures"]);
    // Blocked: a correct signature from that address waits too, with Retry-After.
    const blocked = await report();
    expect([blocked.status, blocked.body.code]).toEqual([429, "too_many_failures"]);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    expect(await metric('keyward_failed_auth_total{kind="leak_signature"}')).toBeGreaterThanOrEqual(3);
    // Once the block has passed, the partner is heard again.
    h.clock.advance(Number(blocked.retryAfter) * 1000 + 1000);
    expect((await report()).status).toBe(200);
  });
});
