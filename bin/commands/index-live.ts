import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { LIVE_JOB, readCheckpoint } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { withFallback } from '../../indexer/sources/fallback.ts';
import { openSource } from '../../indexer/sources/open.ts';
import { SourceUnavailable } from '../../indexer/sources/types.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const index: CliCommand = {
  usage: `substream index [--follow] [--from N]

Reads contract events from STELLAR_RPC_URL (getEvents) for INDEXER_CONTRACTS into the event store
under the live job's checkpoint. Without --follow it stops at the current tip; with --follow it
keeps tailing (polling with backoff, never skipping a ledger), waiting out RPC outages. Ledgers
past RPC retention are read from INDEXER_DATALAKE when it is set. The first run starts at --from,
else at the tip. Exit codes: 0 done, 2 bad arguments, 3 RPC out of retention with no data lake
(the message names the missing ledgers), unsupported, or unreachable without --follow.`,
  async run(argv) {
    const { values } = parseCliArgs(argv, { follow: { type: 'boolean' }, from: { type: 'string' } });
    if (values.from !== undefined && !/^\d+$/.test(values.from)) throw new UsageError(`--from must be a ledger number, got ${values.from}`);
    const config = loadConfig();
    if (!config.STELLAR_RPC_URL) throw new UsageError('STELLAR_RPC_URL is not set');
    let contracts;
    try {
      contracts = parseContracts(config.INDEXER_CONTRACTS);
    } catch (error) {
      throw new UsageError(`INDEXER_CONTRACTS: ${(error as Error).message}`);
    }
    const logger = pino({ level: config.LOG_LEVEL, name: 'substream-indexer' }, pino.destination(2));
    const runtime = await openRuntime(config, logger);
    const signal = openLogSignal({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX, onError: (error) => logger.warn({ err: error }, 'log signal: Redis error') });
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      const contractIds = contracts.everything ? ['*'] : [...contracts.kinds.keys()];
      const settings = { rpcUrl: config.STELLAR_RPC_URL, datalake: config.INDEXER_DATALAKE, contractIds, passphrase: config.STELLAR_NETWORK };
      const rpc = (await openSource('rpc', settings)).source;
      // Past RPC retention, catch up from the data lake when one is configured, then return to RPC.
      const source = config.INDEXER_DATALAKE ? withFallback(rpc, (await openSource('datalake', settings)).source, logger) : rpc;
      const checkpoint = await readCheckpoint(runtime.db, LIVE_JOB);
      const tip = await source.latestLedger();
      const from = checkpoint ? checkpoint.lastLedger + 1 : values.from !== undefined ? Number(values.from) : tip;
      const stats = await runIndexer(runtime.db, {
        job: LIVE_JOB,
        source,
        from,
        ...(values.follow ? {} : { to: tip }),
        decode: { passphrase: config.STELLAR_NETWORK, contracts },
        signal: abort.signal,
        logger,
        onAppended: signal.notify,
        onProgress: (s) => logger.debug({ lastLedger: s.lastLedger, events: s.events, appended: s.appended }, 'indexed'),
      });
      logger.info({ ...stats, malformedSamples: undefined }, 'indexer stopped');
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof SourceUnavailable)) throw error;
      process.stderr.write(`source unavailable: ${error.message}\n`);
      return EXIT.sourceUnavailable;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      await signal.close();
      await runtime.close();
    }
  },
};
