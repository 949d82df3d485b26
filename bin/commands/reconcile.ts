import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { reconciliationContract } from '../../reconciliation/contract-config.ts';
import { isCalendarDay } from '../../reconciliation/day-range.ts';
import { reconcileTenant } from '../../reconciliation/run.ts';
import { reconcileAll } from '../../reconciliation/schedule.ts';
import type { ReconciliationReport } from '../../reconciliation/types.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const reconcile: CliCommand = {
  usage: `substream reconcile [--tenant G…] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]

Reconciles one tenant's books (--tenant) or every tenant's: the chain bills in the event log
against subscriptions.total_billed and daily revenue per token, and with STELLAR_RPC_URL,
SUBSTREAM_CONTRACT_ID and RECONCILIATION_CONTRACT_GETTER against the contract (simulated, no fee).
--from (inclusive) and --to (exclusive) are UTC days; a range compares revenue per token only.
Each run is stored (GET /v1/reconciliation/runs/:id) and each difference appended as a
ReconciliationDiscrepancyFound event. Prints one line per tenant, or with --json the runs and reports.
Exit 0: every run clean and complete; 5: a discrepancy or a ledger gap; 1: a run failed.`,
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    for (const name of ['from', 'to'] as const) {
      const value = values[name];
      if (value !== undefined && !isCalendarDay(value)) throw new UsageError(`--${name} must be a UTC day YYYY-MM-DD (got ${value})`);
    }
    const range = { from: values.from ?? null, to: values.to ?? null };
    if (range.from !== null && range.to !== null && range.from >= range.to) throw new UsageError('--from must be before --to');
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger);
    try {
      const eventStore = createPostgresEventStore(runtime.apiDb);
      const deps = { db: runtime.apiDb, eventStore, contract: reconciliationContract(config), logger };
      const { runs, failed } = values.tenant
        ? { runs: [await reconcileTenant(deps, values.tenant, 'cli', range)], failed: [] }
        : await reconcileAll(deps, 'cli', range);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ failed, runs: runs.map((r) => ({ runId: r.id, tenant: r.tenant_id, status: r.status, complete: r.complete, discrepancies: r.discrepancies, report: r.report })) })}\n`);
      } else {
        for (const r of runs) {
          const gaps = (r.report as ReconciliationReport | null)?.gaps ?? [];
          const holes = gaps.map((g) => `${g.fromLedger}-${g.toLedger}`).join(', ');
          process.stdout.write(`${r.tenant_id}: run ${r.id} ${r.discrepancies} discrepancies${r.complete ? '' : `, INCOMPLETE${holes ? ` (ledgers never indexed: ${holes})` : ''}`}\n`);
        }
        for (const tenant of failed) process.stdout.write(`${tenant}: FAILED (see the log)\n`);
        if (runs.length + failed.length === 0) process.stdout.write('no tenant has books to reconcile\n');
      }
      if (failed.length > 0) return EXIT.failed;
      return runs.every((r) => r.discrepancies === 0 && r.complete) ? EXIT.ok : EXIT.booksDisagree;
    } finally {
      await runtime.close();
    }
  },
};
