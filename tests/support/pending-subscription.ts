import { registerCreator } from '../../commands/register-creator.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import type { EventStore } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { account, context, contract } from '../commands/fixtures.ts';

/**
 * A creator with a gold tier and one subscription intent that expires after 1 s, projected: what
 * the expiry sweeper has to sweep once that second has passed.
 *
 * @example const { streamId } = await pendingSubscription(db, store);
 */
export async function pendingSubscription(db: Db, store: EventStore): Promise<{ streamId: string }> {
  const creator = account();
  await registerCreator({ store }, { displayName: 'Cy' }, context(creator));
  await setTiers({ store }, { tiers: [{ name: 'gold', token: contract(), price: { kind: 'rate', ratePerSecond: '5' } }] }, context(creator));
  const { streamId } = await requestSubscription({ store, contractId: contract(), pendingTtlSeconds: 1 }, { creator, tier: 'gold' }, context(account()));
  await catchUp(db, subscriptionsProjector);
  return { streamId };
}
