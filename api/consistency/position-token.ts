import type { LogPosition } from '../../eventstore/types.ts';
import { ApiError } from '../errors.ts';

/** The response header of a command: the log position its events committed at. */
export const POSITION_HEADER = 'substream-position';
/** The request header of a query: answer only once the read models it reads have passed this position. */
export const MIN_POSITION_HEADER = 'substream-min-position';
/** The query-string form of MIN_POSITION_HEADER. */
export const MIN_POSITION_QUERY = 'minPosition';

const HALF = 16;
/** `global_position` is a PostgreSQL bigint. */
const MAX_PREPARE = (1n << 63n) - 1n;
const TOKEN = /^[0-9a-f]{32}$/;

/**
 * A log position as a consistency token: 32 lowercase hex digits (commit, then prepare, each 64
 * bits, big-endian). Opaque to clients, but fixed-width, so two tokens of one server compare as
 * strings in log order (the SDK keeps the greater).
 *
 * @example encodePosition({ commit: 7n, prepare: 3n }) // '00000000000000070000000000000003'
 */
export function encodePosition(position: LogPosition): string {
  return position.commit.toString(16).padStart(HALF, '0') + position.prepare.toString(16).padStart(HALF, '0');
}

/**
 * The position a token from `encodePosition` names; anything else is 400 CONSISTENCY.INVALID_POSITION.
 *
 * @example decodePosition(request.headers['substream-min-position'])
 */
export function decodePosition(token: string): LogPosition {
  if (!TOKEN.test(token)) {
    throw new ApiError(400, 'CONSISTENCY.INVALID_POSITION', `${MIN_POSITION_HEADER} (or ?${MIN_POSITION_QUERY}=) must be a ${POSITION_HEADER} this API returned`);
  }
  const commit = BigInt(`0x${token.slice(0, HALF)}`);
  const prepare = BigInt(`0x${token.slice(HALF)}`);
  if (prepare > MAX_PREPARE) throw new ApiError(400, 'CONSISTENCY.INVALID_POSITION', 'the position is out of range');
  return { commit, prepare };
}
