/**
 * Wires the lifecycle into one Keyward instance: the service (policy, listings' next action, banner,
 * forecast, notifications, settings fields), the scheduler and the outbox worker (as background work
 * when `KEYWARD_SCHEDULER` is on). `serve`, the tests, the CLI and `simulate` all attach it this way.
 */
import { join } from "node:path";
import type { Keyward } from "../keyward.js";
import { fileTransport, type MailTransport, OutboxDelivery, smtpTransport } from "../notify/delivery.js";
import { LifecycleService } from "../service/lifecycle.js";
import { Scheduler, type SchedulerDeps } from "./scheduler.js";

/** A first warning at most this late counts as on time (ticks are up to a minute apart). */
export const ON_TIME_WITHIN_MS = 5 * 60_000;

export class Lifecycle {
  constructor(
    readonly service: LifecycleService,
    readonly scheduler: Scheduler,
    readonly delivery: OutboxDelivery,
  ) {}
  tick(now?: number) {
    return this.scheduler.tick(now);
  }
  deliver(now?: number) {
    return this.delivery.deliverDue(now);
  }
}

export interface AttachOptions {
  transport?: MailTransport;
  scheduler?: Partial<Pick<SchedulerDeps, "onTimeWithinMs" | "beforeCommit">>;
  /** Register the scheduler and the outbox worker as background work (default: KEYWARD_SCHEDULER). */
  background?: boolean;
}

/** The lifecycle attached to this instance, if any. */
export function lifecycleOf(kw: Keyward): Lifecycle | null {
  const svc = kw.keys.deps.lifecycle;
  return svc instanceof LifecycleService && svc.runtime instanceof Lifecycle ? svc.runtime : null;
}

export async function attachLifecycle(kw: Keyward, opts: AttachOptions = {}): Promise<Lifecycle> {
  const existing = lifecycleOf(kw);
  if (existing) return existing;
  const service = new LifecycleService({
    store: kw.store,
    clock: kw.clock,
    keys: kw.keys,
    accounts: kw.accounts,
    policy: kw.config.policy,
  });
  const scheduler = new Scheduler({
    store: kw.store,
    clock: kw.clock,
    lifecycle: service,
    cache: kw.cache,
    bus: kw.bus,
    logger: kw.logger,
    publicUrl: kw.config.publicUrl,
    onTimeWithinMs: opts.scheduler?.onTimeWithinMs ?? ON_TIME_WITHIN_MS,
    ...(opts.scheduler?.beforeCommit ? { beforeCommit: opts.scheduler.beforeCommit } : {}),
  });
  const transport =
    opts.transport ??
    (kw.config.smtpUrl
      ? smtpTransport(kw.config.smtpUrl)
      : fileTransport(join(kw.config.dataDir, "outbox"), kw.logger));
  const delivery = new OutboxDelivery({
    store: kw.store,
    clock: kw.clock,
    logger: kw.logger,
    audit: kw.audit,
    transport,
    from: kw.config.mailFrom,
  });
  const lifecycle = new Lifecycle(service, scheduler, delivery);
  service.runtime = lifecycle;
  kw.keys.deps.lifecycle = service;
  kw.settings.extensions.push(service.settingsExtension());
  if (opts.background ?? kw.config.scheduler) {
    kw.background.push(scheduler);
    kw.background.push(delivery);
  } else {
    kw.background.push({ start() {}, stop: async () => transport.close() });
  }
  return lifecycle;
}
