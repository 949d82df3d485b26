import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { creatorStreamId, type StripeTierPrice, type TiersSet } from '../domain/creator/events.ts';
import { evolve, initialState, type CreatorState } from '../domain/creator/state.ts';
import type { CreatorEvent } from '../domain/creator/events.ts';
import { START, type EventStore, type LogPosition, type RecordedEvent } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { readLogBatch } from '../projections/read-log.ts';
import { advanceRelayCheckpoint, failRelayCheckpoint, loadRelayCheckpoint, lockRelay } from './checkpoint.ts';

/** The catalogue sync's checkpoint name in `outbox_checkpoints`. */
export const STRIPE_CATALOG = 'stripe-catalog';

/** The Stripe calls the sync makes: create a Product, create and archive Prices. */
export interface StripeCatalogApi {
  products: Pick<Stripe.ProductResource, 'create'>;
  prices: Pick<Stripe.PriceResource, 'create' | 'update'>;
}

const sameMoney = (price: StripeTierPrice, card: { currency: string; amount: string }) => price.currency === card.currency && price.amount === card.amount;

/**
 * Syncs one `TiersSet` to Stripe and records `StripeCatalogSynced` in the creator stream (causation =
 * the TiersSet's id, so a TiersSet already synced is skipped). The Product is created once per
 * creator; a card tier whose currency or amount changed gets a new Price and its old Price is
 * archived (`active: false`: Stripe Prices are never edited, existing subscribers keep theirs); a
 * tier that lost its card price is archived. Every call's Idempotency-Key derives from the event id.
 */
async function syncTiers(store: EventStore, stripe: StripeCatalogApi, tiersSet: RecordedEvent): Promise<boolean> {
  const { creator, tiers } = (tiersSet as RecordedEvent<'TiersSet', TiersSet['data']>).data;
  const stream = await store.readStream(creatorStreamId(creator));
  if (stream.some((e) => e.type === 'StripeCatalogSynced' && e.metadata.causationId === tiersSet.id)) return false;
  const state: CreatorState = stream.reduce((s, e) => evolve(s, { type: e.type, data: e.data } as CreatorEvent), initialState());
  const current = state.status === 'registered' ? state.stripe : undefined;
  const card = tiers.filter((t) => t.card !== undefined);
  if (card.length === 0 && current === undefined) return false;
  const key = (suffix: string) => `${tiersSet.id}:${suffix}`;
  const name = state.status === 'registered' && state.displayName ? state.displayName : creator;
  const productId = current?.productId ?? (await stripe.products.create({ name, metadata: { creator } }, { idempotencyKey: key('product') })).id;
  const prices: StripeTierPrice[] = [];
  const archived: string[] = [];
  for (const tier of card) {
    const kept = current?.prices.find((p) => p.tier === tier.name && sameMoney(p, tier.card!));
    if (kept) {
      prices.push(kept);
      continue;
    }
    const created = await stripe.prices.create(
      { product: productId, currency: tier.card!.currency.toLowerCase(), unit_amount: Number(tier.card!.amount), recurring: { interval: 'month' }, metadata: { creator, tier: tier.name } },
      { idempotencyKey: key(`price:${tier.name}`) },
    );
    prices.push({ tier: tier.name, priceId: created.id, currency: tier.card!.currency, amount: tier.card!.amount });
  }
  for (const old of current?.prices ?? []) {
    if (prices.some((p) => p.priceId === old.priceId)) continue;
    await stripe.prices.update(old.priceId, { active: false }, { idempotencyKey: key(`archive:${old.priceId}`) });
    archived.push(old.priceId);
  }
  await store.append(creatorStreamId(creator), [{
    id: randomUUID(),
    type: 'StripeCatalogSynced',
    data: { creator, account: null, productId, prices, archivedPriceIds: archived, syncedAt: new Date().toISOString() },
    metadata: { source: 'stripe', tenantId: creator, causationId: tiersSet.id, correlationId: (tiersSet.metadata.correlationId as string | undefined) ?? tiersSet.id },
  }]);
  return true;
}

export interface CatalogStep {
  read: number;
  synced: number;
  position: LogPosition;
  caughtUp: boolean;
}

/**
 * Syncs at most one batch of `TiersSet` events after its own checkpoint (`stripe-catalog` in
 * `outbox_checkpoints`), under its lock, advancing the checkpoint once every sync of the batch
 * succeeded. A failure records `last_error` and rethrows: the batch is retried, and the
 * Idempotency-Keys and the causation check make the retry repeat nothing.
 *
 * @example const { synced } = await syncStripeCatalogBatch(db, store, stripe, { batchSize: 200 });
 */
export async function syncStripeCatalogBatch(db: Db, store: EventStore, stripe: StripeCatalogApi, options: { name?: string; batchSize: number }): Promise<CatalogStep> {
  const name = options.name ?? STRIPE_CATALOG;
  try {
    return await db.transaction().execute(async (trx): Promise<CatalogStep> => {
      await lockRelay(trx, name);
      const after = (await loadRelayCheckpoint(trx, name))?.position ?? START;
      const batch = await readLogBatch(trx, { after, limit: options.batchSize, types: ['TiersSet'] });
      const caughtUp = batch.scanned < options.batchSize;
      if (!batch.last) return { read: 0, synced: 0, position: after, caughtUp };
      let synced = 0;
      for (const event of batch.events) if (await syncTiers(store, stripe, event)) synced++;
      await advanceRelayCheckpoint(trx, name, { position: batch.last, published: synced });
      return { read: batch.scanned, synced, position: batch.last, caughtUp };
    });
  } catch (error) {
    await failRelayCheckpoint(db, name, (error as Error)?.message ?? String(error)).catch(() => undefined);
    throw error;
  }
}

/**
 * Runs the catalogue sync until the signal aborts: batch after batch, polling at the end of the
 * log; a failed batch (Stripe or the database unavailable) is retried from the same checkpoint
 * with backoff (0.5 s doubling to 30 s).
 *
 * @example await runStripeCatalogSync(db, store, stripe, { batchSize: 200, signal, logger });
 */
export async function runStripeCatalogSync(
  db: Db,
  store: EventStore,
  stripe: StripeCatalogApi,
  options: { batchSize: number; signal?: AbortSignal; pollIntervalMs?: number; logger?: Logger },
): Promise<void> {
  const { signal, logger, pollIntervalMs = 1_000 } = options;
  let backoff = 0;
  while (!signal?.aborted) {
    try {
      if (backoff > 0) await sleep(backoff, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) return;
      const step = await syncStripeCatalogBatch(db, store, stripe, options);
      backoff = 0;
      if (step.synced > 0) logger?.info({ synced: step.synced }, 'stripe catalogue synced');
      if (step.caughtUp) await sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);
    } catch (error) {
      if (signal?.aborted) return;
      backoff = Math.min(Math.max(backoff * 2, 500), 30_000);
      logger?.warn({ err: error, retryInMs: backoff }, 'stripe catalogue sync failed; retrying it');
    }
  }
}
