import { z } from 'zod';

const TierPrice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate'), ratePerSecond: z.string() }),
  z.object({ kind: z.literal('period'), amount: z.string(), periodSeconds: z.number().int() }),
]);

export const CreatorView = z
  .object({
    address: z.string(),
    displayName: z.string().nullable(),
    tiers: z.array(z.object({
      name: z.enum(['bronze', 'silver', 'gold']),
      token: z.string(),
      price: TierPrice.describe('the price exactly as the creator listed it'),
      card: z.object({ currency: z.string(), amount: z.string() }).optional().describe('monthly card price in minor units; absent = wallet only'),
      streamedRatePerSecond: z.string().describe('stroops a second the subscribe call streams: a per-period price rounded down, never more than listed'),
    })),
    registeredAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Creator' });
