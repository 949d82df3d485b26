import { createHash } from 'node:crypto';
import { Keypair, nativeToScVal, StrKey, xdr } from '@stellar/stellar-sdk';
import type { RawContractEvent } from '../../indexer/sources/types.ts';

/** Real-format contract ids and accounts for synthetic events. */
export const contract = (label: string) => StrKey.encodeContract(createHash('sha256').update(label).digest());
export const account = () => Keypair.random().publicKey();

export const sym = (s: string) => nativeToScVal(s, { type: 'symbol' });
export const addr = (a: string) => nativeToScVal(a, { type: 'address' });
export const i128 = (n: bigint | number) => nativeToScVal(BigInt(n), { type: 'i128' });
export const u64 = (n: bigint | number) => nativeToScVal(BigInt(n), { type: 'u64' });
export const u32 = (n: number) => nativeToScVal(n, { type: 'u32' });
export const str = (s: string) => nativeToScVal(s, { type: 'string' });
export const bytes = (b: Buffer) => nativeToScVal(b, { type: 'bytes' });
export const vec = (items: xdr.ScVal[]) => xdr.ScVal.scvVec(items);
/** A `Map` value with symbol keys, sorted as the host sorts them. */
export const map = (fields: Record<string, xdr.ScVal>) =>
  xdr.ScVal.scvMap(
    Object.keys(fields)
      .sort()
      .map((k) => new xdr.ScMapEntry({ key: sym(k), val: fields[k]! })),
  );

let counter = 0;

/** A RawContractEvent with the given topics and value, at a fresh (txHash, 0, 0) unless overridden. */
export function rawEvent(contractId: string, topics: xdr.ScVal[], value: xdr.ScVal, over: Partial<RawContractEvent> = {}): RawContractEvent {
  counter++;
  return {
    ledger: 1_000,
    ledgerClosedAt: '2026-11-23T12:00:00Z',
    txHash: createHash('sha256').update(`tx-${counter}`).digest('hex'),
    operationIndex: 0,
    eventIndex: 0,
    contractId,
    topics: topics.map((t) => t.toXDR('base64')),
    value: value.toXDR('base64'),
    inSuccessfulContractCall: true,
    stage: 'operation',
    ...over,
  };
}
