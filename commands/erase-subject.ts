import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { erasureStreamId, type SubjectErased } from '../domain/erasure/events.ts';
import { appendToStreams } from '../eventstore/postgres/append.ts';
import type { LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { ErasureParticipant } from '../platform/erasure-participants.ts';
import { shredSubjectKey } from '../platform/personal-data/key-vault.ts';
import type { CommandContext } from './context.ts';

export interface ErasureResult {
  subject: string;
  /** Data keys shredded: 0 when the subject had none (never wrote personal data, or erased before). */
  keysShredded: number;
  /** Rows each participant forgot, by name. */
  forgotten: Record<string, number>;
  position: LogPosition;
}

/**
 * Erases a data subject (a wallet or tenant address): in one transaction, shreds its data key
 * (everything the log sealed under it reads `[erased]` from then on), runs every erasure
 * participant (integration/erasure-participants.ts lists them all) and appends `SubjectErased`, which the read
 * models answer by redacting the subject's fields. Chain facts stay: they are public on the
 * ledger. Repeatable: erasing again shreds nothing new and records another `SubjectErased`.
 *
 * @example const { keysShredded } = await eraseSubject(db, 'G…', { actor: 'G…', now, correlationId }, ERASURE_PARTICIPANTS);
 */
export async function eraseSubject(db: Db, subject: string, context: CommandContext & { by: string }, participants: readonly ErasureParticipant[]): Promise<ErasureResult> {
  return db.transaction().execute(async (trx) => {
    // The subject is the tenant whose rows the participants forget (row-level security on the webhook tables).
    await sql`select set_config('app.current_tenant_id', ${subject}, true)`.execute(trx);
    const keysShredded = await shredSubjectKey(trx, subject);
    const forgotten: Record<string, number> = {};
    for (const participant of participants) forgotten[participant.name] = await participant.erase(trx, subject);
    const event: SubjectErased = { type: 'SubjectErased', data: { subject, erasedAt: context.now, by: context.by } };
    const [appended] = await appendToStreams(trx, [{
      streamId: erasureStreamId(subject),
      events: [{ id: randomUUID(), ...event, metadata: { source: 'command', tenantId: subject, correlationId: context.correlationId, actor: context.actor } }],
    }]);
    return { subject, keysShredded, forgotten, position: appended!.position! };
  });
}
