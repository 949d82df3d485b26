import type { LedgerBatch, LedgerRange, LedgerSource, RawContractEvent } from '../../indexer/sources/types.ts';

/**
 * An in-memory LedgerSource over events keyed by ledger, `ledgersPerBatch` ledgers a batch; `tip`
 * can move during a test (follow mode), and `events` may grow.
 */
export function memorySource(events: RawContractEvent[], tip: { latest: number }, name = 'memory', ledgersPerBatch = 3): LedgerSource {
  return {
    name,
    async latestLedger() {
      return tip.latest;
    },
    async *read(range: LedgerRange): AsyncIterable<LedgerBatch> {
      const to = Math.min(range.to ?? tip.latest, tip.latest);
      for (let ledger = range.from; ledger <= to; ledger += ledgersPerBatch) {
        const end = Math.min(ledger + ledgersPerBatch - 1, to);
        yield { fromLedger: ledger, toLedger: end, transactions: 0, events: events.filter((e) => e.ledger >= ledger && e.ledger <= end) };
      }
    },
  };
}
