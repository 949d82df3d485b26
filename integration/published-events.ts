import type { ContentEvent } from '../domain/content/events.ts';
import type { CreatorEvent } from '../domain/creator/events.ts';
import type { InvoiceLinkEvent } from '../domain/invoice-link/events.ts';
import type { StreamEvent } from '../domain/stream/events.ts';
import type { CheckoutSessionOpened, SubscriptionEvent } from '../domain/subscription/events.ts';
import type { WebhookEndpointEvent } from './webhooks/endpoint-events.ts';

export type PublishedEvent = Exclude<SubscriptionEvent, CheckoutSessionOpened> | StreamEvent | InvoiceLinkEvent | CreatorEvent | ContentEvent | WebhookEndpointEvent;

/** The aggregate kinds that get a topic of their own. */
export type AggregateKind = 'subscription' | 'stream' | 'invoice-link' | 'creator' | 'content' | 'webhook-endpoint';

/**
 * The event types published as integration events, with the aggregate (and so the topic) each
 * belongs to: the intents and facts of subscriptions, payment streams and invoice links, the
 * creator directory, the content catalogue (without its gated `url`: withheld-fields.ts) and what
 * the webhook workers did to a tenant's endpoints.
 * Left out on purpose: `CheckoutSessionOpened` (a Stripe detail whose session id opens the payment page),
 * `ViewEventsRecorded` (analytics telemetry, high volume),
 * `ContractEventObserved` (raw contract events, an indexer detail), `TenantFeatureFlagChanged`
 * (internal configuration). The `satisfies` makes the compiler reject a new event type of these
 * aggregates until it is given a topic here.
 */
export const PUBLISHED_EVENTS = {
  SubscriptionRequested: 'subscription',
  CancellationRequested: 'subscription',
  SubscriptionExpired: 'subscription',
  SubscriptionActivated: 'subscription',
  SubscriptionBilled: 'subscription',
  SubscriptionRenewed: 'subscription',
  TrialStarted: 'subscription',
  GracePeriodStarted: 'subscription',
  SubscriptionCancelled: 'subscription',
  TierChanged: 'subscription',
  TipReceived: 'subscription',
  StreamCreationRequested: 'stream',
  WithdrawalRequested: 'stream',
  StreamCancellationRequested: 'stream',
  StreamCreated: 'stream',
  StreamWithdrawn: 'stream',
  StreamToppedUp: 'stream',
  StreamCancelled: 'stream',
  StreamPaused: 'stream',
  StreamResumed: 'stream',
  InvoiceLinkCreated: 'invoice-link',
  InvoiceLinkSigned: 'invoice-link',
  InvoiceLinkCompleted: 'invoice-link',
  InvoiceLinkDeleted: 'invoice-link',
  CreatorRegistered: 'creator',
  TiersSet: 'creator',
  StripeCatalogSynced: 'creator',
  ContentPublished: 'content',
  ContentUpdated: 'content',
  ContentDeleted: 'content',
  WebhookEndpointDisabled: 'webhook-endpoint',
} as const satisfies Record<PublishedEvent['type'], AggregateKind>;

export const PUBLISHED_TYPES: readonly string[] = Object.keys(PUBLISHED_EVENTS);

/**
 * The aggregate kind of a published event type, or undefined for a private one.
 *
 * @example aggregateKindOf('SubscriptionBilled') // 'subscription'
 */
export function aggregateKindOf(type: string): AggregateKind | undefined {
  return Object.hasOwn(PUBLISHED_EVENTS, type) ? PUBLISHED_EVENTS[type as keyof typeof PUBLISHED_EVENTS] : undefined;
}
