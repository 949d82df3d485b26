import { paymentStreamId } from '../../domain/stream/events.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import type { EventStore, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { asSelected } from '../sql.ts';
import { COLUMNS as STREAM_COLUMNS, evolveStreamRow, isShown, streamKey, toStored as storedStream, type Row as StreamRow, type StoredStream } from '../streams/projector.ts';
import { viewAt, type StreamView } from '../streams/queries.ts';
import { evolveSubscriptionRow, type SubscriptionRow } from '../subscriptions/fold.ts';
import { COLUMNS as SUBSCRIPTION_COLUMNS, toStored as storedSubscription } from '../subscriptions/projector.ts';
import type { Subscription } from '../subscriptions/queries.ts';
import { withinCut, type AsOfCut, type AsOfRequest } from './bound.ts';
import { resolveAsOf, type AsOfApplied } from './resolve.ts';

export type { AsOfApplied } from './resolve.ts';
export type { AsOfRequest } from './bound.ts';

/** An as-of answer: the row as the bound saw it (undefined: it did not exist yet) and the bound applied. */
export interface AsOf<T> {
  value: T | undefined;
  asOf: AsOfApplied;
}

/**
 * A subscription's stream folded up to the cut with the projector's own `evolveSubscriptionRow`,
 * shown as the read model shows it (undefined when no event is within the cut).
 *
 * @example const sub = subscriptionAt(await store.readStream(streamId), cut);
 */
export function subscriptionAt(events: readonly RecordedEvent[], cut: AsOfCut): Subscription | undefined {
  let row: SubscriptionRow | undefined;
  for (const event of events) if (withinCut(event, cut)) row = evolveSubscriptionRow(row, event);
  return row && asSelected<Subscription>(SUBSCRIPTION_COLUMNS, storedSubscription(row), { camelCase: true });
}

/**
 * A payment stream's events folded up to the cut with the projector's own `evolveStreamRow`, as
 * the read model stores it (undefined when the chain had not shown the stream by then).
 *
 * @example const stored = streamAt(await store.readStream(eventStream), cut);
 */
export function streamAt(events: readonly RecordedEvent[], cut: AsOfCut): StoredStream | undefined {
  let row: StreamRow | undefined;
  for (const event of events) if (withinCut(event, cut)) row = evolveStreamRow(row, event);
  if (!row || !isShown(row)) return undefined;
  const key = streamKey(row.state.contractId!, row.state.streamId!);
  return asSelected<StoredStream>(STREAM_COLUMNS, storedStream(key, row));
}

const countWithin = (events: readonly RecordedEvent[], cut: AsOfCut): number => events.filter((e) => withinCut(e, cut)).length;

/**
 * The subscription `${subscriber}-${creator}` as of a bound, from its event stream. The caller
 * checks visibility first (the plain read in its read scope): the log has no row-level security.
 *
 * @example const { value, asOf } = await subscriptionAsOf(db, store, subscriber, creator, { ledger: 1200 });
 */
export async function subscriptionAsOf(db: Db, store: EventStore, subscriber: string, creator: string, request: AsOfRequest): Promise<AsOf<Subscription>> {
  const [events, { cut, applied }] = await Promise.all([store.readStream(subscriptionStreamId(subscriber, creator)), resolveAsOf(db, request)]);
  return { value: subscriptionAt(events, cut), asOf: { ...applied, events: countWithin(events, cut), of: events.length } };
}

/**
 * Several subscriptions as of one bound, their streams read in one round trip: the ones that
 * existed by then, in the order given. The caller lists the pairs in its read scope first.
 *
 * @example const { items, asOf } = await subscriptionsAsOf(db, store, mine, { time: new Date('2026-12-01T00:00:00Z') });
 */
export async function subscriptionsAsOf(
  db: Db, store: EventStore, pairs: readonly { subscriber: string; creator: string }[], request: AsOfRequest,
): Promise<{ items: Subscription[]; asOf: AsOfApplied }> {
  const [streams, { cut, applied }] = await Promise.all([
    store.readStreams(pairs.map((p) => subscriptionStreamId(p.subscriber, p.creator))),
    resolveAsOf(db, request),
  ]);
  const items = streams.map((events) => subscriptionAt(events, cut)).filter((s): s is Subscription => s !== undefined);
  return { items, asOf: { ...applied, events: streams.reduce((n, events) => n + countWithin(events, cut), 0), of: streams.reduce((n, events) => n + events.length, 0) } };
}

/**
 * The payment stream `<contractId>-<onchainId>` as of a bound, its amounts computed at `at` (unix
 * seconds; default the bound's chain time, else now). The caller checks visibility first.
 *
 * @example const { value, asOf } = await streamAsOf(db, store, contractId, '42', { time: new Date('2026-12-01T00:00:00Z') });
 */
export async function streamAsOf(db: Db, store: EventStore, contractId: string, onchainId: string, request: AsOfRequest, at?: bigint): Promise<AsOf<StreamView>> {
  const [events, { cut, applied }] = await Promise.all([store.readStream(paymentStreamId(contractId, onchainId)), resolveAsOf(db, request)]);
  const stored = streamAt(events, cut);
  const moment = at ?? BigInt(Math.floor((cut.time?.getTime() ?? Date.now()) / 1000));
  return { value: stored && viewAt(stored, moment), asOf: { ...applied, events: countWithin(events, cut), of: events.length } };
}
