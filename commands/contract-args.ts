import { nativeToScVal, xdr } from '@stellar/stellar-sdk';

export type ContractArgType = 'address' | 'i128' | 'u64' | 'string' | 'option<u64>' | 'option<string>';

/** One argument of a contract call, in wire form and as base64 ScVal XDR. */
export interface ContractArg<Value extends string | null = string | null> {
  name: string;
  type: ContractArgType;
  /** An address, an integer as a decimal string, a string, or null for an empty option. */
  value: Value;
  /** The argument as base64 ScVal XDR, ready for `invokeHostFunction`. */
  xdr: string;
}

function scVal(type: ContractArgType, value: string | null): xdr.ScVal {
  if (value === null) return xdr.ScVal.scvVoid();
  switch (type) {
    case 'address':
      return nativeToScVal(value, { type: 'address' });
    case 'i128':
    case 'u64':
    case 'option<u64>':
      return nativeToScVal(BigInt(value), { type: type === 'i128' ? 'i128' : 'u64' });
    case 'string':
    case 'option<string>':
      return nativeToScVal(value, { type: 'string' });
  }
}

/**
 * One argument with its XDR.
 *
 * @example contractArg('amount', 'i128', '1000') // { name, type, value: '1000', xdr: 'AAAACg…' }
 */
export function contractArg<Value extends string | null>(name: string, type: ContractArgType, value: Value): ContractArg<Value> {
  return { name, type, value, xdr: scVal(type, value).toXDR('base64') };
}

/** The arguments as one base64 `ScVal::Vec`, e.g. for a link or a QR code. */
export function argsVectorXdr(args: readonly ContractArg[]): string {
  return xdr.ScVal.scvVec(args.map((a) => xdr.ScVal.fromXDR(a.xdr, 'base64'))).toXDR('base64');
}
