import { sql, type Transaction } from 'kysely';
import type { CreatorEvent, StripeCatalogSynced, Tier } from '../../domain/creator/events.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { SUBJECT_ERASED } from '../../domain/erasure/events.ts';
import { ERASED } from '../../platform/personal-data/envelope.ts';
import { applyWithErasures } from '../erasure.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, tableFor, type Projector } from '../types.ts';

/** The in-memory row of the `creators` read model (times as ISO strings). */
export interface CreatorRow {
  tenant_id: string;
  address: string;
  display_name: string | null;
  tiers: Tier[];
  registered_at: string | null;
  updated_at: string;
}

export const CREATOR_COLUMNS = [
  ['tenant_id', 'text'], ['address', 'text'], ['display_name', 'text'], ['tiers', 'jsonb'],
  ['registered_at', 'timestamptz'], ['updated_at', 'timestamptz'],
] as const;

/** The directory's events (`StripeCatalogSynced` changes nothing it shows). */
type DirectoryEvent = Exclude<CreatorEvent, StripeCatalogSynced>;
export const CREATOR_EVENT_TYPES = ['CreatorRegistered', 'TiersSet'] as const satisfies readonly DirectoryEvent['type'][];

/**
 * Folds one creator event. `TiersSet` may come before `CreatorRegistered` (a creator configured on
 * chain by another front end): the row then exists without a display name.
 */
export function evolveCreator(current: CreatorRow | undefined, recorded: RecordedEvent): CreatorRow {
  const event = { type: recorded.type, data: recorded.data } as DirectoryEvent;
  const address = event.data.creator;
  if (!address) throw new Error('event has no creator');
  const at = recorded.recordedAt.toISOString();
  const row: CreatorRow = { ...(current ?? { tenant_id: address, address, display_name: null, tiers: [], registered_at: null }), updated_at: at };
  switch (event.type) {
    case 'CreatorRegistered':
      return { ...row, display_name: event.data.displayName, registered_at: event.data.registeredAt };
    case 'TiersSet':
      return { ...row, tiers: event.data.tiers };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${(unknown as { type: string }).type}`);
    }
  }
}

const selectList = selectColumns(CREATOR_COLUMNS);
const columnList = sql.raw(CREATOR_COLUMNS.map(([name]) => name).join(', '));
const recordType = sql.raw(CREATOR_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const updateList = sql.raw(CREATOR_COLUMNS.filter(([name]) => name !== 'address').map(([name]) => `${name} = excluded.${name}`).join(', '));

/**
 * The `creators` projector (the public directory). `table` lets a rebuild project into a copy.
 *
 * @example await catchUp(db, createCreatorsProjector());
 */
export function createCreatorsProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'creators';
  const live = options.table ?? 'creators';
  const table = sql.table(live);
  return {
    name,
    version: options.version ?? 1,
    /** No money in this model: an event it cannot apply is parked and the model goes on (projections/failure-policy.ts). */
    failurePolicy: 'park',
    handles: [...CREATOR_EVENT_TYPES, SUBJECT_ERASED],
    metadataFor: [],
    tables: [live],
    withTables: (tables, rebuildName) => createCreatorsProjector({ ...options, name: rebuildName, table: tableFor(tables, live) }),
    /** A `SubjectErased` redacts the subject's personal fields (projections/erasure.ts). */
    apply: (trx, events) => applyWithErasures(trx, events, async (trx: Transaction<Database>, events: RecordedEvent[]) => {
      const keys = [...new Set(events.map((e) => (e.data as { creator: string }).creator))];
      const { rows } = await sql<CreatorRow>`select ${selectList} from ${table} where address = any(${keys}::text[])`.execute(trx);
      const state = new Map(rows.map((r) => [r.address, r]));
      for (const event of events) {
        try {
          const address = (event.data as { creator: string }).creator;
          state.set(address, evolveCreator(state.get(address), event));
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${JSON.stringify([...state.values()])}::jsonb) as x(${recordType})
        on conflict (address) do update set ${updateList}`.execute(trx);
    }, (trx, subject) => sql`update ${table} set display_name = ${ERASED} where address = ${subject} and display_name is not null`.execute(trx)),
  };
}

export const creatorsProjector: Projector = createCreatorsProjector();
