import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pino from 'pino';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { Db } from '../../platform/database.ts';
import { address, appendsFor, at, subEvent } from './subscription-events.ts';

/** The creator the projection-run tests bill: `address('carol')`. */
export const BILLED_CREATOR = address('carol');

/**
 * Appends one SubscriptionBilled of 5 stroops from `wallet` (a label) to `BILLED_CREATOR`, billed `second` s into the test month.
 *
 * @example await bill(db, 'w1', 1);
 */
export async function bill(db: Db, wallet: string, second: number): Promise<void> {
  await appendToStreams(db, appendsFor([subEvent('SubscriptionBilled', address(wallet), BILLED_CREATOR, { amount: '5', billedAt: at(second), merchantReferenceId: null, receiptHash: null })]));
}

/**
 * The read model's total bills_count, as text (null with no rows).
 *
 * @example t.equal(await bills(db), '3');
 */
export async function bills(db: Db): Promise<string | null> {
  const { rows } = await sql<{ n: string | null }>`select sum(bills_count)::text as n from subscriptions`.execute(db);
  return rows[0]!.n;
}

/**
 * A pino logger at info whose lines are kept, parsed, in `lines`.
 *
 * @example const { logger, lines } = capturingLogger<{ stale?: string[] }>();
 */
export function capturingLogger<Extra extends object = object>() {
  const lines: ({ level: number; msg: string } & Extra)[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/**
 * Polls `check` every 20 ms until it holds or the deadline passes; returns whether it held.
 *
 * @example t.ok(await eventually(async () => (await bills(db)) === '2'));
 */
export async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}
