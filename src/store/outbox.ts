/**
 * The e-mail outbox: messages are written in the transaction that decides to send them, and
 * delivered later by the outbox worker with retries, so a crash never loses nor repeats one.
 */
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import type { Store } from "./store.js";

export interface OutgoingEmail {
  agencyId: string | null;
  /** What kind of message, e.g. `inactivity_digest`, `security_disabled`. */
  kind: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * Queues an e-mail inside the caller's transaction; returns its id. No recipient, no e-mail. `id` is
 * given when the caller planned the message before writing it (the scheduler's records name it).
 */
export async function enqueueEmail(
  store: Store,
  clock: Clock,
  msg: OutgoingEmail & { id?: string },
): Promise<string | null> {
  if (msg.to.length === 0) return null;
  const id = msg.id ?? newId("email");
  const now = clock.now();
  await store.db
    .insertInto("outbox")
    .values({
      id,
      agency_id: msg.agencyId,
      kind: msg.kind,
      to_json: JSON.stringify([...msg.to].sort()),
      subject: msg.subject,
      text_body: msg.text,
      html_body: msg.html,
      status: "pending",
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .execute();
  return id;
}
