import { StrKey } from '@stellar/stellar-sdk';
import { z } from 'zod';
import { paymentStreamId } from '../domain/stream/events.ts';

const U64_MAX = 2n ** 64n - 1n;
const SHAPE = /^(C[A-Z2-7]{55})-(0|[1-9]\d{0,19})$/;

/**
 * The (contract, on-chain id) behind a public stream id `<contractId>-<onchainId>`, or `null`.
 *
 * @example parseStreamId('CA…-42') // { contractId: 'CA…', streamId: '42', eventStream: 'stream-CA…-42' }
 */
export function parseStreamId(id: string): { contractId: string; streamId: string; eventStream: string } | null {
  const match = SHAPE.exec(id);
  if (!match || !StrKey.isValidContract(match[1]!) || BigInt(match[2]!) > U64_MAX) return null;
  return { contractId: match[1]!, streamId: match[2]!, eventStream: paymentStreamId(match[1]!, match[2]!) };
}

/** A public stream id, validated (checksum of the contract, u64 range of the on-chain id). */
export const StreamId = z
  .string()
  .max(100)
  .refine((v) => parseStreamId(v) !== null, 'a stream id: `<contractId>-<onchainId>` (C… address with a valid checksum, u64 id)')
  .meta({ description: 'The on-chain stream: `<StellarStream contract id>-<u64 stream id>`', example: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC-42' });
