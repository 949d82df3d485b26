import type { LogTotal } from './log-totals.ts';
import type { Billed, Discrepancy, SubscriptionLine, TokenLine } from './types.ts';

const ZERO: Billed = { billed: '0', bills: 0 };

function add(a: Billed, b: Billed): Billed {
  return { billed: (BigInt(a.billed) + BigInt(b.billed)).toString(), bills: a.bills + b.bills };
}

function discrepancy(base: Omit<Discrepancy, 'difference' | 'expected' | 'actual'>, expected: string, actual: string): Discrepancy | undefined {
  const difference = BigInt(actual) - BigInt(expected);
  return difference === 0n ? undefined : { ...base, expected, actual, difference: difference.toString() };
}

/** The log's totals per subscription (every token together, as `total_billed` counts them). */
export function bySubscription(totals: readonly LogTotal[]): Map<string, { subscriber: string; tokens: (string | null)[]; log: Billed }> {
  const lines = new Map<string, { subscriber: string; tokens: (string | null)[]; log: Billed }>();
  for (const t of totals) {
    const line = lines.get(t.subscriptionId) ?? { subscriber: t.subscriber, tokens: [], log: ZERO };
    lines.set(t.subscriptionId, { ...line, tokens: [...line.tokens, t.token], log: add(line.log, t) });
  }
  return lines;
}

/**
 * Every subscription either side knows, the log's stroops against `subscriptions.total_billed`:
 * a row the log has no bill for must hold 0, a bill the read model lacks is missing there.
 *
 * @example const { lines, found } = compareSubscriptions(logTotals, await subscriptionTotals(trx));
 */
export function compareSubscriptions(
  log: readonly LogTotal[], readModel: Map<string, Billed & { subscriber: string }>,
): { lines: SubscriptionLine[]; found: Discrepancy[] } {
  const fromLog = bySubscription(log);
  const ids = [...new Set([...fromLog.keys(), ...[...readModel].filter(([, r]) => r.billed !== '0').map(([id]) => id)])].sort();
  const lines: SubscriptionLine[] = [];
  const found: Discrepancy[] = [];
  for (const id of ids) {
    const logged = fromLog.get(id);
    const row = readModel.get(id);
    const readTotals = row ? { billed: row.billed, bills: row.bills } : ZERO;
    lines.push({ subscriptionId: id, subscriber: logged?.subscriber ?? row!.subscriber, tokens: logged?.tokens ?? [], log: logged?.log ?? ZERO, readModel: readTotals, contract: null });
    const d = discrepancy({ scope: 'subscription', subscriptionId: id, token: logged?.tokens.length === 1 ? logged.tokens[0]! : null, against: 'read-model', source: 'subscriptions.total_billed' },
      (logged?.log ?? ZERO).billed, readTotals.billed);
    if (d) found.push(d);
  }
  return { lines, found };
}

/**
 * The log's stroops per token against creator analytics' daily revenue summed over the same days.
 *
 * @example const { lines, found } = compareTokens(logTotals, await revenueByToken(trx, range));
 */
export function compareTokens(log: readonly LogTotal[], readModel: Map<string | null, Billed>): { lines: TokenLine[]; found: Discrepancy[] } {
  const fromLog = new Map<string | null, Billed>();
  for (const t of log) fromLog.set(t.token, add(fromLog.get(t.token) ?? ZERO, t));
  const tokens = [...new Set([...fromLog.keys(), ...readModel.keys()])].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  const lines: TokenLine[] = [];
  const found: Discrepancy[] = [];
  for (const token of tokens) {
    const line = { token, log: fromLog.get(token) ?? ZERO, readModel: readModel.get(token) ?? ZERO };
    lines.push(line);
    const d = discrepancy({ scope: 'token', subscriptionId: null, token, against: 'read-model', source: 'analytics_daily_amounts.revenue' }, line.log.billed, line.readModel.billed);
    if (d) found.push(d);
  }
  return { lines, found };
}

/**
 * The contract's total of one subscription (`actual`) against the whole log's (`expected`; all time, all tokens).
 *
 * @example const d = compareContract(line, '1000', '900', 'total_billed');
 */
export function compareContract(line: SubscriptionLine, expected: string, actual: string, getter: string): Discrepancy | undefined {
  return discrepancy({ scope: 'subscription', subscriptionId: line.subscriptionId, token: line.tokens.length === 1 ? line.tokens[0]! : null, against: 'contract', source: `contract ${getter}` },
    expected, actual);
}
