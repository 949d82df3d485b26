import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { pollLoop } from '../poll-loop.ts';
import { guardedRequest, OutboundError, type Resolve } from '../../platform/outbound/guarded-request.ts';
import { claimDueDeliveries, recordAttempt, type AttemptOutcome, type FailurePolicy, type WebhookDelivery } from './deliveries.ts';
import { activeSecrets } from './endpoints.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

/** The part of a receiver's answer kept on the delivery (the rest is never read). */
export const RESPONSE_PREFIX_BYTES = 1024;

export interface WorkerOptions extends FailurePolicy {
  /** Development only (`OUTBOUND_ALLOW_PRIVATE`): plain http and private addresses. */
  allowPrivate: boolean;
  /** Deadline of one attempt (DNS, connect, answer). */
  timeoutMs: number;
  /** Deliveries sent at once (each the head of its endpoint and stream). */
  concurrency: number;
  /** At most this many of one tenant's deliveries in one batch (the batch is shared round-robin between tenants). */
  perTenant: number;
  /** Host name resolution (tests inject one; `dns.lookup` by default). */
  resolve?: Resolve;
}

/** A receiver's answer as stored: PostgreSQL text cannot hold NUL, whatever else the receiver sent. */
const storable = (text: string) => text.replaceAll('\u0000', '\ufffd');

async function attempt(db: Db, delivery: WebhookDelivery, options: WorkerOptions): Promise<AttemptOutcome> {
  const endpoint = await db.selectFrom('webhook_endpoints').select(['url', 'secret', 'previous_secret', 'previous_secret_expires_at'])
    .where('id', '=', delivery.endpoint_id).executeTakeFirst();
  if (!endpoint) return { ok: false, statusCode: null, error: 'the endpoint was deleted', responsePrefix: null };
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const { status, body } = await guardedRequest(new URL(endpoint.url), { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs, maxBytes: RESPONSE_PREFIX_BYTES }, {
      method: 'POST',
      body: delivery.payload,
      responseBody: 'prefix',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signatureHeader(delivery.payload, activeSecrets(endpoint, new Date()), timestamp),
        'SubStream-Event-Id': delivery.event_id,
        'SubStream-Event-Type': delivery.event_type,
        'SubStream-Delivery-Id': delivery.id,
      },
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
    const ok = status >= 200 && status < 300;
    return { ok, statusCode: status, error: ok ? null : `answered ${status}`, responsePrefix: storable(body) };
  } catch (error) {
    const reason = error instanceof OutboundError ? `${error.reason}: ${error.message}` : (error as Error).message;
    return { ok: false, statusCode: null, error: storable(reason), responsePrefix: null };
  }
}

/**
 * Claims the deliveries due now (up to `concurrency`, shared fairly between tenants), POSTs each signed through the guarded
 * outbound client and records every attempt; the number of attempts made.
 *
 * @example while ((await deliverDue(db, options)) > 0);
 */
export async function deliverDue(db: Db, options: WorkerOptions): Promise<number> {
  const claimed = await claimDueDeliveries(db, { limit: options.concurrency, perTenant: options.perTenant, leaseMs: options.timeoutMs + 30_000 });
  await Promise.all(claimed.map(async (delivery) => recordAttempt(db, delivery, await attempt(db, delivery, options), options)));
  return claimed.length;
}

/**
 * Runs the delivery workers until the signal aborts: claim, send, record; polling when nothing is
 * due. A database failure is retried with backoff (0.5 s doubling to 30 s).
 *
 * @example await runWebhookWorkers(db, { ...options, signal, logger });
 */
export async function runWebhookWorkers(db: Db, options: WorkerOptions & { pollIntervalMs?: number; signal?: AbortSignal; logger?: Logger }): Promise<void> {
  await pollLoop(async () => (await deliverDue(db, options)) === 0, { ...options, label: 'webhook workers' });
}
