import { createHash } from 'node:crypto';
import { nativeToScVal, xdr } from '@stellar/stellar-sdk';
import type { GetEventsItem } from '../../indexer/sources/events-archive.ts';

/** A SubStream contract (substream-v1) event the demo puts on its simulated chain. */
export type DemoFact =
  | { name: 'subscription_created'; subscriber: string; creator: string; planId: number; token: string; ratePerSecond: bigint; createdAt: Date }
  | { name: 'subscription_billed'; subscriber: string; creator: string; amount: bigint; billedAt: Date; reference: string }
  | { name: 'unsubscribed'; subscriber: string; creator: string };

/** When a fact happens: the ledger it closes in, its close time and its transaction's place in that ledger (1-based). */
export interface DemoSlot {
  ledger: number;
  closedAt: Date;
  txOrder: number;
}

/** Ledgers close every ~5 s: the demo's ledger for an instant (ledger 55,000,000 at 2025-01-01, as mainnet then). */
export function ledgerAt(at: Date): number {
  return LEDGER_AT_EPOCH + Math.floor((at.getTime() - EPOCH) / 5_000);
}

/** When the demo's ledger closed (the instant its 5 s begin). */
export function closedAt(ledger: number): Date {
  return new Date(EPOCH + (ledger - LEDGER_AT_EPOCH) * 5_000);
}

const EPOCH = Date.UTC(2025, 0, 1);
const LEDGER_AT_EPOCH = 55_000_000;

const sym = (s: string) => nativeToScVal(s, { type: 'symbol' });
const addr = (a: string) => nativeToScVal(a, { type: 'address' });
const i128 = (n: bigint) => nativeToScVal(n, { type: 'i128' });
const u64 = (at: Date) => nativeToScVal(BigInt(Math.floor(at.getTime() / 1000)), { type: 'u64' });
const map = (fields: Record<string, xdr.ScVal>) =>
  xdr.ScVal.scvMap(Object.keys(fields).sort().map((k) => new xdr.ScMapEntry({ key: sym(k), val: fields[k]! })));

function scvals(fact: DemoFact): { topic: xdr.ScVal[]; value: xdr.ScVal } {
  const parties = [addr(fact.subscriber), addr(fact.creator)];
  switch (fact.name) {
    case 'subscription_created':
      return {
        topic: [sym('subscription_created'), ...parties, nativeToScVal(fact.planId, { type: 'u32' })],
        value: map({ token: addr(fact.token), rate_per_second: i128(fact.ratePerSecond), created_at: u64(fact.createdAt) }),
      };
    case 'subscription_billed':
      return {
        topic: [sym('subscription_billed'), ...parties, i128(fact.amount)],
        value: map({
          billed_at: u64(fact.billedAt),
          merchant_reference_id: nativeToScVal(fact.reference, { type: 'string' }),
          receipt_hash: nativeToScVal(createHash('sha256').update(fact.reference).digest(), { type: 'bytes' }),
        }),
      };
    case 'unsubscribed':
      return { topic: [sym('unsubscribed'), ...parties], value: xdr.ScVal.scvVec([]) };
    default: {
      const never: never = fact;
      throw new Error(`unknown demo fact ${(never as DemoFact).name}`);
    }
  }
}

/**
 * One fact as the item Soroban RPC `getEvents` would answer for it: the event id is the TOID
 * (`ledger << 32 | txOrder << 12 | op 0`) and event index 0, topics and value are base64 XDR
 * ScVals, and the transaction hash is derived from the id (stable across runs).
 *
 * @example const item = getEventsItem(contractId, { name: 'unsubscribed', subscriber, creator }, { ledger, closedAt, txOrder: 1 });
 */
export function getEventsItem(contractId: string, fact: DemoFact, slot: DemoSlot): GetEventsItem {
  const toid = (BigInt(slot.ledger) << 32n) | (BigInt(slot.txOrder) << 12n);
  const id = `${toid.toString().padStart(19, '0')}-${'0'.padStart(10, '0')}`;
  const { topic, value } = scvals(fact);
  return {
    type: 'contract',
    ledger: slot.ledger,
    ledgerClosedAt: slot.closedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    contractId,
    id,
    operationIndex: 0,
    transactionIndex: slot.txOrder,
    txHash: createHash('sha256').update(`substream-demo:${id}`).digest('hex'),
    topic: topic.map((t) => t.toXDR('base64')),
    value: value.toXDR('base64'),
  };
}
