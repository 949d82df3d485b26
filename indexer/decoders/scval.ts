import { scValToNative, xdr } from '@stellar/stellar-sdk';
import { isUnixSecondsInRange, TIME_RANGE_MESSAGE } from '../../domain/shared/time-range.ts';

/** The event does not have the shape its contract kind promises: counted as malformed, never thrown out of a run. */
export class ShapeError extends Error {
  override name = 'ShapeError';
  readonly reason: MalformedReason;
  constructor(message: string, reason: MalformedReason = 'shape') {
    super(message);
    this.reason = reason;
  }
}

/** `xdr`: undecodable XDR; `shape`: a known event with the wrong fields; `unknown`: an event the kind does not know. */
export type MalformedReason = 'xdr' | 'shape' | 'unknown';

/** A JSON rendering of a ScVal: 64/128/256-bit integers as decimal strings, bytes as hex. */
export type ScJson = string | number | boolean | null | ScJson[] | { [key: string]: ScJson };

/** Parses base64 XDR; throws `ShapeError` with reason `xdr` on malformed input. */
export function parseScVal(b64: string): xdr.ScVal {
  try {
    return xdr.ScVal.fromXDR(b64, 'base64');
  } catch (error) {
    throw new ShapeError(`malformed ScVal XDR: ${(error as Error).message}`, 'xdr');
  }
}

function jsonOf(value: unknown): ScJson {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
      return value.includes('\u0000') ? value.replaceAll('\u0000', '\\u0000') : value;
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
      if (Array.isArray(value)) return value.map(jsonOf);
      const out: { [key: string]: ScJson } = {};
      for (const [k, v] of Object.entries(value)) out[k] = jsonOf(v);
      return out;
    }
    default:
      return String(value);
  }
}

/** The decoded JSON of a ScVal (see `ScJson`). */
export function scJson(value: xdr.ScVal): ScJson {
  return jsonOf(native(value));
}

export function symbolOf(value: xdr.ScVal | undefined): string | null {
  return value?.type === 'scvSymbol' ? String(native(value)) : null;
}

/**
 * An event name topic: a Symbol, or a String for names longer than a Symbol's 32 bytes
 * (`payment_failed_grace_period_started` is 35).
 */
export function eventNameOf(value: xdr.ScVal | undefined): string | null {
  return value?.type === 'scvString' ? String(native(value)) : symbolOf(value);
}

/** Parsed topics are shared (see decode.ts), so their native values are worth remembering. */
const natives = new WeakMap<xdr.ScVal, unknown>();

function native(value: xdr.ScVal): unknown {
  if (natives.has(value)) return natives.get(value);
  const result = scValToNative(value);
  natives.set(value, result);
  return result;
}

function expect(value: xdr.ScVal | undefined, types: string[], what: string): unknown {
  if (!value || !types.includes(value.type)) throw new ShapeError(`${what}: expected ${types.join('|')}, got ${value?.type ?? 'nothing'}`);
  return native(value);
}

export const address = (v: xdr.ScVal | undefined, what: string): string => String(expect(v, ['scvAddress'], what));
const I128_MAX = (1n << 127n) - 1n;

/** A token amount: an integer ScVal within 0 … i128 max (money is never negative, and is stored as i128). */
export const amount = (v: xdr.ScVal | undefined, what: string): string => {
  const value = BigInt(expect(v, ['scvI128', 'scvU128', 'scvI64', 'scvU64', 'scvI256', 'scvU256'], what) as bigint);
  if (value < 0n || value > I128_MAX) throw new ShapeError(`${what}: ${value} is not an amount (0 … i128 max)`);
  return value.toString();
};
export const u32 = (v: xdr.ScVal | undefined, what: string): number => Number(expect(v, ['scvU32'], what));
export const u64 = (v: xdr.ScVal | undefined, what: string): bigint =>
  BigInt(expect(v, ['scvU64', 'scvTimepoint', 'scvDuration', 'scvU32'], what) as bigint);
export const text = (v: xdr.ScVal | undefined, what: string): string => {
  const native = expect(v, ['scvString', 'scvSymbol'], what);
  return native instanceof Uint8Array ? Buffer.from(native).toString('utf8') : String(native);
};
export const bytesHex = (v: xdr.ScVal | undefined, what: string): string =>
  Buffer.from(expect(v, ['scvBytes'], what) as Uint8Array).toString('hex');
export const optional = <T>(v: xdr.ScVal | undefined, read: (v: xdr.ScVal, what: string) => T, what: string): T | null =>
  v === undefined || v.type === 'scvVoid' ? null : read(v, what);

/** Unix seconds (u64) → ISO-8601; outside the system's time range (domain/shared/time-range.ts) a `ShapeError` naming the field. */
export function isoSeconds(seconds: bigint, what = 'time'): string {
  if (!isUnixSecondsInRange(seconds)) throw new ShapeError(`${what}: ${seconds} ${TIME_RANGE_MESSAGE}`);
  return new Date(Number(seconds) * 1000).toISOString();
}

/** The fields of a `Map` keyed by symbols. */
export function fields(value: xdr.ScVal, what = 'value'): Map<string, xdr.ScVal> {
  if (value.type !== 'scvMap') throw new ShapeError(`${what}: expected a map, got ${value.type}`);
  const out = new Map<string, xdr.ScVal>();
  for (const entry of (value as unknown as { map: xdr.ScMapEntry[] | null }).map ?? []) {
    const key = symbolOf(entry.key) ?? (entry.key.type === 'scvString' ? String(scValToNative(entry.key)) : null);
    if (key !== null) out.set(key, entry.val);
  }
  return out;
}

/** The elements of a `Vec`. */
export function items(value: xdr.ScVal | undefined, what = 'value'): xdr.ScVal[] {
  if (value?.type !== 'scvVec') throw new ShapeError(`${what}: expected a vec, got ${value?.type ?? 'nothing'}`);
  return (value as unknown as { vec: xdr.ScVal[] | null }).vec ?? [];
}
