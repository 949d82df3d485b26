import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { Database, WebhookDeliveriesTable } from '../../platform/schema.ts';
import { endpointDisabledEvent, failuresReason, webhookEndpointStreamId } from './endpoint-events.ts';

type Conn = Kysely<Database> | Transaction<Database>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;

/**
 * Claims up to `limit` deliveries that are due, each the oldest pending one of its (endpoint,
 * stream) — so a later event of a stream never leaves before an earlier one — of endpoints not
 * disabled, shared round-robin between tenants (each tenant's oldest first, then each one's
 * second, …) and at most `perTenant` for one tenant: one tenant's backlog never holds up another
 * tenant's deliveries. A claim is a lease: `next_attempt_at` moves `leaseMs` ahead, so a worker
 * that dies mid-send leaves the delivery to be sent again (at least once).
 *
 * @example const claimed = await claimDueDeliveries(db, { limit: 8, perTenant: 4, leaseMs: 60_000 });
 */
export async function claimDueDeliveries(conn: Conn, options: { limit: number; perTenant?: number; leaseMs: number }): Promise<WebhookDelivery[]> {
  const perTenant = options.perTenant ?? options.limit;
  const { rows } = await sql<WebhookDelivery>`
    with heads as (
      select d.id, d.tenant_id, d.seq from webhook_deliveries d
      join webhook_endpoints e on e.id = d.endpoint_id
      where d.status = 'pending' and d.next_attempt_at <= now() and e.status <> 'disabled'
        and not exists (
          select 1 from webhook_deliveries p
          where p.endpoint_id = d.endpoint_id and p.stream_id = d.stream_id and p.status = 'pending' and p.seq < d.seq)
    ), turns as (
      select id, seq, row_number() over (partition by tenant_id order by seq) as turn from heads
    ), due as (
      select d.id from webhook_deliveries d join turns t on t.id = d.id
      where t.turn <= ${perTenant} and d.status = 'pending' and d.next_attempt_at <= now()
      order by t.turn, t.seq
      limit ${options.limit}
      for update of d skip locked
    )
    update webhook_deliveries d set next_attempt_at = now() + ${`${options.leaseMs} milliseconds`}::interval
    from due where d.id = due.id
    returning d.*`.execute(conn);
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  responsePrefix: string | null;
}

export interface FailurePolicy {
  /** A delivery still failing this long after it was written is given up (`failed`). */
  retryWindowMs: number;
  /** The delay before the next attempt after `attempts` failed ones. */
  delayMs(attempts: number): number;
  /** Consecutive failed attempts that mark the endpoint `failing`. */
  failingAfter: number;
  /** Consecutive failed attempts that disable the endpoint. */
  disableAfter: number;
}

/**
 * Records one attempt of a delivery and its effect on the endpoint, in one transaction: a success
 * settles the delivery and clears the endpoint's failure count; a failure schedules the next
 * attempt (or gives up past the retry window) and counts towards `failing`, then `disabled`.
 *
 * @example await recordAttempt(db, delivery, { ok: false, statusCode: 500, error: 'answered 500', responsePrefix: 'oops' }, policy);
 */
export async function recordAttempt(conn: Kysely<Database>, delivery: WebhookDelivery, outcome: AttemptOutcome, policy: FailurePolicy): Promise<void> {
  await conn.transaction().execute(async (trx) => {
    const attempts = delivery.attempts + 1;
    const common = {
      attempts,
      last_attempt_at: sql<Date>`now()`,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      response_prefix: outcome.responsePrefix,
    };
    if (outcome.ok) {
      await trx.updateTable('webhook_deliveries').set({ ...common, status: 'succeeded', delivered_at: sql<Date>`now()` }).where('id', '=', delivery.id).execute();
      await trx.updateTable('webhook_endpoints')
        .set({ consecutive_failures: 0, status: sql<'active'>`case when status = 'failing' then 'active' else status end` })
        .where('id', '=', delivery.endpoint_id).execute();
      return;
    }
    const givesUp = Date.now() - delivery.created_at.getTime() >= policy.retryWindowMs;
    await trx.updateTable('webhook_deliveries').set({
      ...common,
      ...(givesUp ? { status: 'failed' as const } : { next_attempt_at: sql<Date>`now() + ${`${policy.delayMs(attempts)} milliseconds`}::interval` }),
    }).where('id', '=', delivery.id).execute();
    await countFailure(trx, delivery.endpoint_id, outcome.error, policy);
  });
}

/**
 * Counts a failed attempt against its endpoint (the row locked, so concurrent attempts count one
 * after another): `failing`, then `disabled` with its reason, and — only on the attempt that
 * disables it — a `WebhookEndpointDisabled` event appended in the same transaction, so the tenant
 * hears of each disabling exactly once.
 */
async function countFailure(trx: Transaction<Database>, endpointId: string, lastError: string | null, policy: FailurePolicy): Promise<void> {
  const endpoint = await trx.selectFrom('webhook_endpoints').select(['tenant_id', 'status', 'consecutive_failures'])
    .where('id', '=', endpointId).forUpdate().executeTakeFirst();
  if (!endpoint) return;
  const failures = endpoint.consecutive_failures + 1;
  const disables = endpoint.status !== 'disabled' && failures >= policy.disableAfter;
  const status = endpoint.status === 'disabled' || disables ? 'disabled' : failures >= policy.failingAfter ? 'failing' : endpoint.status;
  const reason = failuresReason(failures);
  const updated = await trx.updateTable('webhook_endpoints')
    .set({ consecutive_failures: failures, status, ...(disables ? { disabled_reason: reason, disabled_at: sql<Date>`now()` } : {}) })
    .where('id', '=', endpointId).returning('disabled_at').executeTakeFirstOrThrow();
  if (!disables) return;
  await appendToStreams(trx, [{
    streamId: webhookEndpointStreamId(endpointId),
    events: [endpointDisabledEvent(endpoint.tenant_id, { endpointId, reason, consecutiveFailures: failures, lastError, disabledAt: updated.disabled_at!.toISOString() })],
  }]);
}

/**
 * An endpoint's deliveries, newest first, paged by `seq` (`before`: the last page's smallest).
 *
 * @example const page = await listDeliveries(db, tenant, endpointId, { limit: 50 });
 */
export async function listDeliveries(conn: Conn, tenant: string, endpointId: string, page: { limit: number; before?: string | undefined }): Promise<WebhookDelivery[]> {
  let query = conn.selectFrom('webhook_deliveries').selectAll()
    .where('tenant_id', '=', tenant).where('endpoint_id', '=', endpointId);
  if (page.before !== undefined) query = query.where('seq', '<', page.before);
  return query.orderBy('seq', 'desc').limit(page.limit).execute();
}

/**
 * Sends a delivery again as soon as a worker is free (a settled one too: the receiver dedupes on
 * the event id); undefined when the tenant has no such delivery on that endpoint.
 *
 * @example await retryDelivery(db, tenant, endpointId, deliveryId);
 */
export async function retryDelivery(conn: Conn, tenant: string, endpointId: string, id: string): Promise<WebhookDelivery | undefined> {
  return conn.updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenant).where('endpoint_id', '=', endpointId).where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
