import { START } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { readLogBatch } from '../../projections/read-log.ts';
import { advanceRelayCheckpoint, loadRelayCheckpoint, lockRelay } from '../checkpoint.ts';
import { notificationsOf, NOTIFYING_TYPES } from './notifications.ts';

/** The email dispatcher's checkpoint in `outbox_checkpoints`. */
export const EMAIL_DISPATCHER = 'email';

/**
 * Dispatches at most one batch of the log: under its lock, reads the notifying event types after
 * its checkpoint and writes an outbox row for every email they call for whose subject has a
 * verified address, in the transaction that advances the checkpoint. A crash rolls both back; a
 * replayed batch writes nothing twice (unique (event, subject, kind)). Addresses are not copied:
 * the sender looks each up when it sends.
 *
 * @example const { written, caughtUp } = await dispatchEmailBatch(db, { batchSize: 500 });
 */
export async function dispatchEmailBatch(db: Db, options: { batchSize: number }): Promise<{ read: number; written: number; caughtUp: boolean }> {
  return db.transaction().execute(async (trx) => {
    await lockRelay(trx, EMAIL_DISPATCHER);
    const after = (await loadRelayCheckpoint(trx, EMAIL_DISPATCHER))?.position ?? START;
    const batch = await readLogBatch(trx, { after, limit: options.batchSize, types: NOTIFYING_TYPES });
    const caughtUp = batch.scanned < options.batchSize;
    if (!batch.last) return { read: 0, written: 0, caughtUp };
    const wanted = batch.events.flatMap((event) => notificationsOf(event).map((n) => ({ event, ...n })));
    const subjects = [...new Set(wanted.map((n) => n.subject))];
    const verified = new Set(subjects.length === 0 ? [] : (await trx.selectFrom('email_addresses').select('subject')
      .where('subject', 'in', subjects).where('verified_at', 'is not', null).execute()).map((r) => r.subject));
    const rows = wanted.filter((n) => verified.has(n.subject))
      .map((n) => ({ event_id: n.event.id, subject: n.subject, kind: n.kind, vars: JSON.stringify(n.vars) }));
    let written = 0;
    for (let i = 0; i < rows.length; i += 1000) {
      const result = await trx.insertInto('email_outbox').values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['event_id', 'subject', 'kind']).doNothing()).executeTakeFirst();
      written += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    await advanceRelayCheckpoint(trx, EMAIL_DISPATCHER, { position: batch.last, published: written });
    return { read: batch.scanned, written, caughtUp };
  });
}
