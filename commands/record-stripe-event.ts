import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { subscriptionStreamId } from '../domain/subscription/events.ts';
import { WrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../eventstore/types.ts';
import { staleRequestReason } from './stripe/current-card-request.ts';
import { stripeFacts } from './stripe/webhook-facts.ts';

/** What a webhook delivery changed: new facts, nothing (seen before), or nothing we map. */
export type StripeEventOutcome =
  | { status: 'recorded'; streamId: string; revision: number; facts: string[] }
  | { status: 'duplicate'; streamId: string }
  | { status: 'ignored'; reason: string };

interface StripeProvenance {
  eventId?: string;
  key?: string;
  subscription?: string;
}

/** Asks Stripe to cancel a subscription at its period's end (under an Idempotency-Key), in the Stripe account that holds it (null: the platform's). */
export type CancelAtPeriodEnd = (stripeSubscription: string, idempotencyKey: string, account: string | null) => Promise<unknown>;

const subscriptionOf = (p: { key?: string | undefined; subscription?: string | undefined; stripeSubscription?: string | undefined }): string | undefined =>
  p.subscription ?? p.stripeSubscription ?? (p.key ? /^(?:activated|trial|cancelled):(sub_[A-Za-z0-9]+)$/.exec(p.key)?.[1] : undefined);

/** The CancellationRequested that follows the stream's latest request (or any, without a request): the subscriber wants out. */
function openCancellation(recorded: readonly RecordedEvent[]): RecordedEvent | undefined {
  for (const e of [...recorded].reverse()) {
    if (e.type === 'CancellationRequested') return e;
    if (e.type === 'SubscriptionRequested') return undefined;
  }
  return undefined;
}

const provenance = (e: RecordedEvent): StripeProvenance => (e.metadata.stripe ?? {}) as StripeProvenance;

async function recordOnce(store: EventStore, event: Stripe.Event, correlationId: string, cancel?: CancelAtPeriodEnd): Promise<StripeEventOutcome> {
  const mapped = stripeFacts(event);
  if (mapped.kind === 'ignored') return { status: 'ignored', reason: mapped.reason };
  const streamId = subscriptionStreamId(mapped.subscriber, mapped.creator);
  const recorded = await store.readStream(streamId);
  const stale = staleRequestReason(recorded, mapped.request);
  if (stale) return { status: 'ignored', reason: stale };
  const seen = recorded.map(provenance);
  if (seen.some((p) => p.eventId === event.id)) return { status: 'duplicate', streamId };
  const keys = new Set(seen.map((p) => p.key));
  const fresh = mapped.facts.filter((f) => !keys.has(f.key));
  if (fresh.length === 0) return { status: 'duplicate', streamId };
  // A Stripe subscription first seen after the subscriber cancelled (checkout completed late): cancel it too, before recording.
  const cancellation = openCancellation(recorded);
  if (cancel && cancellation) {
    const known = new Set(seen.map(subscriptionOf));
    const appearing = new Set(fresh.map(subscriptionOf).filter((sub): sub is string => sub !== undefined && !known.has(sub)));
    for (const sub of appearing) await cancel(sub, `cancel:${streamId}:${cancellation.streamRevision}:${sub}`, event.account ?? null);
  }
  const metadata = (key: string, stripeSubscription: string | undefined) => ({
    source: 'stripe' as const,
    tenantId: mapped.creator,
    correlationId,
    stripe: { eventId: event.id, eventType: event.type, key, ...(stripeSubscription === undefined ? {} : { subscription: stripeSubscription }), created: new Date(event.created * 1000).toISOString(), account: event.account ?? null, livemode: event.livemode },
  });
  const revision = recorded.at(-1)?.streamRevision ?? -1;
  const appended = await store.append(
    streamId,
    fresh.map((f) => ({ id: randomUUID(), type: f.fact.type, data: f.fact.data, metadata: metadata(f.key, f.stripeSubscription) })),
    { expectedRevision: revision < 0 ? 'no_stream' : revision },
  );
  return { status: 'recorded', streamId, revision: appended.revision, facts: fresh.map((f) => f.fact.type) };
}

/**
 * Records the subscription facts a verified Stripe event proves in the pair's stream
 * (`subscription-<subscriber>-<creator>`), with `source: 'stripe'` and the Stripe event id in the
 * metadata. Idempotent: a redelivered event id, or a fact about a Stripe object already recorded
 * by another event (`activated:sub_…` from both subscription.created and .updated), adds nothing.
 * A concurrent delivery to the same stream is retried once against the new revision.
 * With `cancel`, a Stripe subscription that first appears after the subscriber's cancellation
 * (the checkout completed after it) is cancelled at its period's end before the facts are recorded,
 * so a failed Stripe call fails the delivery and Stripe's retry tries again.
 *
 * @example const outcome = await recordStripeEvent(store, verifiedEvent, request.id); // { status: 'recorded', facts: ['SubscriptionBilled'] }
 */
export async function recordStripeEvent(store: EventStore, event: Stripe.Event, correlationId: string, cancel?: CancelAtPeriodEnd): Promise<StripeEventOutcome> {
  try {
    return await recordOnce(store, event, correlationId, cancel);
  } catch (error) {
    if (!(error instanceof WrongExpectedRevision)) throw error;
    return recordOnce(store, event, correlationId, cancel);
  }
}
