/**
 * Delivers the outbox: e-mails were written in the transaction that decided them; this worker sends
 * them through SMTP (nodemailer, `KEYWARD_SMTP_URL`) or, without SMTP, writes each as an `.eml` file in
 * `<dataDir>/outbox/` and logs it. A message is claimed with a conditional update (several workers send
 * it once), retried with exponential backoff, and marked `failed` after the last attempt — visible to
 * agency admins through the API. A worker that dies mid-send leaves a claim that lapses and is retried:
 * delivery is at least once, which is the most SMTP allows.
 */
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Clock } from "../core/clock.js";
import { MINUTE } from "../core/clock.js";
import { ensurePrivateDir, writePrivateFile } from "../files.js";
import type { Logger } from "../logger.js";
import type { Audit } from "../service/audit.js";
import { systemCtx } from "../service/context.js";
import { isRetryable, LifecycleStore, type OutboxRow } from "../store/lifecycle-store.js";
import type { Store } from "../store/store.js";
import { PollLoop, withRetry } from "./worker.js";

export interface MailTransport {
  /** Sends one message; throws with a readable reason when it cannot. */
  send(m: OutboxRow, from: string): Promise<void>;
  close(): void;
}

export function smtpTransport(url: string): MailTransport {
  const t = nodemailer.createTransport(url);
  return {
    async send(m, from) {
      await t.sendMail({
        from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: `<${m.id}@keyward>`,
        date: new Date(m.createdAt),
      });
    },
    close: () => t.close(),
  };
}

/** Without SMTP: each message becomes `<dir>/<id>.eml`, readable by any mail client. */
export function fileTransport(dir: string, logger: Logger): MailTransport {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(m, from) {
      const info = await t.sendMail({
        from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: `<${m.id}@keyward>`,
        date: new Date(m.createdAt),
      });
      ensurePrivateDir(dir);
      const file = join(dir, `${m.id}.eml`);
      writePrivateFile(file, info.message as Buffer);
      logger.info(
        { file, to: m.to, subject: m.subject },
        "e-mail written to the outbox folder (no KEYWARD_SMTP_URL)",
      );
    },
    close: () => t.close(),
  };
}

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  audit: Audit;
  transport: MailTransport;
  from: string;
  maxAttempts?: number;
  /** How long a claim lasts before another worker may retry the message. */
  leaseMs?: number;
}

export interface DeliveryReport {
  sent: string[];
  retrying: string[];
  failed: string[];
}

/** 1 min, 2, 4 … capped at 6 hours. */
export function backoffMs(attempt: number): number {
  return Math.min(6 * 60 * MINUTE, MINUTE * 2 ** Math.max(0, attempt - 1));
}

/** Kinds of e-mail whose link is a credential (an invitation's token): not kept once sent. */
const CARRIES_LINK = new Set(["invitation"]);

export class OutboxDelivery {
  private readonly loop = new PollLoop(
    async () => {
      await this.deliverDue();
      return false;
    },
    (err) => this.deps.logger.error({ err }, "outbox delivery failed; will try again"),
  );

  constructor(readonly deps: DeliveryDeps) {}

  /** Sends what is due now, one batch; returns what happened to each message. */
  async deliverDue(now = this.deps.clock.now(), limit = 50): Promise<DeliveryReport> {
    const { store, transport, from, logger, audit } = this.deps;
    const ls = new LifecycleStore(store);
    const maxAttempts = this.deps.maxAttempts ?? 8;
    const report: DeliveryReport = { sent: [], retrying: [], failed: [] };
    for (const m of await ls.dueEmails(now, limit)) {
      let claimed = false;
      try {
        claimed = await ls.claimEmail(m, now + (this.deps.leaseMs ?? 5 * MINUTE));
      } catch (err) {
        // Another worker is writing (SQLite busy): it may be claiming this one; look again next round.
        if (!isRetryable(err)) throw err;
      }
      if (!claimed) continue;
      const attempt = m.attempts + 1;
      try {
        await transport.send(m, from);
        await withRetry(() =>
          store.transaction(async (s) => {
            await new LifecycleStore(s).emailSent(m.id, this.deps.clock.now());
            if (CARRIES_LINK.has(m.kind)) await new LifecycleStore(s).forgetBody(m.id);
            await audit.record(s, systemCtx, {
              agencyId: m.agencyId,
              action: "email.sent",
              targetType: "email",
              targetId: m.id,
              after: { kind: m.kind, to: m.to, attempts: attempt },
            });
          }),
        );
        report.sent.push(m.id);
      } catch (err) {
        const reason = (err as Error)?.message?.slice(0, 500) ?? String(err);
        const final = attempt >= maxAttempts;
        await withRetry(() =>
          store.transaction(async (s) => {
            await new LifecycleStore(s).emailFailed(m.id, reason, final ? null : now + backoffMs(attempt));
            if (final && CARRIES_LINK.has(m.kind)) await new LifecycleStore(s).forgetBody(m.id);
            if (final)
              await audit.record(s, systemCtx, {
                agencyId: m.agencyId,
                action: "email.failed",
                targetType: "email",
                targetId: m.id,
                after: { kind: m.kind, to: m.to, attempts: attempt, error: reason },
              });
          }),
        );
        (final ? report.failed : report.retrying).push(m.id);
        logger[final ? "error" : "warn"](
          { emailId: m.id, attempt, error: reason },
          final ? "e-mail delivery failed for good" : "e-mail delivery failed; will retry",
        );
      }
    }
    return report;
  }

  start(intervalMs = 5_000): void {
    this.loop.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.deps.transport.close();
  }
}
