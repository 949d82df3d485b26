import { assertNever } from '../shared/errors.ts';
import type { Address, Timestamp } from '../shared/types.ts';
import type { CreatorEvent, StripeTierPrice, Tier } from './events.ts';

export type CreatorState =
  | { status: 'unregistered' }
  | { status: 'registered'; creator: Address; displayName: string; registeredAt: Timestamp; tiers: Tier[]; stripe?: StripeCatalog };

/** The creator's Stripe Product and the active Price of each card tier, as last synced. */
export interface StripeCatalog {
  productId: string;
  prices: StripeTierPrice[];
}

export const initialState = (): CreatorState => ({ status: 'unregistered' });

export function evolve(state: CreatorState, event: CreatorEvent): CreatorState {
  switch (event.type) {
    case 'CreatorRegistered': {
      const { creator, displayName, registeredAt } = event.data;
      return { status: 'registered', creator, displayName, registeredAt, tiers: state.status === 'registered' ? state.tiers : [] };
    }
    case 'TiersSet':
      // Registration always comes first in practice; a stray TiersSet still keeps its tiers.
      return state.status === 'registered'
        ? { ...state, tiers: event.data.tiers }
        : { status: 'registered', creator: event.data.creator, displayName: '', registeredAt: event.data.setAt, tiers: event.data.tiers };
    case 'StripeCatalogSynced':
      return state.status === 'registered' ? { ...state, stripe: { productId: event.data.productId, prices: event.data.prices } } : state;
    default:
      return assertNever(event);
  }
}

/** The tier of that name, if the creator offers it. */
export function findTier(state: CreatorState, name: string): Tier | undefined {
  return state.status === 'registered' ? state.tiers.find((t) => t.name === name) : undefined;
}
