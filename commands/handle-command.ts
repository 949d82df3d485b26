import { randomUUID } from 'node:crypto';
import type { EventMetadata, EventStore, ExpectedRevision, RecordedEvent } from '../eventstore/types.ts';

/** A domain event as the deciders produce it: no id, no metadata. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

/** An aggregate's pure functions (see domain/<aggregate>/decide.ts). */
export interface Decider<Command, State, Event extends DomainEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** Who asked, for which tenant, and why: copied into every event's metadata. */
export interface CommandTrace {
  tenantId?: string | undefined;
  /** Who acted: the principal's address (`system` for sweepers). */
  actor?: string | undefined;
  /** The API key the request authenticated with, if any. */
  apiKeyId?: string | undefined;
  correlationId: string;
  causationId?: string | undefined;
  /**
   * One attempt of one command that a client may retry (the Idempotency-Key claim): a retry whose
   * first try committed is recognised by it. A correlation id never is: it spans many commands.
   */
  attemptId?: string | undefined;
}

export interface CommandResult<State, Event extends DomainEvent> {
  streamId: string;
  /** The stream's last revision after the command; -1 when the stream is still empty. */
  revision: number;
  events: Event[];
  state: State;
}

/** An aggregate folded from its stream: the current state and the revision to expect on append (-1: empty). */
export interface LoadedAggregate<State> {
  state: State;
  revision: number;
  /** The attempt id of the stream's last event and the run of last events that share it. */
  tail?: { attemptId: string; events: DomainEvent[] } | undefined;
}

function tailOf(recorded: readonly RecordedEvent[]): LoadedAggregate<unknown>['tail'] {
  const attemptId = recorded.at(-1)?.metadata.attemptId;
  if (typeof attemptId !== 'string') return undefined;
  let first = recorded.length - 1;
  while (first > 0 && recorded[first - 1]!.metadata.attemptId === attemptId) first--;
  return { attemptId, events: recorded.slice(first).map((e) => ({ type: e.type, data: e.data })) };
}

/**
 * Folds a stream's recorded events into the aggregate's state and the revision they end at.
 *
 * @example const { state } = foldAggregate(await store.readStream(creatorStreamId(creator)), creatorDecider);
 */
export function foldAggregate<State, Event extends DomainEvent>(
  recorded: readonly RecordedEvent[],
  decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>,
): LoadedAggregate<State> {
  const state = recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event), decider.initialState());
  return { state, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1]!.streamRevision, tail: tailOf(recorded) };
}

/**
 * Decides on an aggregate already loaded and appends the new events expecting the revision it
 * was loaded at, so a concurrent writer makes this throw WrongExpectedRevision (the API's 409).
 * When the stream already ends with events of this very attempt (same attemptId: a retry under
 * the same Idempotency-Key whose first try committed but lost its answer to a dependency
 * failure), it decides nothing and returns the result of those events again. Commands that only
 * share a correlation id (one request or saga) are each decided.
 * For a command that reads other streams too: `store.readStreams` loads them all in one round trip.
 * Domain errors propagate unchanged.
 *
 * @example
 * const [creatorEvents, subscriptionEvents] = await store.readStreams([creatorStreamId(creator), streamId]);
 * const { revision } = await decideAndAppend(store, streamId, subscriptionDecider, foldAggregate(subscriptionEvents!, subscriptionDecider), command, trace);
 */
export async function decideAndAppend<Command, State, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event>,
  loaded: LoadedAggregate<State>,
  command: Command,
  trace: CommandTrace,
): Promise<CommandResult<State, Event>> {
  if (trace.attemptId !== undefined && loaded.tail?.attemptId === trace.attemptId) {
    return { streamId, revision: loaded.revision, events: loaded.tail.events as Event[], state: loaded.state };
  }
  const events = decider.decide(command, loaded.state);
  const state = events.reduce(decider.evolve, loaded.state);
  if (events.length === 0) return { streamId, revision: loaded.revision, events, state };
  const metadata: EventMetadata = {
    source: 'command',
    tenantId: trace.tenantId ?? null,
    correlationId: trace.correlationId,
    ...(trace.actor === undefined ? {} : { actor: trace.actor }),
    ...(trace.apiKeyId === undefined ? {} : { apiKeyId: trace.apiKeyId }),
    ...(trace.causationId === undefined ? {} : { causationId: trace.causationId }),
    ...(trace.attemptId === undefined ? {} : { attemptId: trace.attemptId }),
  };
  const expectedRevision: ExpectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
  const appended = await store.append(
    streamId,
    events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata })),
    { expectedRevision },
  );
  return { streamId, revision: appended.revision, events, state };
}

/**
 * Reads the stream, folds it, decides, and appends the new events expecting the revision it
 * read (see decideAndAppend).
 *
 * @example
 * const { revision } = await handleCommand(store, creatorStreamId(creator), creatorDecider, command, { correlationId });
 */
export async function handleCommand<Command, State, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  trace: CommandTrace,
): Promise<CommandResult<State, Event>> {
  return decideAndAppend(store, streamId, decider, foldAggregate(await store.readStream(streamId), decider), command, trace);
}
