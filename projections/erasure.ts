import type { Transaction } from 'kysely';
import type { SubjectErased } from '../domain/erasure/events.ts';
import type { RecordedEvent } from '../eventstore/types.ts';
import type { Database } from '../platform/schema.ts';

type Apply = (trx: Transaction<Database>, events: RecordedEvent[]) => Promise<void>;
type Redact = (trx: Transaction<Database>, subject: string) => Promise<unknown>;

/**
 * Applies a batch that may hold `SubjectErased` events: the events before each are folded by
 * `apply`, then `redact` replaces what the model shows of that subject's personal fields with
 * `[erased]`, then the fold goes on. So the model is exactly what a rebuild from position 0 makes
 * of the same log (where the shredded fields already decrypt to `[erased]`), even when the
 * subject writes again later in the same batch.
 *
 * @example apply: (trx, events) => applyWithErasures(trx, events, fold, (trx, subject) => sql`update … where creator = ${subject}`.execute(trx))
 */
export async function applyWithErasures(trx: Transaction<Database>, events: RecordedEvent[], apply: Apply, redact: Redact): Promise<void> {
  let segment: RecordedEvent[] = [];
  for (const event of events) {
    if (event.type !== 'SubjectErased') {
      segment.push(event);
      continue;
    }
    if (segment.length > 0) await apply(trx, segment);
    segment = [];
    await redact(trx, (event.data as SubjectErased['data']).subject);
  }
  if (segment.length > 0) await apply(trx, segment);
}
