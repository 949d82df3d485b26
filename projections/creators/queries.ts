import { sql } from 'kysely';
import type { Tier } from '../../domain/creator/events.ts';
import { tierRatePerSecond } from '../../domain/creator/tiers.ts';
import { selectColumns } from '../sql.ts';
import type { Conn } from '../types.ts';
import { CREATOR_COLUMNS } from './projector.ts';

/** A tier as listed, with the per-second rate the subscribe call streams for it (stroops, decimal string). */
export type PricedTier = Tier & { streamedRatePerSecond: string };

/** A creator's public profile. */
export interface Creator {
  address: string;
  displayName: string | null;
  tiers: PricedTier[];
  registeredAt: string | null;
  updatedAt: string;
}

/**
 * One creator from the public directory; each tier's price exactly as listed, beside the rate
 * the contract streams for it (a per-period price rounded down: see domain/creator/tiers.ts).
 *
 * @example const creator = await withReadScope(db, {}, (trx) => getCreator(trx, 'G…'));
 */
export async function getCreator(conn: Conn, address: string): Promise<Creator | undefined> {
  const { rows } = await sql<{ address: string; display_name: string | null; tiers: Tier[]; registered_at: string | null; updated_at: string }>`
    select ${selectColumns(CREATOR_COLUMNS)} from creators where address = ${address}`.execute(conn);
  const row = rows[0];
  if (!row) return undefined;
  const tiers = row.tiers.map((tier) => ({ ...tier, streamedRatePerSecond: tierRatePerSecond(tier.price).toString() }));
  return { address: row.address, displayName: row.display_name, tiers, registeredAt: row.registered_at, updatedAt: row.updated_at };
}
