import type { Stroops } from './types.ts';

const INTEGER = /^-?(0|[1-9]\d*)$/;

/** Parses a decimal-integer string of stroops; `null` when it is not one (never a JS number). */
export function parseStroops(value: Stroops): bigint | null {
  return INTEGER.test(value) ? BigInt(value) : null;
}
