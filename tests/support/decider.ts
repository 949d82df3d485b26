import type { Test } from 'tap';
import { DomainError } from '../../domain/shared/errors.ts';

interface Decider<Command, State, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** Folds events from the decider's initial state. */
export function fold<State, Event>(decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>, events: readonly Event[]): State {
  return events.reduce(decider.evolve, decider.initialState());
}

/**
 * given(events).when(command).then(events | errorCode), Emmett style.
 *
 * @example
 * const spec = deciderSpec(subscriptionDecider);
 * spec(t).given([requested]).when(cancel).then([cancellationRequested]);
 * spec(t).given([]).when(cancel).then('SUBSCRIPTION.NOT_FOUND');
 */
export function deciderSpec<Command, State, Event>(decider: Decider<Command, State, Event>) {
  return (t: Test) => ({
    given: (history: readonly Event[]) => ({
      when: (command: Command) => ({
        /** Asserts the new events (returning the state after them) or the domain error code. */
        then(expected: readonly Event[] | string): State | undefined {
          const state = fold(decider, history);
          let produced: Event[];
          try {
            produced = decider.decide(command, state);
          } catch (error) {
            if (typeof expected === 'string' && error instanceof DomainError) {
              t.equal(error.code, expected, `fails with ${expected}`);
              return undefined;
            }
            throw error;
          }
          if (typeof expected === 'string') {
            t.fail(`expected ${expected}, decided ${JSON.stringify(produced.map((e) => (e as { type: string }).type))}`);
            return undefined;
          }
          t.same(produced, expected, 'decides the expected events');
          return produced.reduce(decider.evolve, state);
        },
      }),
    }),
  });
}
