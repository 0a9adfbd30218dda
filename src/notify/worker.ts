/**
 * What the two outbox workers (e-mail, webhooks) share: a poll loop that runs one round at a time in
 * the background and stops after the round in flight, and a retry for writing a round's outcome.
 */
import { isRetryable } from "../store/lifecycle-store.js";

export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private current: Promise<unknown> = Promise.resolve();

  /**
   * `round` resolves true when it found more than it could take (the next round runs at once instead
   * of after the interval); a failed round is handed to `onError` and the loop goes on.
   */
  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (this.running) return;
    this.running = true;
    this.next(0, intervalMs);
  }

  /** Stops the loop and waits for the round in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current.catch(() => {});
  }

  private next(delayMs: number, intervalMs: number): void {
    this.timer = setTimeout(() => {
      this.current = this.run(intervalMs);
    }, delayMs);
    this.timer.unref();
  }

  private async run(intervalMs: number): Promise<void> {
    let more = false;
    try {
      more = await this.round();
    } catch (err) {
      this.onError(err);
    }
    if (this.running) this.next(more ? 0 : intervalMs, intervalMs);
  }
}

/** Recording a round's outcome must not be lost to a momentarily busy database. */
export async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 8 || !isRetryable(err)) throw err;
      // Real time, not the domain clock: only to let the other writer finish.
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}
