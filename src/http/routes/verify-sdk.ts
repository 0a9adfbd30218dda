/**
 * What `@keyward/sdk` needs beyond `POST /api/verify`: the event stream that keeps its in-process
 * cache correct (`GET /api/verify/events`, server-sent events) and the report of the uses it answered
 * from that cache (`POST /api/verify/uses`). Both are the platform's services' (the `service` guard).
 */
import { z } from "zod";
import type { EventSink } from "../../service/verify-events.js";
import type { Deps } from "../env.js";
import type { Reply, Router } from "../route.js";

/**
 * What a stream may hold for a client that does not read before it is dropped: a replay of the whole
 * ring fits (10,000 events of about 70 bytes).
 */
export const STREAM_BUFFER_BYTES = 1024 * 1024;

const Use = z.strictObject({
  keyId: z.string().min(1).max(64),
  count: z.number().int().min(0).max(1_000_000_000).meta({
    description:
      "Uses on the UTC day of lastUsedAt (report one entry per key and day). 0 for an entry of `refused` verifications alone (the SDK sends them so): then lastUsedAt only dates them (their UTC day) and no use is recorded.",
  }),
  lastUsedAt: z.iso.datetime({
    offset: true,
    message: "must be an ISO 8601 date-time, e.g. 2026-01-01T12:00:00Z",
  }),
  ip: z.string().max(64).optional().meta({ description: "The address of the latest call's client." }),
  userAgent: z.string().max(500).optional(),
  endpoint: z
    .string()
    .max(200)
    .optional()
    .meta({ description: "The latest call's route, e.g. `GET /orders/:id` (kept for legacy v1 keys)." }),
  rateLimited: z.number().int().min(0).max(1_000_000_000).optional().meta({
    description:
      "How many of `count` the SDK refused rate_limited (those are counted by code through POST /api/verify/limits); the rest are counted `valid` in usage by code. Absent: 0.",
  }),
  refused: z
    .strictObject({
      insufficient_scope: z.number().int().min(1).max(1_000_000_000).optional(),
      location_forbidden: z.number().int().min(1).max(1_000_000_000).optional(),
    })
    .optional()
    .meta({
      description:
        "Verifications of the key the SDK's cache refused on the day of lastUsedAt, by code: not uses (not in `count`; Keyward does not count them as uses either), counted in usage by code.",
    }),
});

const UseReport = z
  .strictObject({
    uses: z.array(Use).min(1, "report at least one use").max(1000, "report at most 1000 entries per request"),
  })
  .superRefine((r, ctx) => {
    for (const [i, u] of r.uses.entries())
      if ((u.rateLimited ?? 0) > u.count)
        ctx.addIssue({
          code: "custom",
          path: ["uses", i, "rateLimited"],
          message: "rateLimited counts some of the entry's uses: it must not exceed count",
        });
    for (const [i, u] of r.uses.entries())
      if (u.count === 0 && !u.refused?.insufficient_scope && !u.refused?.location_forbidden)
        ctx.addIssue({
          code: "custom",
          path: ["uses", i, "count"],
          message: "an entry reports at least one use (count ≥ 1) or one refusal (refused)",
        });
  })
  .meta({ id: "UseReport" });

const UseReportAnswer = z
  .object({
    recorded: z
      .number()
      .int()
      .meta({ description: "Entries recorded: their uses, and their refusals (`refused`) by code." }),
    ignored: z.number().int().meta({
      description: "Entries naming keys this credential cannot see (unknown, or another agency's).",
    }),
    skipped: z.number().int().meta({
      description:
        "Entries not recorded for their time: lastUsedAt more than a day ago, or more than 5 minutes ahead of the server's clock.",
    }),
  })
  .meta({ id: "UseReportAnswer" });

