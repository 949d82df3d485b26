import type { Address, CommandMetadata } from '../shared/types.ts';
import type { Tier } from './events.ts';

export type RegisterCreator = {
  type: 'RegisterCreator';
  data: { creator: Address; displayName: string };
  metadata: CommandMetadata;
};

export type SetTiers = {
  type: 'SetTiers';
  data: { creator: Address; tiers: Tier[] };
  metadata: CommandMetadata;
};

export type CreatorCommand = RegisterCreator | SetTiers;
