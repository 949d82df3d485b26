import { randomBytes, randomUUID } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import { paymentStreamId } from '../../domain/stream/events.ts';
import type { EventStore, NewEvent } from '../../eventstore/types.ts';

let ledger = 1_000;

/**
 * Appends a StellarStream fact the way the indexer does: to the on-chain stream's event stream,
 * with chain metadata (ledger, close time, transaction, indexes, contract).
 *
 * @example await appendStreamFact(store, 'StreamCreated', { contractId, streamId: '1', sender, … }, receiver);
 */
export async function appendStreamFact(store: EventStore, type: string, data: Record<string, unknown> & { contractId: string; streamId: string }, tenantId: string | null = null) {
  ledger += 1;
  const txHash = randomBytes(32).toString('hex');
  const event: NewEvent = {
    id: randomUUID(),
    type,
    data,
    metadata: {
      source: 'chain',
      tenantId,
      chain: { ledger, ledgerClosedAt: new Date().toISOString(), txHash, operationIndex: 0, eventIndex: 0, contractId: data.contractId },
    },
  };
  await store.append(paymentStreamId(data.contractId, data.streamId), [event]);
  return { ledger, txHash };
}

export const randomContract = (): string => StrKey.encodeContract(randomBytes(32));
