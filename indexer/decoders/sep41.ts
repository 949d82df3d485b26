import { address, amount, fields, items, ShapeError } from './scval.ts';
import type { KindDecoder } from './types.ts';

/** Topics a SEP-41 token or Stellar Asset Contract emits; others (e.g. `set_admin`) pass as raw facts. */
const CHECKS: Record<string, (p: Parameters<KindDecoder>[0]) => void> = {
  transfer(p) {
    address(p.topics[1], 'topic from');
    address(p.topics[2], 'topic to');
    if (p.value.type === 'scvMap') amount(fields(p.value).get('amount'), 'amount');
    else amount(p.value, 'amount');
  },
  mint: (p) => amount(p.value, 'amount'),
  burn: (p) => amount(p.value, 'amount'),
  clawback: (p) => amount(p.value, 'amount'),
  approve: (p) => amount(items(p.value)[0], 'amount'),
  set_authorized(p) {
    if (p.value.type !== 'scvBool') throw new ShapeError(`set_authorized: expected a bool, got ${p.value.type}`);
  },
};

/**
 * SEP-41 tokens: checks the shape of the standard events. They carry no domain fact of their
 * own; payments are read by the projections from the raw `ContractEventObserved` facts.
 */
export const decodeSep41: KindDecoder = (p) => {
  if (p.name !== null) CHECKS[p.name]?.(p);
  return null;
};
