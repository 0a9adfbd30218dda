/**
 * The outbox workers' poll loop (src/notify/worker.ts): a round that found more runs the next at once,
 * a failed round is reported and the loop goes on, and stop() waits for the round in flight. The
 * interval is an hour where it must not elapse, so nothing here waits on it.
 */
import { describe, expect, it } from "vitest";
import { PollLoop } from "../../src/notify/worker.js";

const HOUR = 3_600_000;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("PollLoop", () => {
  it("runs the next round at once while a round finds more, then waits the interval", async () => {
    let rounds = 0;
    const third = deferred();
    const loop = new PollLoop(
      async () => {
        rounds++;
        if (rounds === 3) third.resolve();
        return rounds < 3;
      },
      (err) => {
        throw err;
      },
    );
    loop.start(HOUR);
    loop.start(HOUR); // a second start is no second loop
    await third.promise;
    await loop.stop();
    expect(rounds).toBe(3);
  });

  it("hands a failed round to onError and goes on", async () => {
    const errors: unknown[] = [];
    const second = deferred();
    let rounds = 0;
    const loop = new PollLoop(
      async () => {
        rounds++;
        if (rounds === 1) throw new Error("database away");
        second.resolve();
        return false;
      },
      (err) => errors.push(err),
    );
    loop.start(0);
    await second.promise;
    await loop.stop();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("database away");
  });

  it("stop() waits for the round in flight and starts no other", async () => {
    const entered = deferred();
    const release = deferred();
    let rounds = 0;
    let finished = false;
    const loop = new PollLoop(
      async () => {
        rounds++;
        entered.resolve();
        await release.promise;
        finished = true;
        return true; // "more waiting": without stop() it would go again at once
      },
      (err) => {
        throw err;
      },
    );
    loop.start(HOUR);
    await entered.promise;
    const stopped = loop.stop();
    release.resolve();
    await stopped;
    expect(finished).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(rounds).toBe(1);
  });
});
