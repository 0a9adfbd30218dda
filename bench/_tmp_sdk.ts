import * as crypto from "node:crypto";
import { Keyward } from "../packages/sdk/src/index.js";
const tokens = Array.from({ length: 100 }, (_, i) => `kw_pit_${crypto.randomBytes(24).toString("base64url")}`);
const t0 = Date.now();
const kw = new Keyward({ baseUrl: "http://x", credential: "c", stream: false, timers: { setInterval: () => 0, clearInterval: () => {} } });
const any = kw as any;
for (const [i, t] of tokens.entries()) {
  const key = { id: `key_${i}`, name: "k", kind: "private_integration", owner: { type: "location", id: "loc" }, agencyId: "agy", scopes: [] };
  any.cache.put({ hash: crypto.hash("sha256", t, "base64"), key, locationId: "loc", legacy: false, answer: { valid: true, code: "valid", key }, loadedAt: t0 - 5000 });
}
any.stream = { state: "connected", lastSeen: Date.now() + 1e9, staleAfterMs: 1e9 };
const ROUND = 100_000;
const sha = (s: string) => crypto.hash("sha256", s, "base64");
async function measure(kind: string) {
  let n = 0, ms = 0;
  for (let round = 0; round < 12; round++) {
    const t = performance.now();
    if (kind === "bare") for (let i = 0; i < ROUND; i++) sha(tokens[i % 100]!);
    else if (kind === "sync") for (let i = 0; i < ROUND; i++) kw.verifyCached(tokens[i % 100]!);
    else for (let i = 0; i < ROUND; i++) await kw.verify(tokens[i % 100]!);
    const dt = performance.now() - t;
    if (round >= 3) { n += ROUND; ms += dt; }
    await new Promise((r) => setImmediate(r));
  }
  return Math.round((n / ms) * 1000);
}
for (let k = 0; k < 2; k++) console.log("async", await measure("async"), "sync", await measure("sync"), "bare", await measure("bare"));
console.log(kw.verifyCached(tokens[0]!));
