import { sql } from 'kysely';
import { creatorStreamId } from '../../domain/creator/events.ts';
import type { Db } from '../../platform/database.ts';

/** The indexer job the sample's chain facts are replayed under: its checkpoint is the sample's last write. */
export const SAMPLE_JOB = 'demo:chain';

/** What the database holds, as the demo sees it (see `databaseHolds`). */
export interface DemoHolding {
  state: 'empty' | 'demo' | 'other';
  /** The demo's sample: `none`; `partial` (a run stopped while building it); `complete`. */
  sample: 'none' | 'partial' | 'complete';
}

/**
 * What the event store holds, as far as the demo is concerned: nothing (`empty`), the demo's
 * sample (`demo`: the first demo creator's stream is there and every tenant is a demo creator),
 * or anything else (`other`), which the demo must not write into without --force. The sample is
 * complete once its chain facts' indexer job has a checkpoint (the last step of building it).
 *
 * @example if ((await databaseHolds(db, demoCreators(3))).state === 'other') refuse();
 */
export async function databaseHolds(db: Db, creators: readonly string[]): Promise<DemoHolding> {
  const { rows: tables } = await sql<{ events: string | null }>`select to_regclass('events')::text as events`.execute(db);
  if (tables[0]!.events === null) return { state: 'empty', sample: 'none' };
  const { rows } = await sql<{ any: boolean; marked: boolean; foreign: boolean; complete: boolean }>`
    select exists (select 1 from events) as any,
           exists (select 1 from events where stream_id = ${creatorStreamId(creators[0]!)}) as marked,
           exists (select 1 from events where metadata->>'tenantId' is not null and metadata->>'tenantId' <> all(${sql.val([...creators])}::text[])) as foreign,
           exists (select 1 from indexer_checkpoints where job like ${`${SAMPLE_JOB}:%`}) as complete
  `.execute(db);
  const { any, marked, foreign, complete } = rows[0]!;
  if (!any) return { state: 'empty', sample: 'none' };
  return { state: marked && !foreign ? 'demo' : 'other', sample: !marked ? 'none' : complete ? 'complete' : 'partial' };
}
