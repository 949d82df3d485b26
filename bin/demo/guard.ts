import { sql } from 'kysely';
import { creatorStreamId } from '../../domain/creator/events.ts';
import type { Db } from '../../platform/database.ts';

/**
 * What the event store holds, as far as the demo is concerned: nothing (`empty`), the demo's
 * sample (`demo`: the first demo creator's stream is there and every tenant is a demo creator),
 * or anything else (`other`), which the demo must not write into without --force; `seeded`: the
 * sample is there (the demo creator's stream).
 *
 * @example if ((await databaseHolds(db, demoCreators(3))).state === 'other') refuse();
 */
export async function databaseHolds(db: Db, creators: readonly string[]): Promise<{ state: 'empty' | 'demo' | 'other'; seeded: boolean }> {
  const { rows: tables } = await sql<{ events: string | null }>`select to_regclass('events')::text as events`.execute(db);
  if (tables[0]!.events === null) return { state: 'empty', seeded: false };
  const { rows } = await sql<{ any: boolean; marked: boolean; foreign: boolean }>`
    select exists (select 1 from events) as any,
           exists (select 1 from events where stream_id = ${creatorStreamId(creators[0]!)}) as marked,
           exists (select 1 from events where metadata->>'tenantId' is not null and metadata->>'tenantId' <> all(${sql.val([...creators])}::text[])) as foreign
  `.execute(db);
  const { any, marked, foreign } = rows[0]!;
  if (!any) return { state: 'empty', seeded: false };
  return { state: marked && !foreign ? 'demo' : 'other', seeded: marked };
}
