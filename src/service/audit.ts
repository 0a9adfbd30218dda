/** The append-only audit log (docs/spec.md §6). Callers pass the store of their transaction. */
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import type { Store } from "../store/store.js";
import type { Ctx } from "./context.js";

export interface AuditEvent {
  agencyId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Only the fields that changed, so an entry shows before/after at a glance. */
export function changed<T extends Record<string, unknown>>(
  before: T,
  after: T,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of Object.keys(after)) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return { before: b, after: a };
}

export class Audit {
  constructor(private readonly clock: Clock) {}

  async record(store: Store, ctx: Ctx, e: AuditEvent): Promise<void> {
    await store.appendAudit({
      id: newId("audit"),
      at: this.clock.now(),
      agencyId: e.agencyId,
      actorType: ctx.actorType,
      actorId: ctx.actorId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      before: e.before ?? null,
      after: e.after ?? null,
    });
  }
}
