import { sql } from 'kysely';
import type { Tier } from '../../domain/creator/events.ts';
import { selectColumns } from '../sql.ts';
import type { Conn } from '../types.ts';
import { CREATOR_COLUMNS } from './projector.ts';

/** A creator's public profile. */
export interface Creator {
  address: string;
  displayName: string | null;
  tiers: Tier[];
  registeredAt: string | null;
  updatedAt: string;
}

/**
 * One creator from the public directory.
 *
 * @example const creator = await withReadScope(db, {}, (trx) => getCreator(trx, 'G…'));
 */
export async function getCreator(conn: Conn, address: string): Promise<Creator | undefined> {
  const { rows } = await sql<{ address: string; display_name: string | null; tiers: Tier[]; registered_at: string | null; updated_at: string }>`
    select ${selectColumns(CREATOR_COLUMNS)} from creators where address = ${address}`.execute(conn);
  const row = rows[0];
  return row && { address: row.address, displayName: row.display_name, tiers: row.tiers, registeredAt: row.registered_at, updatedAt: row.updated_at };
}
