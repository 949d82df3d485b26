import type { Logger } from '../../platform/logger.ts';
import { RetentionGap, type LedgerBatch, type LedgerRange, type LedgerSource } from './types.ts';

/**
 * `primary` (RPC) with a `fallback` (the data lake) for what the primary no longer keeps: when
 * the primary throws a {@link RetentionGap}, exactly the missing ledgers are read from the
 * fallback, then reading returns to the primary. Batches stay contiguous; the tip is the
 * primary's.
 *
 * @example const source = withFallback(createRpcEventsSource(rpcOptions), createDatalakeSource(lakeOptions));
 */
export function withFallback(primary: LedgerSource, fallback: LedgerSource, logger?: Logger): LedgerSource {
  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    let pos = range.from;
    while (!signal?.aborted && (range.to === undefined || pos <= range.to)) {
      let gap: RetentionGap;
      try {
        for await (const batch of primary.read({ ...range, from: pos }, signal)) {
          yield batch;
          pos = batch.toLedger + 1;
        }
        return;
      } catch (error) {
        if (!(error instanceof RetentionGap) || error.from > pos) throw error;
        gap = error;
      }
      const to = range.to === undefined ? gap.to : Math.min(range.to, gap.to);
      logger?.warn({ primary: primary.name, fallback: fallback.name, from: pos, to }, 'past the primary source retention: catching up from the fallback');
      for await (const batch of fallback.read({ from: pos, to }, signal)) {
        yield batch;
        pos = batch.toLedger + 1;
        if (pos > to) break;
      }
      if (pos <= to) throw gap;
    }
  }

  return { name: `${primary.name}+${fallback.name}`, latestLedger: () => primary.latestLedger(), read };
}
