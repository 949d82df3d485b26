import type { ExpectedRevision } from './types.ts';

/** The stream was not at the revision the caller expected. */
export class WrongExpectedRevision extends Error {
  override name = 'WrongExpectedRevision';
  readonly code = 'CONCURRENCY.CONFLICT';
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly actual: number | 'no_stream';

  constructor(streamId: string, expected: ExpectedRevision, actual: number | 'no_stream') {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual}`);
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** An event id is already stored with a different stream, type or data. */
export class EventIdConflict extends Error {
  override name = 'EventIdConflict';
  readonly code = 'EVENTSTORE.EVENT_ID_CONFLICT';
  readonly eventIds: string[];

  constructor(eventIds: string[]) {
    super(`event ids already stored with different content: ${eventIds.join(', ')}`);
    this.eventIds = eventIds;
  }
}

/** The events to append are malformed; nothing was stored. */
export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
  readonly code = 'EVENTSTORE.INVALID_EVENT';
  readonly index: number | undefined;

  constructor(message: string, index?: number) {
    super(index === undefined ? message : `event ${index}: ${message}`);
    this.index = index;
  }
}
