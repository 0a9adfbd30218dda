/**
 * Invitations (schema migration 008): rows ↔ model, and the queries of the invitations area. Writes
 * run in the caller's Store (and its transaction).
 */
import type { Selectable } from "kysely";
import type { Role, UserType } from "../core/permissions.js";
import type { InvitationTable } from "./schema.js";
import type { Store } from "./store.js";

export interface Invitation {
  id: string;
  agencyId: string;
  email: string;
  name: string | null;
  type: UserType;
  role: Role;
  locationIds: string[];
  canManageKeys: boolean;
  /** SHA-256 of the link's token: the token itself is only ever in the e-mail. */
  tokenHash: string;
  invitedBy: string | null;
  createdAt: number;
  /** When the e-mail was last sent (creation or resend). */
  sentAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  acceptedUserId: string | null;
  cancelledAt: number | null;
}

function fromRow(r: Selectable<InvitationTable>): Invitation {
  return {
    id: r.id,
    agencyId: r.agency_id,
    email: r.email,
    name: r.name,
    type: r.type as UserType,
    role: r.role as Role,
    locationIds: JSON.parse(r.location_ids_json) as string[],
    canManageKeys: Number(r.can_manage_keys) === 1,
    tokenHash: r.token_hash,
    invitedBy: r.invited_by,
    createdAt: Number(r.created_at),
    sentAt: Number(r.sent_at),
    expiresAt: Number(r.expires_at),
    acceptedAt: r.accepted_at === null ? null : Number(r.accepted_at),
    acceptedUserId: r.accepted_user_id,
    cancelledAt: r.cancelled_at === null ? null : Number(r.cancelled_at),
  };
}

export class InvitationStore {
  constructor(readonly s: Store) {}

  async insert(i: Invitation): Promise<void> {
    await this.s.db
      .insertInto("invitations")
      .values({
        id: i.id,
        agency_id: i.agencyId,
        email: i.email,
        name: i.name,
        type: i.type,
        role: i.role,
        location_ids_json: JSON.stringify(i.locationIds),
        can_manage_keys: i.canManageKeys ? 1 : 0,
        token_hash: i.tokenHash,
        invited_by: i.invitedBy,
        created_at: i.createdAt,
        sent_at: i.sentAt,
        expires_at: i.expiresAt,
        accepted_at: i.acceptedAt,
        accepted_user_id: i.acceptedUserId,
        cancelled_at: i.cancelledAt,
      })
      .execute();
  }

  async get(id: string): Promise<Invitation | null> {
    const r = await this.s.db.selectFrom("invitations").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async byTokenHash(hash: string): Promise<Invitation | null> {
    let q = this.s.db.selectFrom("invitations").selectAll().where("token_hash", "=", hash);
    if (this.s.dialect.rowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /** The agency's open invitations (neither accepted nor cancelled), expired ones included, newest first. */
  async listOpen(agencyId: string): Promise<Invitation[]> {
    const rows = await this.s.db
      .selectFrom("invitations")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("accepted_at", "is", null)
      .where("cancelled_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
    return rows.map(fromRow);
  }

  async openFor(agencyId: string, email: string): Promise<Invitation | null> {
    const r = await this.s.db
      .selectFrom("invitations")
      .selectAll()
      .where("agency_id", "=", agencyId)
      .where("email", "=", email)
      .where("accepted_at", "is", null)
      .where("cancelled_at", "is", null)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /**
   * Cancels the open invitations a person sent (they were removed, or may no longer invite):
   * returns those it cancelled.
   */
  async cancelOpenInvitedBy(userId: string, at: number): Promise<Invitation[]> {
    const open = await this.s.db
      .selectFrom("invitations")
      .selectAll()
      .where("invited_by", "=", userId)
      .where("accepted_at", "is", null)
      .where("cancelled_at", "is", null)
      .execute();
    const cancelled: Invitation[] = [];
    for (const r of open) if (await this.close(r.id, { cancelledAt: at })) cancelled.push(fromRow(r));
    return cancelled;
  }

  /** A new link: new token hash and expiry. False when the invitation was closed meanwhile. */
  async renew(id: string, tokenHash: string, sentAt: number, expiresAt: number): Promise<boolean> {
    const r = await this.s.db
      .updateTable("invitations")
      .set({ token_hash: tokenHash, sent_at: sentAt, expires_at: expiresAt })
      .where("id", "=", id)
      .where("accepted_at", "is", null)
      .where("cancelled_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Closes an open invitation; false when it was closed already (single use, whatever the race). */
  async close(
    id: string,
    how: { acceptedAt: number; acceptedUserId: string } | { cancelledAt: number },
  ): Promise<boolean> {
    const r = await this.s.db
      .updateTable("invitations")
      .set(
        "cancelledAt" in how
          ? { cancelled_at: how.cancelledAt }
          : { accepted_at: how.acceptedAt, accepted_user_id: how.acceptedUserId },
      )
      .where("id", "=", id)
      .where("accepted_at", "is", null)
      .where("cancelled_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
