import { sql } from 'kysely';
import type { LogPosition, RecordedEvent } from '../eventstore/types.ts';
import type { Conn } from './types.ts';

export type DeadLetterStatus = 'halted' | 'parked' | 'retried' | 'skipped';

/** An event a projector could not apply, where it sits in the log, and what became of it. */
export interface DeadLetter {
  projector: string;
  /** `commit/prepare`, as `substream projections status` shows positions. */
  position: string;
  eventId: string;
  type: string;
  streamId: string;
  streamRevision: number;
  status: DeadLetterStatus;
  error: string;
  attempts: number;
}

/** `commit/prepare` of a log position. */
export const formatPosition = (p: LogPosition): string => `${p.commit}/${p.prepare}`;

/**
 * Parses `commit/prepare` (as status shows it), or undefined when it is not one.
 *
 * @example parsePosition('812/4031') // { commit: 812n, prepare: 4031n }
 */
export function parsePosition(text: string): LogPosition | undefined {
  const match = /^(\d{1,20})\/(\d{1,19})$/.exec(text);
  return match ? { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) } : undefined;
}

const columns = sql`projector, position_commit::text || '/' || position_prepare as position, event_id as "eventId", event_type as type,
  stream_id as "streamId", stream_revision::int as "streamRevision", status, error, attempts`;

/**
 * Records that `projector` could not apply `event` (status `halted` or `parked`); recording the
 * same event again counts one more attempt and takes the new status and error.
 *
 * @example await recordDeadLetter(trx, 'content', event, 'parked', error.message);
 */
export async function recordDeadLetter(conn: Conn, projector: string, event: RecordedEvent, status: 'halted' | 'parked', error: string): Promise<void> {
  await sql`insert into projection_dead_letters
      (projector, position_commit, position_prepare, event_id, event_type, stream_id, stream_revision, status, error)
    values (${projector}, ${event.position.commit.toString()}::xid8, ${event.position.prepare.toString()}::bigint, ${event.id}, ${event.type},
      ${event.streamId}, ${event.streamRevision}, ${status}, ${error})
    on conflict (projector, position_commit, position_prepare) do update
      set status = excluded.status, error = excluded.error, attempts = projection_dead_letters.attempts + 1, updated_at = now()`.execute(conn);
}

/** The dead letter of `projector` at `position`, if any. */
export async function loadDeadLetter(conn: Conn, projector: string, position: LogPosition): Promise<DeadLetter | undefined> {
  const { rows } = await sql<DeadLetter>`select ${columns} from projection_dead_letters
    where projector = ${projector} and position_commit = ${position.commit.toString()}::xid8 and position_prepare = ${position.prepare.toString()}::bigint`.execute(conn);
  return rows[0];
}

/**
 * The unresolved dead letters (`halted`, `parked`) of every projector, in log order per projector.
 *
 * @example const open = await openDeadLetters(db); // [{ projector: 'content', position: '812/4031', status: 'parked', … }]
 */
export async function openDeadLetters(conn: Conn): Promise<DeadLetter[]> {
  const { rows } = await sql<DeadLetter>`select ${columns} from projection_dead_letters where status in ('halted', 'parked')
    order by projector, position_commit, position_prepare`.execute(conn);
  return rows;
}

/** Sets a dead letter's status (`retried`, `skipped`, or back to `parked` with the new error of a failed retry). */
export async function resolveDeadLetter(conn: Conn, projector: string, position: LogPosition, status: DeadLetterStatus, error?: string): Promise<void> {
  await sql`update projection_dead_letters set status = ${status}, error = coalesce(${error ?? null}, error),
      attempts = attempts + ${error === undefined ? 0 : 1}, updated_at = now()
    where projector = ${projector} and position_commit = ${position.commit.toString()}::xid8 and position_prepare = ${position.prepare.toString()}::bigint`.execute(conn);
}
