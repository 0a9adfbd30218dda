/**
 * A refused event stream (429 too_many_streams) is refused before anything is built for it: the
 * route asks `verifyEvents.admit` first, so no 1 MiB-bounded ReadableStream is made and dropped.
 * The streams the route builds are told apart by their queue limit (STREAM_BUFFER_BYTES).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { STREAM_BUFFER_BYTES } from "../../src/http/routes/verify-sdk.js";
import { type Harness, SERVICE_TOKEN, startHarness } from "../helpers/harness.js";

let h: Harness;
const Original = globalThis.ReadableStream;
let built = 0;

beforeAll(async () => {
  h = await startHarness({ env: { KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL: "1" } });
  globalThis.ReadableStream = class extends Original<any> {
    constructor(source?: any, strategy?: QueuingStrategy<any>) {
      if (strategy?.highWaterMark === STREAM_BUFFER_BYTES) built++;
      super(source, strategy);
    }
  } as typeof ReadableStream;
});
afterAll(async () => {
  globalThis.ReadableStream = Original;
  await h.close();
});

it("builds the stream it serves, and none for the one it refuses", async () => {
  const open = (signal: AbortSignal) =>
    fetch(`${h.url}/api/verify/events`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` }, signal });
  const first = new AbortController();
  const served = await open(first.signal);
  expect(served.status).toBe(200);
  expect(built).toBe(1);

  const refused = await open(new AbortController().signal);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as { code: string }).code).toBe("too_many_streams");
  expect(built).toBe(1);
  first.abort();
});