export function verifySdkRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "get",
      path: "/api/verify/events",
      summary: "Stream what verification caches must drop (server-sent events)",
      description:
        "A text/event-stream of `key` ({keyId}), `agency` ({agencyId}: its plan or security changed), `location` ({locationId}: deleted) and `flush` ({reason}: drop everything) events — every revocation, rotation, deletion, expiry, scope or plan change, made on any node. First comes `ready` ({resumed, heartbeatMs, vouched}); a `heartbeat` ({vouched}) follows every heartbeatMs. `vouched: false` means this node is not hearing the other nodes right now: cache for at most 1 s. Reconnect with `Last-Event-ID` to be replayed what was missed; when that is not possible a `flush` comes first. A client that does not read is disconnected. Events name ids only, never tokens. A credential holds at most 32 streams per server (KEYWARD_VERIFY_STREAMS_PER_CREDENTIAL; KEYWARD_SERVICE_TOKEN counts as one credential): beyond, 429 `too_many_streams` with Retry-After.",
      tags: ["Verification"],
      auth: "service",
      serviceScope: "verify",
      responses: { 200: { description: "The event stream (text/event-stream)" } },
    },
    (c) => {
      // KEYWARD_SERVICE_TOKEN (no id) is one credential too.
      const holder = c.get("service")?.id ?? "KEYWARD_SERVICE_TOKEN";
      // Refused (too many streams) before a stream is built for nothing. Nothing is awaited between
      // here and subscribe(), so no other stream can take the place meanwhile.
      deps.verifyEvents.admit(holder);
      let unsubscribe = () => {};
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      let open = true;
      const stream = new ReadableStream<Uint8Array>(
        {
          start: (ctl) => {
            controller = ctl;
          },
          cancel: () => {
            open = false;
            unsubscribe();
          },
        },
        { highWaterMark: STREAM_BUFFER_BYTES, size: (chunk) => chunk.byteLength },
      );
      const sink: EventSink = {
        agencyId: c.get("ctx").credential?.agencyId ?? null,
        holder,
        write(bytes) {
          if (!open) return true;
          // What the client has not taken yet is queued here (the Node adapter writes on `drain`).
          if ((controller.desiredSize ?? 0) < bytes.byteLength) return false;
          controller.enqueue(bytes);
          return true;
        },
        close(reason) {
          if (!open) return;
          open = false;
          if (reason !== "slow") controller.close();
          // The Node adapter waits for a `drain` that will never come: cut the connection (which
          // cancels the stream and frees its queue). Elsewhere, fail the stream.
          else if (c.env?.outgoing) c.env.outgoing.destroy();
          else controller.error(new Error("the client does not read its event stream"));
        },
      };
      unsubscribe = deps.verifyEvents.subscribe(sink, c.req.header("last-event-id"));
      const res = new Response(stream, {
        status: 200,
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store, no-transform",
          // Proxies such as nginx would otherwise hold events back in their buffers.
          "x-accel-buffering": "no",
          // The connection is the stream's alone: no client may put it back in a pool for reuse.
          connection: "close",
        },
      });
      return r.headers.apply(c, res) as Reply;
    },
  );

  r.add(
    {
      method: "post",
      path: "/api/verify/uses",
      summary: "Report uses answered from an SDK's cache",
      description:
        "Verifications an SDK answered from its own cache are uses: it reports them here in batches (every 5 s at most), one entry per key and UTC day, and Keyward records them as its own (last used, daily counts, the inactivity lifecycle) and counts them in usage by code (`valid`, less the `rateLimited` ones, which the SDK's limit reports count). Its cache's refusals of a valid key (`refused`: `insufficient_scope`, `location_forbidden`; the SDK sends them as entries of `count: 0`) are counted by code only, as Keyward's own are not uses. Entries naming keys this credential cannot see are ignored and counted. A lastUsedAt up to 5 minutes ahead of the server's clock counts as now; an entry further ahead, or more than a day old, is skipped and counted (`skipped`) while the rest is recorded — a report is never refused for one entry's time, since the SDK resends a refused report.",
      tags: ["Verification"],
      auth: "service",
      serviceScope: "verify",
      body: UseReport,
      responses: { 200: { description: "What was recorded", schema: UseReportAnswer } },
    },
    async (c, { body }, reply) => {
      const result = await deps.reportedUses.record(
        c.get("ctx").credential?.agencyId ?? null,
        body.uses.map((u) => ({
          keyId: u.keyId,
          count: u.count,
          lastUsedAt: Date.parse(u.lastUsedAt),
          ip: u.ip ?? null,
          userAgent: u.userAgent ?? null,
          endpoint: u.endpoint ?? null,
          rateLimited: u.rateLimited ?? 0,
          ...(u.refused ? { refused: u.refused } : {}),
        })),
      );
      return reply.json(c, 200, result);
    },
  );

  verifyLimitRoutes(r, deps);
}

const WindowCountsBody = z.strictObject({
  name: z.string().min(1).max(200).meta({ description: "The limit's name as /api/verify answers it." }),
  windowStart: z.number().int("must be a whole number of milliseconds since the epoch").min(0).meta({
    description: "The start of the window `current` counts (ms since the epoch, aligned on the window).",
  }),
  current: z.number().int().min(0).max(1_000_000_000),
  previous: z.number().int().min(0).max(1_000_000_000).meta({ description: "Of the window before." }),
});

const LimitReport = z
  .strictObject({
    keys: z
      .array(
        z.strictObject({
          keyId: z.string().min(1).max(64),
          counts: z.array(WindowCountsBody).max(100, "at most 100 limits per key").default([]),
          refused: z
            .strictObject({
              count: z.number().int().min(1).max(1_000_000_000),
              limit: z.string().min(1).max(200),
            })
            .optional()
            .meta({
              description:
                "Verifications of this key the SDK refused rate_limited since its last report, and the limit of the latest: counted by code per day, and a limit's first refusal in a window queues key.rate_limited.",
            }),
        }),
      )
      .min(1, "report at least one key")
      .max(1000, "report at most 1000 keys per request"),
  })
  .meta({ id: "LimitReport" });

const LimitReportAnswer = z
  .object({
    keys: z.array(
      z.object({
        keyId: z.string(),
        counts: z.array(
          z.object({ name: z.string(), windowStart: z.number(), current: z.number(), previous: z.number() }),
        ),
      }),
    ),
    ignored: z.number().int().meta({
      description: "Keys this credential cannot see (unknown, or another agency's).",
    }),
  })
  .meta({ id: "LimitReportAnswer" });

export function verifyLimitRoutes(r: Router, deps: Deps): void {
  r.add(
    {
      method: "post",
      path: "/api/verify/limits",
      summary: "Reconcile an SDK's rate-limit counts",
      description:
        "An SDK counts the verifications it answers from its cache against the key's `local` limits and reports the units counted since its last report here at a fixed short interval (500 ms by default). Keyward adds them to its counts, which its nodes share, and answers every local limit of each key as this node counts it now (totals of every node and SDK it has heard of): the SDK's counts start from these. docs/traffic-policy.md states the overshoot bound.",
      tags: ["Verification"],
      auth: "service",
      serviceScope: "verify",
      body: LimitReport,
      responses: { 200: { description: "The shared counts", schema: LimitReportAnswer } },
    },
    async (c, { body }, reply) =>
      reply.json(
        c,
        200,
        await deps.sdkLimits.reconcile(c.get("ctx").credential?.agencyId ?? null, body.keys),
      ),
  );
}
