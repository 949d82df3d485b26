import { randomUUID } from 'node:crypto';
import type { EventMetadata, EventStore, ExpectedRevision } from '../eventstore/types.ts';

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
  correlationId: string;
  causationId?: string | undefined;
}

export interface CommandResult<State, Event extends DomainEvent> {
  streamId: string;
  /** The stream's last revision after the command; -1 when the stream is still empty. */
  revision: number;
  events: Event[];
  state: State;
}

/** Reads a stream and folds it: the current state and the revision to expect on append. */
export async function loadAggregate<State, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>,
): Promise<{ state: State; revision: number }> {
  const recorded = await store.readStream(streamId);
  const state = recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event), decider.initialState());
  return { state, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1]!.streamRevision };
}

/**
 * Reads the stream, folds it, decides, and appends the new events expecting the revision it
 * read, so a concurrent writer makes this throw WrongExpectedRevision (the API's 409).
 * Domain errors propagate unchanged.
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
  const loaded = await loadAggregate(store, streamId, decider);
  const events = decider.decide(command, loaded.state);
  const state = events.reduce(decider.evolve, loaded.state);
  if (events.length === 0) return { streamId, revision: loaded.revision, events, state };
  const metadata: EventMetadata = {
    source: 'command',
    tenantId: trace.tenantId ?? null,
    correlationId: trace.correlationId,
    ...(trace.causationId === undefined ? {} : { causationId: trace.causationId }),
  };
  const expectedRevision: ExpectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
  const appended = await store.append(
    streamId,
    events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata })),
    { expectedRevision },
  );
  return { streamId, revision: appended.revision, events, state };
}
