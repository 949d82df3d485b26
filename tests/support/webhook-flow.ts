import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { dispatchBatch } from '../../integration/webhooks/dispatcher.ts';
import { RETRY_WINDOW_MS } from '../../integration/webhooks/worker-options.ts';
import { deliverDue, type WorkerOptions } from '../../integration/webhooks/worker.ts';
import type { Db } from '../../platform/database.ts';

/** Worker options for tests: local receivers (the development setting), short deadline, no pause between retries. */
export function testWorkerOptions(overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return {
    allowPrivate: true,
    timeoutMs: 400,
    concurrency: 8,
    perTenant: 8,
    retryWindowMs: RETRY_WINDOW_MS,
    delayMs: () => 0,
    failingAfter: 5,
    disableAfter: 1000,
    ...overrides,
  };
}

/** Runs the dispatcher to the visible end of the log; the delivery rows it wrote. */
export async function dispatchAll(db: Db): Promise<number> {
  let written = 0;
  for (;;) {
    const step = await dispatchBatch(db, { batchSize: 7 });
    written += step.deliveries;
    if (step.caughtUp) return written;
  }
}

/**
 * Dispatches, then runs the workers until `done()` holds (or throws after `timeoutMs`).
 *
 * @example await deliverUntil(db, options, () => receiver.received.length >= 24);
 */
export async function deliverUntil(db: Db, options: WorkerOptions, done: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  await dispatchAll(db);
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('deliveries did not settle in time');
    if ((await deliverDue(db, options)) === 0) await sleep(10);
  }
}

/**
 * Registers an endpoint through the API as the tenant; its id and secret.
 *
 * @example const { id, secret } = await registerEndpoint(app, owner, receiver.url);
 */
export async function registerEndpoint(app: FastifyInstance, authorization: string, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: { authorization }, payload: { url, events } });
  if (response.statusCode !== 201) throw new Error(`registering ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}
