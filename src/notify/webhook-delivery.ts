/**
 * Sends the webhook outbox (docs/webhooks.md). Deliveries were written in the transaction of the
 * change they report; this worker claims the due ones (one sender per delivery across nodes: a
 * conditional update with a lease, `SKIP LOCKED` on PostgreSQL), signs them (Standard Webhooks 1.0),
 * POSTs them — in order per endpoint, endpoints side by side — and records each outcome in one
 * transaction per batch. A sender killed mid-delivery leaves a claim that lapses: the delivery is sent
 * again (at least once, nothing lost).
 *
 * 2xx within 15 s is success; anything else is retried on Standard Webhooks' schedule (with jitter,
 * honouring Retry-After) up to ten attempts; `410 Gone` disables the endpoint at once; an endpoint
 * that has failed without a single success for five days is disabled, and its agency's admins get
 * an in-app notice and an e-mail. Connections go only to addresses the guard checked
 * (service/webhook-guard.ts); redirects are not followed.
 */
import http from "node:http";
import https from "node:https";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import type { SecretBox } from "../core/secretbox.js";
import {
  DELIVERY_TIMEOUT_MS,
  DISABLE_AFTER_FAILING_MS,
  nextAttemptAt,
  parseRetryAfter,
  signatureHeader,
} from "../core/webhooks.js";
import type { Logger } from "../logger.js";
import type { Audit } from "../service/audit.js";
import { systemCtx } from "../service/context.js";
import { parseTarget, type WebhookGuard } from "../service/webhook-guard.js";
import { isRetryable, LifecycleStore } from "../store/lifecycle-store.js";
import { enqueueEmail } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import type { AttemptOutcome, WebhookDelivery, WebhookEndpoint } from "../store/webhook-store.js";
import { PollLoop, withRetry } from "./worker.js";

/**
 * Deliveries to one endpoint in flight at once, started in queue order. 1 would keep strict order
 * at the price of one round trip per delivery; receivers order by `timestamp` (docs/webhooks.md).
 */
export const IN_FLIGHT_PER_ENDPOINT = 4;
/** How much of a receiver's answer is kept for the delivery log. */
const RESPONSE_BYTES = 1024;
/** An answer larger than this is not read to its end. */
const RESPONSE_READ_LIMIT = 64 * 1024;

export interface WebhookSenderDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  audit: Audit;
  box: SecretBox;
  guard: WebhookGuard;
  /** In [0, 1): the jitter of retries (tests fix it). */
  random?: () => number;
  /** How long a claim lasts before another sender may take the delivery over (> the 15 s timeout). */
  leaseMs?: number;
  timeoutMs?: number;
  /** Deliveries to one endpoint in flight at once (default IN_FLIGHT_PER_ENDPOINT). */
  inFlightPerEndpoint?: number;
  /** Where the e-mail about a disabled endpoint points to. */
  publicUrl?: string | undefined;
}

export interface WebhookReport {
  succeeded: string[];
  retrying: string[];
  failed: string[];
  /** Endpoints disabled by this round (410, or five days failing). */
  disabled: string[];
}

