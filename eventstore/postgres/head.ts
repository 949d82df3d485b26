import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/schema.ts';
import { START, type LogPosition } from '../types.ts';
import { horizon } from './read.ts';

type Conn = Kysely<Database> | Transaction<Database>;

/**
 * The position of the last event visible below the horizon: a tailer starting after it misses
 * nothing, since every transaction still in flight sorts after it. `START` on an empty log.
 *
 * @example for await (const batch of pollAll(read, { after: await readHeadPosition(db) })) …
 */
export async function readHeadPosition(conn: Conn): Promise<LogPosition> {
  const { rows } = await sql<{ commit: string; prepare: string }>`
    select transaction_id::text as commit, global_position::text as prepare from events
    where transaction_id < ${horizon}
    order by events.transaction_id desc, events.global_position desc limit 1`.execute(conn);
  const row = rows[0];
  return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : START;
}
