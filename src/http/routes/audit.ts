/**
 * The audit log over HTTP: a page at a time with names next to ids, or every matching entry as a
 * CSV or JSON-lines download, streamed batch by batch (same filters). Thin: parse, call the
 * ListingService, serialise.
 */
import { isoSecond } from "../../core/clock.js";
import { csvRow } from "../../core/csv.js";
import { shortUserAgent } from "../../core/user-agent.js";
import type { NamedAuditEntry, AuditListQuery as ServiceQuery } from "../../service/listings.js";
import type { Deps } from "../env.js";
import { IdParam, type Router } from "../route.js";
import { AuditListQuery, AuditPage } from "../schemas.js";

const CSV_COLUMNS = [
  "at",
  "action",
  "actor_type",
  "actor_id",
  "actor_name",
  "target_type",
  "target_id",
  "target_name",
  "ip",
  "browser",
  "user_agent",
  "before",
  "after",
  "id",
] as const;

export function auditView(e: NamedAuditEntry) {
  return { ...e, at: new Date(e.at).toISOString(), userAgentShort: shortUserAgent(e.userAgent) };
}

export function auditRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/agencies/{agencyId}/audit",
      summary: "The audit log, newest first",
      description:
        "For agency admins. Search with `q`; filter by `action` (prefix, e.g. `key.`), `actor`, `targetId`, `targetType`, `from`/`to` (ISO 8601); `signIns=false` folds successful sign-ins and sign-outs away (failed sign-ins always show). Pages of `limit` entries continue with `cursor=<nextCursor>`. `format=csv` or `format=jsonl` downloads every matching entry instead (streamed, no paging; CSV cells that a spreadsheet would run as a formula are prefixed with `'`).",
      tags: ["Audit"],
      auth: "session",
      params: IdParam("agencyId"),
      query: AuditListQuery,
      responses: {
        200: {
          description: "One page of entries (JSON), or a text/csv or application/x-ndjson download",
          schema: AuditPage,
        },
      },
    },
    async (c, { params, query }, reply) => {
      const from = query.from ?? query.since;
      const to = query.to ?? query.until;
      const actor = query.actor ?? query.actorId;
      const filters: Omit<ServiceQuery, "cursor" | "limit"> = {
        ...(query.q ? { q: query.q } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(actor ? { actorId: actor } : {}),
        ...(query.targetId ? { targetId: query.targetId } : {}),
        ...(query.targetType ? { targetType: query.targetType } : {}),
        ...(from ? { from: Date.parse(from) } : {}),
        ...(to ? { to: Date.parse(to) } : {}),
        ...(query.signIns ? { signIns: query.signIns === "true" } : {}),
      };
      const ctx = c.get("ctx");
      if (query.format === "csv" || query.format === "jsonl") {
        const batches = deps.listings.auditAll(ctx, params.agencyId, filters);
        // The first batch is read before answering, so a refusal (403, 404) is a problem+json, not a
        // broken download.
        const first = await batches.next();
        const csv = query.format === "csv";
        const line = (e: NamedAuditEntry) => {
          const v = auditView(e);
          return csv
            ? csvRow([
                v.at,
                v.action,
                v.actorType,
                v.actorId,
                v.actorName,
                v.targetType,
                v.targetId,
                v.targetName,
                v.ip,
                v.userAgentShort,
                v.userAgent,
                v.before,
                v.after,
                v.id,
              ])
            : `${JSON.stringify(v)}\n`;
        };
        const encoder = new TextEncoder();
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            if (csv) controller.enqueue(encoder.encode(csvRow(CSV_COLUMNS)));
            if (!first.done) controller.enqueue(encoder.encode(first.value.map(line).join("")));
          },
          async pull(controller) {
            const next = first.done ? { done: true as const, value: undefined } : await batches.next();
            if (next.done) controller.close();
            else controller.enqueue(encoder.encode(next.value.map(line).join("")));
          },
          async cancel() {
            await batches.return(undefined);
          },
        });
        const day = isoSecond(deps.clock.now()).slice(0, 10);
        return reply.stream(c, 200, body, {
          type: csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
          filename: `keyward-audit-${day}.${csv ? "csv" : "jsonl"}`,
        });
      }
      const page = await deps.listings.audit(ctx, params.agencyId, {
        ...filters,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      return reply.json(c, 200, { entries: page.entries.map(auditView), nextCursor: page.nextCursor });
    },
  );
}
