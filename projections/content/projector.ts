import { sql, type Transaction } from 'kysely';
import type { ContentEvent } from '../../domain/content/events.ts';
import type { TierName } from '../../domain/creator/events.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { SUBJECT_ERASED } from '../../domain/erasure/events.ts';
import { ERASED } from '../../platform/personal-data/envelope.ts';
import { applyWithErasures } from '../erasure.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, tableFor, type Projector } from '../types.ts';

/** The in-memory row of the `content` read model (times as ISO strings). */
export interface ContentRow {
  tenant_id: string;
  content_id: string;
  creator: string;
  title: string;
  min_tier: TierName;
  /** null once deleted: the read model forgets where deleted content lives. */
  url: string | null;
  status: 'published' | 'deleted';
  published_at: string;
  updated_at: string;
}

export const CONTENT_COLUMNS = [
  ['tenant_id', 'text'], ['content_id', 'text'], ['creator', 'text'], ['title', 'text'], ['min_tier', 'text'], ['url', 'text'],
  ['status', 'text'], ['published_at', 'timestamptz'], ['updated_at', 'timestamptz'],
] as const satisfies readonly (readonly [keyof ContentRow, string])[];

export const CONTENT_EVENT_TYPES = ['ContentPublished', 'ContentUpdated', 'ContentDeleted'] as const satisfies readonly ContentEvent['type'][];

/** Folds one content event; an update or delete before its publication is a broken stream and stops the projector. */
export function evolveContent(current: ContentRow | undefined, recorded: RecordedEvent): ContentRow {
  const event = { type: recorded.type, data: recorded.data } as ContentEvent;
  const { contentId, creator } = event.data;
  switch (event.type) {
    case 'ContentPublished': {
      const { title, minTier, url, publishedAt } = event.data;
      return { tenant_id: creator, content_id: contentId, creator, title, min_tier: minTier, url, status: 'published', published_at: publishedAt, updated_at: publishedAt };
    }
    case 'ContentUpdated': {
      if (!current) throw new Error(`content ${contentId} updated before it was published`);
      const { title, minTier, url, updatedAt } = event.data;
      return { ...current, title, min_tier: minTier, url, updated_at: updatedAt };
    }
    case 'ContentDeleted':
      if (!current) throw new Error(`content ${contentId} deleted before it was published`);
      return { ...current, url: null, status: 'deleted', updated_at: event.data.deletedAt };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${(unknown as { type: string }).type}`);
    }
  }
}

const selectList = selectColumns(CONTENT_COLUMNS);
const columnList = sql.raw(CONTENT_COLUMNS.map(([name]) => name).join(', '));
const recordType = sql.raw(CONTENT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const updateList = sql.raw(CONTENT_COLUMNS.filter(([name]) => name !== 'content_id').map(([name]) => `${name} = excluded.${name}`).join(', '));

/**
 * The `content` projector. `table` lets a rebuild project into a copy.
 *
 * @example await catchUp(db, createContentProjector());
 */
export function createContentProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'content';
  const live = options.table ?? 'content';
  const table = sql.table(live);
  return {
    name,
    version: options.version ?? 1,
    /** No money in this model: an event it cannot apply is parked and the model goes on (projections/failure-policy.ts). */
    failurePolicy: 'park',
    handles: [...CONTENT_EVENT_TYPES, SUBJECT_ERASED],
    metadataFor: [],
    tables: [live],
    withTables: (tables, rebuildName) => createContentProjector({ ...options, name: rebuildName, table: tableFor(tables, live) }),
    /** A `SubjectErased` redacts the subject's personal fields (projections/erasure.ts). */
    apply: (trx, events) => applyWithErasures(trx, events, async (trx: Transaction<Database>, events: RecordedEvent[]) => {
      const keys = [...new Set(events.map((e) => (e.data as { contentId: string }).contentId))];
      const { rows } = await sql<ContentRow>`select ${selectList} from ${table} where content_id = any(${keys}::text[])`.execute(trx);
      const state = new Map(rows.map((r) => [r.content_id, r]));
      for (const event of events) {
        try {
          const contentId = (event.data as { contentId: string }).contentId;
          state.set(contentId, evolveContent(state.get(contentId), event));
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${JSON.stringify([...state.values()])}::jsonb) as x(${recordType})
        on conflict (content_id) do update set ${updateList}`.execute(trx);
    }, (trx, subject) => sql`update ${table} set title = ${ERASED}, url = case when url is null then null else ${ERASED} end where creator = ${subject}`.execute(trx)),
  };
}

export const contentProjector: Projector = createContentProjector();
