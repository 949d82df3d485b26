import { sql } from 'kysely';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { LIVE_STATUSES } from '../../domain/subscription/state.ts';
import type { EventStore } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { subscriptionAt } from '../as-of/queries.ts';
import { withinCut, type AsOfRequest } from '../as-of/bound.ts';
import { resolveAsOf, type AsOfApplied } from '../as-of/resolve.ts';
import { withReadScope } from '../read-scope.ts';
import type { Subscription } from '../subscriptions/queries.ts';

/** A diff folds every subscriber's stream twice: above this many it is refused rather than slow. */
export const MAX_DIFF_SUBSCRIBERS = 5_000;

export type Change = 'joined' | 'upgraded' | 'downgraded' | 'churned';

/** Where one subscriber stood at a bound (null: no subscription yet). */
export interface Standing {
  status: Subscription['status'];
  tier: string | null;
  ratePerSecond: string | null;
}

export interface SubscriberChange {
  subscriptionId: string;
  subscriber: string;
  change: Change;
  from: Standing | null;
  to: Standing | null;
}

const live = (s: Subscription | undefined): s is Subscription => s !== undefined && LIVE_STATUSES.includes(s.status);
const standing = (s: Subscription | undefined): Standing | null => (s ? { status: s.status, tier: s.tier, ratePerSecond: s.ratePerSecond } : null);

/**
 * How one subscription moved between two answers: joined (not live → live), churned (live → not
 * live), upgraded or downgraded (live at both, the rate per second up or down); null if none.
 *
 * @example changeOf(before, after) // 'upgraded'
 */
export function changeOf(from: Subscription | undefined, to: Subscription | undefined): Change | null {
  if (!live(from)) return live(to) ? 'joined' : null;
  if (!live(to)) return 'churned';
  const [a, b] = [BigInt(from.ratePerSecond ?? 0), BigInt(to.ratePerSecond ?? 0)];
  return b > a ? 'upgraded' : b < a ? 'downgraded' : null;
}

/**
 * The current tenant's subscribers who joined, upgraded, downgraded or churned between two
 * bounds, each subscription folded from its stream as of both (the as-of reads' own fold), by
 * subscription id. The tenant's subscriptions are the ones its read scope sees now.
 *
 * @example const diff = await subscribersDiff(db, store, creator, { ledger: 1000 }, { ledger: 2000 });
 */
export async function subscribersDiff(db: Db, store: EventStore, creator: string, from: AsOfRequest, to: AsOfRequest): Promise<{
  items: SubscriberChange[]; subscribers: number; from: AsOfApplied; to: AsOfApplied;
}> {
  const rows = await withReadScope(db, { tenantId: creator }, async (trx) => (await sql<{ subscriber: string; creator: string }>`
    select subscriber, creator from subscriptions where tenant_id = current_setting('app.current_tenant_id', true)
    order by subscription_id limit ${MAX_DIFF_SUBSCRIBERS + 1}`.execute(trx)).rows);
  if (rows.length > MAX_DIFF_SUBSCRIBERS) throw new DomainError('DIFF.TOO_MANY_SUBSCRIBERS', `a diff covers at most ${MAX_DIFF_SUBSCRIBERS} subscribers`);
  const [streams, a, b] = await Promise.all([
    store.readStreams(rows.map((r) => subscriptionStreamId(r.subscriber, r.creator))),
    resolveAsOf(db, from),
    resolveAsOf(db, to),
  ]);
  const items: SubscriberChange[] = [];
  let total = 0;
  let [inFrom, inTo] = [0, 0];
  rows.forEach((row, i) => {
    const events = streams[i]!;
    total += events.length;
    inFrom += events.filter((e) => withinCut(e, a.cut)).length;
    inTo += events.filter((e) => withinCut(e, b.cut)).length;
    const [before, after] = [subscriptionAt(events, a.cut), subscriptionAt(events, b.cut)];
    const change = changeOf(before, after);
    if (change) items.push({ subscriptionId: `${row.subscriber}-${row.creator}`, subscriber: row.subscriber, change, from: standing(before), to: standing(after) });
  });
  return { items, subscribers: rows.length, from: { ...a.applied, events: inFrom, of: total }, to: { ...b.applied, events: inTo, of: total } };
}
