/**
 * Runs a log dispatcher to the end of the log (or for MAX_BATCHES batches) and exits: the child
 * process of the dispatcher crash tests. Env: DATABASE_URL, BATCH_SIZE, MAX_BATCHES, DISPATCHER
 * (`webhooks`, the default, or `email`).
 */
import { dispatchEmailBatch } from '../../integration/email/dispatcher.ts';
import { dispatchBatch } from '../../integration/webhooks/dispatcher.ts';
import { createDb } from '../../platform/database.ts';
import './test-master-key.ts';

const db = createDb({ url: process.env.DATABASE_URL!, max: 2 });
const batchSize = Number(process.env.BATCH_SIZE ?? 20);
const maxBatches = Number(process.env.MAX_BATCHES ?? Infinity);
const dispatch = process.env.DISPATCHER === 'email' ? dispatchEmailBatch : dispatchBatch;
for (let batches = 0; batches < maxBatches; batches++) {
  if ((await dispatch(db, { batchSize })).caughtUp) break;
}
await db.destroy();
