import { StrKey } from '@stellar/stellar-sdk';
import { z } from 'zod';
import { isTimeInRange, MAX_UNIX_SECONDS, MIN_UNIX_SECONDS, TIME_RANGE_MESSAGE } from '../domain/shared/time-range.ts';

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

/** Unix seconds inside the system's time range (domain/shared/time-range.ts): 0 … 253402300799. */
export const UnixSeconds = z
  .number()
  .int()
  .min(MIN_UNIX_SECONDS, TIME_RANGE_MESSAGE)
  .max(MAX_UNIX_SECONDS, TIME_RANGE_MESSAGE)
  .meta({ description: `unix seconds, ${MIN_UNIX_SECONDS} … ${MAX_UNIX_SECONDS}` });

/** `UnixSeconds` read from a query string (`?at=…`). */
export const UnixSecondsQuery = z.coerce
  .number()
  .int()
  .min(MIN_UNIX_SECONDS, TIME_RANGE_MESSAGE)
  .max(MAX_UNIX_SECONDS, TIME_RANGE_MESSAGE)
  .meta({ description: `unix seconds, ${MIN_UNIX_SECONDS} … ${MAX_UNIX_SECONDS}` });

/**
 * An ISO-8601 time inside the system's time range (1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z);
 * `offset` also admits `+01:00`-style offsets besides `Z`.
 *
 * @example const At = isoTime({ offset: true });
 */
export function isoTime(options: { offset?: boolean } = {}) {
  return z.iso.datetime({ offset: options.offset ?? false, abort: true }).refine(isTimeInRange, TIME_RANGE_MESSAGE);
}

/** An ISO-8601 time (with offset) or date (`2026-01-31`) inside the system's time range. */
export const IsoTimeOrDate = z.iso.datetime({ offset: true }).or(z.iso.date()).refine(isTimeInRange, TIME_RANGE_MESSAGE);
