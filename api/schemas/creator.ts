import { z } from 'zod';
import type { CreatorRow } from '../../projections/creators/queries.ts';

const TierPrice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate'), ratePerSecond: z.string() }),
  z.object({ kind: z.literal('period'), amount: z.string(), periodSeconds: z.number().int() }),
]);

export const CreatorView = z
  .object({
    address: z.string(),
    displayName: z.string().nullable(),
    tiers: z.array(z.object({ name: z.enum(['bronze', 'silver', 'gold']), token: z.string(), price: TierPrice })),
    registeredAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Creator' });

/** The public profile of a creator. */
export function toCreatorView(row: CreatorRow): z.infer<typeof CreatorView> {
  return {
    address: row.address,
    displayName: row.display_name,
    tiers: CreatorView.shape.tiers.parse(row.tiers),
    registeredAt: row.registered_at === null ? null : new Date(row.registered_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
