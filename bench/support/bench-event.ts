import { randomBytes, randomUUID } from 'node:crypto';
import type { NewEvent } from '../../eventstore/types.ts';

/**
 * A realistic event: ~300 bytes of data and ~150 bytes of metadata, the same for every store a
 * bench compares.
 *
 * @example await store.append('s-1', [benchEvent()]);
 */
export function benchEvent(): NewEvent {
  return {
    id: randomUUID(),
    type: 'SubscriptionBilled',
    data: {
      subscriptionId: randomUUID(),
      planId: 'plan-gold-monthly',
      subscriber: `G${randomBytes(28).toString('hex').toUpperCase().slice(0, 55)}`,
      creator: `G${randomBytes(28).toString('hex').toUpperCase().slice(0, 55)}`,
      amount: '125000000',
      asset: 'USDC:GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN',
      period: { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' },
    },
    metadata: { source: 'command', tenantId: 'tenant-bench', correlationId: randomUUID(), causationId: randomUUID() },
  };
}
