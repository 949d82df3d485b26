import { StrKey } from '@stellar/stellar-sdk';
import { z } from 'zod';

const I128_MIN = -(2n ** 127n);
const I128_MAX = 2n ** 127n - 1n;
const INTEGER = /^-?(0|[1-9]\d{0,38})$/;

/** An i128 amount of stroops as a decimal-integer string (never a JSON number). */
export const Stroops = z
  .string()
  .regex(INTEGER, { message: 'a decimal integer string', abort: true })
  .refine((v) => BigInt(v) >= I128_MIN && BigInt(v) <= I128_MAX, 'outside the i128 range')
  .meta({ description: 'i128 amount in stroops, as a decimal string', example: '1000' });

/** A Stellar account (G…) or contract (C…) address. */
export const StellarAddress = z
  .string()
  .refine((v) => StrKey.isValidEd25519PublicKey(v) || StrKey.isValidContract(v), 'a Stellar account (G…) or contract (C…) address');

/** A Soroban contract address (C…), such as a token. */
export const ContractAddress = z.string().refine((v) => StrKey.isValidContract(v), 'a Soroban contract address (C…)');

/** A strictly positive i128 amount of stroops (decimal string). */
export const PositiveStroops = Stroops.refine((v) => /^\d+$/.test(v) && BigInt(v) > 0n, 'a positive amount');

/** Unix seconds (u64 on chain; kept below 2^53 here, year 285 million). */
export const UnixSeconds = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ description: 'unix seconds' });
