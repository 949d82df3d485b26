import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../../eventstore/types.ts';
import { address, subEvent } from './subscription-events.ts';

/** A private event (not published): analytics telemetry, as the view-event ingest appends it. */
export function viewEvent(tenant: string): NewEvent {
  return { id: randomUUID(), type: 'ViewEventsRecorded', data: { contentId: 'c1', items: [{ positionSeconds: 1, watchedSeconds: 5 }] }, metadata: { source: 'command', tenantId: tenant } };
}

/**
 * Appends `streams` subscription streams of 4 events each (request, activation, two billings with
 * amounts beyond 2^53), one append per event so the streams interleave in the log, with a private
 * view event after every published one, and returns the published events' ids in log order.
 *
 * @example const published = await appendMixedLog(store, 6);
 */
export async function appendMixedLog(store: EventStore, streams: number, label = 'relay'): Promise<{ ids: string[]; streamIds: string[] }> {
  const creator = address(`${label}-creator`);
  const pairs = Array.from({ length: streams }, (_, i) => address(`${label}-sub-${i}`));
  const steps: [string, Record<string, unknown>][] = [
    ['SubscriptionRequested', { tier: 'gold', token: address('token', 'C'), ratePerSecond: '9007199254740993', requestedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' }],
    ['SubscriptionActivated', { token: address('token', 'C'), ratePerSecond: '9007199254740993', planId: null, activatedAt: '2026-11-01T00:01:00Z' }],
    ['SubscriptionBilled', { amount: '170141183460469231731687303715884105727', billedAt: '2026-11-01T01:00:00Z', merchantReferenceId: null, receiptHash: null }],
    ['SubscriptionBilled', { amount: '18446744073709551617', billedAt: '2026-11-01T02:00:00Z', merchantReferenceId: null, receiptHash: null }],
  ];
  const ids: string[] = [];
  for (const [type, data] of steps) {
    for (const subscriber of pairs) {
      const event = subEvent(type, subscriber, creator, data);
      await store.append(`subscription-${subscriber}-${creator}`, [event]);
      ids.push(event.id);
      await store.append(`views-${creator}-${randomUUID()}`, [viewEvent(creator)]);
    }
  }
  return { ids, streamIds: pairs.map((subscriber) => `subscription-${subscriber}-${creator}`) };
}
