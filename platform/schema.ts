import type { ColumnType, Generated } from 'kysely';

/** int8 / numeric / xid8 come back from `pg` as decimal strings. */
type Int8 = ColumnType<string, string | bigint, string | bigint>;

export interface EventsTable {
  global_position: Generated<Int8>;
  transaction_id: Generated<Int8>;
  event_id: string;
  stream_id: string;
  stream_revision: Int8;
  type: string;
  data: ColumnType<unknown, string, string>;
  metadata: ColumnType<unknown, string, string>;
  recorded_at: Generated<Date>;
}

/** Every table the service owns. Later modules add theirs here. */
export interface Database {
  events: EventsTable;
}
