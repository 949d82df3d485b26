import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { address, amount, bytesHex, fields, isoSeconds, items, ShapeError, text, u32, u64 } from './scval.ts';
import type { DomainFact, KindDecoder, ParsedEvent } from './types.ts';

function fact(subscriber: string, creator: string, type: string, data: Record<string, unknown>): DomainFact {
  return { streamId: subscriptionStreamId(subscriber, creator), type, data: { subscriber, creator, ...data }, tenantId: creator };
}

function pair({ topics }: ParsedEvent): [string, string] {
  return [address(topics[1], 'topic subscriber'), address(topics[2], 'topic merchant')];
}

const byName: Record<string, (p: ParsedEvent) => DomainFact> = {
  subscription_created(p) {
    const [subscriber, merchant] = pair(p);
    const planId = u32(p.topics[3], 'topic plan_id');
    const f = fields(p.value);
    return fact(subscriber, merchant, 'SubscriptionActivated', {
      token: address(f.get('token'), 'token'),
      ratePerSecond: amount(f.get('rate_per_second'), 'rate_per_second'),
      planId,
      activatedAt: isoSeconds(u64(f.get('created_at'), 'created_at')),
    });
  },
  subscribed(p) {
    const [subscriber, creator] = pair(p);
    const f = fields(p.value);
    return fact(subscriber, creator, 'SubscriptionActivated', {
      token: null,
      ratePerSecond: amount(f.get('rate_per_second'), 'rate_per_second'),
      planId: null,
      activatedAt: p.event.ledgerClosedAt,
    });
  },
  subscription_billed(p) {
    const [subscriber, merchant] = pair(p);
    const f = fields(p.value);
    return fact(subscriber, merchant, 'SubscriptionBilled', {
      amount: amount(p.topics[3], 'topic amount'),
      billedAt: isoSeconds(u64(f.get('billed_at'), 'billed_at')),
      merchantReferenceId: text(f.get('merchant_reference_id'), 'merchant_reference_id'),
      receiptHash: bytesHex(f.get('receipt_hash'), 'receipt_hash'),
    });
  },
  subscription_renewed(p) {
    const [subscriber, merchant] = pair(p);
    const f = fields(p.value);
    return fact(subscriber, merchant, 'SubscriptionRenewed', {
      amount: amount(p.topics[3], 'topic amount'),
      nextBillingAt: isoSeconds(u64(f.get('next_billing_date'), 'next_billing_date')),
      renewedAt: isoSeconds(u64(f.get('renewed_at'), 'renewed_at')),
    });
  },
  trial_started(p) {
    const [subscriber, merchant] = pair(p);
    const f = fields(p.value);
    const startedAt = u64(f.get('started_at'), 'started_at');
    return fact(subscriber, merchant, 'TrialStarted', {
      trialEndsAt: isoSeconds(startedAt + u64(f.get('trial_duration'), 'trial_duration')),
      startedAt: isoSeconds(startedAt),
      merchantReferenceId: text(f.get('merchant_reference_id'), 'merchant_reference_id'),
    });
  },
  payment_failed_grace_period_started(p) {
    const [subscriber, merchant] = pair(p);
    const f = fields(p.value);
    return fact(subscriber, merchant, 'GracePeriodStarted', {
      dunningStartedAt: isoSeconds(u64(f.get('dunning_start_timestamp'), 'dunning_start_timestamp')),
      graceEndsAt: isoSeconds(u64(f.get('grace_period_end'), 'grace_period_end')),
      merchantReferenceId: text(f.get('merchant_reference_id'), 'merchant_reference_id'),
    });
  },
  subscription_cancelled(p) {
    const [subscriber, merchant] = pair(p);
    const f = fields(p.value);
    return fact(subscriber, merchant, 'SubscriptionCancelled', {
      refundAmount: amount(f.get('refund_amount'), 'refund_amount'),
      cancelledAt: isoSeconds(u64(f.get('cancelled_at'), 'cancelled_at')),
    });
  },
  unsubscribed(p) {
    const [subscriber, creator] = pair(p);
    return fact(subscriber, creator, 'SubscriptionCancelled', { refundAmount: '0', cancelledAt: p.event.ledgerClosedAt });
  },
  tier_chg(p) {
    const [subscriber, creator] = pair(p);
    const [oldRate, newRate, ...rest] = items(p.value);
    if (rest.length > 0) throw new ShapeError(`tier_chg: expected [old_rate, new_rate], got ${rest.length + 2} items`);
    return fact(subscriber, creator, 'TierChanged', {
      oldRate: amount(oldRate, 'old_rate'),
      newRate: amount(newRate, 'new_rate'),
      changedAt: p.event.ledgerClosedAt,
    });
  },
};

/** Legacy tip: `publish((subscriber, creator, token), amount)`, recognised by arity and address topics. */
function tip(p: ParsedEvent): DomainFact | null {
  if (p.topics.length !== 3 || !p.topics.every((t) => t.type === 'scvAddress')) return null;
  const subscriber = address(p.topics[0], 'topic subscriber');
  const creator = address(p.topics[1], 'topic creator');
  return fact(subscriber, creator, 'TipReceived', {
    token: address(p.topics[2], 'topic token'),
    amount: amount(p.value, 'amount'),
    tippedAt: p.event.ledgerClosedAt,
  });
}

/** The SubStream subscription contract (../shared/CONTRACT_EVENTS.md, "substream-v1"). */
export const decodeSubstreamV1: KindDecoder = (p) => {
  const decode = p.name === null ? tip : byName[p.name];
  const result = decode?.(p) ?? null;
  if (result === null) throw new ShapeError(`unknown substream-v1 event ${p.name ?? `(${p.topics.map((t) => t.type).join(', ')})`}`, 'unknown');
  return result;
};
