import { randomUUID } from 'node:crypto';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import type { EventMetadata, NewEvent, RecordedEvent, StreamAppend } from '../../eventstore/types.ts';

/** A fake Stellar account address: G + 55 base32 characters derived from a label. */
export function address(label: string, prefix = 'G'): string {
  const body = [...Buffer.from(label).toString('hex')].map((c) => 'ABCDEFGHIJKLMNOP'[parseInt(c, 16)]).join('');
  return (prefix + body + 'Q'.repeat(55)).slice(0, 56);
}

export function at(second: number): string {
  return new Date(Date.UTC(2026, 10, 1) + second * 1000).toISOString();
}

const chainMeta = (ledger: number): EventMetadata => ({
  source: 'chain',
  chain: { ledger, ledgerClosedAt: at(ledger), txHash: 'ab'.repeat(32), operationIndex: 0, eventIndex: 0, contractId: address('contract', 'C') },
});

/** A new event for the pair's subscription stream: intents get command metadata, the rest chain metadata. */
export function subEvent(type: string, subscriber: string, creator: string, data: Record<string, unknown>, ledger = 1): NewEvent {
  const intent = type === 'SubscriptionRequested' || type === 'CancellationRequested' || type === 'SubscriptionExpired';
  return {
    id: randomUUID(),
    type,
    data: { subscriber, creator, ...data },
    metadata: intent ? { source: 'command', tenantId: creator } : { ...chainMeta(ledger), tenantId: creator },
  };
}

export function creatorEvent(type: 'CreatorRegistered' | 'TiersSet', creator: string, data: Record<string, unknown>): NewEvent {
  return { id: randomUUID(), type, data: { creator, ...data }, metadata: { source: 'command', tenantId: creator } };
}

/** Groups events into appends by their natural stream, in order. */
export function appendsFor(events: readonly NewEvent[]): StreamAppend[] {
  const byStream = new Map<string, NewEvent[]>();
  for (const event of events) {
    const d = event.data as { subscriber?: string; creator: string };
    const stream = d.subscriber ? subscriptionStreamId(d.subscriber, d.creator) : creatorStreamId(d.creator);
    byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
  }
  return [...byStream].map(([streamId, evs]) => ({ streamId, events: evs }));
}

let position = 0n;
/** Turns a new event into a recorded one (for pure fold tests). */
export function recorded(event: NewEvent, recordedAt = new Date(Date.UTC(2026, 10, 2))): RecordedEvent {
  position += 1n;
  return { ...event, streamId: 's', streamRevision: 0, globalPosition: position, position: { commit: 1n, prepare: position }, recordedAt };
}
