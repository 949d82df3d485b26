import { DomainError, assertNever } from '../shared/errors.ts';
import type { CreatorCommand, RegisterCreator, SetTiers } from './commands.ts';
import type { CreatorEvent, CreatorRegistered, TiersSet } from './events.ts';
import { evolve, initialState, type CreatorState } from './state.ts';
import { tiersProblem } from './tiers.ts';

export function registerCreator(command: RegisterCreator, state: CreatorState): CreatorRegistered[] {
  if (state.status === 'registered') {
    throw new DomainError('CREATOR.ALREADY_REGISTERED', 'this creator is already registered', { creator: command.data.creator });
  }
  const { creator, displayName } = command.data;
  return [{ type: 'CreatorRegistered', data: { creator, displayName, registeredAt: command.metadata.now } }];
}

export function setTiers(command: SetTiers, state: CreatorState): TiersSet[] {
  if (state.status !== 'registered') {
    throw new DomainError('CREATOR.NOT_REGISTERED', 'register as a creator before setting tiers', { creator: command.data.creator });
  }
  const problem = tiersProblem(command.data.tiers);
  if (problem !== null) throw new DomainError(problem.code, problem.message, problem.details);
  const { creator, tiers } = command.data;
  return [{ type: 'TiersSet', data: { creator, tiers, setAt: command.metadata.now } }];
}

export function decide(command: CreatorCommand, state: CreatorState): CreatorEvent[] {
  switch (command.type) {
    case 'RegisterCreator':
      return registerCreator(command, state);
    case 'SetTiers':
      return setTiers(command, state);
    default:
      return assertNever(command);
  }
}

/** The creator aggregate as one value (`handleCommand` takes it). */
export const creatorDecider = { initialState, evolve, decide };
