import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/schema.ts';
import { EventIdConflict, WrongExpectedRevision } from '../errors.ts';
import { serializeAppends, type SerializedEvent } from '../serialize.ts';
import type { AppendResult, ExpectedRevision, StreamAppend } from '../types.ts';

type Conn = Kysely<Database> | Transaction<Database>;
const MAX_ATTEMPTS = 10;

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

async function storedIds(trx: Conn, rows: SerializedEvent[]): Promise<Set<string>> {
  const ids = rows.map((r) => r.id);
  const found = await sql<{ id: string }>`
    select event_id::text as id from events where event_id = any(${ids}::uuid[])`.execute(trx);
  if (found.rows.length === 0) return new Set();
  const foundIds = new Set(found.rows.map((f) => f.id));
  const candidates = rows.filter((r) => foundIds.has(r.id));
  const compared = await sql<{ id: string; same: boolean }>`
    select e.event_id::text as id, (e.stream_id = i.stream_id and e.type = i.type and e.data = i.data) as same
    from unnest(${candidates.map((r) => r.id)}::uuid[], ${candidates.map((r) => r.streamId)}::text[],
                ${candidates.map((r) => r.type)}::text[], ${candidates.map((r) => r.data)}::jsonb[])
         as i(event_id, stream_id, type, data)
    join events e on e.event_id = i.event_id`.execute(trx);
  const conflicting = compared.rows.filter((r) => !r.same).map((r) => r.id);
  if (conflicting.length > 0) throw new EventIdConflict(conflicting);
  return new Set(compared.rows.map((r) => r.id));
}

async function currentRevisions(trx: Conn, streamIds: string[]): Promise<Map<string, number | null>> {
  const result = await sql<{ stream_id: string; revision: string | null }>`
    select s.stream_id, (select max(stream_revision) from events e where e.stream_id = s.stream_id) as revision
    from unnest(${streamIds}::text[]) as s(stream_id)`.execute(trx);
  return new Map(result.rows.map((r) => [r.stream_id, r.revision === null ? null : Number(r.revision)]));
}

function checkExpected(streamId: string, expected: ExpectedRevision, current: number | null): void {
  const actual = current ?? 'no_stream';
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === null) ||
    (expected === 'stream_exists' && current !== null) ||
    expected === current;
  if (!ok) throw new WrongExpectedRevision(streamId, expected, actual);
}

async function appendOnce(trx: Conn, appends: readonly StreamAppend[], rows: SerializedEvent[]): Promise<AppendResult[]> {
  const stored = await storedIds(trx, rows);
  const streamIds = [...new Set(appends.map((a) => a.streamId))];
  const revisions = await currentRevisions(trx, streamIds);
  const byAppend: SerializedEvent[][] = appends.map(() => []);
  for (const row of rows) byAppend[row.append]!.push(row);
  const insert: (SerializedEvent & { revision: number })[] = [];
  const results = appends.map((append, i): AppendResult => {
    const mine = byAppend[i]!;
    const fresh = mine.filter((r) => !stored.has(r.id));
    const current = revisions.get(append.streamId) ?? null;
    if (fresh.length > 0) checkExpected(append.streamId, append.expectedRevision ?? 'any', current);
    let revision = current ?? -1;
    for (const row of fresh) insert.push({ ...row, revision: ++revision });
    revisions.set(append.streamId, revision < 0 ? null : revision);
    const alreadyStored = mine.filter((r) => stored.has(r.id)).map((r) => r.id);
    return { streamId: append.streamId, revision, appended: fresh.length, alreadyStored };
  });
  if (insert.length === 0) return results;
  const inserted = await sql<{ event_id: string; transaction_id: string; global_position: string }>`
    insert into events (event_id, stream_id, stream_revision, type, data, metadata)
    select * from unnest(${insert.map((r) => r.id)}::uuid[], ${insert.map((r) => r.streamId)}::text[],
                         ${insert.map((r) => r.revision)}::bigint[], ${insert.map((r) => r.type)}::text[],
                         ${insert.map((r) => r.data)}::jsonb[], ${insert.map((r) => r.metadata)}::jsonb[])
    returning event_id::text, transaction_id::text, global_position`.execute(trx);
  const appendOf = new Map(insert.map((r) => [r.id, r.append]));
  for (const row of inserted.rows) {
    const result = results[appendOf.get(row.event_id)!]!;
    const position = { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) };
    if (!result.position || position.prepare > result.position.prepare) result.position = position;
  }
  return results;
}

/**
 * Appends events to one or more streams atomically with optimistic concurrency and idempotency
 * by event id. Given a transaction, it joins it (a savepoint guards retries) so callers can
 * commit a checkpoint with the events.
 *
 * @example await appendToStreams(db, [{ streamId: 's-1', events, expectedRevision: 'no_stream' }]);
 */
export async function appendToStreams(conn: Conn, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  const rows = serializeAppends(appends);
  for (let attempt = 1; ; attempt++) {
    try {
      if (!conn.isTransaction) return await conn.transaction().execute((trx) => appendOnce(trx, appends, rows));
      await sql`savepoint substream_append`.execute(conn);
      const results = await appendOnce(conn, appends, rows);
      await sql`release savepoint substream_append`.execute(conn);
      return results;
    } catch (error) {
      if (conn.isTransaction) await sql`rollback to savepoint substream_append`.execute(conn);
      // A concurrent writer took the revision or the id; its commit is visible now, so try again.
      if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
