import { pino } from 'pino';
import { loadConfig, networkPassphrase } from '../../platform/config.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { replayJob } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer, type RunStats } from '../../indexer/runner.ts';
import { openSource, SOURCE_NAMES, type SourceName } from '../../indexer/sources/open.ts';
import { SourceUnavailable } from '../../indexer/sources/types.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';
import { createProgress } from '../progress.ts';

const usage = `substream replay --from N --to M --source rpc|transactions|horizon|datalake|archive [options]

Replays a historical ledger range into the event store under its own checkpoint
(job replay:<source>:<from>-<to>); re-running appends nothing new, an interrupted run resumes.

  --from N, --to M          inclusive ledger range (optional for archive files: the file's range)
  --source NAME             rpc (getEvents), transactions (getTransactions, or --file archive),
                            horizon, datalake, archive (getEvents or getTransactions JSON/NDJSON)
  --rpc-url U               Soroban RPC (default STELLAR_RPC_URL)
  --horizon-url U           Horizon serving result_meta_xdr
  --datalake s3://b/p|DIR   SEP-54 ledger data lake
  --file PATH               archive file
  --contract ID[=KIND]|*    watched contracts, repeatable (default INDEXER_CONTRACTS, else *)
  --network N               mainnet, testnet or a passphrase (default STELLAR_NETWORK)
  --include-fee-events      also record transaction-level fee events
  --json                    print one JSON line of totals on stdout
  --dry-run                 decode and count, write nothing

Exit codes: 0 done, 2 bad arguments, 3 source unreachable or unsupported.`;

function ledger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new UsageError(`${flag} must be a positive ledger number, got ${value}`);
  return Number(value);
}

/** The `--json` line: `events` counts operation-level contract events seen. */
export function summary(stats: RunStats) {
  const { ledgers, transactions, events, appended, duplicates, malformed, byTopic } = stats;
  return { ledgers, transactions, events, appended, duplicates, malformed, byTopic };
}

export const replay: CliCommand = {
  usage,
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      source: { type: 'string' },
      'rpc-url': { type: 'string' },
      'horizon-url': { type: 'string' },
      datalake: { type: 'string' },
      file: { type: 'string' },
      contract: { type: 'string', multiple: true },
      network: { type: 'string' },
      'include-fee-events': { type: 'boolean' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    });
    const name = values.source as SourceName | undefined;
    if (!name || !SOURCE_NAMES.includes(name)) throw new UsageError(`--source must be one of ${SOURCE_NAMES.join(', ')}`);
    let from = ledger(values.from, '--from');
    let to = ledger(values.to, '--to');
    if (name !== 'archive' && (from === undefined || to === undefined)) throw new UsageError(`--source ${name} needs --from and --to`);
    if (from !== undefined && to !== undefined && to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
    const config = loadConfig();
    const passphrase = values.network ? networkPassphrase(values.network) : config.STELLAR_NETWORK;
    let contracts;
    try {
      contracts = parseContracts(values.contract ?? config.INDEXER_CONTRACTS);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const logger = pino({ level: config.LOG_LEVEL, name: 'substream' }, pino.destination(2));
    try {
      const contractIds = contracts.everything ? ['*'] : [...contracts.kinds.keys()];
      const settings = { rpcUrl: values['rpc-url'] ?? config.STELLAR_RPC_URL, horizonUrl: values['horizon-url'], datalake: values.datalake, file: values.file, contractIds, passphrase };
      const opened = await openSource(name, settings).catch((error: unknown) => {
        throw error instanceof TypeError ? new UsageError(error.message) : error;
      });
      if (from === undefined || to === undefined) {
        const range = await opened.fileRange!();
        from ??= range.from;
        to ??= range.to;
        if (to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
      }
      const total = to - from + 1;
      const progress = createProgress(process.stderr);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      const runtime = values['dry-run'] ? null : await openRuntime(config, logger);
      const signal = runtime && openLogSignal({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX, onError: (error) => logger.warn({ err: error }, 'log signal: Redis error') });
      try {
        const stats = await runIndexer(runtime?.db ?? null, {
          job: replayJob(name, from, to),
          source: opened.source,
          from,
          to,
          decode: { passphrase, contracts, includeFeeEvents: values['include-fee-events'] ?? false },
          dryRun: values['dry-run'] ?? false,
          signal: abort.signal,
          logger,
          ...(signal ? { onAppended: signal.notify } : {}),
          onProgress: (s) => progress.update({ ledgersDone: s.ledgers, ledgersTotal: total, events: s.events }),
        });
        progress.done();
        if (values.json) process.stdout.write(`${JSON.stringify(summary(stats))}\n`);
        else logger.info({ ...summary(stats), malformedByReason: stats.malformedByReason }, abort.signal.aborted ? 'replay interrupted' : 'replay done');
        return abort.signal.aborted ? EXIT.failed : EXIT.ok;
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        await signal?.close();
        await runtime?.close();
      }
    } catch (error) {
      if (!(error instanceof SourceUnavailable)) throw error;
      process.stderr.write(`source unavailable: ${error.message}\n`);
      return EXIT.sourceUnavailable;
    } finally {
      logger.flush();
    }
  },
};
