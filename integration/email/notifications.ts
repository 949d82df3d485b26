import type { RecordedEvent } from '../../eventstore/types.ts';

/** The kinds of email notification; a recipient unsubscribes from each on its own. */
export const NOTIFICATION_KINDS = ['subscription-activated', 'payment-failed', 'subscription-ended', 'invoice-paid', 'verify-address'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One email an event calls for: to whom (a subject, never an address), of what kind, with what facts. */
export interface Notification {
  subject: string;
  kind: NotificationKind;
  vars: Record<string, string>;
}

/** The log event types that may call for an email. */
export const NOTIFYING_TYPES = ['SubscriptionActivated', 'GracePeriodStarted', 'SubscriptionCancelled', 'SubscriptionExpired', 'InvoiceLinkCompleted'] as const;

type Data = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/**
 * The emails an event calls for: the subscriber hears that a subscription started, that a payment
 * failed (grace period), that it ended (cancelled or expired); the creator hears that an invoice
 * link was paid. Other events call for none.
 *
 * @example notificationsOf(gracePeriodStarted) // [{ subject: subscriber, kind: 'payment-failed', vars: { creator, graceEndsAt } }]
 */
export function notificationsOf(event: RecordedEvent): Notification[] {
  const data = event.data as Data;
  const type = event.type as (typeof NOTIFYING_TYPES)[number];
  switch (type) {
    case 'SubscriptionActivated':
      return [{ subject: text(data.subscriber), kind: 'subscription-activated', vars: { creator: text(data.creator), activatedAt: text(data.activatedAt) } }];
    case 'GracePeriodStarted':
      return [{ subject: text(data.subscriber), kind: 'payment-failed', vars: { creator: text(data.creator), graceEndsAt: text(data.graceEndsAt) } }];
    case 'SubscriptionCancelled':
      return [{ subject: text(data.subscriber), kind: 'subscription-ended', vars: { creator: text(data.creator), how: 'cancelled', at: text(data.cancelledAt) } }];
    case 'SubscriptionExpired':
      return [{ subject: text(data.subscriber), kind: 'subscription-ended', vars: { creator: text(data.creator), how: 'expired', at: text(data.expiredAt) } }];
    case 'InvoiceLinkCompleted':
      return event.metadata.tenantId ? [{ subject: event.metadata.tenantId, kind: 'invoice-paid', vars: { linkId: text(data.linkId), payer: text(data.payer), at: text(data.completedAt) } }] : [];
    default: {
      const unhandled: never = type;
      void unhandled;
      return [];
    }
  }
}
