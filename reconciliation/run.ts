import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { bySubscription, compareContract, compareSubscriptions, compareTokens } from './compare.ts';
import { missingLedgers } from './completeness.ts';
import type { ContractView } from './contract-view.ts';
import { logTotals } from './log-totals.ts';
import { checkpointOf, revenueByToken, subscriptionTotals } from './read-model-totals.ts';
import { asTenant, finishRun, startRun, type ReconciliationRun } from './runs.ts';
import type { DayRange, Discrepancy, ReconciliationReport } from './types.ts';

export interface ReconcileDeps {
  db: Db;
  eventStore: EventStore;
  /** The contract's own view (STELLAR_RPC_URL and a getter configured), or undefined: not compared. */
  contract?: { view: ContractView; getter: string } | undefined;
  logger?: Logger;
}

/** The stream a run's `ReconciliationDiscrepancyFound` events go to. */
export const reconciliationStreamId = (runId: string) => `reconciliation-${runId}`;

/**
 * Compares the tenant's books in one repeatable-read snapshot as `substream_api` under its
 * row-level security: the log's chain bills against `subscriptions` (all time, at that projector's
 * checkpoint) and creator analytics' revenue per token (over the range, at its checkpoint); then,
 * for an all-time run, against the contract's getter. Indexed-ledger gaps make it incomplete.
 */
async function compareBooks(deps: ReconcileDeps, tenant: string, range: DayRange): Promise<ReconciliationReport> {
  const allTime = range.from === null && range.to === null;
  const notes: string[] = [];
  const report = await asTenant(deps.db, tenant, async (trx) => {
    const { indexed, missing } = await missingLedgers(trx, range);
    if (!indexed) notes.push('no ledger range was ever indexed: nothing proves the log holds every chain fact');
    if (missing.length > 0) notes.push(`${missing.length} ledger range(s) were never indexed: chain facts there are missing from every total`);
    const subscriptionsAt = await checkpointOf(trx, 'subscriptions');
    const analyticsAt = await checkpointOf(trx, 'creator-analytics');
    let subscriptions = { lines: [] as ReconciliationReport['subscriptions'], found: [] as Discrepancy[] };
    if (!allTime) notes.push('subscriptions.total_billed and the contract hold all-time totals: compared on runs without a range only');
    else if (subscriptionsAt === null) notes.push('the subscriptions projector never ran: its read model was not compared');
    else subscriptions = compareSubscriptions(await logTotals(trx, tenant, range, subscriptionsAt), await subscriptionTotals(trx));
    let tokens = { lines: [] as ReconciliationReport['tokens'], found: [] as Discrepancy[] };
    if (analyticsAt === null) notes.push('the creator-analytics projector never ran: revenue per token was not compared');
    else tokens = compareTokens(await logTotals(trx, tenant, range, analyticsAt), await revenueByToken(trx, range));
    // The contract is compared with the whole log, not the projector's part of it.
    const wholeLog = allTime && deps.contract ? await logTotals(trx, tenant, range, null) : [];
    return { indexed, missing, subscriptionsAt, analyticsAt, subscriptions, tokens, wholeLog };
  }, { repeatableRead: true });

  const discrepancies = [...report.subscriptions.found, ...report.tokens.found];
  let lines = report.subscriptions.lines;
  if (allTime && deps.contract) {
    const { view, getter } = deps.contract;
    const whole = bySubscription(report.wholeLog);
    const known = new Map(lines.map((l) => [l.subscriptionId, l]));
    for (const [id, w] of whole) if (!known.has(id)) known.set(id, { subscriptionId: id, ...w, readModel: null, contract: null });
    lines = [];
    for (const [id, line] of [...known].sort(([a], [b]) => a.localeCompare(b))) {
      const answer = await view(line.subscriber, tenant).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
      const d = 'billed' in answer ? compareContract(line, whole.get(id)?.log.billed ?? '0', answer.billed, getter) : undefined;
      if (d) discrepancies.push(d);
      lines.push({ ...line, contract: answer });
    }
    if (lines.some((l) => l.contract && 'error' in l.contract)) notes.push('the contract could not be read for some subscriptions (see contract.error)');
  } else if (!deps.contract) {
    notes.push('the contract was not compared: STELLAR_RPC_URL, SUBSTREAM_CONTRACT_ID and RECONCILIATION_CONTRACT_GETTER are needed');
  }
  return {
    complete: report.indexed && report.missing.length === 0,
    gaps: report.missing,
    notes,
    compared: { subscriptions: allTime ? report.subscriptionsAt : null, analytics: report.analyticsAt, contract: allTime && deps.contract !== undefined },
    subscriptions: lines,
    tokens: report.tokens.lines,
    discrepancies,
  };
}

/**
 * Reconciles one tenant's books: records the run, compares (see compareBooks), appends one
 * `ReconciliationDiscrepancyFound` per difference to the run's stream through the event store,
 * and stores the report. A failure fails the run with its message (and rethrows).
 *
 * @example const run = await reconcileTenant({ db, eventStore }, tenant, 'cli', { from: null, to: null });
 */
export async function reconcileTenant(deps: ReconcileDeps, tenant: string, trigger: ReconciliationRun['trigger'], range: DayRange): Promise<ReconciliationRun> {
  const run = await startRun(deps.db, tenant, trigger, range);
  try {
    const report = await compareBooks(deps, tenant, range);
    if (report.discrepancies.length > 0) {
      const events: NewEvent[] = report.discrepancies.map((d) => ({
        id: randomUUID(),
        type: 'ReconciliationDiscrepancyFound',
        data: { runId: run.id, tenantId: tenant, from: range.from, to: range.to, complete: report.complete, ...d },
        metadata: { source: 'system', tenantId: tenant, correlationId: run.id },
      }));
      await deps.eventStore.append(reconciliationStreamId(run.id), events, { expectedRevision: 'no_stream' });
    }
    deps.logger?.[report.discrepancies.length > 0 || !report.complete ? 'warn' : 'info'](
      { runId: run.id, tenant, discrepancies: report.discrepancies.length, complete: report.complete }, 'reconciliation finished');
    return await finishRun(deps.db, run, { status: 'finished', report });
  } catch (error) {
    await finishRun(deps.db, run, { status: 'failed', reason: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
    throw error;
  }
}
