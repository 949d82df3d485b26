import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { sealPersonalData } from '../../platform/personal-data/events.ts';
import type { Database } from '../../platform/schema.ts';
import { EventIdConflict, WrongExpectedRevision } from '../errors.ts';
import { serializeAppends, type SerializedEvent } from '../serialize.ts';
import { executePrepared } from './prepared.ts';
import type { AppendResult, ExpectedRevision, StreamAppend } from '../types.ts';

type Conn = Kysely<Database> | Transaction<Database>;
const MAX_ATTEMPTS = 10;
/** The append statement's text never varies: each pooled connection prepares it once. */
const PREPARED_NAME = 'substream_append_v1';

interface OutcomeRow {
  kind: 'append' | 'stored' | 'conflict' | 'inserted';
  n: number | null;
  id: string | null;
  before: string | null;
  fresh: string | null;
  commit: string | null;
  prepare: string | null;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

/** Already-serialised JSON documents joined into one array: no per-element escaping in a text[] literal. */
function jsonArray(rows: SerializedEvent[], field: 'data' | 'metadata'): string {
  let json = '[';
  for (let i = 0; i < rows.length; i++) json += (i === 0 ? '' : ',') + rows[i]![field];
  return json + ']';
}

function expectationHolds(expected: ExpectedRevision, before: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return before < 0;
  if (expected === 'stream_exists') return before >= 0;
  return expected === before;
}

/**
 * One statement, one round trip: find stored ids (same content or conflict), each append's stream
 * revision before it (its stream's last revision plus the fresh events of earlier appends to the
 * same stream), and insert the fresh events only if no id conflicts and every expectation holds.
 * The statement's snapshot is shared by all its parts; a concurrent writer that takes the same
 * revision or id makes it fail with a unique violation, and the caller runs it again.
 *
 * An event's `transaction_id`, the first half of its log position, is the writer's xid raised to
 * that of the stream's previous event when that is higher (a transaction that took its xid before
 * the previous event's writer did): so each stream's log order is its revision order. It never
 * sorts below the writer's xid, which is what keeps readers below the horizon gapless (README,
 * "Ordering guarantee").
 */
function appendStatement(appends: readonly StreamAppend[], rows: SerializedEvent[]): RawBuilder<OutcomeRow> {
  const expected = appends.map((a) => a.expectedRevision ?? 'any');
  return sql<OutcomeRow>`
    with input as (
      select * from rows from (
          unnest(${rows.map((r) => r.id)}::uuid[]), unnest(${rows.map((r) => r.append + 1)}::int[]),
          unnest(${rows.map((r) => r.type)}::text[]),
          jsonb_array_elements(${jsonArray(rows, 'data')}::jsonb), jsonb_array_elements(${jsonArray(rows, 'metadata')}::jsonb))
        with ordinality as i(event_id, n, type, data, metadata, ord)
    ),
    appends as (
      select * from unnest(${appends.map((a) => a.streamId)}::text[],
                           ${expected.map((e) => (typeof e === 'number' ? 'revision' : e))}::text[],
                           ${expected.map((e) => (typeof e === 'number' ? e : null))}::bigint[])
        with ordinality as a(stream_id, expected_kind, expected_revision, n)
    ),
    stored as (
      select i.event_id, (e.stream_id = a.stream_id and e.type = i.type and e.data = i.data) as same
      from input i join appends a using (n) join events e on e.event_id = i.event_id
    ),
    fresh as (
      select i.*, a.stream_id from input i join appends a using (n)
      where not exists (select 1 from stored s where s.event_id = i.event_id)
    ),
    counted as (
      select a.*, coalesce(last.stream_revision, -1) as current, last.transaction_id as last_xid, coalesce(f.fresh, 0) as fresh
      from appends a left join (select n, count(*) as fresh from fresh group by n) f using (n)
      left join lateral (
        select e.stream_revision, e.transaction_id from events e where e.stream_id = a.stream_id
        order by e.stream_revision desc limit 1) last on true
    ),
    checked as (
      select *, current + coalesce(sum(fresh) over (partition by stream_id order by n
                                   rows between unbounded preceding and 1 preceding), 0)::bigint as before
      from counted
    ),
    inserted as (
      insert into events (event_id, stream_id, stream_revision, type, data, metadata, transaction_id)
      select event_id, stream_id, revision, type, data, metadata, greatest(pg_current_xact_id(), last_xid) from (
        select f.*, c.current + row_number() over (partition by f.stream_id order by f.ord) as revision, c.last_xid
        from fresh f join counted c using (n)
      ) numbered
      where not exists (select 1 from stored where not same)
        and not exists (
          select 1 from checked where fresh > 0 and not (
            expected_kind = 'any' or (expected_kind = 'no_stream' and before < 0)
            or (expected_kind = 'stream_exists' and before >= 0)
            or (expected_kind = 'revision' and before = expected_revision)))
      order by ord
      returning event_id, stream_id, transaction_id, global_position
    )
    select 'append' as kind, n::int as n, null as id, before::text, fresh::text, null as commit, null as prepare from checked
    union all
    select case when same then 'stored' else 'conflict' end, null, event_id::text, null, null, null, null from stored
    union all
    select 'inserted', i.n::int, e.event_id::text, null, null, e.transaction_id::text, e.global_position::text
    from inserted e join input i using (event_id)`;
}

function toResults(appends: readonly StreamAppend[], rows: SerializedEvent[], outcome: OutcomeRow[]): AppendResult[] {
  const conflicting = outcome.filter((o) => o.kind === 'conflict').map((o) => o.id!);
  if (conflicting.length > 0) throw new EventIdConflict(conflicting);
  const stored = new Set(outcome.filter((o) => o.kind === 'stored').map((o) => o.id!));
  const results: AppendResult[] = appends.map((a) => ({ streamId: a.streamId, revision: -1, appended: 0, alreadyStored: [] }));
  for (const o of outcome) {
    if (o.kind === 'append') {
      const i = o.n! - 1;
      const append = appends[i]!;
      const before = Number(o.before);
      const fresh = Number(o.fresh);
      const expected = append.expectedRevision ?? 'any';
      if (fresh > 0 && !expectationHolds(expected, before)) {
        throw new WrongExpectedRevision(append.streamId, expected, before < 0 ? 'no_stream' : before);
      }
      Object.assign(results[i]!, { revision: before + fresh, appended: fresh });
    } else if (o.kind === 'inserted') {
      const result = results[o.n! - 1]!;
      const position = { commit: BigInt(o.commit!), prepare: BigInt(o.prepare!) };
      if (!result.position || position.prepare > result.position.prepare) result.position = position;
    }
  }
  for (const row of rows) if (stored.has(row.id)) results[row.append]!.alreadyStored.push(row.id);
  return results;
}

/**
 * Appends events to one or more streams atomically, in one statement, with optimistic concurrency
 * and idempotency by event id. Personal fields are sealed first (platform/personal-data/): the log
 * never holds them in clear. Given a transaction, it joins it (a savepoint guards retries) so
 * callers can commit a checkpoint with the events.
 *
 * @example await appendToStreams(db, [{ streamId: 's-1', events, expectedRevision: 'no_stream' }]);
 */
export async function appendToStreams(conn: Conn, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  const sealed: StreamAppend[] = [];
  for (const a of appends) sealed.push({ ...a, events: await sealPersonalData(conn, a.events) });
  const rows = serializeAppends(sealed);
  const statement = appendStatement(appends, rows);
  for (let attempt = 1; ; attempt++) {
    let outcome: OutcomeRow[];
    try {
      if (conn.isTransaction) await sql`savepoint substream_append`.execute(conn);
      outcome = await executePrepared(conn, PREPARED_NAME, statement);
      if (conn.isTransaction) await sql`release savepoint substream_append`.execute(conn);
    } catch (error) {
      if (conn.isTransaction) await sql`rollback to savepoint substream_append`.execute(conn);
      // A concurrent writer took the revision or the id; its commit is visible now, so try again.
      if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
      continue;
    }
    return toResults(appends, rows, outcome);
  }
}