export class WebhookSender {
  // A round that sent anything goes again at once: more may be waiting.
  private readonly loop = new PollLoop(
    async () => {
      const r = await this.deliverDue();
      return r.succeeded.length + r.retrying.length + r.failed.length > 0;
    },
    (err) => this.deps.logger.error({ err }, "webhook delivery failed; will try again"),
  );
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT_PER_ENDPOINT });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT_PER_ENDPOINT });

  constructor(readonly deps: WebhookSenderDeps) {}

  /** Sends one batch of what is due at `now`. */
  async deliverDue(now = this.deps.clock.now(), limit = 200): Promise<WebhookReport> {
    const report: WebhookReport = { succeeded: [], retrying: [], failed: [], disabled: [] };
    const hooks = this.deps.store.webhooks();
    const lease = this.deps.leaseMs ?? 60_000;
    let claimed: WebhookDelivery[] = [];
    try {
      claimed = await hooks.claimDue(now, now + lease, limit);
    } catch (err) {
      if (isRetryable(err)) return report; // SQLite busy: another sender is claiming; next round
      throw err;
    }
    if (claimed.length === 0) return report;
    const endpoints = new Map(
      (await hooks.getEndpoints([...new Set(claimed.map((d) => d.endpointId))])).map((e) => [e.id, e]),
    );
    const groups = new Map<string, WebhookDelivery[]>();
    for (const d of claimed) groups.set(d.endpointId, [...(groups.get(d.endpointId) ?? []), d]);
    const outcomes: AttemptOutcome[] = [];
    await Promise.all(
      [...groups.entries()].map(async ([endpointId, list]) => {
        const ep = endpoints.get(endpointId);
        let secrets: string[] = [];
        try {
          secrets = ep?.enabled ? this.secretsOf(ep) : [];
        } catch (err) {
          // Sealed under another deployment secret (KEYWARD_SECRET changed?): retried like a failure.
          this.deps.logger.error(
            { err, endpointId },
            "a webhook secret does not open under this deployment secret",
          );
        }
        let gone = false;
        let next = 0;
        // Started in queue order, a few at a time: one slow answer does not hold up the rest.
        const lane = async () => {
          while (next < list.length) {
            const d = list[next++]!;
            if (!ep || !ep.enabled || gone) {
              outcomes.push(this.notSent(d, ep ? "the endpoint is disabled" : "the endpoint was deleted"));
              continue;
            }
            const o = await this.attempt(ep, secrets, d);
            outcomes.push(o);
            if (o.responseStatus === 410) gone = true;
          }
        };
        await Promise.all(
          Array.from({ length: this.deps.inFlightPerEndpoint ?? IN_FLIGHT_PER_ENDPOINT }, lane),
        );
      }),
    );
    outcomes.sort((a, b) => a.delivery.seq - b.delivery.seq);
    const recorded = await withRetry(() => this.record(outcomes, endpoints, report));
    for (const o of recorded)
      (o.ok ? report.succeeded : o.retryAt === null ? report.failed : report.retrying).push(o.delivery.id);
    return report;
  }

  private notSent(d: WebhookDelivery, why: string): AttemptOutcome {
    return {
      delivery: d,
      at: this.deps.clock.now(),
      ok: false,
      responseStatus: null,
      responseBody: null,
      durationMs: 0,
      error: `not sent: ${why}`,
      retryAt: null,
    };
  }

  /** The secrets that sign now: the current one, and the previous one during a rotation. */
  private secretsOf(ep: WebhookEndpoint): string[] {
    const now = this.deps.clock.now();
    const secrets = [this.deps.box.open(ep.secretEnc)];
    if (ep.previousSecretEnc && ep.previousUntil !== null && ep.previousUntil > now)
      secrets.push(this.deps.box.open(ep.previousSecretEnc));
    return secrets;
  }

  /** One signed POST; never throws. */
  private async attempt(ep: WebhookEndpoint, secrets: string[], d: WebhookDelivery): Promise<AttemptOutcome> {
    const at = this.deps.clock.now();
    const started = performance.now();
    const done = (r: {
      status: number | null;
      body: string | null;
      error: string | null;
      retryAfter?: string | null;
    }) => {
      const ok = r.status !== null && r.status >= 200 && r.status < 300;
      const retryAt =
        ok || r.status === 410
          ? null
          : nextAttemptAt(
              at,
              d.attempts,
              (this.deps.random ?? Math.random)(),
              parseRetryAfter(r.retryAfter, at),
            );
      return {
        delivery: d,
        at,
        ok,
        responseStatus: r.status,
        responseBody: r.body,
        durationMs: Math.round(performance.now() - started),
        error: r.error,
        retryAt,
      };
    };
    try {
      if (secrets.length === 0)
        throw new Error("the endpoint's signing secret cannot be opened on this node");
      const ts = Math.floor(at / 1000);
      const target = parseTarget(ep.url);
      this.deps.guard.checkLiteral(target);
      const r = await this.post(
        target.url,
        target.plainHttp,
        this.deps.guard.lookupFor(target),
        {
          "content-type": "application/json",
          "user-agent": "Keyward-Webhooks/1",
          "webhook-id": d.messageId,
          "webhook-timestamp": String(ts),
          "webhook-signature": signatureHeader(secrets, d.messageId, ts, d.body),
        },
        d.body,
      );
      const error = r.status >= 200 && r.status < 300 ? null : `the receiver answered ${r.status}`;
      return done({ status: r.status, body: r.body, error, retryAfter: r.retryAfter });
    } catch (err) {
      return done({ status: null, body: null, error: (err as Error)?.message?.slice(0, 500) ?? String(err) });
    }
  }

  private post(
    url: URL,
    plainHttp: boolean,
    lookup: ReturnType<WebhookGuard["lookupFor"]>,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; body: string; retryAfter: string | null }> {
    const timeoutMs = this.deps.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const mod = plainHttp ? http : https;
      const req = mod.request(url, {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent: plainHttp ? this.httpAgent : this.httpsAgent,
        // biome-ignore lint/suspicious/noExplicitAny: node's LookupFunction overloads
        lookup: lookup as any,
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      req.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_BYTES).toString("utf8");
          const ra = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            retryAfter: typeof ra === "string" ? ra : null,
          });
        };
        res.on("data", (c: Buffer) => {
          if (size < RESPONSE_BYTES) chunks.push(c);
          size += c.length;
          if (size > RESPONSE_READ_LIMIT) {
            res.destroy();
            finish();
          }
        });
        res.on("end", finish);
        res.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      req.end(body);
    });
  }

  /** Outcomes, the endpoints' failing state, and what disabling an endpoint tells: one transaction. */
  private async record(
    outcomes: AttemptOutcome[],
    endpoints: Map<string, WebhookEndpoint>,
    report: WebhookReport,
  ): Promise<AttemptOutcome[]> {
    return this.deps.store.transaction(async (s) => {
      const hooks = s.webhooks();
      const recorded = await hooks.recordOutcomes(outcomes);
      const byEndpoint = new Map<string, AttemptOutcome[]>();
      for (const o of recorded)
        if (endpoints.get(o.delivery.endpointId)?.enabled && o.responseStatus !== undefined)
          byEndpoint.set(o.delivery.endpointId, [...(byEndpoint.get(o.delivery.endpointId) ?? []), o]);
      for (const [id, list] of byEndpoint) {
        const sent = list.filter((o) => !o.error?.startsWith("not sent"));
        if (sent.length === 0) continue;
        const ep = await hooks.getEndpointForUpdate(id);
        if (!ep || !ep.enabled) continue;
        const last = sent[sent.length - 1]!;
        const now = last.at;
        let next: WebhookEndpoint = { ...ep };
        if (last.ok) next.failingSince = null;
        else next.failingSince = ep.failingSince ?? sent.find((o) => !o.ok)!.at;
        let reason: "gone" | "failing" | null = null;
        if (sent.some((o) => o.responseStatus === 410)) reason = "gone";
        else if (next.failingSince !== null && now - next.failingSince >= DISABLE_AFTER_FAILING_MS)
          reason = "failing";
        if (reason) {
          next = { ...next, enabled: false, disabledReason: reason, updatedAt: now };
          await this.tellDisabled(s, next, reason, now);
          report.disabled.push(id);
        }
        if (next.failingSince !== ep.failingSince || next.enabled !== ep.enabled)
          await hooks.updateEndpoint(next);
      }
      return recorded;
    });
  }

  /** The agency's admins learn it in the console and by e-mail; the audit log keeps it. */
  private async tellDisabled(
    s: Store,
    ep: WebhookEndpoint,
    reason: "gone" | "failing",
    now: number,
  ): Promise<void> {
    const admins = (await s.listUsers(ep.agencyId)).filter(
      (u) => u.type === "agency" && u.role === "admin" && u.disabledAt === null,
    );
    const why =
      reason === "gone" ? "its receiver answered 410 Gone" : "every delivery to it has failed for five days";
    const title = "A webhook endpoint was disabled";
    const body = `Keyward disabled the webhook endpoint ${ep.url} because ${why}. Events are no longer sent to it. Fix the receiver, then enable the endpoint again on the Webhooks page; deliveries that failed can be replayed from there.`;
    await new LifecycleStore(s).insertNotification({
      id: newId("notification"),
      agencyId: ep.agencyId,
      accountId: ep.agencyId,
      type: "webhook_disabled",
      leadDays: null,
      actionAt: null,
      keyIds: [],
      title,
      body,
      createdAt: now,
      recipients: admins.map((u) => u.id),
    });
    const link = this.deps.publicUrl ? `\n\n${this.deps.publicUrl.replace(/\/$/, "")}/webhooks` : "";
    const esc = (t: string) =>
      t.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
    await enqueueEmail(s, this.deps.clock, {
      agencyId: ep.agencyId,
      kind: "webhook_disabled",
      to: admins.map((u) => u.email).sort(),
      subject: `Webhook endpoint disabled: ${ep.url}`,
      text: `${body}${link}\n`,
      html: `<p>${esc(body)}</p>${link ? `<p><a href="${esc(link.trim())}">${esc(link.trim())}</a></p>` : ""}`,
    });
    await this.deps.audit.record(s, systemCtx, {
      agencyId: ep.agencyId,
      action: "webhook.disabled",
      targetType: "webhook",
      targetId: ep.id,
      before: { enabled: true },
      after: { enabled: false, reason },
    });
  }

  start(intervalMs = 250): void {
    this.loop.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
